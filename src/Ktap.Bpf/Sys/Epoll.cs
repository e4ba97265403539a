namespace Ktap.Bpf.Sys;

/// <summary>
/// An epoll set plus an eventfd to wake a waiter from another thread: the way a session waits
/// on ring buffers and timers at once, with no polling timeout.
/// </summary>
public sealed unsafe class Epoll : IDisposable
{
    private const int CloseOnExec = 0x80000;
    private const int NonBlocking = 0x800;
    private const int ControlAdd = 1;
    private const uint In = 1;

    private readonly KernelHandle epoll;
    private readonly KernelHandle wakeup;

    public Epoll()
    {
        epoll = Checked("epoll_create1", Libc.EpollCreate1(CloseOnExec));
        wakeup = Checked("eventfd", Libc.EventFd(0, CloseOnExec | NonBlocking));
        Add(wakeup, ulong.MaxValue);
    }

    /// <summary>Watches a descriptor for readability; <paramref name="token"/> comes back from <see cref="Wait"/>.</summary>
    public void Add(KernelHandle handle, ulong token)
    {
        var item = new EpollEvent { Events = In, Data = token };
        if (Libc.EpollCtl(epoll.Fd, ControlAdd, handle.Fd, &item) != 0)
        {
            throw new KernelException("epoll_ctl", Libc.LastErrno);
        }
    }

    /// <summary>
    /// Waits until a watched descriptor is readable or <see cref="Wake"/> is called; -1 waits
    /// forever. Returns the ready tokens (empty on timeout or wake-up).
    /// </summary>
    public List<ulong> Wait(int timeoutMilliseconds)
    {
        var events = stackalloc EpollEvent[16];
        int count;
        do
        {
            count = Libc.EpollWait(epoll.Fd, events, 16, timeoutMilliseconds);
        }
        while (count < 0 && Libc.LastErrno == Errnos.EINTR);

        if (count < 0)
        {
            throw new KernelException("epoll_wait", Libc.LastErrno);
        }

        var ready = new List<ulong>(count);
        for (var i = 0; i < count; i++)
        {
            if (events[i].Data == ulong.MaxValue)
            {
                ulong drained;
                Libc.Read(wakeup.Fd, &drained, sizeof(ulong));
            }
            else
            {
                ready.Add(events[i].Data);
            }
        }

        return ready;
    }

    /// <summary>Ends a <see cref="Wait"/> in progress (or the next one); safe from any thread or a signal handler's thread.</summary>
    public void Wake()
    {
        ulong one = 1;
        Libc.Write(wakeup.Fd, &one, sizeof(ulong));
    }

    public void Dispose()
    {
        epoll.Dispose();
        wakeup.Dispose();
    }

    private static KernelHandle Checked(string call, int fd) => fd >= 0 ? new KernelHandle(fd) : throw new KernelException(call, Libc.LastErrno);
}
