namespace Ktap.Bpf.Asm;

/// <summary>
/// Factories for every eBPF instruction ktap emits, named after what they do. Each returns the
/// exact encoding the kernel documents (Documentation/bpf/standardization/instruction-set.rst);
/// none checks what only the verifier can know (that a register is initialised, that memory is
/// in bounds), but each rejects an encoding no kernel accepts.
/// </summary>
public static class Instructions
{
    /// <summary><c>dst = imm</c>, the immediate sign-extended to 64 bits.</summary>
    public static Instruction Mov64(Register destination, int immediate) =>
        Alu64(AluOperation.Mov, destination, immediate);

    /// <summary><c>dst = src</c>.</summary>
    public static Instruction Mov64(Register destination, Register source) =>
        Alu64(AluOperation.Mov, destination, source);

    /// <summary><c>wdst = imm</c>: the low 32 bits, the upper half zeroed.</summary>
    public static Instruction Mov32(Register destination, int immediate) =>
        Alu32(AluOperation.Mov, destination, immediate);

    /// <summary><c>wdst = wsrc</c>: the upper half zeroed (the usual way to zero-extend a u32).</summary>
    public static Instruction Mov32(Register destination, Register source) =>
        Alu32(AluOperation.Mov, destination, source);

    /// <summary>
    /// <c>dst op= imm</c> on 64 bits, the immediate sign-extended. Division or modulo by zero does
    /// not trap: the kernel defines <c>x / 0 = 0</c> and <c>x % 0 = x</c>.
    /// </summary>
    public static Instruction Alu64(AluOperation operation, Register destination, int immediate) =>
        Arithmetic(InstructionClass.Alu64, operation, OperandSource.Immediate, destination, Register.R0, immediate);

    /// <summary><c>dst op= src</c> on 64 bits.</summary>
    public static Instruction Alu64(AluOperation operation, Register destination, Register source) =>
        Arithmetic(InstructionClass.Alu64, operation, OperandSource.Register, destination, source, 0);

    /// <summary><c>wdst op= imm</c> on the low 32 bits; the result is zero-extended.</summary>
    public static Instruction Alu32(AluOperation operation, Register destination, int immediate) =>
        Arithmetic(InstructionClass.Alu, operation, OperandSource.Immediate, destination, Register.R0, immediate);

    /// <summary><c>wdst op= wsrc</c> on the low 32 bits; the result is zero-extended.</summary>
    public static Instruction Alu32(AluOperation operation, Register destination, Register source) =>
        Arithmetic(InstructionClass.Alu, operation, OperandSource.Register, destination, source, 0);

    /// <summary><c>dst = -dst</c>.</summary>
    public static Instruction Neg64(Register destination) =>
        Instruction.Create(
            OpCodes.Alu(InstructionClass.Alu64, AluOperation.Neg, OperandSource.Immediate), destination, Register.R0, 0, 0);

    /// <summary><c>wdst = -wdst</c>.</summary>
    public static Instruction Neg32(Register destination) =>
        Instruction.Create(
            OpCodes.Alu(InstructionClass.Alu, AluOperation.Neg, OperandSource.Immediate), destination, Register.R0, 0, 0);

    /// <summary>
    /// <c>dst s/= src</c> or <c>dst s%= src</c>: signed division and modulo are the unsigned
    /// opcodes with offset 1 (cpu v4, kernel 6.6).
    /// </summary>
    public static Instruction SignedAlu64(AluOperation operation, Register destination, Register source) =>
        SignedArithmetic(InstructionClass.Alu64, operation, destination, source, OperandSource.Register, 0);

    /// <inheritdoc cref="SignedAlu64(AluOperation, Register, Register)"/>
    public static Instruction SignedAlu64(AluOperation operation, Register destination, int immediate) =>
        SignedArithmetic(InstructionClass.Alu64, operation, destination, Register.R0, OperandSource.Immediate, immediate);

    /// <inheritdoc cref="SignedAlu64(AluOperation, Register, Register)"/>
    public static Instruction SignedAlu32(AluOperation operation, Register destination, Register source) =>
        SignedArithmetic(InstructionClass.Alu, operation, destination, source, OperandSource.Register, 0);

