using System.Text;
using Ktap.Bpf.Events;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Links;

/// <summary>
/// A program attached to an event. Disposing detaches it: closing a BPF link's descriptor
/// releases the link, and for PERF_EVENT_IOC_SET_BPF, closing the perf event's. Nothing is
/// pinned, so when the process dies the kernel detaches everything.
/// </summary>
public sealed unsafe class Link : IDisposable
{
    private Link(LinkKind kind, KernelHandle? handle, PerfEvent? perfEvent, string description)
    {
        Kind = kind;
        Handle = handle;
        PerfEvent = perfEvent;
        Description = description;
    }

    public LinkKind Kind { get; }

    /// <summary>The BPF link's descriptor; null for <see cref="LinkKind.PerfEventIoctl"/>.</summary>
    public KernelHandle? Handle { get; }

    /// <summary>The perf event the program is attached to; the link owns it and closes it on dispose.</summary>
    public PerfEvent? PerfEvent { get; }

    /// <summary>What is attached where, for messages.</summary>
    public string Description { get; }

    /// <summary>
    /// Attaches <paramref name="program"/> to <paramref name="perfEvent"/> and enables the event.
    /// The program's type must suit the event: Tracepoint for tracepoints, Kprobe for kprobes and
    /// uprobes, PerfEvent for sampling events. The link takes ownership of the perf event; if
    /// attaching fails, the caller keeps it.
    /// </summary>
    /// <param name="cookie">What <c>bpf_get_attach_cookie</c> returns in the program; BPF links only.</param>
    /// <exception cref="KernelException">The kernel refused; the message names the event.</exception>
    public static Link AttachPerfEvent(BpfProgram program, PerfEvent perfEvent, ulong cookie = 0, AttachMode mode = AttachMode.Auto)
    {
        ObjectDisposedException.ThrowIf(perfEvent.Handle.IsClosed, perfEvent);
        Link link;
        if (mode == AttachMode.Ioctl)
        {
            link = AttachWithIoctl(program, perfEvent, cookie);
        }
        else
        {
            var attribute = new LinkCreateAttr
            {
                ProgFd = (uint)program.Handle.Fd,
                TargetFd = (uint)perfEvent.Handle.Fd,
                AttachType = (uint)AttachType.PerfEvent,
                PerfEventCookie = cookie,
            };
            var fd = BpfSyscall.TryInvoke(BpfCommand.LinkCreate, ref attribute, out var errno);
            if (fd >= 0)
            {
                link = new Link(LinkKind.PerfEventLink, new KernelHandle(fd), perfEvent, $"BPF link to {perfEvent.Description}");
            }
            else if (mode == AttachMode.Auto && errno is Errnos.EINVAL or Errnos.EOPNOTSUPP or Errnos.ENOTSUPP && cookie == 0)
            {
                // Before Linux 5.15 (commit b89fbfbb854c, "bpf: Implement minimal BPF perf link")
                // BPF_LINK_CREATE does not know BPF_PERF_EVENT and says EINVAL.
                link = AttachWithIoctl(program, perfEvent, cookie);
            }
            else
            {
                throw new KernelException(BpfSyscall.CallName(BpfCommand.LinkCreate), errno, AttachHint(errno, perfEvent));
            }
        }

        try
        {
            perfEvent.Enable();
        }
        catch
        {
            link.Dispose();
            throw;
        }

        return link;
    }

    /// <summary>
    /// Attaches a RawTracepoint program to a raw tracepoint by its kernel name (<c>sys_enter</c>,
    /// <c>sched_switch</c>: the name without subsystem). BPF_LINK_CREATE cannot do this for
    /// plain raw tracepoints (it has no field for the name), so this uses BPF_RAW_TRACEPOINT_OPEN,
    /// which returns a link descriptor.
    /// </summary>
    public static Link AttachRawTracepoint(BpfProgram program, string tracepoint)
    {
        fixed (byte* name = Encoding.ASCII.GetBytes(tracepoint + "\0"))
        {
            var attribute = new RawTracepointOpenAttr { Name = (ulong)name, ProgFd = (uint)program.Handle.Fd };
            var fd = BpfSyscall.TryInvoke(BpfCommand.RawTracepointOpen, ref attribute, out var errno);
            if (fd < 0)
            {
                var hint = errno == Errnos.ENOENT ? $"no raw tracepoint '{tracepoint}'" : null;
                throw new KernelException($"{BpfSyscall.CallName(BpfCommand.RawTracepointOpen)} on {tracepoint}", errno, hint);
            }

            return new Link(LinkKind.RawTracepoint, new KernelHandle(fd), null, $"raw tracepoint {tracepoint}");
        }
    }

    /// <summary>
    /// Detaches the program and leaves a perf event open (closed by <see cref="Dispose"/>): the
    /// program stops running at once, while the last perf event of a tracepoint takes an RCU
    /// grace period to close. With PERF_EVENT_IOC_SET_BPF, closing the event is what detaches.
    /// </summary>
    public void Detach()
    {
        if (Handle is not null)
        {
            Handle.Dispose();
        }
        else
        {
            PerfEvent?.Dispose();
        }
    }

    public void Dispose()
    {
        // Link first: the event stays quiet while the program goes; then the event, which for
        // PERF_EVENT_IOC_SET_BPF is what detaches.
        Handle?.Dispose();
        PerfEvent?.Dispose();
    }

    public override string ToString() => Description;

    private static Link AttachWithIoctl(BpfProgram program, PerfEvent perfEvent, ulong cookie)
    {
        if (cookie != 0)
        {
            throw new NotSupportedException("attach cookies need a BPF perf link (Linux 5.15); PERF_EVENT_IOC_SET_BPF cannot carry one");
        }

        if (perfEvent.TrySetBpf(program, out var errno) < 0)
        {
            throw new KernelException($"ioctl(PERF_EVENT_IOC_SET_BPF) on {perfEvent.Description}", errno, AttachHint(errno, perfEvent));
        }

        return new Link(LinkKind.PerfEventIoctl, null, perfEvent, $"program on {perfEvent.Description}");
    }

    private static string AttachHint(int errno, PerfEvent perfEvent) => errno switch
    {
        Errnos.EEXIST => $"a program is already attached to {perfEvent.Description} (a tracepoint takes each program once)",
        Errnos.EINVAL => $"cannot attach to {perfEvent.Description}: does the program's type suit it (Tracepoint for tracepoints, Kprobe for kprobes and uprobes, PerfEvent for sampling)?",
        _ => $"cannot attach to {perfEvent.Description}",
    };
}
