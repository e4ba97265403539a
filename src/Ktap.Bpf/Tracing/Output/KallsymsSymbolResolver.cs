using Ktap.Bpf.Symbols;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// <see cref="IKernelSymbolResolver"/> over a kallsyms table, answering as the kernel's
/// kallsyms_lookup() would: a vmlinux symbol only holds addresses inside the image
/// (<c>_stext</c> to <c>_end</c>, CONFIG_KALLSYMS_ALL), so per-CPU symbols (listed from address
/// 0) and the gap up to the modules resolve to nothing, and print as a bare address.
/// </summary>
public sealed class KallsymsSymbolResolver : IKernelSymbolResolver
{
    private static readonly Lazy<KallsymsSymbolResolver> RunningKernel = new(() => new KallsymsSymbolResolver(() => KernelSymbols.Shared));

    private readonly Lazy<(KernelSymbols Table, ulong Start, ulong End)?> table;

    public KallsymsSymbolResolver(KernelSymbols symbols)
        : this(() => symbols)
    {
    }

    private KallsymsSymbolResolver(Func<KernelSymbols> symbols) => table = new(() => Open(symbols()));

    /// <summary>The running kernel's <c>/proc/kallsyms</c>, read at the first address asked about.</summary>
    public static KallsymsSymbolResolver RunningKernelSymbols => RunningKernel.Value;

    public KernelAddress? Resolve(ulong address)
    {
        if (table.Value is not var (symbols, start, end))
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
            return address >= start && address < end ? symbol : null;
        }

        // A module's last symbol in the table has no known end.
        return symbol.Size > 0 ? symbol : null;
    }

    /// <summary>The table and the image's bounds; null when the kernel hides addresses from us.</summary>
    private static (KernelSymbols, ulong, ulong)? Open(KernelSymbols symbols)
    {
        if (symbols.AddressesHidden)
        {
            return null;
        }

        var start = symbols.Find("_stext")?.Address ?? symbols.Find("_text")?.Address ?? 0;
        var end = symbols.Find("_end")?.Address ?? ulong.MaxValue;
        return (symbols, start, end);
    }
}
