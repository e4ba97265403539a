namespace Ktap.Bpf.Programs;

/// <summary>The program types ktap loads (uapi <c>enum bpf_prog_type</c>).</summary>
public enum ProgramType : uint
{
    SocketFilter = 1,

    /// <summary>kprobes and uprobes: the context is <c>struct pt_regs</c>.</summary>
    Kprobe = 2,

    /// <summary>Tracepoints through perf: the context is the raw event record.</summary>
    Tracepoint = 5,

    /// <summary>perf events (cpu-clock sampling): the context is <c>struct bpf_perf_event_data</c>.</summary>
    PerfEvent = 7,

    /// <summary>Raw tracepoints: the context is the tracepoint's arguments as u64s; BPF_PROG_TEST_RUN works.</summary>
    RawTracepoint = 17,
    Tracing = 26,
    Syscall = 31,
}

/// <summary>uapi <c>enum bpf_attach_type</c>, the members ktap uses.</summary>
public enum AttachType : uint
{
    None = 0,
    TraceRawTracepoint = 23,
    TraceFentry = 24,
    TraceFexit = 25,
    PerfEvent = 41,
    TraceKprobeMulti = 42,
}
