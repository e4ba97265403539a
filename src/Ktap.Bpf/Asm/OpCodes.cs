namespace Ktap.Bpf.Asm;

// The opcode byte, as include/uapi/linux/bpf_common.h and bpf.h lay it out (and
// Documentation/bpf/standardization/instruction-set.rst describes it):
//
//   arithmetic and jumps:  | operation (4 bits) | source (1 bit) | class (3 bits) |
//   loads and stores:      | mode (3 bits)      | size (2 bits)  | class (3 bits) |
//
// Every enum below holds the bits already in place, so an opcode is the OR of its parts.

/// <summary>The low three bits of every opcode (<c>BPF_CLASS</c>).</summary>
public enum InstructionClass : byte
{
    /// <summary>BPF_LD: only the 64-bit immediate load (and the legacy packet loads) remain.</summary>
    Ld = 0x00,

    /// <summary>BPF_LDX: load from memory into a register.</summary>
    Ldx = 0x01,

    /// <summary>BPF_ST: store an immediate to memory.</summary>
    St = 0x02,

    /// <summary>BPF_STX: store a register to memory, and the atomic operations.</summary>
    Stx = 0x03,

    /// <summary>BPF_ALU: 32-bit arithmetic; the result is zero-extended into the 64-bit register.</summary>
    Alu = 0x04,

    /// <summary>BPF_JMP: 64-bit comparisons, calls and exit.</summary>
    Jmp = 0x05,

    /// <summary>BPF_JMP32: comparisons of the low 32 bits (kernel 5.1).</summary>
    Jmp32 = 0x06,

    /// <summary>BPF_ALU64: 64-bit arithmetic.</summary>
    Alu64 = 0x07,
}

/// <summary>Arithmetic operations, bits 4-7 of an ALU or ALU64 opcode (<c>BPF_OP</c>).</summary>
public enum AluOperation : byte
{
    Add = 0x00,
    Sub = 0x10,
    Mul = 0x20,

    /// <summary>Unsigned division; division by zero gives zero (the verifier patches in the check).</summary>
    Div = 0x30,
    Or = 0x40,
    And = 0x50,
    Lsh = 0x60,

    /// <summary>Logical (zero-filling) shift right.</summary>
    Rsh = 0x70,
    Neg = 0x80,

    /// <summary>Unsigned modulo; modulo by zero leaves the destination unchanged.</summary>
    Mod = 0x90,
    Xor = 0xa0,
    Mov = 0xb0,

    /// <summary>Arithmetic (sign-filling) shift right.</summary>
    Arsh = 0xc0,

    /// <summary>Byte swap: to little or big endian in class ALU, unconditional in ALU64 (kernel 6.6).</summary>
    End = 0xd0,
}

/// <summary>Jump operations, bits 4-7 of a JMP or JMP32 opcode (<c>BPF_OP</c>).</summary>
public enum JumpOperation : byte
{
    /// <summary>Unconditional jump (JMP only; in JMP32 it is <c>gotol</c>, with a 32-bit offset in imm).</summary>
    Ja = 0x00,
    Jeq = 0x10,

    /// <summary>Unsigned greater than.</summary>
    Jgt = 0x20,

    /// <summary>Unsigned greater or equal.</summary>
    Jge = 0x30,

    /// <summary>Jump if <c>dst &amp; src</c> is not zero.</summary>
    Jset = 0x40,
    Jne = 0x50,

    /// <summary>Signed greater than.</summary>
    Jsgt = 0x60,

    /// <summary>Signed greater or equal.</summary>
    Jsge = 0x70,

    /// <summary>Helper call, bpf-to-bpf call or kfunc call, by the source field (JMP only).</summary>
    Call = 0x80,

    /// <summary>Return R0 (JMP only).</summary>
    Exit = 0x90,

    /// <summary>Unsigned less than (kernel 4.14).</summary>
    Jlt = 0xa0,

