using Ktap.Bpf.Sys;
using Ktap.Language.Semantics;

namespace Ktap.Runtime.Session;

/// <summary>
/// The <c>tick-N</c> blocks of a script, run in the ktap process on CLOCK_MONOTONIC. Each block
/// is due at start + k × its interval; one timerfd, armed for the earliest due block, wakes the
/// session's epoll. Blocks due at the same moment run in script order, so two <c>tick-1s</c>
/// and a <c>tick-3s { exit() }</c> after them run the same way every time.
/// </summary>
internal sealed class TickTimers : IDisposable
{
    private readonly List<Tick> ticks;
    private readonly TimerFd? timer;

    public TickTimers(IEnumerable<BoundProbe> probes)
    {
        ticks = [.. probes.Where(p => p.Kind == FunctionKind.Tick).Select((p, i) => new Tick(p, p.IntervalNanoseconds, i))];
        timer = ticks.Count > 0 ? new TimerFd() : null;
    }

    /// <summary>Readable when a block is due; null without tick blocks.</summary>
    public KernelHandle? Handle => timer?.Handle;

    /// <summary>Counts every interval from now.</summary>
    public void Start()
    {
        var now = TimerFd.Now();
        foreach (var tick in ticks)
        {
            tick.Due = now + tick.Interval;
        }

        Arm();
    }

    /// <summary>
    /// Runs every block due by now, the earliest first, through <paramref name="run"/>; stops
    /// at the first that returns false (it called <c>exit()</c>) and returns false then. A block
    /// late by more than its interval runs once, not once per period missed.
    /// </summary>
    public bool RunDue(Func<BoundProbe, bool> run)
    {
        if (timer is null)
        {
            return true;
        }

        timer.Acknowledge();
        var now = TimerFd.Now();
        foreach (var tick in ticks.Where(t => t.Due <= now).OrderBy(t => t.Due).ThenBy(t => t.Order).ToList())
        {
            tick.Due += ((now - tick.Due) / tick.Interval + 1) * tick.Interval;
            if (!run(tick.Probe))
            {
                return false;
            }
        }

        Arm();
        return true;
    }

    public void Dispose() => timer?.Dispose();

    private void Arm() => timer?.ExpireAt(ticks.Min(t => t.Due));

    private sealed class Tick(BoundProbe probe, long interval, int order)
    {
        public BoundProbe Probe { get; } = probe;

        public long Interval { get; } = interval;

        /// <summary>Its place in the script: the order of blocks due at the same moment.</summary>
        public int Order { get; } = order;

        public long Due { get; set; }
    }
}
