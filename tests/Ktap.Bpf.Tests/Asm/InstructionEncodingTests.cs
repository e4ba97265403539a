using CsCheck;
using Ktap.Bpf.Asm;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Asm;

/// <summary>
/// Encodings checked against the kernel's documentation, not against our own encoder: the
/// byte-level example and the opcode tables of Documentation/bpf/standardization/instruction-set.rst
/// (RFC 9669, appendix A), written here as the little-endian bytes a program holds.
/// </summary>
public sealed class InstructionEncodingTests
{
    public static TheoryData<string, string> DocumentedEncodings => new()
    {
        // The documentation's own example: "07 0 1 00 00 44 33 22 11  r1 += 0x11223344 // little".
        { "add64 r1, 0x11223344", "07 01 00 00 44 33 22 11" },

        // 0x95 exit; 0x85 src 0x0 call helper by static id (1 = bpf_map_lookup_elem).
        { "exit", "95 00 00 00 00 00 00 00" },
        { "call 1", "85 00 00 00 01 00 00 00" },

        // 0x85 src 0x1: call the program-local function at PC += imm.
        { "call pc+3", "85 10 00 00 03 00 00 00" },

        // 0xb7 dst = imm; 0xb4 dst = (u32)imm; 0xbf dst = src.
        { "mov64 r0, -1", "b7 00 00 00 ff ff ff ff" },
        { "mov32 w0, 1", "b4 00 00 00 01 00 00 00" },
        { "mov64 r6, r1", "bf 16 00 00 00 00 00 00" },

        // 0x7b *(u64 *)(dst + offset) = src; 0x79 dst = *(u64 *)(src + offset); 0x62 *(u32 *)(dst + offset) = imm.
        { "stxdw [r10-8], r1", "7b 1a f8 ff 00 00 00 00" },
        { "ldxdw r0, [r1+16]", "79 10 10 00 00 00 00 00" },
        { "stw [r10-4], 7", "62 0a fc ff 07 00 00 00" },

        // 0x55 if dst != imm goto +offset; 0x2e if (u32)dst > (u32)src goto +offset.
        { "jne r0, 0, +2", "55 00 02 00 00 00 00 00" },
        { "jgt32 w1, w2, -3", "2e 21 fd ff 00 00 00 00" },

        // 0xdc with imm 16: dst = htobe16(dst); 0x87 dst = -dst.
        { "be16 r0", "dc 00 00 00 10 00 00 00" },
        { "neg64 r3", "87 03 00 00 00 00 00 00" },

        // 0xdb / 0xc3 atomics, the operation in imm: 0x00 add, 0x01 fetch add, 0xe1 xchg, 0xf1 cmpxchg.
        { "lock add64 [r1+0], r2", "db 21 00 00 00 00 00 00" },
        { "fetch add32 [r1+8], r2", "c3 21 08 00 01 00 00 00" },
        { "xchg64 [r1+0], r2", "db 21 00 00 e1 00 00 00" },
        { "cmpxchg64 [r1+0], r2", "db 21 00 00 f1 00 00 00" },

        // 0x18 wide instructions, src 0x0 dst = imm64, src 0x1 map_by_fd(imm), src 0x2 map value + next_imm.
        { "lddw r1, 0x1122334455667788", "18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11" },
        { "lddw r1, map_by_fd(5)", "18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00" },
        { "lddw r2, mva(map_by_fd(5)) + 16", "18 22 00 00 05 00 00 00 00 00 00 00 10 00 00 00" },
    };

