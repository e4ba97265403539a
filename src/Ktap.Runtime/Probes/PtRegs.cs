using System.Runtime.InteropServices;

namespace Ktap.Runtime.Probes;

/// <summary>A register, or the part of one an instruction names, inside <c>struct pt_regs</c>.</summary>
/// <param name="Name">The name as written, without the <c>%</c>.</param>
/// <param name="Offset">Bytes from the start of <c>struct pt_regs</c> to the named part.</param>
/// <param name="Size">How many bytes the name covers: 8 for <c>rdi</c>, 4 for <c>edi</c>, 1 for <c>dil</c>.</param>
internal readonly record struct RegisterSlot(string Name, int Offset, int Size);

/// <summary>
/// The x86-64 <c>struct pt_regs</c> (arch/x86/include/asm/ptrace.h) that kprobe, uprobe and
/// USDT programs get as their context (BPF_PROG_TYPE_KPROBE), and the two ways ktap's specs name
/// its registers. x86-64 only: arm64's <c>user_pt_regs</c> is another layout entirely.
/// </summary>
internal static class PtRegs
{
    /// <summary>The size of the structure: 21 unsigned longs.</summary>
    public const int Size = 168;

    /// <summary><c>regs-&gt;ip</c>: at a probe hit, the probed address; at a return, where the function returns to.</summary>
    public const int Ip = 128;

    /// <summary><c>regs-&gt;ax</c>: the return value at a return probe (System V ABI).</summary>
    public const int Ax = 80;

    /// <summary>
    /// The System V AMD64 ABI's integer argument registers, in order: what <c>$arg1</c>..
    /// <c>$arg6</c> read. The kernel is built to the same convention (no -mregparm on x86-64).
    /// </summary>
    public static readonly IReadOnlyList<string> ArgumentRegisters = ["di", "si", "dx", "cx", "r8", "r9"];

    /// <summary>
    /// The names the kernel's own fetch args use (regs_query_register_offset() in
    /// arch/x86/kernel/ptrace.c): each names the whole 64-bit slot, so <c>%ax</c> here is rax.
    /// </summary>
    private static readonly Dictionary<string, int> KernelNames = new(StringComparer.Ordinal)
    {
        ["r15"] = 0,
        ["r14"] = 8,
        ["r13"] = 16,
        ["r12"] = 24,
        ["bp"] = 32,
        ["bx"] = 40,
        ["r11"] = 48,
        ["r10"] = 56,
        ["r9"] = 64,
        ["r8"] = 72,
        ["ax"] = 80,
        ["cx"] = 88,
        ["dx"] = 96,
        ["si"] = 104,
        ["di"] = 112,
        ["orig_ax"] = 120,
        ["ip"] = 128,
        ["cs"] = 136,
        ["flags"] = 144,
        ["sp"] = 152,
        ["ss"] = 160,
    };

    /// <summary>
    /// AT&amp;T assembler names, as gcc prints the operands of a USDT marker's argument specs
    /// (<c>-4@%edi</c>): the width is part of the name, and the high-byte registers (<c>ah</c>)
    /// sit one byte into their slot (little-endian).
    /// </summary>
    private static readonly Dictionary<string, RegisterSlot> AssemblerNames = BuildAssemblerNames();

    /// <summary>kprobes and uprobes are laid out for x86-64 only (see the class remarks).</summary>
    public static bool IsSupportedMachine => RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>The names a fetch arg may use after <c>%</c>, for error messages.</summary>
    public static string KernelNameList => string.Join(", ", KernelNames.Keys.Order(StringComparer.Ordinal));

    /// <summary>
    /// A fetch-arg register: the kernel's names (<c>di</c>, <c>ax</c>, <c>r8</c>) and, as a
    /// convenience, the 64-bit assembler names (<c>rdi</c>, <c>rax</c>); always the whole slot.
    /// </summary>
    public static RegisterSlot? FindKernelName(string name)
    {
        if (KernelNames.TryGetValue(name, out var offset))
        {
            return new RegisterSlot(name, offset, 8);
        }

        return AssemblerNames.TryGetValue(name, out var slot) && slot.Size == 8 ? slot : null;
    }

    /// <summary>A register in assembler syntax, with its width (<c>eax</c> is 4 bytes of ax's slot).</summary>
    public static RegisterSlot? FindAssemblerName(string name) =>
        AssemblerNames.TryGetValue(name, out var slot) ? slot : null;

    private static Dictionary<string, RegisterSlot> BuildAssemblerNames()
    {
        var names = new Dictionary<string, RegisterSlot>(StringComparer.Ordinal);
        void Add(string name, string slot, int size, int byteOffset = 0) =>
            names.Add(name, new RegisterSlot(name, KernelNames[slot] + byteOffset, size));

        // The legacy eight: rax eax ax al (and ah for the four that have a high byte).
        foreach (var (letter, slot) in new[] { ("a", "ax"), ("b", "bx"), ("c", "cx"), ("d", "dx") })
        {
            Add($"r{letter}x", slot, 8);
            Add($"e{letter}x", slot, 4);
            Add($"{letter}x", slot, 2);
            Add($"{letter}l", slot, 1);
            Add($"{letter}h", slot, 1, byteOffset: 1);
        }

        foreach (var slot in new[] { "si", "di", "bp", "sp" })
        {
            Add($"r{slot}", slot, 8);
            Add($"e{slot}", slot, 4);
            Add(slot, slot, 2);
            Add($"{slot}l", slot, 1);
        }

        // r8..r15: r8 r8d r8w r8b (gas also accepts r8l).
        for (var n = 8; n <= 15; n++)
        {
            var slot = $"r{n}";
            Add(slot, slot, 8);
            Add($"{slot}d", slot, 4);
            Add($"{slot}w", slot, 2);
            Add($"{slot}b", slot, 1);
            Add($"{slot}l", slot, 1);
        }

        Add("rip", "ip", 8);
        return names;
    }
}