    /// <summary>Unsigned less or equal (kernel 4.14).</summary>
    Jle = 0xb0,

    /// <summary>Signed less than (kernel 4.14).</summary>
    Jslt = 0xc0,

    /// <summary>Signed less or equal (kernel 4.14).</summary>
    Jsle = 0xd0,

    /// <summary>Conditional pseudo jump; with source 0 it is <c>may_goto</c> (kernel 6.9).</summary>
    Jcond = 0xe0,
}

/// <summary>Where the second operand of an ALU or JMP instruction comes from (<c>BPF_SRC</c>, bit 3).</summary>
public enum OperandSource : byte
{
    /// <summary>BPF_K: the 32-bit immediate, sign-extended to 64 bits for 64-bit operations.</summary>
    Immediate = 0x00,

    /// <summary>BPF_X: the source register.</summary>
    Register = 0x08,
}

/// <summary>The access width of a load or store (<c>BPF_SIZE</c>, bits 3-4).</summary>
public enum MemorySize : byte
{
    /// <summary>BPF_W, 4 bytes.</summary>
    Word = 0x00,

    /// <summary>BPF_H, 2 bytes.</summary>
    Half = 0x08,

    /// <summary>BPF_B, 1 byte.</summary>
    Byte = 0x10,

    /// <summary>BPF_DW, 8 bytes.</summary>
    DoubleWord = 0x18,
}

/// <summary>The addressing mode of a load or store (<c>BPF_MODE</c>, bits 5-7).</summary>
public enum MemoryMode : byte
{
    /// <summary>BPF_IMM: with size DW, the two-slot 64-bit immediate load.</summary>
    Immediate = 0x00,

    /// <summary>BPF_ABS: legacy packet access (socket filters only).</summary>
    Absolute = 0x20,

    /// <summary>BPF_IND: legacy packet access (socket filters only).</summary>
    Indirect = 0x40,

    /// <summary>BPF_MEM: an ordinary load or store at <c>register + offset</c>.</summary>
    Memory = 0x60,

    /// <summary>BPF_MEMSX: a sign-extending load (kernel 6.6).</summary>
    MemorySignExtend = 0x80,

    /// <summary>BPF_ATOMIC (BPF_XADD before kernel 5.12): the operation is in the immediate.</summary>
    Atomic = 0xc0,
}

/// <summary>
/// The operation of a BPF_ATOMIC store, held in the immediate. The plain ALU forms (kernel 5.12
/// for all but ADD, which is the old XADD) discard the old value; with <see cref="Fetch"/> the old
/// value lands in the source register. Exchange and compare-exchange always fetch.
/// </summary>
[Flags]
public enum AtomicOperation
{
    Add = 0x00,
    Or = 0x40,
    And = 0x50,
    Xor = 0xa0,

    /// <summary>BPF_FETCH: return the old value in the source register.</summary>
    Fetch = 0x01,

    /// <summary>BPF_XCHG: <c>src = xchg(*(dst + off), src)</c>.</summary>
    Exchange = 0xe0 | Fetch,

    /// <summary>BPF_CMPXCHG: <c>r0 = cmpxchg(*(dst + off), r0, src)</c>.</summary>
    CompareExchange = 0xf0 | Fetch,

    /// <summary>BPF_LOAD_ACQ: <c>dst = load_acquire(*(src + off))</c> (kernel 6.15).</summary>
    LoadAcquire = 0x100,

    /// <summary>BPF_STORE_REL: <c>store_release(*(dst + off), src)</c> (kernel 6.15).</summary>
    StoreRelease = 0x110,
}

/// <summary>
/// Values of the source-register field that change what an instruction means: on a 64-bit
/// immediate load they say what the immediate refers to, on a call what kind of function it
/// calls. The kernel names them BPF_PSEUDO_*.
/// </summary>
public static class PseudoSource
{
    /// <summary>LD_IMM64: imm is a map file descriptor; the verifier replaces it with the map's address.</summary>
    public const byte MapFd = 1;

