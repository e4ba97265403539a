using System.Runtime.InteropServices;

namespace Ktap.Bpf.Sys;

/// <summary>
/// uapi <c>struct perf_event_attr</c> up to <c>config3</c> (PERF_ATTR_SIZE_VER8, 136 bytes, Linux
/// 6.3). Older kernels accept it too: <c>perf_copy_attr</c> takes a larger attr as long as the
/// tail it does not know is zero, and ktap leaves <see cref="Config3"/> at zero.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct PerfEventAttr
{
    /// <summary>The size ktap passes in <see cref="Size"/>: PERF_ATTR_SIZE_VER8.</summary>
    public const uint CurrentSize = 136;

    /// <summary>A <see cref="PerfType"/>, or the dynamic type of a PMU read from sysfs (kprobe, uprobe).</summary>
    public uint Type;
    public uint Size;
    public ulong Config;

    /// <summary>The union <c>sample_period</c> / <c>sample_freq</c>: a frequency when <see cref="PerfEventFlags.Freq"/> is set.</summary>
    public ulong SamplePeriodOrFrequency;
    public ulong SampleType;
    public ulong ReadFormat;

    /// <summary>The bit fields from <c>disabled</c> to <c>sigtrap</c>.</summary>
    public PerfEventFlags Flags;

    /// <summary>The union <c>wakeup_events</c> / <c>wakeup_watermark</c>.</summary>
    public uint WakeupEvents;
    public uint BreakpointType;

    /// <summary>The union <c>bp_addr</c> / <c>kprobe_func</c> / <c>uprobe_path</c> / <c>config1</c>: for the kprobe and uprobe PMUs a pointer to a NUL-terminated name.</summary>
    public ulong Config1;

    /// <summary>The union <c>bp_len</c> / <c>kprobe_addr</c> / <c>probe_offset</c> / <c>config2</c>: for probes the offset (uprobes: in the file).</summary>
    public ulong Config2;
    public ulong BranchSampleType;
    public ulong SampleRegsUser;
    public uint SampleStackUser;
    public int ClockId;
    public ulong SampleRegsIntr;
    public uint AuxWatermark;
    public ushort SampleMaxStack;
    private readonly ushort reserved2;
    public uint AuxSampleSize;
    public uint AuxAction;
    public ulong SigData;
    public ulong Config3;
}

/// <summary>uapi <c>enum perf_type_id</c>: the fixed PMU types. kprobe and uprobe PMUs have dynamic types.</summary>
public enum PerfType : uint
{
    Hardware = 0,
    Software = 1,
    Tracepoint = 2,
    HardwareCache = 3,
    Raw = 4,
    Breakpoint = 5,
}

/// <summary>uapi <c>enum perf_sw_ids</c>: the <c>config</c> of a <see cref="PerfType.Software"/> event.</summary>
public enum PerfSoftwareEvent : ulong
{
    CpuClock = 0,
    TaskClock = 1,
    PageFaults = 2,
    ContextSwitches = 3,
    CpuMigrations = 4,
    PageFaultsMin = 5,
    PageFaultsMaj = 6,
    AlignmentFaults = 7,
    EmulationFaults = 8,
    Dummy = 9,
    BpfOutput = 10,
    CgroupSwitches = 11,
}

/// <summary>uapi <c>enum perf_event_sample_format</c>, the members ktap uses.</summary>
[Flags]
public enum PerfSampleType : ulong
{
    None = 0,
    Ip = 1 << 0,
    Tid = 1 << 1,
    Time = 1 << 2,
    Cpu = 1 << 7,
    Period = 1 << 8,
    Raw = 1 << 10,
}

/// <summary>The bit fields of <c>perf_event_attr</c> that follow <c>read_format</c>, in the kernel's order.</summary>
[Flags]
public enum PerfEventFlags : ulong
{
    None = 0,

    /// <summary>Opened stopped: nothing counts or fires until PERF_EVENT_IOC_ENABLE.</summary>
    Disabled = 1UL << 0,
    Inherit = 1UL << 1,
    Pinned = 1UL << 2,
    Exclusive = 1UL << 3,
    ExcludeUser = 1UL << 4,
    ExcludeKernel = 1UL << 5,
    ExcludeHypervisor = 1UL << 6,
    ExcludeIdle = 1UL << 7,
    Mmap = 1UL << 8,
    Comm = 1UL << 9,

    /// <summary><see cref="PerfEventAttr.SamplePeriodOrFrequency"/> is a frequency in Hz.</summary>
    Freq = 1UL << 10,
    InheritStat = 1UL << 11,
    EnableOnExec = 1UL << 12,
    Task = 1UL << 13,
    Watermark = 1UL << 14,

    // precise_ip is the two-bit field at 15-16.
    MmapData = 1UL << 17,
    SampleIdAll = 1UL << 18,
    ExcludeHost = 1UL << 19,
    ExcludeGuest = 1UL << 20,
    ExcludeCallchainKernel = 1UL << 21,
    ExcludeCallchainUser = 1UL << 22,
    Mmap2 = 1UL << 23,
    CommExec = 1UL << 24,
    UseClockId = 1UL << 25,
    ContextSwitch = 1UL << 26,
    WriteBackward = 1UL << 27,
    Namespaces = 1UL << 28,
    Ksymbol = 1UL << 29,
    BpfEvent = 1UL << 30,
    AuxOutput = 1UL << 31,
    Cgroup = 1UL << 32,
    TextPoke = 1UL << 33,
    BuildId = 1UL << 34,
    InheritThread = 1UL << 35,
    RemoveOnExec = 1UL << 36,
    SigTrap = 1UL << 37,
}