    /// <inheritdoc cref="SignedAlu64(AluOperation, Register, Register)"/>
    public static Instruction SignedAlu32(AluOperation operation, Register destination, int immediate) =>
        SignedArithmetic(InstructionClass.Alu, operation, destination, Register.R0, OperandSource.Immediate, immediate);

    /// <summary>
    /// <c>dst = (s8|s16|s32)src</c>: move with sign extension from the low <paramref name="bits"/>
    /// (MOV with offset 8, 16 or 32; cpu v4, kernel 6.6).
    /// </summary>
    public static Instruction MovSignExtend64(Register destination, Register source, int bits) =>
        Instruction.Create(
            OpCodes.Alu(InstructionClass.Alu64, AluOperation.Mov, OperandSource.Register),
            destination,
            source,
            bits is 8 or 16 or 32
                ? (short)bits
                : throw new ArgumentOutOfRangeException(nameof(bits), bits, "a 64-bit sign-extending move takes 8, 16 or 32 bits"),
            0);

    /// <summary><c>wdst = (s8|s16)wsrc</c> (cpu v4, kernel 6.6).</summary>
    public static Instruction MovSignExtend32(Register destination, Register source, int bits) =>
        Instruction.Create(
            OpCodes.Alu(InstructionClass.Alu, AluOperation.Mov, OperandSource.Register),
            destination,
            source,
            bits is 8 or 16
                ? (short)bits
                : throw new ArgumentOutOfRangeException(nameof(bits), bits, "a 32-bit sign-extending move takes 8 or 16 bits"),
            0);

    /// <summary>
    /// <c>dst = be16|be32|be64 dst</c>: converts from host order to big endian (a swap on x86 and
    /// arm64), keeping the low <paramref name="bits"/> and zeroing the rest.
    /// </summary>
    public static Instruction ToBigEndian(Register destination, int bits) => Endian(OpCodes.ToBigEndian, destination, bits);

    /// <summary><c>dst = le16|le32|le64 dst</c>: on a little-endian host only truncates to <paramref name="bits"/>.</summary>
    public static Instruction ToLittleEndian(Register destination, int bits) => Endian(OpCodes.ToLittleEndian, destination, bits);

    /// <summary><c>dst = bswap16|32|64 dst</c>: an unconditional byte swap (ALU64 END; cpu v4, kernel 6.6).</summary>
    public static Instruction ByteSwap(Register destination, int bits) =>
        Instruction.Create(
            OpCodes.Alu(InstructionClass.Alu64, AluOperation.End, OperandSource.Immediate),
            destination,
            Register.R0,
            0,
            CheckSwapWidth(bits));

    /// <summary>
    /// <c>dst = imm64</c>: the one instruction that takes two slots. The first holds the low 32
    /// bits, the second (opcode 0) the high ones.
    /// </summary>
    public static Instruction[] LoadImm64(Register destination, long value) =>
        Wide(destination, 0, (int)value, (int)(value >> 32));

    /// <summary>
    /// <c>dst = map</c>: a reference to the map behind file descriptor <paramref name="fd"/>
    /// (BPF_PSEUDO_MAP_FD). The verifier swaps in the map's kernel address; a program read back
    /// shows the map's id instead.
    /// </summary>
    public static Instruction[] LoadMapFd(Register destination, int fd) =>
        Wide(destination, PseudoSource.MapFd, fd, 0);

    /// <summary>
    /// <c>dst = &amp;map_value[0] + offset</c>: the address inside the value of key 0 of an array
    /// map (BPF_PSEUDO_MAP_VALUE, kernel 5.2): globals without a lookup call. The array must have
    /// exactly one entry (array_map_direct_value_addr answers ENOTSUPP otherwise, before the
    /// verifier has looked at a single instruction) and the offset must lie inside the value.
    /// </summary>
    public static Instruction[] LoadMapValue(Register destination, int fd, int offset) =>
        Wide(destination, PseudoSource.MapValue, fd, offset);