    /// <summary>LD_IMM64: imm is a map file descriptor, the next imm an offset into the value of key 0.</summary>
    public const byte MapValue = 2;

    /// <summary>LD_IMM64: imm is the BTF id of a kernel variable (a ksym).</summary>
    public const byte BtfId = 3;

    /// <summary>LD_IMM64: imm is the offset of a subprogram, relative to the next instruction (kernel 5.13).</summary>
    public const byte Function = 4;

    /// <summary>LD_IMM64: imm is an index into the load's fd_array (kernel 5.14).</summary>
    public const byte MapIndex = 5;

    /// <summary>LD_IMM64: imm indexes fd_array, the next imm is an offset into the value.</summary>
    public const byte MapIndexValue = 6;

    /// <summary>CALL: a bpf-to-bpf call, imm is the callee's offset from the next instruction.</summary>
    public const byte Call = 1;

    /// <summary>CALL: a kfunc call, imm is the function's BTF id and offset its BTF's fd_array slot.</summary>
    public const byte KernelFunctionCall = 2;

    /// <summary>JCOND: <c>may_goto</c>, a loop bound the verifier enforces at run time (kernel 6.9).</summary>
    public const byte MayGoto = 0;
}

/// <summary>Composing and taking apart opcode bytes.</summary>
public static class OpCodes
{
    /// <summary>BPF_LD | BPF_IMM | BPF_DW: the first slot of a 64-bit immediate load.</summary>
    public const byte LoadImm64 = (byte)InstructionClass.Ld | (byte)MemoryMode.Immediate | (byte)MemorySize.DoubleWord;

    /// <summary>BPF_JMP | BPF_CALL.</summary>
    public const byte Call = (byte)InstructionClass.Jmp | (byte)JumpOperation.Call;

    /// <summary>BPF_JMP | BPF_EXIT.</summary>
    public const byte Exit = (byte)InstructionClass.Jmp | (byte)JumpOperation.Exit;

    /// <summary>BPF_JMP | BPF_JA.</summary>
    public const byte Ja = (byte)InstructionClass.Jmp | (byte)JumpOperation.Ja;

    /// <summary>The byte-swap direction of a class ALU <see cref="AluOperation.End"/> (the source bit): to little endian.</summary>
    public const byte ToLittleEndian = 0x00;

    /// <summary>The byte-swap direction of a class ALU <see cref="AluOperation.End"/>: to big endian.</summary>
    public const byte ToBigEndian = 0x08;

    public static byte Alu(InstructionClass @class, AluOperation operation, OperandSource source) =>
        (byte)((byte)@class | (byte)operation | (byte)source);

    public static byte Jump(InstructionClass @class, JumpOperation operation, OperandSource source) =>
        (byte)((byte)@class | (byte)operation | (byte)source);

    public static byte Memory(InstructionClass @class, MemoryMode mode, MemorySize size) =>
        (byte)((byte)@class | (byte)mode | (byte)size);

    public static InstructionClass ClassOf(byte opCode) => (InstructionClass)(opCode & 0x07);

    /// <summary>The operation bits of an ALU or JMP opcode (cast to <see cref="AluOperation"/> or <see cref="JumpOperation"/>).</summary>
    public static byte OperationOf(byte opCode) => (byte)(opCode & 0xf0);

    public static OperandSource SourceOf(byte opCode) => (OperandSource)(opCode & 0x08);

    public static MemorySize SizeOf(byte opCode) => (MemorySize)(opCode & 0x18);

    public static MemoryMode ModeOf(byte opCode) => (MemoryMode)(opCode & 0xe0);

    /// <summary>The width of an access in bytes.</summary>
    public static int Bytes(MemorySize size) => size switch
    {
        MemorySize.Byte => 1,
        MemorySize.Half => 2,
        MemorySize.Word => 4,
        _ => 8,
    };
}
