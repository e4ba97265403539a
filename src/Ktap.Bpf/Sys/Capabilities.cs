using System.Globalization;

namespace Ktap.Bpf.Sys;

/// <summary>The capabilities tracing needs, and whether this process has them (CapEff in /proc/self/status).</summary>
public static class Capabilities
{
    public const int SysAdmin = 21;
    public const int Perfmon = 38;
    public const int Bpf = 39;

    /// <summary>This process's effective capabilities, as the bit mask the kernel prints.</summary>
    public static ulong Effective()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        return line is null ? 0 : ulong.Parse(line["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The ones tracing needs that <paramref name="effective"/> lacks, by name: CAP_BPF and
    /// CAP_PERFMON (Linux 5.8), either of which CAP_SYS_ADMIN stands in for. Empty when none.
    /// </summary>
    public static IReadOnlyList<string> MissingForTracing(ulong effective)
    {
        if (Has(effective, SysAdmin))
        {
            return [];
        }

        var missing = new List<string>();
        if (!Has(effective, Bpf))
        {
            missing.Add("CAP_BPF");
        }

        if (!Has(effective, Perfmon))
        {
            missing.Add("CAP_PERFMON");
        }

        return missing;
    }

    private static bool Has(ulong effective, int capability) => (effective & (1UL << capability)) != 0;
}
