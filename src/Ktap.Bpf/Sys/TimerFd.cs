namespace Ktap.Bpf.Sys;

/// <summary>
/// A one-shot timer on CLOCK_MONOTONIC as a file descriptor (<c>timerfd_create(2)</c>): it turns
/// readable when it expires, so one epoll set waits on timers and ring buffers together.
/// </summary>
public sealed unsafe class TimerFd : IDisposable
{
    private const int ClockMonotonic = 1;
    private const int CloseOnExec = 0x80000;
    private const int NonBlocking = 0x800;

    /// <summary>TFD_TIMER_ABSTIME: the expiry is a point on the clock, not a delay.</summary>
    private const int AbsoluteTime = 1;

    public TimerFd()
    {
        var fd = Libc.TimerFdCreate(ClockMonotonic, CloseOnExec | NonBlocking);
        Handle = fd >= 0 ? new KernelHandle(fd) : throw new KernelException("timerfd_create", Libc.LastErrno);
    }

    public KernelHandle Handle { get; }

    /// <summary>CLOCK_MONOTONIC now, in nanoseconds: the clock the timer and <c>bpf_ktime_get_ns</c> share.</summary>
    public static long Now()
    {
        Timespec time;
        return Libc.ClockGettime(ClockMonotonic, &time) == 0
            ? (time.Seconds * 1_000_000_000) + time.Nanoseconds
            : throw new KernelException("clock_gettime(CLOCK_MONOTONIC)", Libc.LastErrno);
    }

    /// <summary>Expires once at <paramref name="monotonicNanoseconds"/> (a time already past expires at once).</summary>
    public void ExpireAt(long monotonicNanoseconds)
    {
        // An all-zero value disarms the timer; the earliest real time is 1 ns.
        var at = Math.Max(monotonicNanoseconds, 1);
        var spec = new TimerSpec { Value = new Timespec { Seconds = at / 1_000_000_000, Nanoseconds = at % 1_000_000_000 } };
        if (Libc.TimerFdSetTime(Handle.Fd, AbsoluteTime, &spec, null) != 0)
        {
            throw new KernelException("timerfd_settime", Libc.LastErrno);
        }
    }

    /// <summary>Clears the expiry so the descriptor is no longer readable; false if it had not expired.</summary>
    public bool Acknowledge()
    {
        ulong expirations;
        return Libc.Read(Handle.Fd, &expirations, sizeof(ulong)) == sizeof(ulong);
    }

    public void Dispose() => Handle.Dispose();
}
