using Ktap.Bpf.Asm;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Asm;

/// <summary>
/// The notation of the kernel's kernel/bpf/disasm.c, form by form. The kernel-backed tests in
/// <see cref="XlatedDumpTests"/> compare whole programs with bpftool; these cover the forms a
/// loaded program does not show (cpu v4 instructions, which bpftool 7.1 predates, and odd bytes).
/// </summary>
public sealed class DisassemblerTests
{
    public static TheoryData<string, string> Forms => new()
    {
        { "mov64 imm", "(b7) r0 = 0" },
        { "mov64 negative", "(b7) r0 = -1" },
        { "mov32 imm", "(b4) w0 = 1" },
        { "mov64 reg", "(bf) r6 = r1" },
        { "mov32 reg", "(bc) w2 = w3" },
        { "add64 negative", "(07) r1 += -8" },
        { "sub64 reg", "(1f) r1 -= r2" },
        { "mul32 imm", "(24) w1 *= 3" },
        { "div64 reg", "(3f) r1 /= r2" },
        { "or64 imm", "(47) r1 |= 4" },
        { "and32 reg", "(5c) w1 &= w2" },
        { "lsh64 imm", "(67) r1 <<= 3" },
        { "rsh64 imm", "(77) r1 >>= 32" },
        { "mod64 imm", "(97) r1 %= 7" },
        { "xor32 imm", "(a4) w1 ^= -1" },
        { "arsh64 imm", "(c7) r1 s>>= 2" },
        { "neg64", "(87) r3 = -r3" },
        { "neg32", "(84) w3 = -w3" },
        { "be16", "(dc) r1 = be16 r1" },
        { "le64", "(d4) r1 = le64 r1" },
        { "bswap32", "(d7) r1 = bswap32 r1" },
        { "sdiv64", "(3f) r1 s/= r2" },
        { "smod32 imm", "(94) w1 s%= 10" },
        { "movsx64 s8", "(bf) r1 = (s8)r2" },
        { "movsx64 s32", "(bf) r1 = (s32)r2" },
        { "movsx32 s16", "(bc) w1 = (s16)w2" },
        { "ldxdw", "(79) r0 = *(u64 *)(r0 +0)" },
        { "ldxb negative", "(71) r2 = *(u8 *)(r10 -1)" },
        { "ldxsh", "(89) r2 = *(s16 *)(r1 +2)" },
        { "stxdw", "(7b) *(u64 *)(r10 -8) = r1" },
        { "sth imm", "(6a) *(u16 *)(r10 -2) = 258" },
        { "stdw negative", "(7a) *(u64 *)(r10 -16) = -1" },
        { "lock add64", "(db) lock *(u64 *)(r1 +0) += r2" },
        { "lock and32", "(c3) lock *(u32 *)(r1 +4) &= r2" },
        { "lock or64", "(db) lock *(u64 *)(r1 +0) |= r2" },
        { "lock xor32", "(c3) lock *(u32 *)(r1 +16) ^= r2" },
        { "fetch add64", "(db) r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)" },
        { "fetch and32", "(c3) r3 = atomic_fetch_and((u32 *)(r1 +8), r3)" },
        { "fetch or64", "(db) r2 = atomic64_fetch_or((u64 *)(r1 -8), r2)" },
        { "fetch xor64", "(db) r2 = atomic64_fetch_xor((u64 *)(r1 +0), r2)" },
        { "xchg32", "(c3) r2 = atomic_xchg((u32 *)(r1 +0), r2)" },
        { "cmpxchg64", "(db) r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)" },
        { "load acquire", "(db) r1 = load_acquire((u64 *)(r2 +8))" },
        { "store release", "(c3) store_release((u32 *)(r1 +0), r2)" },
        { "jne imm", "(55) if r0 != 0x0 goto pc+2" },
        { "jeq imm negative", "(15) if r1 == 0xffffffff goto pc-3" },
        { "jsgt reg", "(6d) if r1 s> r2 goto pc+0" },
        { "jset imm", "(45) if r1 & 0x10 goto pc+1" },
        { "jle32 imm", "(b6) if w1 <= 0x9 goto pc-5" },
        { "jslt32 reg", "(ce) if w1 s< w2 goto pc+7" },
        { "ja", "(05) goto pc-1" },
        { "gotol", "(06) gotol pc+70000" },
        { "exit", "(95) exit" },
        { "call helper", "(85) call bpf_get_current_pid_tgid#14" },
        { "call unknown helper", "(85) call unknown#100000" },
        { "call function", "(85) call pc+3" },
        { "call kfunc", "(85) call kernel-function#1234" },
        { "lddw", "(18) r1 = 0x1122334455667788" },
        { "lddw small", "(18) r2 = 0x5" },
        { "lddw map", "(18) r1 = map[fd:5]" },
        { "lddw map value", "(18) r1 = map[fd:5][0]+16" },
        { "lddw function", "(18) r2 = subprog[-4]" },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void EachFormReadsAsTheKernelWritesIt(string name, string expected) =>
        Assert.Equal(expected, Disassembler.Format(Build(name), 0));

    [Fact]
    public void LinesAreNumberedBySlotAsBpftoolNumbersThem()
    {
        Instruction[] program = [Mov64(Register.R0, 0), .. LoadImm64(Register.R1, 7), Exit()];
        Assert.Equal(["   0: (b7) r0 = 0", "   1: (18) r1 = 0x7", "   3: (95) exit"], Disassembler.Lines(program));
        Assert.Equal("   0: (b7) r0 = 0\n   1: (18) r1 = 0x7\n   3: (95) exit\n", Disassembler.Disassemble(program));
    }

    [Fact]
    public void NumbersPastNineHundredNinetyNineGetTheSignBlank()
    {
        // printf("% 4d: "): the space flag reserves a column for the sign, so 1000 prints " 1000".
        var program = Enumerable.Repeat(Exit(), 1001).ToArray();
        var lines = Disassembler.Lines(program);
        Assert.Equal(" 999: (95) exit", lines[999]);
        Assert.Equal(" 1000: (95) exit", lines[1000]);
    }

    [Fact]
    public void TranslatedProgramsShowMapIds()
    {
        var options = new DisassemblyOptions { Translated = true };
        Assert.Equal("(18) r1 = map[id:42]", Disassembler.Format(LoadMapFd(Register.R1, 42), 0, options));
        Assert.Equal("(18) r1 = map[id:42][0]+8", Disassembler.Format(LoadMapValue(Register.R1, 42, 8), 0, options));
        Assert.Equal("(18) r1 = map[idx:1]+8", Disassembler.Format(Wide(Register.R1, PseudoSource.MapIndexValue, 1, 8), 0, options));
    }

    [Fact]
    public void TranslatedCallsAreNamedThroughKallsyms()
    {
        const ulong callBase = 0xffffffff81000000;
        var symbols = new Dictionary<ulong, string>
        {
            [callBase + 0x1230] = "bpf_get_current_pid_tgid",
            [0xffffffffc0001000] = "bpf_prog_0123456789abcdef_F",
        };
        var jited = new ulong[] { 0xffffffffc0000000, 0xffffffffc0001000 };
        var options = DisassemblyOptions.ForTranslated(callBase, jited, a => symbols.GetValueOrDefault(a));

        // The kernel rewrote the helper id into the helper's offset from __bpf_call_base ...
        var helper = Instruction.Create(OpCodes.Call, Register.R0, Register.R0, 0, 0x1230);
        Assert.Equal("(85) call bpf_get_current_pid_tgid#4656", Disassembler.Format([helper], 0, options));
        var nameless = helper with { Immediate = 0x4000 };
        Assert.Equal("(85) call 0xffffffff81004000#16384", Disassembler.Format([nameless], 0, options));

        // ... and a bpf-to-bpf call's offset into the offset field, the callee's index into imm.
        var call = Instruction.Create(OpCodes.Call, Register.R0, (Register)PseudoSource.Call, 12, 1);
        Assert.Equal("(85) call pc+12#bpf_prog_0123456789abcdef_F", Disassembler.Format([call], 0, options));

        var interpreted = DisassemblyOptions.ForTranslated(callBase, [], a => symbols.GetValueOrDefault(a));
        Assert.Equal("(85) call pc+12", Disassembler.Format([call], 0, interpreted));
    }

    [Fact]
    public void UndefinedEncodingsPrintAsTheKernelPrintsThem()
    {
        Assert.Equal("BUG_ldx_21", Disassembler.Format([Instruction.Create(0x21, Register.R0, Register.R0, 0, 0)], 0));
        Assert.Equal("BUG_st_22", Disassembler.Format([Instruction.Create(0x22, Register.R0, Register.R0, 0, 0)], 0));
        Assert.Equal("BUG_db", Disassembler.Format([Instruction.Create(0xdb, Register.R1, Register.R2, 0, 0x77)], 0));
        Assert.Equal("(c2) nospec", Disassembler.Format([Instruction.Create(0xc2, Register.R0, Register.R0, 0, 0)], 0));
        Assert.Equal("(e7) r1 (null) 1", Disassembler.Format([Instruction.Create(0xe7, Register.R1, Register.R0, 0, 1)], 0));
        Assert.Equal("(f5) if r1 (null) 0x0 goto pc+1", Disassembler.Format([Instruction.Create(0xf5, Register.R1, Register.R0, 1, 0)], 0));
        Assert.Equal("(e5) may_goto pc+3", Disassembler.Format([Instruction.Create(0xe5, Register.R0, Register.R0, 3, 0)], 0));
    }

    private static Instruction[] Build(string name) => name switch
    {
        "mov64 imm" => [Mov64(Register.R0, 0)],
        "mov64 negative" => [Mov64(Register.R0, -1)],
        "mov32 imm" => [Mov32(Register.R0, 1)],
        "mov64 reg" => [Mov64(Register.R6, Register.R1)],
        "mov32 reg" => [Mov32(Register.R2, Register.R3)],
        "add64 negative" => [Alu64(AluOperation.Add, Register.R1, -8)],
        "sub64 reg" => [Alu64(AluOperation.Sub, Register.R1, Register.R2)],
        "mul32 imm" => [Alu32(AluOperation.Mul, Register.R1, 3)],
        "div64 reg" => [Alu64(AluOperation.Div, Register.R1, Register.R2)],
        "or64 imm" => [Alu64(AluOperation.Or, Register.R1, 4)],
        "and32 reg" => [Alu32(AluOperation.And, Register.R1, Register.R2)],
        "lsh64 imm" => [Alu64(AluOperation.Lsh, Register.R1, 3)],
        "rsh64 imm" => [Alu64(AluOperation.Rsh, Register.R1, 32)],
        "mod64 imm" => [Alu64(AluOperation.Mod, Register.R1, 7)],
        "xor32 imm" => [Alu32(AluOperation.Xor, Register.R1, -1)],
        "arsh64 imm" => [Alu64(AluOperation.Arsh, Register.R1, 2)],
        "neg64" => [Neg64(Register.R3)],
        "neg32" => [Neg32(Register.R3)],
        "be16" => [ToBigEndian(Register.R1, 16)],
        "le64" => [ToLittleEndian(Register.R1, 64)],
        "bswap32" => [ByteSwap(Register.R1, 32)],
        "sdiv64" => [SignedAlu64(AluOperation.Div, Register.R1, Register.R2)],
        "smod32 imm" => [SignedAlu32(AluOperation.Mod, Register.R1, 10)],
        "movsx64 s8" => [MovSignExtend64(Register.R1, Register.R2, 8)],
        "movsx64 s32" => [MovSignExtend64(Register.R1, Register.R2, 32)],
        "movsx32 s16" => [MovSignExtend32(Register.R1, Register.R2, 16)],
        "ldxdw" => [Load(MemorySize.DoubleWord, Register.R0, Register.R0, 0)],
        "ldxb negative" => [Load(MemorySize.Byte, Register.R2, Register.R10, -1)],
        "ldxsh" => [LoadSignExtend(MemorySize.Half, Register.R2, Register.R1, 2)],
        "stxdw" => [Store(MemorySize.DoubleWord, Register.R10, -8, Register.R1)],
        "sth imm" => [Store(MemorySize.Half, Register.R10, -2, 258)],
        "stdw negative" => [Store(MemorySize.DoubleWord, Register.R10, -16, -1)],
        "lock add64" => [AtomicAdd(MemorySize.DoubleWord, Register.R1, 0, Register.R2)],
        "lock and32" => [AtomicAnd(MemorySize.Word, Register.R1, 4, Register.R2)],
        "lock or64" => [AtomicOr(MemorySize.DoubleWord, Register.R1, 0, Register.R2)],
        "lock xor32" => [AtomicXor(MemorySize.Word, Register.R1, 16, Register.R2)],
        "fetch add64" => [AtomicFetchAdd(MemorySize.DoubleWord, Register.R1, 0, Register.R2)],
        "fetch and32" => [AtomicFetchAnd(MemorySize.Word, Register.R1, 8, Register.R3)],
        "fetch or64" => [AtomicFetchOr(MemorySize.DoubleWord, Register.R1, -8, Register.R2)],
        "fetch xor64" => [AtomicFetchXor(MemorySize.DoubleWord, Register.R1, 0, Register.R2)],
        "xchg32" => [AtomicExchange(MemorySize.Word, Register.R1, 0, Register.R2)],
        "cmpxchg64" => [AtomicCompareExchange(MemorySize.DoubleWord, Register.R1, 0, Register.R2)],
        "load acquire" => [Atomic(AtomicOperation.LoadAcquire, MemorySize.DoubleWord, Register.R1, 8, Register.R2)],
        "store release" => [Atomic(AtomicOperation.StoreRelease, MemorySize.Word, Register.R1, 0, Register.R2)],
        "jne imm" => [Jump(JumpOperation.Jne, Register.R0, 0, 2)],
        "jeq imm negative" => [Jump(JumpOperation.Jeq, Register.R1, -1, -3)],
        "jsgt reg" => [Jump(JumpOperation.Jsgt, Register.R1, Register.R2, 0)],
        "jset imm" => [Jump(JumpOperation.Jset, Register.R1, 0x10, 1)],
        "jle32 imm" => [Jump32(JumpOperation.Jle, Register.R1, 9, -5)],
        "jslt32 reg" => [Jump32(JumpOperation.Jslt, Register.R1, Register.R2, 7)],
        "ja" => [Ja(-1)],
        "gotol" => [JaLong(70000)],
        "exit" => [Exit()],
        "call helper" => [Call(HelperFunction.GetCurrentPidTgid)],
        "call unknown helper" => [Call((HelperFunction)100000)],
        "call function" => [CallFunction(3)],
        "call kfunc" => [CallKernelFunction(1234)],
        "lddw" => LoadImm64(Register.R1, 0x1122334455667788),
        "lddw small" => LoadImm64(Register.R2, 5),
        "lddw map" => LoadMapFd(Register.R1, 5),
        "lddw map value" => LoadMapValue(Register.R1, 5, 16),
        "lddw function" => LoadFunction(Register.R2, -4),
        _ => throw new ArgumentException(name, nameof(name)),
    };
}
