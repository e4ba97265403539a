using Ktap.Bpf.Symbols;

namespace Ktap.Runtime.Session;

/// <summary><c>%p</c> in kernel records: an address as <c>symbol+0xoff</c>, kallsyms read on first use.</summary>
internal static class KernelSymbolNames
{
    public static string? Resolve(long address) =>
        KernelSymbols.Shared.Resolve((ulong)address) is { } symbol ? symbol.ToString() : null;
}
