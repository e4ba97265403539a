namespace Ktap.Bpf.Sys;

/// <summary>How a process ended: its exit code, or the signal that killed it.</summary>
public readonly record struct ProcessExit(int? Code, int? Signal)
{
    public override string ToString() => Code is { } code ? $"exit status {code}" : $"signal {Signal}";
}

/// <summary>
/// A process as a file descriptor (<c>pidfd_open(2)</c>, Linux 5.3): it turns readable when the
/// process has ended, so a session waits for its traced process in the same epoll set as its
/// ring buffer. Unlike a pid, it cannot come to name another process that reuses the number.
/// </summary>
public sealed unsafe class ProcessDescriptor : IDisposable
{
    // pidfd_open is 434 on every architecture: system calls added since 5.1 share one number.
    private const long PidfdOpen = 434;

    /// <summary>waitid's P_PIDFD (Linux 5.4).</summary>
    private const int ByPidfd = 3;

    private const int WaitExited = 4;
    private const int WaitNoHang = 1;

    // siginfo_t of a child's state change: si_code at 8, then si_pid, si_uid and si_status.
    private const int CodeOffset = 8;
    private const int PidOffset = 16;
    private const int StatusOffset = 24;
    private const int ChildExited = 1;

    private ProcessDescriptor(int pid, KernelHandle handle)
    {
        Pid = pid;
        Handle = handle;
    }

    public int Pid { get; }

    public KernelHandle Handle { get; }

    /// <exception cref="KernelException">ESRCH: no such process; EINVAL: <paramref name="pid"/> is a thread, not a process.</exception>
    public static ProcessDescriptor Open(int pid)
    {
        var fd = Libc.Syscall(PidfdOpen, pid, 0, 0, 0, 0);
        return fd >= 0 ? new ProcessDescriptor(pid, new KernelHandle((int)fd)) : throw new KernelException($"pidfd_open({pid})", Libc.LastErrno);
    }

    /// <summary>How a child of this process ended, reaping it; null while it runs. Only for our own children.</summary>
    public ProcessExit? TryReap()
    {
        var info = stackalloc byte[128];
        new Span<byte>(info, 128).Clear();
        int result;
        do
        {
            result = Libc.WaitId(ByPidfd, Handle.Fd, info, WaitExited | WaitNoHang);
        }
        while (result < 0 && Libc.LastErrno == Errnos.EINTR);

        if (result < 0)
        {
            throw new KernelException($"waitid({Pid})", Libc.LastErrno);
        }

        // With WNOHANG and nothing to report, the kernel leaves si_pid zero.
        if (*(int*)(info + PidOffset) == 0)
        {
            return null;
        }

        var status = *(int*)(info + StatusOffset);
        return *(int*)(info + CodeOffset) == ChildExited ? new ProcessExit(status, null) : new ProcessExit(null, status);
    }

    public void Dispose() => Handle.Dispose();
}
