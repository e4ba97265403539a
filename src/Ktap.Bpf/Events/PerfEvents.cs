using System.Text;
using Ktap.Bpf.Sys;
using Ktap.Bpf.Tracing;

namespace Ktap.Bpf.Events;

/// <summary>
/// Opens the perf events ktap attaches programs to. Every event is opened disabled; attaching
/// enables it. Everything is a file descriptor: nothing is written to <c>kprobe_events</c> or
/// <c>uprobe_events</c>, so when the process ends, however it ends, the kernel removes it all.
/// </summary>
/// <remarks>
/// A program on a tracepoint, kprobe or uprobe runs from the trace event itself, for every hit
/// on every CPU, whatever CPU the perf event was opened on: the kernel keeps the programs in the
/// trace event's array (kernel/trace/bpf_trace.c, perf_event_attach_bpf_prog), not in the perf
/// event. A tracepoint's array is shared by all its perf events and refuses the same program
/// twice (EEXIST); a kprobe or uprobe PMU event makes a private trace event, so a second one
/// would run the program a second time per hit. Hence one descriptor each, opened on the first
/// online CPU, with any process filter in the program. (A uprobe bound to a process is armed in
/// that process only, so for uprobes the pid does filter.) Sampling events are truly per CPU,
/// each with its own program: one descriptor per online CPU.
/// </remarks>
public static unsafe class PerfEvents
{
    private const string KprobePmuPath = "/sys/bus/event_source/devices/kprobe";
    private const string UprobePmuPath = "/sys/bus/event_source/devices/uprobe";

    /// <summary>
    /// A tracepoint (PERF_TYPE_TRACEPOINT, config = the event's id), for a Tracepoint program
    /// whose context is the event's record. With <paramref name="pid"/>, the perf event is bound
    /// to that process, but an attached program still runs for every process (see remarks).
    /// </summary>
    public static PerfEvent OpenTracepoint(int id, string name, int pid = -1)
    {
        var attribute = new PerfEventAttr
        {
            Type = (uint)PerfType.Tracepoint,
            Config = (ulong)id,
            SamplePeriodOrFrequency = 1,
            SampleType = (ulong)PerfSampleType.Raw,
            WakeupEvents = 1,
            Flags = PerfEventFlags.Disabled,
        };
        return PerfEvent.Open(attribute, pid, pid >= 0 ? -1 : FirstOnlineCpu(), $"tracepoint {name}");
    }

    /// <summary>A tracepoint by name, its id read from tracefs.</summary>
    /// <exception cref="UnknownTraceEventException">No such event.</exception>
    public static PerfEvent OpenTracepoint(TraceEventCatalog catalog, TraceEventName name, int pid = -1) =>
        OpenTracepoint(catalog.GetId(name), name.ToString(), pid);

    /// <summary>
    /// The cpu-clock timer on every online CPU (<c>profile:hz:99</c>), for PerfEvent programs. It
    /// fires on idle CPUs too. The kernel skips the program for a sample that interrupts another
    /// tracing program on the same CPU (bpf_overflow_handler and bpf_prog_active), so a busy
    /// tracepoint program elsewhere on the machine costs samples.
    /// </summary>
    /// <param name="cpu">One CPU to sample instead of every online one; -1 for all.</param>
    public static PerfEventSet OpenCpuClock(SampleRate rate, int cpu = -1) => OpenSoftware(PerfSoftwareEvent.CpuClock, rate, cpu: cpu);

    /// <summary>
    /// A software event (PERF_TYPE_SOFTWARE) that samples at <paramref name="rate"/>: on every
    /// online CPU (or only <paramref name="cpu"/>), or for one process on any CPU when
    /// <paramref name="pid"/> is given.
    /// </summary>
    public static PerfEventSet OpenSoftware(PerfSoftwareEvent kind, SampleRate rate, int pid = -1, int cpu = -1)
    {
        var attribute = new PerfEventAttr
        {
            Type = (uint)PerfType.Software,
            Config = (ulong)kind,
            SamplePeriodOrFrequency = rate.Value,
            WakeupEvents = 1,
            Flags = PerfEventFlags.Disabled | (rate.IsFrequency ? PerfEventFlags.Freq : PerfEventFlags.None),
        };
        var name = SoftwareName(kind);
        if (pid >= 0)
        {
            return new PerfEventSet([PerfEvent.Open(attribute, pid, -1, $"software {name} of process {pid} at {rate}")]);
        }

        var events = new List<PerfEvent>();
        try
        {
            foreach (var online in cpu >= 0 ? [cpu] : Cpus.Online())
            {
                events.Add(PerfEvent.Open(attribute, -1, online, $"software {name} on CPU {online} at {rate}"));
            }
        }
        catch
        {
            events.ForEach(e => e.Dispose());
            throw;
        }

        return new PerfEventSet(events);
    }

