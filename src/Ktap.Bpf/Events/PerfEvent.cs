using Ktap.Bpf.Links;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Events;

/// <summary>
/// One perf event descriptor (<c>perf_event_open(2)</c>): a tracepoint, a probe or a sampling
/// timer on one CPU or for one process. Disposing closes it, which detaches any program
/// attached through PERF_EVENT_IOC_SET_BPF.
/// </summary>
public sealed unsafe class PerfEvent : IDisposable
{
    // uapi linux/perf_event.h: _IO('$', 0), _IO('$', 1), _IOW('$', 8, __u32).
    internal const nuint IocEnable = 0x2400;
    internal const nuint IocDisable = 0x2401;
    internal const nuint IocSetBpf = 0x40042408;

    /// <summary>PERF_FLAG_FD_CLOEXEC: a child ktap starts must not inherit the event.</summary>
    private const ulong FlagFdCloexec = 8;

    private PerfEvent(KernelHandle handle, int pid, int cpu, string description)
    {
        Handle = handle;
        Pid = pid;
        Cpu = cpu;
        Description = description;
    }

    public KernelHandle Handle { get; }

    /// <summary>The process the event watches, or -1 for all.</summary>
    public int Pid { get; }

    /// <summary>The CPU the event counts on, or -1 for any (then <see cref="Pid"/> is a process).</summary>
    public int Cpu { get; }

    /// <summary>What the event is, for messages: <c>tracepoint syscalls:sys_enter_openat</c>.</summary>
    public string Description { get; }

    /// <summary>
    /// Opens an event. <see cref="PerfEventAttr.Size"/> is filled in when zero. The kernel
    /// requires a process (<paramref name="pid"/> ≥ 0) or a CPU (<paramref name="cpu"/> ≥ 0), or both.
    /// </summary>
    /// <exception cref="KernelException">perf_event_open failed; the message names the event.</exception>
    public static PerfEvent Open(PerfEventAttr attribute, int pid, int cpu, string description)
    {
        if (attribute.Size == 0)
        {
            attribute.Size = PerfEventAttr.CurrentSize;
        }

        var fd = BpfSyscall.TryPerfEventOpen(&attribute, pid, cpu, -1, FlagFdCloexec, out var errno);
        if (fd < 0)
        {
            throw new KernelException($"perf_event_open({description})", errno, Hint(errno, pid, cpu));
        }

        return new PerfEvent(new KernelHandle(fd), pid, cpu, description);
    }

    /// <summary>Starts counting and firing (PERF_EVENT_IOC_ENABLE).</summary>
    public void Enable() => Ioctl(IocEnable, 0, "PERF_EVENT_IOC_ENABLE");

    /// <summary>Stops counting and firing (PERF_EVENT_IOC_DISABLE); attached programs stay attached.</summary>
    public void Disable() => Ioctl(IocDisable, 0, "PERF_EVENT_IOC_DISABLE");

    /// <summary>Attaches a program and enables the event; see <see cref="Link.AttachPerfEvent"/>. The link then owns this event.</summary>
    public Link Attach(BpfProgram program, ulong cookie = 0, AttachMode mode = AttachMode.Auto) =>
        Link.AttachPerfEvent(program, this, cookie, mode);

    /// <summary>PERF_EVENT_IOC_SET_BPF: the pre-5.15 way to attach, still the only one on old kernels.</summary>
    internal int TrySetBpf(BpfProgram program, out int errno)
    {
        var result = Libc.Ioctl(Handle.Fd, IocSetBpf, program.Handle.Fd);
        errno = result < 0 ? Libc.LastErrno : 0;
        return result;
    }

    public void Dispose() => Handle.Dispose();

    public override string ToString() => Description;

    private void Ioctl(nuint request, nint argument, string name)
    {
        ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
        if (Libc.Ioctl(Handle.Fd, request, argument) < 0)
        {
            throw new KernelException($"ioctl({name}) on {Description}", Libc.LastErrno);
        }
    }

    private static string? Hint(int errno, int pid, int cpu) => errno switch
    {
        Errnos.EACCES or Errnos.EPERM => "perf events need root or CAP_PERFMON (and CAP_SYS_ADMIN for kprobes and uprobes); see kernel.perf_event_paranoid",
        Errnos.ESRCH => $"no process {pid}",
        Errnos.ENODEV when cpu >= 0 => $"CPU {cpu} is not online",
        Errnos.ENOENT or Errnos.EOPNOTSUPP => "this kernel or machine does not provide the event (no PMU driver for it?)",
        Errnos.E2BIG => "the kernel refused the perf_event_attr size",
        _ => null,
    };
}
