using Ktap.Bpf.Symbols;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>The kernel symbol an address falls in, for <c>%pS</c>, <c>%ps</c> and <c>%pB</c>.</summary>
public interface IKernelSymbolResolver
{
    /// <summary>The symbol containing <paramref name="address"/>, or null where the kernel's kallsyms_lookup() finds none.</summary>
    KernelAddress? Resolve(ulong address);
}
