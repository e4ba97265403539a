using System.Runtime.InteropServices;

namespace Ktap.Bpf.Sys;

/// <summary>The attr of BPF_ENABLE_STATS.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct EnableStatsAttr
{
    /// <summary>uapi <c>enum bpf_stats_type</c>: 0 is BPF_STATS_RUN_TIME.</summary>
    public uint Type;
}

/// <summary>
/// Program run statistics (the <c>run_cnt</c> and <c>run_time_ns</c> of <c>bpf_prog_info</c>).
/// The kernel counts them only while <c>kernel.bpf_stats_enabled</c> is 1 or someone holds a
/// BPF_ENABLE_STATS descriptor (Linux 5.8), because timing every run costs two clock reads.
/// </summary>
public static class BpfStats
{
    private const string SysctlPath = "/proc/sys/kernel/bpf_stats_enabled";

    /// <summary>
    /// Whether <c>kernel.bpf_stats_enabled</c> is 1; null when the sysctl is missing (before
    /// Linux 5.8). It shows only what was written to it: the kernel also counts while anyone
    /// holds a BPF_ENABLE_STATS descriptor, and the sysctl still reads 0 then (bpf_stats_handler
    /// reports its own saved value, not the switch).
    /// </summary>
    public static bool? SysctlEnabled => File.Exists(SysctlPath) ? File.ReadAllText(SysctlPath).Trim() != "0" : null;

    /// <summary>
    /// Turns run-time statistics on until the returned handle is disposed (or the process ends);
    /// the kernel counts holders, so this never turns off stats another tool asked for.
    /// </summary>
    public static KernelHandle Enable()
    {
        var attribute = new EnableStatsAttr { Type = 0 };
        return new KernelHandle(BpfSyscall.Invoke(BpfCommand.EnableStats, ref attribute));
    }
}
