namespace Ktap.Bpf.Links;

/// <summary>How a program is attached to a perf event.</summary>
public enum AttachMode
{
    /// <summary>A BPF link, or PERF_EVENT_IOC_SET_BPF where the kernel has no perf links (before 5.15).</summary>
    Auto,

    /// <summary>BPF_LINK_CREATE with BPF_PERF_EVENT only: a failure is an error.</summary>
    BpfLink,

    /// <summary>PERF_EVENT_IOC_SET_BPF only: the perf event's descriptor is the attachment.</summary>
    Ioctl,
}

/// <summary>What a <see cref="Link"/> holds.</summary>
public enum LinkKind
{
    /// <summary>A BPF link (BPF_LINK_CREATE, attach type BPF_PERF_EVENT) to a perf event.</summary>
    PerfEventLink,

    /// <summary>A program set on a perf event with PERF_EVENT_IOC_SET_BPF; closing the event detaches it.</summary>
    PerfEventIoctl,

    /// <summary>A raw tracepoint attachment (BPF_RAW_TRACEPOINT_OPEN), itself a BPF link.</summary>
    RawTracepoint,
}