    /// <summary>
    /// A uprobe or uretprobe through the <c>uprobe</c> PMU, for Kprobe programs (context:
    /// <c>struct pt_regs</c>). <paramref name="offset"/> is the instruction's offset in the file
    /// (not its virtual address). With <paramref name="pid"/> the probe is armed in that process
    /// only; otherwise in every process that maps the file.
    /// </summary>
    /// <param name="referenceCounterOffset">For USDT semaphores: the file offset of the counter the kernel increments while the probe is attached.</param>
    /// <exception cref="MissingKernelFeatureException">The kernel has no uprobe PMU.</exception>
    public static PerfEvent OpenUprobe(string path, ulong offset, bool isReturn = false, int pid = -1, ulong referenceCounterOffset = 0)
    {
        var kind = isReturn ? "uretprobe" : "uprobe";
        var fullPath = Path.GetFullPath(path);
        var description = $"{kind} {fullPath}:0x{offset:x}";
        var pmu = DynamicPmu.TryOpen("uprobe") ?? throw MissingPmu(description, "uprobes", "uprobe", UprobePmuPath, "CONFIG_UPROBE_EVENTS", "CONFIG_UPROBES");

        // The kernel resolves the path itself, during the call; it does not need to outlive it.
        var config = isReturn ? pmu.ConfigBits("retprobe", 1, 0) : 0;
        if (referenceCounterOffset != 0)
        {
            config |= pmu.ConfigBits("ref_ctr_offset", referenceCounterOffset, 32);
        }

        fixed (byte* pathBytes = NulTerminated(fullPath))
        {
            var attribute = ProbeAttribute(pmu, config, (ulong)pathBytes, offset);
            return PerfEvent.Open(attribute, pid, pid >= 0 ? -1 : FirstOnlineCpu(), description);
        }
    }

    /// <summary>A kprobe or kretprobe on a kernel function (plus an offset into it) through the <c>kprobe</c> PMU, for Kprobe programs.</summary>
    /// <exception cref="MissingKernelFeatureException">The kernel has no kprobe PMU; the message names the CONFIG_ option.</exception>
    public static PerfEvent OpenKprobe(string function, ulong offset = 0, bool isReturn = false)
    {
        var kind = isReturn ? "kretprobe" : "kprobe";
        var description = offset == 0 ? $"{kind} {function}" : $"{kind} {function}+0x{offset:x}";
        var pmu = DynamicPmu.TryOpen("kprobe") ?? throw MissingPmu(description, "kprobes", "kprobe", KprobePmuPath, "CONFIG_KPROBE_EVENTS", "CONFIG_KPROBES");
        var config = isReturn ? pmu.ConfigBits("retprobe", 1, 0) : 0;
        fixed (byte* name = NulTerminated(function))
        {
            var attribute = ProbeAttribute(pmu, config, (ulong)name, offset);
            return PerfEvent.Open(attribute, -1, FirstOnlineCpu(), description);
        }
    }

    private static PerfEventAttr ProbeAttribute(DynamicPmu pmu, ulong config, ulong name, ulong offset) => new()
    {
        Type = pmu.Type,
        Config = config,
        Config1 = name,
        Config2 = offset,
        SamplePeriodOrFrequency = 1,
        SampleType = (ulong)PerfSampleType.Raw,
        WakeupEvents = 1,
        Flags = PerfEventFlags.Disabled,
    };

    /// <summary>
    /// The error for a missing probe PMU. The PMU exists when the trace-event option is set
    /// (kernel/events/core.c registers perf_kprobe under CONFIG_KPROBE_EVENTS, perf_uprobe under
    /// CONFIG_UPROBE_EVENTS), and that option depends on the base one (CONFIG_KPROBES,
    /// CONFIG_UPROBES); the kernel's own config, when readable, says which is off.
    /// </summary>
    private static MissingKernelFeatureException MissingPmu(string description, string feature, string pmu, string pmuPath, string eventsOption, string baseOption)
    {
        var baseValue = KernelConfig.Get(baseOption);
        var eventsValue = KernelConfig.Get(eventsOption);
        var (option, why) = (baseValue, eventsValue) switch
        {
            ("n", _) => (baseOption, $"this kernel was built without {baseOption}"),
            (_, "n") => (eventsOption, $"this kernel has {baseOption} but was built without {eventsOption}"),
            _ => (baseOption, $"{feature} need a kernel built with {baseOption}=y and {eventsOption}=y"),
        };
        return new MissingKernelFeatureException(
            $"perf_event_open({description})",
            feature,
            option,
            $"{feature} are not available: there is no {pmu} PMU ({pmuPath}/type is missing); {why}");
    }

    private static int FirstOnlineCpu() => Cpus.Online() is [var first, ..] ? first : 0;

    private static byte[] NulTerminated(string text) => Encoding.UTF8.GetBytes(text + "\0");

    private static string SoftwareName(PerfSoftwareEvent kind) => kind switch
    {
        PerfSoftwareEvent.CpuClock => "cpu-clock",
        PerfSoftwareEvent.TaskClock => "task-clock",
        PerfSoftwareEvent.PageFaults => "page-faults",
        PerfSoftwareEvent.ContextSwitches => "context-switches",
        PerfSoftwareEvent.CpuMigrations => "cpu-migrations",
        _ => kind.ToString(),
    };
}