    [Theory]
    [MemberData(nameof(DocumentedEncodings))]
    public void FactoriesProduceTheDocumentedBytes(string name, string bytes)
    {
        var expected = Convert.FromHexString(bytes.Replace(" ", string.Empty, StringComparison.Ordinal));
        var actual = Build(name).SelectMany(i => BitConverter.GetBytes(i.Encode())).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void EncodeAndDecodeAreInverses() =>
        Gen.ULong.Sample(word => Assert.Equal(word, Instruction.Decode(word).Encode()));

    [Fact]
    public void FieldsSurviveARoundTrip() =>
        Gen.Select(Gen.Byte, Gen.Int[0, 15], Gen.Int[0, 15], Gen.Short, Gen.Int).Sample((op, dst, src, off, imm) =>
        {
            var instruction = Instruction.Decode(Instruction.Create(op, (Register)dst, (Register)src, off, imm).Encode());
            Assert.Equal((op, (Register)dst, (Register)src, off, imm), (instruction.OpCode, instruction.Destination, instruction.Source, instruction.Offset, instruction.Immediate));
        });

    [Fact]
    public void LoadImm64SplitsTheValueIntoTwoSlots()
    {
        var pair = LoadImm64(Register.R3, unchecked((long)0xfedcba9876543210));
        Assert.Equal(2, pair.Length);
        Assert.True(pair[0].IsLoadImm64);
        Assert.Equal(Register.R3, pair[0].Destination);
        Assert.Equal(0x76543210, pair[0].Immediate);
        Assert.Equal(unchecked((int)0xfedcba98), pair[1].Immediate);
        Assert.Equal(0, pair[1].OpCode);
    }

    [Fact]
    public void OpCodePartsComposeAndDecompose()
    {
        var opCode = OpCodes.Memory(InstructionClass.Stx, MemoryMode.Atomic, MemorySize.DoubleWord);
        Assert.Equal(0xdb, opCode);
        Assert.Equal(InstructionClass.Stx, OpCodes.ClassOf(opCode));
        Assert.Equal(MemoryMode.Atomic, OpCodes.ModeOf(opCode));
        Assert.Equal(MemorySize.DoubleWord, OpCodes.SizeOf(opCode));
        Assert.Equal(0x3d, OpCodes.Jump(InstructionClass.Jmp, JumpOperation.Jge, OperandSource.Register));
        Assert.Equal(JumpOperation.Jge, (JumpOperation)OpCodes.OperationOf(0x3d));
        Assert.Equal(OperandSource.Register, OpCodes.SourceOf(0x3d));
    }

    [Fact]
    public void HelperIdsAreTheKernels()
    {
        // Spot checks against include/uapi/linux/bpf.h's ___BPF_FUNC_MAPPER.
        Assert.Equal(1, (int)HelperFunction.MapLookupElem);
        Assert.Equal(14, (int)HelperFunction.GetCurrentPidTgid);
        Assert.Equal(113, (int)HelperFunction.ProbeReadKernel);
        Assert.Equal(131, (int)HelperFunction.RingbufReserve);
        Assert.Equal(158, (int)HelperFunction.GetCurrentTaskBtf);
        Assert.Equal(181, (int)HelperFunction.Loop);
        Assert.Equal(211, (int)HelperFunction.CgrpStorageDelete);
        Assert.Equal(212, HelperFunctions.Count);
        Assert.Equal("bpf_ktime_get_boot_ns", HelperFunctions.NameOf(HelperFunction.KtimeGetBootNs));
        Assert.Equal("bpf_jiffies64", HelperFunctions.NameOf(118));
        Assert.Null(HelperFunctions.NameOf(212));
        Assert.Null(HelperFunctions.NameOf(-1));

        // Every enum member's name is the table's, converted to PascalCase.
        foreach (var helper in Enum.GetValues<HelperFunction>())
        {
            var pascal = string.Concat(HelperFunctions.NameOf(helper)!["bpf_".Length..].Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
            Assert.Equal(pascal, helper.ToString());
        }
    }

    [Fact]
    public void FactoriesRejectEncodingsNoKernelAccepts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AtomicAdd(MemorySize.Byte, Register.R1, 0, Register.R2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ToBigEndian(Register.R1, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => MovSignExtend64(Register.R1, Register.R2, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => LoadSignExtend(MemorySize.DoubleWord, Register.R1, Register.R2, 0));
        Assert.Throws<ArgumentException>(() => Alu64(AluOperation.Neg, Register.R1, 1));
        Assert.Throws<ArgumentException>(() => SignedAlu64(AluOperation.Add, Register.R1, 1));
        Assert.Throws<ArgumentException>(() => Jump(JumpOperation.Exit, Register.R1, 0, 0));
    }

    private static Instruction[] Build(string name) => name switch
    {
        "add64 r1, 0x11223344" => [Alu64(AluOperation.Add, Register.R1, 0x11223344)],
        "exit" => [Exit()],
        "call 1" => [Call(HelperFunction.MapLookupElem)],
        "call pc+3" => [CallFunction(3)],
        "mov64 r0, -1" => [Mov64(Register.R0, -1)],
        "mov32 w0, 1" => [Mov32(Register.R0, 1)],
        "mov64 r6, r1" => [Mov64(Register.R6, Register.R1)],
        "stxdw [r10-8], r1" => [Store(MemorySize.DoubleWord, Register.R10, -8, Register.R1)],
        "ldxdw r0, [r1+16]" => [Load(MemorySize.DoubleWord, Register.R0, Register.R1, 16)],
        "stw [r10-4], 7" => [Store(MemorySize.Word, Register.R10, -4, 7)],
        "jne r0, 0, +2" => [Jump(JumpOperation.Jne, Register.R0, 0, 2)],
        "jgt32 w1, w2, -3" => [Jump32(JumpOperation.Jgt, Register.R1, Register.R2, -3)],
        "be16 r0" => [ToBigEndian(Register.R0, 16)],
        "neg64 r3" => [Neg64(Register.R3)],
        "lock add64 [r1+0], r2" => [AtomicAdd(MemorySize.DoubleWord, Register.R1, 0, Register.R2)],
        "fetch add32 [r1+8], r2" => [AtomicFetchAdd(MemorySize.Word, Register.R1, 8, Register.R2)],
        "xchg64 [r1+0], r2" => [AtomicExchange(MemorySize.DoubleWord, Register.R1, 0, Register.R2)],
        "cmpxchg64 [r1+0], r2" => [AtomicCompareExchange(MemorySize.DoubleWord, Register.R1, 0, Register.R2)],
        "lddw r1, 0x1122334455667788" => LoadImm64(Register.R1, 0x1122334455667788),
        "lddw r1, map_by_fd(5)" => LoadMapFd(Register.R1, 5),
        "lddw r2, mva(map_by_fd(5)) + 16" => LoadMapValue(Register.R2, 5, 16),
        _ => throw new ArgumentException(name, nameof(name)),
    };
}
