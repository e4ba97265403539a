using Ktap.Bpf.Asm;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.Filters;

/// <summary>
/// Emits a filter as a chain of conditional jumps, no boolean ever in a register:
/// <c>Branch(e, target, jumpIf)</c> jumps to target when e is <c>jumpIf</c> and falls through
/// otherwise, so <c>a &amp;&amp; b</c> rejecting is "if !a goto reject; if !b goto reject" and
/// <c>a || b</c> is "if a goto pass; if !b goto reject; pass:". That is the program the kernel's
/// own filter builds for its predicates (predicate_parse), here as instructions.
/// </summary>
internal sealed partial class FilterCodeWriter(ProgramBuilder builder, short stackOffset)
{
    private const Register Context = Register.R6;

    public void Emit(FilterExpression filter, Label reject)
    {
        if (Constant(filter) is not { } value)
        {
            Branch(filter, reject, jumpIf: false);
            return;
        }

        // A filter that does not depend on the event still jumps, conditionally: the verifier's
        // first pass refuses any instruction no jump reaches ("unreachable insn", check_cfg),
        // which would be the handler after an unconditional jump to reject, or the code at
        // reject when nothing jumps there. A branch the verifier then finds always or never
        // taken is fine: it never walks the dead side.
        builder.Emit(Mov64(Register.R0, 0));
        builder.Jump(value ? JumpOperation.Jne : JumpOperation.Jeq, Register.R0, 0, reject);
    }

    /// <summary>
    /// The value of a (sub)filter that does not depend on the event: a glob of only '*', a prefix
    /// longer than its char array. Branch never emits code for these, so a constant never leaves
    /// an unconditional jump with unreachable code behind it in the middle of a filter.
    /// </summary>
    private static bool? Constant(FilterExpression expression) => expression switch
    {
        FilterNot negation => !Constant(negation.Operand),
        FilterAnd conjunction => (Constant(conjunction.Left), Constant(conjunction.Right)) switch
        {
            (false, _) or (_, false) => false,
            (true, true) => true,
            _ => null,
        },
        FilterOr disjunction => (Constant(disjunction.Left), Constant(disjunction.Right)) switch
        {
            (true, _) or (_, true) => true,
            (false, false) => false,
            _ => null,
        },
        StringPredicate predicate => StringConstant(predicate),
        _ => null,
    };

    private void Branch(FilterExpression expression, Label target, bool jumpIf)
    {
        switch (expression)
        {
            case FilterNot negation:
                Branch(negation.Operand, target, !jumpIf);
                break;
            case FilterAnd conjunction when Constant(conjunction.Left) == true:
                Branch(conjunction.Right, target, jumpIf);
                break;
            case FilterAnd conjunction when Constant(conjunction.Right) == true:
                Branch(conjunction.Left, target, jumpIf);
                break;
            case FilterAnd conjunction:
                Both(conjunction.Left, conjunction.Right, target, jumpIf, whenEither: false);
                break;
            case FilterOr disjunction when Constant(disjunction.Left) == false:
                Branch(disjunction.Right, target, jumpIf);
                break;
            case FilterOr disjunction when Constant(disjunction.Right) == false:
                Branch(disjunction.Left, target, jumpIf);
                break;
            case FilterOr disjunction:
                Both(disjunction.Left, disjunction.Right, target, jumpIf, whenEither: true);
                break;
            case IntegerPredicate predicate:
                EmitInteger(predicate, target, jumpIf);
                break;
            case StringPredicate predicate:
                EmitString(predicate, target, jumpIf);
                break;
            default:
                throw new ArgumentException($"unknown filter node {expression.GetType().Name}", nameof(expression));
        }
    }

    /// <summary>
    /// <c>left &amp;&amp; right</c> (<paramref name="whenEither"/> false) or <c>left || right</c>
    /// (true): if either side alone decides, both jump to the target; otherwise the left one
    /// decides the other way by skipping the right one.
    /// </summary>
    private void Both(FilterExpression left, FilterExpression right, Label target, bool jumpIf, bool whenEither)
    {
        if (jumpIf == whenEither)
        {
            Branch(left, target, jumpIf);
            Branch(right, target, jumpIf);
            return;
        }

        var skip = builder.DefineLabel();
        Branch(left, skip, !jumpIf);
        Branch(right, target, jumpIf);
        builder.MarkLabel(skip);
    }

    /// <summary>A conditional jump on a 64-bit value: with the immediate when it sign-extends to it, else through R1.</summary>
    private void Jump64(JumpOperation operation, long value, Label target)
    {
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            builder.Jump(operation, Register.R0, (int)value, target);
        }
        else
        {
            builder.Emit(LoadImm64(Register.R1, value));
            builder.Jump(operation, Register.R0, Register.R1, target);
        }
    }

    private static MemorySize SizeOf(int bytes) => bytes switch
    {
        1 => MemorySize.Byte,
        2 => MemorySize.Half,
        4 => MemorySize.Word,
        _ => MemorySize.DoubleWord,
    };

    private static short Offset(int offset) =>
        offset is >= short.MinValue and <= short.MaxValue
            ? (short)offset
            : throw new ArgumentOutOfRangeException(nameof(offset), offset, "a field offset beyond what a load instruction reaches");
}
