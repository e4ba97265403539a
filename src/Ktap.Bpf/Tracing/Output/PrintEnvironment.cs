namespace Ktap.Bpf.Tracing.Output;

/// <summary>What rendering needs to know of the running kernel beyond the record itself.</summary>
/// <param name="Symbols">For <c>%pS</c>, <c>%ps</c>, <c>%pB</c>; without it they print the bare address.</param>
/// <param name="Hz">CONFIG_HZ, for <c>jiffies_to_msecs()</c>; null when unknown.</param>
internal sealed record PrintEnvironment(IKernelSymbolResolver? Symbols, int? Hz)
{
    public static readonly PrintEnvironment Empty = new(null, null);
}
