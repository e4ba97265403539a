using System.Globalization;
using System.Text;

namespace Ktap.Bpf.Asm;

/// <summary>What the disassembler cannot know from the instructions alone.</summary>
public sealed class DisassemblyOptions
{
    public static DisassemblyOptions Default { get; } = new();

    /// <summary>
    /// True for instructions read back from the kernel (<c>BpfProgram.GetTranslatedInstructions</c>):
    /// the kernel has rewritten map references to carry map ids, printed <c>map[id:N]</c> as
    /// bpftool does. False for a program as built, whose map references hold file descriptors,
    /// printed <c>map[fd:N]</c> (bpftool never sees those).
    /// </summary>
    public bool Translated { get; init; }

    /// <summary>
    /// Names a call's target, as bpftool's <c>print_call</c> does (the kernel's <c>cb_call</c>): for a
    /// helper or kfunc call the text before <c>#imm</c>, for a bpf-to-bpf call the text after
    /// <c>call pc</c>. Consulted only when the immediate is not a known helper id; null means
    /// "no better name", and the kernel's defaults apply (<c>unknown</c>, <c>kernel-function</c>, the
    /// signed offset).
    /// </summary>
    public Func<Instruction, string?>? CallTarget { get; init; }

    /// <summary>
    /// Options that print a translated program exactly as <c>bpftool prog dump xlated</c> does.
    /// The kernel rewrites a helper call's immediate into the helper's address minus
    /// <c>__bpf_call_base</c>, and a bpf-to-bpf call's immediate into the callee's index among the
    /// program's JITed functions (its offset moves to the offset field); bpftool turns both back
    /// into kallsyms names.
    /// </summary>
    /// <param name="callBase">The address of <c>__bpf_call_base</c> in /proc/kallsyms.</param>
    /// <param name="jitedFunctions">The program's <c>jited_ksyms</c> (bpf_prog_info), empty when it is not JITed.</param>
    /// <param name="symbolAt">The kallsyms name at exactly that address, or null.</param>
    public static DisassemblyOptions ForTranslated(
        ulong callBase, IReadOnlyList<ulong> jitedFunctions, Func<ulong, string?> symbolAt)
    {
        string Name(Instruction instruction)
        {
            var address = callBase + (ulong)(long)instruction.Immediate;
            var isFunctionCall = (byte)instruction.Source == PseudoSource.Call;
            if (isFunctionCall && (uint)instruction.Immediate < (uint)jitedFunctions.Count)
            {
                address = jitedFunctions[instruction.Immediate];
            }

            var name = symbolAt(address);
            var hex = "0x" + address.ToString("x", CultureInfo.InvariantCulture);
            if (!isFunctionCall)
            {
                return name ?? hex;
            }

            // An interpreted program has no function addresses worth showing: bpftool prints the offset alone.
            var offset = Disassembler.Signed(instruction.Offset);
            return jitedFunctions.Count == 0 ? offset : $"{offset}#{name ?? hex}";
        }

        return new DisassemblyOptions { Translated = true, CallTarget = Name };
    }
}

/// <summary>
/// Prints instructions in the kernel's own notation (kernel/bpf/disasm.c, shared by the verifier
/// log and bpftool), line for line as <c>bpftool prog dump xlated</c> prints them:
/// <c>   0: (bf) r6 = r1</c>. The opcode in parentheses, then a C-like statement: <c>r</c> registers
/// for 64-bit operations, <c>w</c> for 32-bit ones, offsets always signed (<c>pc+2</c>,
/// <c>(r10 -8)</c>), jump immediates in hex, ALU immediates in decimal.
/// </summary>
public static class Disassembler
{
    // The kernel's string tables, indexed by the operation bits >> 4 (or the size bits >> 3). A
    // hole prints as glibc prints a null %s, "(null)", which is what bpftool shows for such bytes.
    private static readonly string?[] AluOperators =
        ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian", null, null];

    private static readonly string?[] AtomicOperators =
        ["add", null, null, null, "or", "and", null, null, null, null, "xor", null, null, null, null, null];

    private static readonly string?[] JumpOperators =
        ["jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<=", null, null];

    private static readonly string?[] SizeNames = ["u32", "u16", "u8", "u64"];

    private static readonly string?[] SignedSizeNames = ["s32", "s16", "s8", null];

