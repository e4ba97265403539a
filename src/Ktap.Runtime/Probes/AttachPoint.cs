namespace Ktap.Runtime.Probes;

/// <summary>
/// Where the session attaches one compiled handler: what it needs to open the perf event. Equal
/// values name the same kernel object, so a probe never attaches twice to one (each kprobe or
/// uprobe fd is its own trace event and would count every hit twice; a tracepoint refuses the
/// same program twice with EEXIST).
/// </summary>
public abstract record AttachPoint;

/// <summary>A trace event, opened as PERF_TYPE_TRACEPOINT with <paramref name="Id"/> as the config.</summary>
/// <param name="Id">The event's id from its tracefs <c>format</c> (or <c>id</c>) file.</param>
public sealed record TracepointAttach(string Subsystem, string Event, int Id) : AttachPoint
{
    public override string ToString() => $"{Subsystem}:{Event}";
}

/// <summary>A kprobe (or kretprobe) on a kernel function by name, through the kprobe PMU.</summary>
/// <remarks>
/// Since Linux 6.6 the kernel refuses a name that kallsyms lists more than once (two static
/// functions of one name) with EADDRNOTAVAIL; the resolver does not pick one for it.
/// </remarks>
public sealed record KprobeAttach(string Symbol, bool IsReturn) : AttachPoint
{
    public override string ToString() => IsReturn ? $"{Symbol}%return" : Symbol;
}

/// <summary>A uprobe (or uretprobe) through the uprobe PMU; USDT markers are uprobes too.</summary>
/// <param name="Path">The probed file, absolute.</param>
/// <param name="Offset">The instruction's offset in the file (not its virtual address): what the PMU's config2 takes.</param>
/// <param name="SemaphoreOffset">
/// A USDT marker's semaphore, as a file offset: the PMU's <c>ref_ctr_offset</c> (Linux 4.20),
/// which the kernel counts up in every process while the probe is attached. Null without one.
/// </param>
public sealed record UprobeAttach(string Path, ulong Offset, bool IsReturn, ulong? SemaphoreOffset = null) : AttachPoint
{
    public override string ToString() => $"{Path}:0x{Offset:x}{(IsReturn ? "%return" : string.Empty)}";
}

/// <summary>A cpu-clock software event sampling every <paramref name="IntervalNanoseconds"/>, one per CPU.</summary>
public sealed record CpuClockAttach(long IntervalNanoseconds) : AttachPoint
{
    public override string ToString() => "cpu-clock every " + IntervalNanoseconds switch
    {
        var n when n % 1_000_000_000 == 0 => $"{n / 1_000_000_000}s",
        var n when n % 1_000_000 == 0 => $"{n / 1_000_000}ms",
        var n when n % 1_000 == 0 => $"{n / 1_000}us",
        var n => $"{n}ns",
    };
}
