using System.Globalization;

namespace Ktap.Bpf.Symbols;

/// <summary>One line of <c>/proc/kallsyms</c>.</summary>
/// <param name="Name">The symbol, as <c>vfs_read</c> or <c>tcp_sendmsg.cold</c>.</param>
/// <param name="Address">Its address; 0 for everyone when the kernel hides addresses.</param>
/// <param name="Type">
/// nm's type letter: <c>T</c>/<c>t</c> text (global/local), <c>W</c>/<c>w</c> weak, <c>D</c>,
/// <c>B</c>, <c>R</c> data, bss and read-only data (listed only with CONFIG_KALLSYMS_ALL).
/// </param>
/// <param name="Module">The module the symbol belongs to (<c>ext4</c>, or <c>bpf</c> for a BPF
/// program), null for vmlinux itself.</param>
public readonly record struct KernelSymbol(string Name, ulong Address, char Type, string? Module)
{
    /// <summary>Code, which kprobes and stacks care about: types t, T, w and W.</summary>
    public bool IsFunction => Type is 't' or 'T' or 'w' or 'W';

    public override string ToString() =>
        Module is null
            ? $"{Address:x16} {Type} {Name}"
            : $"{Address:x16} {Type} {Name} [{Module}]";
}

/// <summary>
/// An address inside a kernel symbol, as the kernel's own <c>%pS</c> prints it:
/// <c>vfs_read+0x1c/0x1a0</c>, with <c>[module]</c> after it for module code.
/// </summary>
/// <param name="Symbol">The nearest symbol at or below the address.</param>
/// <param name="Offset">How far the address is past the symbol's start.</param>
/// <param name="Size">
/// The distance to the next symbol at a higher address: kallsyms has no sizes, so this is the
/// kernel's own estimate too. 0 for the last symbol, whose extent is unknown.
/// </param>
public readonly record struct KernelAddress(KernelSymbol Symbol, ulong Offset, ulong Size)
{
    public ulong Address => Symbol.Address + Offset;

    public override string ToString()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{Symbol.Name}+0x{Offset:x}/0x{Size:x}");
        return Symbol.Module is null ? text : $"{text} [{Symbol.Module}]";
    }
}
