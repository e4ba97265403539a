using Ktap.Bpf.Asm;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.Filters;

internal sealed partial class FilterCodeWriter
{
    /// <summary>
    /// <c>field OP value</c>: the field into R0, then one jump. Fields of up to 4 bytes are
    /// compared with the 32-bit jumps (JMP32, kernel 5.1), so a loaded, zero-extended value needs
    /// no extension for ==, != and &amp;: <c>pid == 42</c> is a load and a jump.
    /// </summary>
    private void EmitInteger(IntegerPredicate predicate, Label target, bool jumpIf)
    {
        var subject = predicate.Subject;
        LoadInteger(subject);
        var ordered = predicate.Operator is not (IntegerOperator.Equal or IntegerOperator.NotEqual or IntegerOperator.BitAnd);
        var value = predicate.Value;
        var wide = subject.Size == 8;
        if (!wide)
        {
            if (ordered && subject.IsSigned && subject.Size < 4)
            {
                // A signed byte or short must be sign-extended to order it with a signed jump.
                // cpu v4's sign-extending load (BPF_MEMSX, kernel 6.6; 6.18 takes it from a
                // tracepoint context) would do it in the load, but the Debian 6.1 kernel of the
                // guest tests has no cpu v4: two shifts work everywhere.
                var shift = 32 - (subject.Size * 8);
                builder.Emit(Alu32(AluOperation.Lsh, Register.R0, shift), Alu32(AluOperation.Arsh, Register.R0, shift));
            }
            else
            {
                value &= (1L << (subject.Size * 8)) - 1;
            }
        }

        if (predicate.Operator == IntegerOperator.BitAnd && !jumpIf)
        {
            // There is no "jump if no bit is set" (JSET has no inverse): AND, then test for zero.
            if (!wide)
            {
                builder.Emit(Alu32(AluOperation.And, Register.R0, (int)value));
                builder.Jump32(JumpOperation.Jeq, Register.R0, 0, target);
            }
            else
            {
                if (value is >= int.MinValue and <= int.MaxValue)
                {
                    builder.Emit(Alu64(AluOperation.And, Register.R0, (int)value));
                }
                else
                {
                    builder.Emit(LoadImm64(Register.R1, value));
                    builder.Emit(Alu64(AluOperation.And, Register.R0, Register.R1));
                }

                builder.Jump(JumpOperation.Jeq, Register.R0, 0, target);
            }

            return;
        }

        var operation = JumpFor(predicate.Operator, subject.IsSigned, negate: !jumpIf);
        if (wide)
        {
            Jump64(operation, value, target);
        }
        else
        {
            builder.Jump32(operation, Register.R0, (int)value, target);
        }
    }

    /// <summary>The subject into R0: zero-extended from its size (the 32-bit jumps look at the low half only).</summary>
    private void LoadInteger(FilterSubject subject)
    {
        switch (subject.Kind)
        {
            case SubjectKind.ThreadId:
                // The low half of pid_tgid is current->pid, what the kernel records as common_pid.
                builder.Emit(Call(HelperFunction.GetCurrentPidTgid));
                break;
            case SubjectKind.Cpu:
                builder.Emit(Call(HelperFunction.GetSmpProcessorId));
                break;
            case SubjectKind.Integer when subject.Offset % subject.Size == 0:
                builder.Emit(Load(SizeOf(subject.Size), Register.R0, Context, Offset(subject.Offset)));
                break;
            case SubjectKind.Integer:
                // The verifier refuses a context load that is not aligned to its size ("invalid
                // bpf_context access", tp_prog_is_valid_access and friends check off % size), as
                // in a packed record: copy the field to the stack and load it from there.
                builder.Emit(Mov64(Register.R3, Context), Alu64(AluOperation.Add, Register.R3, subject.Offset));
                ReadToStack(HelperFunction.ProbeReadKernel, subject.Size);
                builder.Emit(Load(SizeOf(subject.Size), Register.R0, Register.R10, stackOffset));
                break;
            default:
                throw new ArgumentException($"{subject.Name} is not an integer", nameof(subject));
        }
    }

    private static JumpOperation JumpFor(IntegerOperator operation, bool signed, bool negate)
    {
        if (negate)
        {
            operation = operation switch
            {
                IntegerOperator.Equal => IntegerOperator.NotEqual,
                IntegerOperator.NotEqual => IntegerOperator.Equal,
                IntegerOperator.Less => IntegerOperator.GreaterOrEqual,
                IntegerOperator.GreaterOrEqual => IntegerOperator.Less,
                IntegerOperator.LessOrEqual => IntegerOperator.Greater,
                IntegerOperator.Greater => IntegerOperator.LessOrEqual,
                _ => throw new ArgumentException("'&' has no negated jump", nameof(operation)),
            };
        }

        return (operation, signed) switch
        {
            (IntegerOperator.Equal, _) => JumpOperation.Jeq,
            (IntegerOperator.NotEqual, _) => JumpOperation.Jne,
            (IntegerOperator.BitAnd, _) => JumpOperation.Jset,
            (IntegerOperator.Less, true) => JumpOperation.Jslt,
            (IntegerOperator.Less, false) => JumpOperation.Jlt,
            (IntegerOperator.LessOrEqual, true) => JumpOperation.Jsle,
            (IntegerOperator.LessOrEqual, false) => JumpOperation.Jle,
            (IntegerOperator.Greater, true) => JumpOperation.Jsgt,
            (IntegerOperator.Greater, false) => JumpOperation.Jgt,
            (IntegerOperator.GreaterOrEqual, true) => JumpOperation.Jsge,
            _ => JumpOperation.Jge,
        };
    }
}
