using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Asm;

/// <summary>
/// Loads assembled programs and diffs our disassembly of what the kernel kept against
/// <c>bpftool prog dump xlated</c>, line for line. The verifier rewrites programs (it inlines
/// array lookups, guards divisions, turns helper ids into addresses), so this also covers
/// sequences we never emit ourselves.
/// </summary>
/// <remarks>
/// The bpftool here may be older than the kernel (Debian's 7.1 carries kernel 6.1's disasm.c),
/// and an older bpftool prints cpu v4 instructions and the verifier's newer internal forms
/// (the per-CPU address move it emits when it inlines <c>bpf_get_smp_processor_id</c>) the
/// old way; these programs stay clear of them, and <see cref="DisassemblerTests"/> covers them.
/// </remarks>
public sealed class XlatedDumpTests
{
    public static TheoryData<string> Programs => ["alu", "loop", "stack", "helpers", "maps", "atomics", "functions"];

    [KernelTheory]
    [MemberData(nameof(Programs))]
    public void DisassemblyMatchesBpftool(string name)
    {
        using var hash = BpfMap.Create(new MapSpec(MapType.Hash, 4, 8, 16, "ktap_asm_hash"));
        using var array = BpfMap.Create(new MapSpec(MapType.Array, 4, 8, 4, "ktap_asm_array"));
        using var globals = BpfMap.Create(new MapSpec(MapType.Array, 4, 64, 1, "ktap_asm_glob"));
        var instructions = Build(name, hash.Handle.Fd, array.Handle.Fd, globals.Handle.Fd);
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, instructions, "ktap_asm_test"));

        var expected = XlatedDump.Bpftool(program.GetInfo().Id);
        var actual = XlatedDump.Ours(program);
        Assert.Equal(expected.Split('\n'), actual.Split('\n'));
    }

    private static IReadOnlyList<Instruction> Build(string name, int hash, int array, int globals)
    {
        var b = new ProgramBuilder();
        switch (name)
        {
            case "alu":
                // Every operation in both widths, with immediates and registers; divisions by a
                // register make the verifier add its zero checks.
                b.Emit(Mov64(Register.R1, 100), Mov32(Register.R2, -7), Mov64(Register.R3, Register.R1), Mov32(Register.R4, Register.R2));
                foreach (var operation in new[] { AluOperation.Add, AluOperation.Sub, AluOperation.Mul, AluOperation.Or, AluOperation.And, AluOperation.Xor, AluOperation.Lsh, AluOperation.Rsh, AluOperation.Arsh })
                {
                    b.Emit(Alu64(operation, Register.R1, 3), Alu32(operation, Register.R2, 5));
                    b.Emit(Alu64(operation, Register.R3, Register.R1), Alu32(operation, Register.R4, Register.R2));
                }

                b.Emit(Alu64(AluOperation.Div, Register.R1, 3), Alu32(AluOperation.Mod, Register.R2, 10));
                b.Emit(Alu64(AluOperation.Div, Register.R3, Register.R1), Alu32(AluOperation.Mod, Register.R4, Register.R2));
                b.Emit(Neg64(Register.R1), Neg32(Register.R2), ToBigEndian(Register.R1, 16), ToBigEndian(Register.R2, 32));
                b.Emit(ToBigEndian(Register.R3, 64), ToLittleEndian(Register.R4, 32));
                b.Emit([.. LoadImm64(Register.R5, unchecked((long)0xdeadbeefcafef00d)), .. LoadImm64(Register.R5, -1)]);
                b.Emit(Mov64(Register.R0, Register.R3), Exit());
                break;

            case "loop":
                // A bounded loop (kernel 5.3) with both jump widths, forward and backward.
                var top = b.DefineLabel();
                var skip = b.DefineLabel();
                var done = b.DefineLabel();
                b.Emit(Mov64(Register.R0, 0), Mov64(Register.R1, 0));
                b.MarkLabel(top);
                b.Jump32(JumpOperation.Jset, Register.R1, 1, skip);
                b.Emit(Alu64(AluOperation.Add, Register.R0, Register.R1));
                b.MarkLabel(skip);
                b.Emit(Alu64(AluOperation.Add, Register.R1, 1));
                b.Jump(JumpOperation.Jsgt, Register.R0, 1000, done);
                b.Jump(JumpOperation.Jlt, Register.R1, 10, top);
                b.Jump32(JumpOperation.Jne, Register.R1, Register.R0, done);
                b.Emit(Mov64(Register.R0, -1));
                b.MarkLabel(done);
                b.Emit(Exit());
                break;

            case "stack":
                b.Emit(Mov64(Register.R1, 0x1234));
                b.Emit(Store(MemorySize.DoubleWord, Register.R10, -8, Register.R1), Store(MemorySize.Word, Register.R10, -12, Register.R1));
                b.Emit(Store(MemorySize.Half, Register.R10, -14, Register.R1), Store(MemorySize.Byte, Register.R10, -15, Register.R1));
                b.Emit(Store(MemorySize.Byte, Register.R10, -16, 7), Store(MemorySize.Half, Register.R10, -18, -2));
                b.Emit(Store(MemorySize.Word, Register.R10, -24, 100000), Store(MemorySize.DoubleWord, Register.R10, -32, -1));
                b.Emit(Load(MemorySize.DoubleWord, Register.R2, Register.R10, -8), Load(MemorySize.Word, Register.R3, Register.R10, -24));
                b.Emit(Load(MemorySize.Half, Register.R4, Register.R10, -18), Load(MemorySize.Byte, Register.R5, Register.R10, -16));
                b.Emit(Load(MemorySize.DoubleWord, Register.R0, Register.R10, -32), Exit());
                break;

            case "helpers":
                // Helpers keep their calls; bpftool names them from kallsyms (bpf_get_prandom_u32 is
                // bpf_user_rnd_u32 there) and prints the immediate the kernel rewrote.
                b.Emit(Mov64(Register.R6, Register.R1));
                b.Emit(Call(HelperFunction.GetCurrentPidTgid), Mov64(Register.R7, Register.R0));
                b.Emit(Call(HelperFunction.KtimeGetNs), Call(HelperFunction.GetPrandomU32), Call(HelperFunction.GetCurrentUidGid));
                b.Emit(Mov64(Register.R1, Register.R10), Alu64(AluOperation.Add, Register.R1, -16), Mov64(Register.R2, 16));
                b.Emit(Call(HelperFunction.GetCurrentComm));
                b.Emit(Call(HelperFunction.GetCurrentTask));
                b.Emit(Mov64(Register.R1, Register.R10), Alu64(AluOperation.Add, Register.R1, -24), Mov64(Register.R2, 8), Mov64(Register.R3, Register.R0));
                b.Emit(Call(HelperFunction.ProbeReadKernel));
                b.Emit(Call(HelperFunction.Jiffies64));
                b.Emit(Mov64(Register.R0, 0), Exit());
                break;

            case "maps":
                // A hash lookup (a direct call to the map's own function, plus the value offset),
                // an update, an inlined array lookup, and a direct value address.
                var missing = b.DefineLabel();
                b.Emit(Store(MemorySize.Word, Register.R10, -4, 1), Store(MemorySize.DoubleWord, Register.R10, -16, 0));
                b.Emit([.. LoadMapFd(Register.R1, hash), Mov64(Register.R2, Register.R10), Alu64(AluOperation.Add, Register.R2, -4)]);
                b.Emit(Call(HelperFunction.MapLookupElem));
                b.Jump(JumpOperation.Jeq, Register.R0, 0, missing);
                b.Emit(Load(MemorySize.DoubleWord, Register.R1, Register.R0, 0), Store(MemorySize.DoubleWord, Register.R10, -16, Register.R1));
                b.MarkLabel(missing);
                b.Emit([.. LoadMapFd(Register.R1, hash), Mov64(Register.R2, Register.R10), Alu64(AluOperation.Add, Register.R2, -4)]);
                b.Emit(Mov64(Register.R3, Register.R10), Alu64(AluOperation.Add, Register.R3, -16), Mov64(Register.R4, 0));
                b.Emit(Call(HelperFunction.MapUpdateElem));
                b.Emit([.. LoadMapFd(Register.R1, array), Mov64(Register.R2, Register.R10), Alu64(AluOperation.Add, Register.R2, -4)]);
                b.Emit(Call(HelperFunction.MapLookupElem));
                b.Emit([.. LoadMapValue(Register.R1, globals, 24), Load(MemorySize.DoubleWord, Register.R0, Register.R1, 0)]);
                b.Emit(Exit());
                break;

            case "atomics":
                b.Emit([.. LoadMapValue(Register.R1, globals, 0), Mov64(Register.R2, 1)]);
                foreach (var size in new[] { MemorySize.DoubleWord, MemorySize.Word })
                {
                    b.Emit(AtomicAdd(size, Register.R1, 0, Register.R2), AtomicAnd(size, Register.R1, 8, Register.R2));
                    b.Emit(AtomicOr(size, Register.R1, 16, Register.R2), AtomicXor(size, Register.R1, 24, Register.R2));
                    b.Emit(AtomicFetchAdd(size, Register.R1, 0, Register.R2), AtomicFetchAnd(size, Register.R1, 8, Register.R2));
                    b.Emit(AtomicFetchOr(size, Register.R1, 16, Register.R2), AtomicFetchXor(size, Register.R1, 24, Register.R2));
                    b.Emit(AtomicExchange(size, Register.R1, 32, Register.R2));
                    b.Emit(Mov64(Register.R0, 0), AtomicCompareExchange(size, Register.R1, 40, Register.R2));
                }

                b.Emit(Mov64(Register.R0, 0), Exit());
                break;

            case "functions":
                // bpf-to-bpf calls, forward to two subprograms, one calling the other; bpftool
                // names each callee by its JITed symbol.
                var twice = b.DefineLabel();
                var square = b.DefineLabel();
                b.Emit(Mov64(Register.R1, 3));
                b.CallFunction(twice);
                b.Emit(Mov64(Register.R1, Register.R0));
                b.CallFunction(square);
                b.Emit(Exit());
                b.MarkLabel(twice);
                b.Emit(Mov64(Register.R0, Register.R1), Alu64(AluOperation.Lsh, Register.R0, 1), Exit());
                b.MarkLabel(square);
                b.Emit(Mov64(Register.R6, Register.R1));
                b.CallFunction(twice);
                b.Emit(Alu64(AluOperation.Mul, Register.R0, Register.R6), Exit());
                break;

            default:
                throw new ArgumentException(name, nameof(name));
        }

        return b.Build().Instructions;
    }
}
