using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Events;

/// <summary>
/// The running kernel lacks what an event needs (a PMU, a build option). The message says what
/// is missing and which <c>CONFIG_</c> option would provide it.
/// </summary>
public sealed class MissingKernelFeatureException(string call, string feature, string configOption, string detail)
    : KernelException(call, Errnos.ENOENT, detail)
{
    /// <summary>What could not be used, as <c>kprobes</c>.</summary>
    public string Feature { get; } = feature;

    /// <summary>The kernel build option that provides it, as <c>CONFIG_KPROBES</c>.</summary>
    public string ConfigOption { get; } = configOption;
}