    /// <summary>
    /// <c>dst = &amp;subprogram</c> (BPF_PSEUDO_FUNC, kernel 5.13), for the callbacks of
    /// <c>bpf_loop</c> and <c>bpf_for_each_map_elem</c>; the offset counts from the instruction after
    /// the first slot. <see cref="ProgramBuilder.LoadFunction"/> fills it from a label.
    /// </summary>
    public static Instruction[] LoadFunction(Register destination, int relativeOffset) =>
        Wide(destination, PseudoSource.Function, relativeOffset, 0);

    /// <summary>The general 64-bit immediate load, with a pseudo source (<see cref="PseudoSource"/>).</summary>
    public static Instruction[] Wide(Register destination, byte pseudoSource, int low, int high) =>
    [
        Instruction.Create(OpCodes.LoadImm64, destination, (Register)pseudoSource, 0, low),
        Instruction.Create(0, Register.R0, Register.R0, 0, high),
    ];

    /// <summary><c>dst = *(size *)(src + offset)</c>, zero-extended.</summary>
    public static Instruction Load(MemorySize size, Register destination, Register source, short offset) =>
        Instruction.Create(OpCodes.Memory(InstructionClass.Ldx, MemoryMode.Memory, size), destination, source, offset, 0);

    /// <summary><c>dst = *(s8|s16|s32 *)(src + offset)</c>, sign-extended (BPF_MEMSX; cpu v4, kernel 6.6).</summary>
    public static Instruction LoadSignExtend(MemorySize size, Register destination, Register source, short offset) =>
        size == MemorySize.DoubleWord
            ? throw new ArgumentOutOfRangeException(nameof(size), size, "a sign-extending load is 1, 2 or 4 bytes")
            : Instruction.Create(
                OpCodes.Memory(InstructionClass.Ldx, MemoryMode.MemorySignExtend, size), destination, source, offset, 0);

    /// <summary><c>*(size *)(dst + offset) = imm</c> (BPF_ST; a DW store sign-extends the immediate).</summary>
    public static Instruction Store(MemorySize size, Register destination, short offset, int immediate) =>
        Instruction.Create(
            OpCodes.Memory(InstructionClass.St, MemoryMode.Memory, size), destination, Register.R0, offset, immediate);

    /// <summary><c>*(size *)(dst + offset) = src</c> (BPF_STX).</summary>
    public static Instruction Store(MemorySize size, Register destination, short offset, Register source) =>
        Instruction.Create(OpCodes.Memory(InstructionClass.Stx, MemoryMode.Memory, size), destination, source, offset, 0);