    /// <summary>The whole program, one line per instruction, each ending in a newline (bpftool's stdout).</summary>
    public static string Disassemble(IReadOnlyList<Instruction> program, DisassemblyOptions? options = null)
    {
        var text = new StringBuilder();
        foreach (var line in Lines(program, options))
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// One line per instruction, without newlines, numbered by slot: a 64-bit immediate load takes
    /// two slots and one line, so the next line's number jumps by two.
    /// </summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<Instruction> program, DisassemblyOptions? options = null)
    {
        var lines = new List<string>(program.Count);
        for (var i = 0; i < program.Count; i++)
        {
            // printf("% 4d: "): a blank for the sign, then at least four columns in all.
            var number = (" " + i.ToString(CultureInfo.InvariantCulture)).PadLeft(4);
            lines.Add($"{number}: {Format(program, i, options)}");
            if (program[i].IsLoadImm64)
            {
                i++;
            }
        }

        return lines;
    }

    /// <summary>
    /// The statement for the instruction at <paramref name="index"/>, without its number (for a
    /// 64-bit immediate load, the statement for both slots).
    /// </summary>
    public static string Format(IReadOnlyList<Instruction> program, int index, DisassemblyOptions? options = null)
    {
        var instruction = program[index];
        var next = index + 1 < program.Count ? program[index + 1] : default;
        return Format(instruction, next, options ?? DisassemblyOptions.Default);
    }

    internal static string Signed(int value) =>
        (value >= 0 ? "+" : string.Empty) + value.ToString(CultureInfo.InvariantCulture);

    private static string Format(Instruction instruction, Instruction next, DisassemblyOptions options)
    {
        var code = $"({instruction.OpCode:x2})";
        return instruction.Class switch
        {
            InstructionClass.Alu or InstructionClass.Alu64 => FormatAlu(instruction, code),
            InstructionClass.Stx => FormatStoreRegister(instruction, code),
            InstructionClass.St => FormatStoreImmediate(instruction, code),
            InstructionClass.Ldx => FormatLoad(instruction, code),
            InstructionClass.Ld => FormatLegacyLoad(instruction, next, code, options),
            _ => FormatJump(instruction, code, options),
        };
    }

    private static string FormatAlu(Instruction instruction, string code)
    {
        var opCode = instruction.OpCode;
        var operation = (AluOperation)OpCodes.OperationOf(opCode);
        var is32 = instruction.Class == InstructionClass.Alu;
        var prefix = is32 ? 'w' : 'r';
        var destination = Number((int)instruction.Destination);
        var source = Number((int)instruction.Source);
        var movRegister64 = OpCodes.Alu(InstructionClass.Alu64, AluOperation.Mov, OperandSource.Register);

        if (operation == AluOperation.End)
        {
            // In ALU64 the source bit is free, so END there is an unconditional swap (kernel 6.6).
            var kind = !is32 ? "bswap" : (opCode & OpCodes.ToBigEndian) != 0 ? "be" : "le";
            return $"{code} r{destination} = {kind}{Number(instruction.Immediate)} r{destination}";
        }

        if (operation == AluOperation.Neg)
        {
            return $"{code} {prefix}{destination} = -{prefix}{destination}";
        }

        // BPF_ADDR_SPACE_CAST (offset 1, kernel 6.9): converts between arena and kernel pointers.
        if (opCode == movRegister64 && instruction.Offset == 1)
        {
            var imm = (uint)instruction.Immediate;
            return $"{code} r{destination} = addr_space_cast(r{source}, {Number(imm >> 16)}, {Number(imm & 0xffff)})";
        }

        // Offset -1 marks the verifier's internal per-CPU address move (kernel 6.10), which it
        // emits when it inlines bpf_get_smp_processor_id and per-CPU map lookups.
        if (opCode == movRegister64 && instruction.Offset == -1)
        {
            return $"{code} r{destination} = &(void __percpu *)(r{source})";
        }

        // Offset 1 turns DIV and MOD signed (cpu v4, kernel 6.6).
        var signed = operation is AluOperation.Div or AluOperation.Mod && instruction.Offset == 1;
        var symbol = signed
            ? (operation == AluOperation.Div ? "s/=" : "s%=")
            : Table(AluOperators, (int)operation >> 4);

        if (OpCodes.SourceOf(opCode) == OperandSource.Register)
        {
            // MOV with offset 8, 16 or 32 sign-extends from that many bits (cpu v4, kernel 6.6).
            var extension = operation == AluOperation.Mov
                ? instruction.Offset switch { 8 => "(s8)", 16 => "(s16)", 32 => "(s32)", _ => string.Empty }
                : string.Empty;
            return $"{code} {prefix}{destination} {symbol} {extension}{prefix}{source}";
        }

        return $"{code} {prefix}{destination} {symbol} {Number(instruction.Immediate)}";
    }

    private static string FormatStoreRegister(Instruction instruction, string code)
    {
        var size = OpCodes.SizeOf(instruction.OpCode);
        var sizeName = Table(SizeNames, (int)size >> 3);
        var destination = Number((int)instruction.Destination);
        var source = Number((int)instruction.Source);
        var offset = Signed(instruction.Offset);
        var mode = OpCodes.ModeOf(instruction.OpCode);

        if (mode == MemoryMode.Memory)
        {
            return $"{code} *({sizeName} *)(r{destination} {offset}) = r{source}";
        }

        if (mode != MemoryMode.Atomic)
        {
            return $"BUG_{instruction.OpCode:x2}";
        }

        var width = size == MemorySize.DoubleWord ? "64" : string.Empty;
        var operation = (AtomicOperation)instruction.Immediate;
        switch (operation)
        {
            case AtomicOperation.Add or AtomicOperation.And or AtomicOperation.Or or AtomicOperation.Xor:
                var symbol = Table(AluOperators, (instruction.Immediate & 0xf0) >> 4);
                return $"{code} lock *({sizeName} *)(r{destination} {offset}) {symbol} r{source}";

            case AtomicOperation.Add | AtomicOperation.Fetch
                or AtomicOperation.And | AtomicOperation.Fetch
                or AtomicOperation.Or | AtomicOperation.Fetch
                or AtomicOperation.Xor | AtomicOperation.Fetch:
                var name = Table(AtomicOperators, (instruction.Immediate & 0xf0) >> 4);
                return $"{code} r{source} = atomic{width}_fetch_{name}(({sizeName} *)(r{destination} {offset}), r{source})";

            case AtomicOperation.CompareExchange:
                return $"{code} r0 = atomic{width}_cmpxchg(({sizeName} *)(r{destination} {offset}), r0, r{source})";

            case AtomicOperation.Exchange:
                return $"{code} r{source} = atomic{width}_xchg(({sizeName} *)(r{destination} {offset}), r{source})";

            case AtomicOperation.LoadAcquire:
                return $"{code} r{destination} = load_acquire(({sizeName} *)(r{source} {offset}))";

            case AtomicOperation.StoreRelease:
                return $"{code} store_release(({sizeName} *)(r{destination} {offset}), r{source})";

            default:
                return $"BUG_{instruction.OpCode:x2}";
        }
    }

    private static string FormatStoreImmediate(Instruction instruction, string code)
    {
        var mode = OpCodes.ModeOf(instruction.OpCode);
        if (mode == MemoryMode.Memory)
        {
            var sizeName = Table(SizeNames, (int)OpCodes.SizeOf(instruction.OpCode) >> 3);
            var destination = Number((int)instruction.Destination);
            return $"{code} *({sizeName} *)(r{destination} {Signed(instruction.Offset)}) = {Number(instruction.Immediate)}";
        }

        // BPF_NOSPEC (mode 0xc0 of class ST, no uapi name): a speculation barrier the verifier inserts.
        return mode == MemoryMode.Atomic ? $"{code} nospec" : $"BUG_st_{instruction.OpCode:x2}";
    }

    private static string FormatLoad(Instruction instruction, string code)
    {
        var mode = OpCodes.ModeOf(instruction.OpCode);
        if (mode is not (MemoryMode.Memory or MemoryMode.MemorySignExtend))
        {
            return $"BUG_ldx_{instruction.OpCode:x2}";
        }

        var names = mode == MemoryMode.Memory ? SizeNames : SignedSizeNames;
        var sizeName = Table(names, (int)OpCodes.SizeOf(instruction.OpCode) >> 3);
        var destination = Number((int)instruction.Destination);
        var source = Number((int)instruction.Source);
        return $"{code} r{destination} = *({sizeName} *)(r{source} {Signed(instruction.Offset)})";
    }

    private static string FormatLegacyLoad(Instruction instruction, Instruction next, string code, DisassemblyOptions options)
    {
        var sizeName = Table(SizeNames, (int)OpCodes.SizeOf(instruction.OpCode) >> 3);
        switch (OpCodes.ModeOf(instruction.OpCode))
        {
            case MemoryMode.Absolute:
                return $"{code} r0 = *({sizeName} *)skb[{Number(instruction.Immediate)}]";
            case MemoryMode.Indirect:
                return $"{code} r0 = *({sizeName} *)skb[r{Number((int)instruction.Source)} + {Number(instruction.Immediate)}]";
            case MemoryMode.Immediate when OpCodes.SizeOf(instruction.OpCode) == MemorySize.DoubleWord:
                return $"{code} r{Number((int)instruction.Destination)} = {Immediate64(instruction, next, options)}";
            default:
                return $"BUG_ld_{instruction.OpCode:x2}";
        }
    }

    /// <summary>The value of a 64-bit immediate load, as bpftool's <c>print_imm</c> writes it.</summary>
    private static string Immediate64(Instruction instruction, Instruction next, DisassemblyOptions options)
    {
        var low = (uint)instruction.Immediate;
        var high = (uint)next.Immediate;
        var holder = options.Translated ? "id" : "fd";
        return (byte)instruction.Source switch
        {
            PseudoSource.MapFd => $"map[{holder}:{Number(low)}]",
            PseudoSource.MapValue => $"map[{holder}:{Number(low)}][0]+{Number(high)}",
            PseudoSource.MapIndex when !options.Translated => $"map[idx:{Number(low)}]",
            PseudoSource.MapIndexValue => $"map[idx:{Number(low)}]+{Number(high)}",
            PseudoSource.Function => $"subprog[{Signed(instruction.Immediate)}]",
            _ => "0x" + (((ulong)high << 32) | low).ToString("x", CultureInfo.InvariantCulture),
        };
    }

    private static string FormatJump(Instruction instruction, string code, DisassemblyOptions options)
    {
        var opCode = instruction.OpCode;
        var operation = (JumpOperation)OpCodes.OperationOf(opCode);
        var jump32 = instruction.Class == InstructionClass.Jmp32;

        if (operation == JumpOperation.Call)
        {
            return (byte)instruction.Source == PseudoSource.Call
                ? $"{code} call pc{CallTarget(instruction, options)}"
                : $"{code} call {CallTarget(instruction, options)}#{Number(instruction.Immediate)}";
        }

        if (opCode == OpCodes.Ja)
        {
            return $"{code} goto pc{Signed(instruction.Offset)}";
        }

        if (opCode == OpCodes.Jump(InstructionClass.Jmp, JumpOperation.Jcond, OperandSource.Immediate)
            && (byte)instruction.Source == PseudoSource.MayGoto)
        {
            return $"{code} may_goto pc{Signed(instruction.Offset)}";
        }

        if (opCode == OpCodes.Jump(InstructionClass.Jmp32, JumpOperation.Ja, OperandSource.Immediate))
        {
            return $"{code} gotol pc{Signed(instruction.Immediate)}";
        }

        if (opCode == OpCodes.Exit)
        {
            return $"{code} exit";
        }

        var prefix = jump32 ? 'w' : 'r';
        var symbol = Table(JumpOperators, (int)operation >> 4);
        var destination = Number((int)instruction.Destination);
        var target = Signed(instruction.Offset);
        return OpCodes.SourceOf(opCode) == OperandSource.Register
            ? $"{code} if {prefix}{destination} {symbol} {prefix}{Number((int)instruction.Source)} goto pc{target}"
            : $"{code} if {prefix}{destination} {symbol} 0x{(uint)instruction.Immediate:x} goto pc{target}";
    }

    /// <summary>The kernel's <c>__func_get_name</c>: known helper ids first, then the caller's names, then defaults.</summary>
    private static string CallTarget(Instruction instruction, DisassemblyOptions options)
    {
        var source = (byte)instruction.Source;
        if (source == 0 && HelperFunctions.NameOf(instruction.Immediate) is { } helper)
        {
            return helper;
        }

        if (options.CallTarget?.Invoke(instruction) is { } named)
        {
            return named;
        }

        return source switch
        {
            PseudoSource.Call => Signed(instruction.Immediate),
            PseudoSource.KernelFunctionCall => "kernel-function",
            _ => "unknown",
        };
    }

    private static string Table(string?[] table, int index) => table[index] ?? "(null)";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(uint value) => value.ToString(CultureInfo.InvariantCulture);
}
