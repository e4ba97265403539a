using System.Runtime.InteropServices;

namespace Ktap.Interpreter;

/// <summary>Facts about this process and machine that user-side built-ins report.</summary>
internal static partial class SystemInfo
{
    private static string? processName;
    private static string? kernelRelease;

    public static long RealtimeNanoseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>Online CPUs, from the kernel's list ("0-3,5"), as num_cpus() reports them.</summary>
    public static int OnlineCpus()
    {
        try
        {
            var count = 0;
            foreach (var range in File.ReadAllText("/sys/devices/system/cpu/online").Trim().Split(','))
            {
                var bounds = range.Split('-');
                count += bounds.Length == 2 ? int.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture) - int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture) + 1 : 1;
            }

            return count;
        }
        catch (IOException)
        {
            return Environment.ProcessorCount;
        }
    }

    /// <summary>The machine name as uname reports it (x86_64, aarch64).</summary>
    public static string MachineName() => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
        System.Runtime.InteropServices.Architecture.X86 => "i686",
        System.Runtime.InteropServices.Architecture.Arm => "armv7l",
        var other => other.ToString().ToLowerInvariant(),
    };

    public static string KernelRelease() => kernelRelease ??= ReadTrimmed("/proc/sys/kernel/osrelease");

    public static string ProcessName() => processName ??= ReadTrimmed("/proc/self/comm");

    public static long ThreadId() => GetTid();

    public static long UserId() => GetUid();

    public static long CurrentCpu() => SchedGetCpu();

    private static string ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).TrimEnd('\n');
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    private static partial int SchedGetCpu();
}