    /// <summary>
    /// Any BPF_ATOMIC operation on <c>*(size *)(dst + offset)</c> with <paramref name="source"/>.
    /// Only 32- and 64-bit accesses are atomic, except for load-acquire and store-release, which
    /// take any size; load-acquire reverses the roles: <c>dst = load_acquire(*(size *)(src + offset))</c>.
    /// </summary>
    public static Instruction Atomic(
        AtomicOperation operation, MemorySize size, Register destination, short offset, Register source)
    {
        var ordering = operation is AtomicOperation.LoadAcquire or AtomicOperation.StoreRelease;
        if (!ordering && size is not (MemorySize.Word or MemorySize.DoubleWord))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "atomic operations are 32 or 64 bits wide");
        }

        var opCode = OpCodes.Memory(InstructionClass.Stx, MemoryMode.Atomic, size);
        return Instruction.Create(opCode, destination, source, offset, (int)operation);
    }

    /// <summary><c>lock *(size *)(dst + offset) += src</c> (the old BPF_XADD).</summary>
    public static Instruction AtomicAdd(MemorySize size, Register destination, short offset, Register source) =>
        Atomic(AtomicOperation.Add, size, destination, offset, source);

    /// <summary><c>lock *(size *)(dst + offset) &amp;= src</c> (kernel 5.12).</summary>
    public static Instruction AtomicAnd(MemorySize size, Register destination, short offset, Register source) =>
        Atomic(AtomicOperation.And, size, destination, offset, source);

    /// <summary><c>lock *(size *)(dst + offset) |= src</c> (kernel 5.12).</summary>
    public static Instruction AtomicOr(MemorySize size, Register destination, short offset, Register source) =>
        Atomic(AtomicOperation.Or, size, destination, offset, source);

    /// <summary><c>lock *(size *)(dst + offset) ^= src</c> (kernel 5.12).</summary>
    public static Instruction AtomicXor(MemorySize size, Register destination, short offset, Register source) =>
        Atomic(AtomicOperation.Xor, size, destination, offset, source);

    /// <summary><c>src = atomic_fetch_add((size *)(dst + offset), src)</c>: the old value lands in src (kernel 5.12).</summary>
    public static Instruction AtomicFetchAdd(MemorySize size, Register destination, short offset, Register source) =>
        Atomic(AtomicOperation.Add | AtomicOperation.Fetch, size, destination, offset, source);

    /// <summary><c>src = atomic_fetch_and((size *)(dst + offset), src)</c> (kernel 5.12).</summary>
    public static Instruction AtomicFetchAnd(MemorySize size, Register destination, short offset, Register source) =>
        Atomic(AtomicOperation.And | AtomicOperation.Fetch, size, destination, offset, source);

    /// <summary><c>src = atomic_fetch_or((size *)(dst + offset), src)</c> (kernel 5.12).</summary>
    public static Instruction AtomicFetchOr(MemorySize size, Register destination, short offset, Register source) =>
        Atomic(AtomicOperation.Or | AtomicOperation.Fetch, size, destination, offset, source);

    /// <summary><c>src = atomic_fetch_xor((size *)(dst + offset), src)</c> (kernel 5.12).</summary>
    public static Instruction AtomicFetchXor(MemorySize size, Register destination, short offset, Register source) =>
        Atomic(AtomicOperation.Xor | AtomicOperation.Fetch, size, destination, offset, source);

    /// <summary><c>src = xchg((size *)(dst + offset), src)</c> (kernel 5.12).</summary>
    public static Instruction AtomicExchange(MemorySize size, Register destination, short offset, Register source) =>
        Atomic(AtomicOperation.Exchange, size, destination, offset, source);

    /// <summary>
    /// <c>r0 = cmpxchg((size *)(dst + offset), r0, src)</c>: stores src if the memory holds r0; r0
    /// gets the old value either way (kernel 5.12). R0 is implied, never named.
    /// </summary>
    public static Instruction AtomicCompareExchange(MemorySize size, Register destination, short offset, Register source) =>
        Atomic(AtomicOperation.CompareExchange, size, destination, offset, source);

    /// <summary><c>if dst op imm goto pc+offset</c>, comparing 64 bits (the immediate sign-extended).</summary>
    public static Instruction Jump(JumpOperation operation, Register destination, int immediate, short offset) =>
        Conditional(InstructionClass.Jmp, operation, OperandSource.Immediate, destination, Register.R0, immediate, offset);

    /// <summary><c>if dst op src goto pc+offset</c>, comparing 64 bits.</summary>
    public static Instruction Jump(JumpOperation operation, Register destination, Register source, short offset) =>
        Conditional(InstructionClass.Jmp, operation, OperandSource.Register, destination, source, 0, offset);

    /// <summary><c>if wdst op imm goto pc+offset</c>, comparing the low 32 bits (kernel 5.1).</summary>
    public static Instruction Jump32(JumpOperation operation, Register destination, int immediate, short offset) =>
        Conditional(InstructionClass.Jmp32, operation, OperandSource.Immediate, destination, Register.R0, immediate, offset);

    /// <summary><c>if wdst op wsrc goto pc+offset</c>, comparing the low 32 bits (kernel 5.1).</summary>
    public static Instruction Jump32(JumpOperation operation, Register destination, Register source, short offset) =>
        Conditional(InstructionClass.Jmp32, operation, OperandSource.Register, destination, source, 0, offset);

    /// <summary><c>goto pc+offset</c>: offsets count instructions from the next one.</summary>
    public static Instruction Ja(short offset) => Instruction.Create(OpCodes.Ja, Register.R0, Register.R0, offset, 0);

    /// <summary><c>gotol pc+offset</c>, a jump with a 32-bit offset (JMP32 JA; cpu v4, kernel 6.6).</summary>
    public static Instruction JaLong(int offset) =>
        Instruction.Create(
            OpCodes.Jump(InstructionClass.Jmp32, JumpOperation.Ja, OperandSource.Immediate), Register.R0, Register.R0, 0, offset);

    /// <summary>Calls a helper: arguments in R1-R5, result in R0; R1-R5 are clobbered.</summary>
    public static Instruction Call(HelperFunction helper) =>
        Instruction.Create(OpCodes.Call, Register.R0, Register.R0, 0, (int)helper);

    /// <summary>
    /// A bpf-to-bpf call (BPF_PSEUDO_CALL, kernel 4.16): the callee starts
    /// <paramref name="relativeOffset"/> instructions after the next one. It gets a fresh stack
    /// frame; R6-R9 survive the call. <see cref="ProgramBuilder.CallFunction"/> fills the offset
    /// from a label.
    /// </summary>
    public static Instruction CallFunction(int relativeOffset) =>
        Instruction.Create(OpCodes.Call, Register.R0, (Register)PseudoSource.Call, 0, relativeOffset);

    /// <summary>
    /// A kfunc call (BPF_PSEUDO_KFUNC_CALL, kernel 5.13): <paramref name="btfId"/> names the
    /// function in vmlinux BTF, or in the module BTF at <paramref name="fdArrayIndex"/> of the load's fd_array.
    /// </summary>
    public static Instruction CallKernelFunction(int btfId, short fdArrayIndex = 0) =>
        Instruction.Create(OpCodes.Call, Register.R0, (Register)PseudoSource.KernelFunctionCall, fdArrayIndex, btfId);

    /// <summary>Returns R0 to the caller (the kernel, or the calling bpf function).</summary>
    public static Instruction Exit() => Instruction.Create(OpCodes.Exit, Register.R0, Register.R0, 0, 0);

    private static Instruction Arithmetic(
        InstructionClass @class,
        AluOperation operation,
        OperandSource operandSource,
        Register destination,
        Register source,
        int immediate)
    {
        if (operation is AluOperation.Neg or AluOperation.End)
        {
            throw new ArgumentException(
                $"{operation} takes no operand: use Neg64/Neg32 or the endianness factories", nameof(operation));
        }

        return Instruction.Create(OpCodes.Alu(@class, operation, operandSource), destination, source, 0, immediate);
    }

    private static Instruction SignedArithmetic(
        InstructionClass @class,
        AluOperation operation,
        Register destination,
        Register source,
        OperandSource operandSource,
        int immediate) =>
        operation is AluOperation.Div or AluOperation.Mod
            ? Instruction.Create(OpCodes.Alu(@class, operation, operandSource), destination, source, 1, immediate)
            : throw new ArgumentException("only division and modulo have signed forms", nameof(operation));

    private static Instruction Endian(byte direction, Register destination, int bits) =>
        Instruction.Create(
            (byte)((byte)InstructionClass.Alu | (byte)AluOperation.End | direction),
            destination,
            Register.R0,
            0,
            CheckSwapWidth(bits));

    private static int CheckSwapWidth(int bits) =>
        bits is 16 or 32 or 64
            ? bits
            : throw new ArgumentOutOfRangeException(nameof(bits), bits, "byte swaps are 16, 32 or 64 bits wide");

    private static Instruction Conditional(
        InstructionClass @class,
        JumpOperation operation,
        OperandSource source,
        Register destination,
        Register sourceRegister,
        int immediate,
        short offset)
    {
        if (operation is JumpOperation.Ja or JumpOperation.Call or JumpOperation.Exit or JumpOperation.Jcond)
        {
            throw new ArgumentException($"{operation} is not a comparison: use Ja, Call or Exit", nameof(operation));
        }

        return Instruction.Create(OpCodes.Jump(@class, operation, source), destination, sourceRegister, offset, immediate);
    }
}
