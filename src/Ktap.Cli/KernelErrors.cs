using Ktap.Bpf;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Sys;

namespace Ktap.Cli;

/// <summary>The kernel refusals a user meets before anything runs, each said in one line with what to do.</summary>
internal static class KernelErrors
{
    /// <summary>
    /// The line for <paramref name="e"/>: the missing capabilities for EPERM or EACCES, the
    /// missing ring buffer for a map the kernel does not know, or the call and errno.
    /// </summary>
    /// <param name="effectiveCapabilities">This process's CapEff.</param>
    /// <param name="hasRingBuffer">Whether the kernel has BPF_MAP_TYPE_RINGBUF; asked only when a map creation failed with EINVAL.</param>
    public static string Explain(KernelException e, ulong effectiveCapabilities, Func<bool> hasRingBuffer)
    {
        if (e.Errno is Errnos.EPERM or Errnos.EACCES && Capabilities.MissingForTracing(effectiveCapabilities) is { Count: > 0 } missing)
        {
            return $"ktap: tracing needs root, or CAP_BPF and CAP_PERFMON; this process lacks {string.Join(" and ", missing)} ({e.Call} failed: {e.ErrnoName})";
        }

        if (e.Call == "bpf(BPF_MAP_CREATE)" && e.Errno == Errnos.EINVAL && !hasRingBuffer())
        {
            return $"ktap: this kernel has no BPF ring buffer (BPF_MAP_TYPE_RINGBUF, Linux 5.8), which ktap needs to print ({e.Call} failed: EINVAL)";
        }

        return "ktap: " + e.Message;
    }

    /// <summary><see cref="Explain(KernelException, ulong, Func{bool})"/> for this process and kernel.</summary>
    public static string Explain(KernelException e) =>
        Explain(e, Capabilities.Effective(), () => KernelFeatures.HasMapType(MapType.RingBuffer));
}
