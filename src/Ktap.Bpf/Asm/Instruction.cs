using System.Runtime.InteropServices;

namespace Ktap.Bpf.Asm;

/// <summary>The eleven eBPF registers: R0 return value, R1-R5 arguments, R6-R9 callee-saved, R10 frame pointer (read-only).</summary>
public enum Register : byte
{
    R0,
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    R7,
    R8,
    R9,
    R10,
}

/// <summary>
/// One 8-byte eBPF instruction exactly as the kernel reads it (struct bpf_insn): an opcode, the
/// destination register in the low nibble and the source in the high one, a signed 16-bit
/// offset and a signed 32-bit immediate. A 64-bit immediate load takes two of them.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly record struct Instruction(byte OpCode, byte Registers, short Offset, int Immediate)
{
    public Register Destination => (Register)(Registers & 0x0f);

    public Register Source => (Register)(Registers >> 4);

    /// <summary>The low three bits of the opcode.</summary>
    public InstructionClass Class => OpCodes.ClassOf(OpCode);

    /// <summary>True for the first slot of a 64-bit immediate load, which owns the next slot too.</summary>
    public bool IsLoadImm64 => OpCode == OpCodes.LoadImm64;

    public static Instruction Create(byte opCode, Register destination, Register source, short offset, int immediate) =>
        new(opCode, (byte)(((byte)source << 4) | (byte)destination), offset, immediate);

    /// <summary>The instruction as the 64-bit word the kernel stores (little-endian layout).</summary>
    public ulong Encode() =>
        OpCode | ((ulong)Registers << 8) | ((ulong)(ushort)Offset << 16) | ((ulong)(uint)Immediate << 32);

    public static Instruction Decode(ulong word) =>
        new((byte)word, (byte)(word >> 8), (short)(word >> 16), (int)(word >> 32));
}
