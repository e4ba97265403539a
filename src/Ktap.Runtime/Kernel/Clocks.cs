using System.Runtime.InteropServices;

namespace Ktap.Runtime.Kernel;

/// <summary>The clocks kernel code can read and the one it cannot.</summary>
internal static partial class Clocks
{
    private const int ClockRealtime = 0;
    private const int ClockBoottime = 7;

    /// <summary>
    /// CLOCK_REALTIME − CLOCK_BOOTTIME in nanoseconds: kernel code has bpf_ktime_get_boot_ns but
    /// no wall clock, so <c>gettimeofday_*</c> adds this offset, measured once at start.
    /// </summary>
    public static long RealtimeMinusBoottime() => Now(ClockRealtime) - Now(ClockBoottime);

    private static long Now(int clock)
    {
        if (ClockGettime(clock, out var time) != 0)
        {
            throw new InvalidOperationException($"clock_gettime({clock}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGettime(int clock, out Timespec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
