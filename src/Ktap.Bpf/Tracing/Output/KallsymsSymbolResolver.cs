using Ktap.Bpf.Symbols;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// <see cref="IKernelSymbolResolver"/> over a kallsyms table, answering as the kernel's
/// kallsyms_lookup() would (is_ksym_addr() in kernel/kallsyms.c): in vmlinux only an address in
/// its text (<c>_stext</c> to <c>_etext</c>, <c>_sinittext</c> to <c>_einittext</c>) has a
/// symbol, or with CONFIG_KALLSYMS_ALL one anywhere in the image (<c>_stext</c> to
/// <c>_end</c>). Data, per-CPU symbols (listed from address 0) and the gap up to the modules
/// resolve to nothing, and print as a bare address.
/// </summary>
public sealed class KallsymsSymbolResolver : IKernelSymbolResolver
{
    private static readonly Lazy<KallsymsSymbolResolver> RunningKernel = new(() => new KallsymsSymbolResolver(() => KernelSymbols.Shared));

    private readonly Lazy<(KernelSymbols Table, (ulong Start, ulong End)[] Image)?> table;

    public KallsymsSymbolResolver(KernelSymbols symbols)
        : this(() => symbols)
    {
    }

    private KallsymsSymbolResolver(Func<KernelSymbols> symbols) => table = new(() => Open(symbols()));

    /// <summary>The running kernel's <c>/proc/kallsyms</c>, read at the first address asked about.</summary>
    public static KallsymsSymbolResolver RunningKernelSymbols => RunningKernel.Value;

    public KernelAddress? Resolve(ulong address)
    {
        if (table.Value is not var (symbols, image))
        {
            return null;
        }

        var found = symbols.Resolve(address);
        if (found is not { } symbol)
        {
            return null;
        }

        if (symbol.Symbol.Module is null)
        {
            return Array.Exists(image, range => address >= range.Start && address < range.End) ? symbol : null;
        }

        // A module's last symbol in the table has no known end.
        return symbol.Size > 0 ? symbol : null;
    }

    /// <summary>The table and the ranges of vmlinux that have symbols; null when the kernel hides addresses from us.</summary>
    private static (KernelSymbols, (ulong, ulong)[])? Open(KernelSymbols symbols)
    {
        if (symbols.AddressesHidden)
        {
            return null;
        }

        // With CONFIG_KALLSYMS_ALL the table lists vmlinux's local data ('d', 'b'); without it,
        // only a few linker symbols of data, none local.
        var all = false;
        for (var i = 0; i < symbols.Count && !all; i++)
        {
            all = symbols[i] is { Module: null, Type: 'd' or 'b' };
        }

        var ranges = all
            ? new[] { Range(symbols, "_stext", "_end") ?? Range(symbols, "_stext", "_etext") }
            : [Range(symbols, "_stext", "_etext"), Range(symbols, "_sinittext", "_einittext")];
        return (symbols, [.. ranges.OfType<(ulong, ulong)>()]);
    }

    private static (ulong, ulong)? Range(KernelSymbols symbols, string start, string end) =>
        symbols.Find(start) is { } first && symbols.Find(end) is { } last ? (first.Address, last.Address) : null;
}
