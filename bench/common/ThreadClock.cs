using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Ktap.Bench;

/// <summary>
/// Wall time and the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID, user and system: the
/// kernel's work on a bpf() call counts to the caller). On a busy machine the wall time grows
/// with the wait for a CPU; the CPU time stays what the work costs.
/// </summary>
internal static partial class ThreadClock
{
    private const int ThreadCpuClock = 3;

    public static (double WallMs, double CpuMs) Time(Action work)
    {
        var cpu = CpuMilliseconds();
        var wall = Stopwatch.StartNew();
        work();
        return (wall.Elapsed.TotalMilliseconds, CpuMilliseconds() - cpu);
    }

    private static double CpuMilliseconds() =>
        ClockGetTime(ThreadCpuClock, out var time) == 0 ? (time.Seconds * 1e3) + (time.Nanoseconds / 1e6) : double.NaN;

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
