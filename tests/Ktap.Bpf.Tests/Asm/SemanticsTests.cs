using Ktap.Bpf.Asm;
using Ktap.Bpf.Programs;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Asm;

/// <summary>
/// What assembled programs compute, run by the kernel itself (BPF_PROG_TEST_RUN on a raw
/// tracepoint program, which returns the low 32 bits of R0).
/// </summary>
public sealed class SemanticsTests
{
    public static TheoryData<string, uint> Cases => new()
    {
        { "arithmetic", 10 },
        { "alu32 wraps and zero-extends", 1 },
        { "arithmetic shift keeps the sign", 0xfffffffc },
        { "upper half by shift", 0xffffffff },
        { "division by zero is zero", 0 },
        { "modulo by zero keeps the dividend", 17 },
        { "byte swap", 0x3412 },
        { "sum in a backward loop", 55 },
        { "jmp32 sees only the low half", 32 },
        { "signed and unsigned compare", 3 },
        { "wide immediate", 0x89abcdef },
        { "bpf-to-bpf call", 42 },
        { "atomics on the stack", 100 + 5 + 5 + 3 },
    };

    [KernelTheory]
    [MemberData(nameof(Cases))]
    public void KernelComputesWhatTheProgramSays(string name, uint expected)
    {
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, Build(name), "ktap_asm_run"));
        Assert.Equal(expected, program.TestRun(new byte[8]));
    }

    private static IReadOnlyList<Instruction> Build(string name)
    {
        var b = new ProgramBuilder();
        switch (name)
        {
            case "arithmetic":
                // ((7 * 6) - 2) / 4 = 10
                b.Emit(Mov64(Register.R0, 7), Mov64(Register.R1, 6), Alu64(AluOperation.Mul, Register.R0, Register.R1));
                b.Emit(Alu64(AluOperation.Sub, Register.R0, 2), Alu64(AluOperation.Div, Register.R0, 4), Exit());
                break;

            case "alu32 wraps and zero-extends":
                // w0 = 0xffffffff + 2 wraps to 1, and the upper half is cleared: r0 >> 32 adds nothing.
                b.Emit(Mov64(Register.R0, -1), Alu32(AluOperation.Add, Register.R0, 2));
                b.Emit(Mov64(Register.R1, Register.R0), Alu64(AluOperation.Rsh, Register.R1, 32), Alu64(AluOperation.Add, Register.R0, Register.R1), Exit());
                break;

            case "arithmetic shift keeps the sign":
                b.Emit(Mov64(Register.R0, -16), Alu64(AluOperation.Arsh, Register.R0, 2), Exit());
                break;

            case "upper half by shift":
                // Mov64 sign-extends -1 to 64 ones; a logical shift brings 32 of them down.
                b.Emit(Mov64(Register.R0, -1), Alu64(AluOperation.Rsh, Register.R0, 32), Exit());
                break;

            case "division by zero is zero":
                b.Emit(Mov64(Register.R0, 17), Mov64(Register.R1, 0), Alu64(AluOperation.Div, Register.R0, Register.R1), Exit());
                break;

            case "modulo by zero keeps the dividend":
                b.Emit(Mov64(Register.R0, 17), Mov64(Register.R1, 0), Alu64(AluOperation.Mod, Register.R0, Register.R1), Exit());
                break;

            case "byte swap":
                b.Emit(Mov64(Register.R0, 0x1234), ToBigEndian(Register.R0, 16), Exit());
                break;

            case "sum in a backward loop":
                b.Emit(Mov64(Register.R0, 0), Mov64(Register.R1, 1));
                var top = b.MarkNewLabel();
                b.Emit(Alu64(AluOperation.Add, Register.R0, Register.R1), Alu64(AluOperation.Add, Register.R1, 1));
                b.Jump(JumpOperation.Jle, Register.R1, 10, top);
                b.Emit(Exit());
                break;

            case "jmp32 sees only the low half":
                // r1 = 0x1_00000001: equal to 1 in 32 bits, not in 64.
                var low = b.DefineLabel();
                var wide = b.DefineLabel();
                b.Emit([Mov64(Register.R0, 0), .. LoadImm64(Register.R1, 0x1_0000_0001)]);
                b.Jump32(JumpOperation.Jeq, Register.R1, 1, low);
                b.Emit(Exit());
                b.MarkLabel(low);
                b.Emit(Alu64(AluOperation.Or, Register.R0, 32));
                b.Jump(JumpOperation.Jeq, Register.R1, 1, wide);
                b.Emit(Exit());
                b.MarkLabel(wide);
                b.Emit(Mov64(Register.R0, 0), Exit());
                break;

            case "signed and unsigned compare":
                // -1 is below 0 signed (+1) and above 0 unsigned (+2).
                var notSigned = b.DefineLabel();
                var notUnsigned = b.DefineLabel();
                b.Emit(Mov64(Register.R0, 0), Mov64(Register.R1, -1), Mov64(Register.R2, 0));
                b.Jump(JumpOperation.Jsge, Register.R1, Register.R2, notSigned);
                b.Emit(Alu64(AluOperation.Add, Register.R0, 1));
                b.MarkLabel(notSigned);
                b.Jump(JumpOperation.Jle, Register.R1, 0, notUnsigned);
                b.Emit(Alu64(AluOperation.Add, Register.R0, 2));
                b.MarkLabel(notUnsigned);
                b.Emit(Exit());
                break;

            case "wide immediate":
                b.Emit([.. LoadImm64(Register.R0, 0x0123456789abcdef), Exit()]);
                break;

            case "bpf-to-bpf call":
                // main: return add(40, 2); add keeps r6 of its own and the caller's survives.
                var add = b.DefineLabel();
                b.Emit(Mov64(Register.R6, 1000), Mov64(Register.R1, 40), Mov64(Register.R2, 2));
                b.CallFunction(add);
                b.Emit(Alu64(AluOperation.Sub, Register.R6, 1000), Alu64(AluOperation.Add, Register.R0, Register.R6), Exit());
                b.MarkLabel(add);
                b.Emit(Mov64(Register.R6, Register.R1), Alu64(AluOperation.Add, Register.R6, Register.R2), Mov64(Register.R0, Register.R6), Exit());
                break;

            case "atomics on the stack":
                // *fp-8 = 5; fetch_add 3 returns 5 in r2; xchg 100 returns 8 in r3 (unused);
                // cmpxchg(expected 100, new 5) succeeds and returns 100 in r0; the memory then
                // holds 5, and a plain add of 3 makes it 8. Result: 100 + 5 + 5 + 3.
                b.Emit(Store(MemorySize.DoubleWord, Register.R10, -8, 5));
                b.Emit(Mov64(Register.R2, 3), AtomicFetchAdd(MemorySize.DoubleWord, Register.R10, -8, Register.R2));
                b.Emit(Mov64(Register.R3, 100), AtomicExchange(MemorySize.DoubleWord, Register.R10, -8, Register.R3));
                b.Emit(Mov64(Register.R0, 100), Mov64(Register.R4, 5), AtomicCompareExchange(MemorySize.DoubleWord, Register.R10, -8, Register.R4));
                b.Emit(Load(MemorySize.DoubleWord, Register.R5, Register.R10, -8));
                b.Emit(Alu64(AluOperation.Add, Register.R0, Register.R2), Alu64(AluOperation.Add, Register.R0, Register.R5));
                b.Emit(Mov64(Register.R1, 3), AtomicAdd(MemorySize.DoubleWord, Register.R10, -8, Register.R1));
                b.Emit(Load(MemorySize.DoubleWord, Register.R5, Register.R10, -8), Alu64(AluOperation.Sub, Register.R5, 5));
                b.Emit(Alu64(AluOperation.Add, Register.R0, Register.R5), Exit());
                break;

            default:
                throw new ArgumentException(name, nameof(name));
        }

        return b.Build().Instructions;
    }
}
