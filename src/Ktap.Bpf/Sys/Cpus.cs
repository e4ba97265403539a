using System.Globalization;

namespace Ktap.Bpf.Sys;

/// <summary>The kernel's CPU lists: per-CPU maps hold one value per possible CPU, events open per online CPU.</summary>
public static class Cpus
{
    private static readonly Lazy<int[]> PossibleList = new(() => ParseList(File.ReadAllText("/sys/devices/system/cpu/possible")));

    /// <summary>CPUs that may ever exist: the number of values in a per-CPU map.</summary>
    public static int PossibleCount => PossibleList.Value.Length;

    /// <summary>CPUs online now.</summary>
    public static int[] Online() => ParseList(File.ReadAllText("/sys/devices/system/cpu/online"));

    /// <summary>Parses the kernel's list syntax: <c>0-3,5,7-8</c>.</summary>
    public static int[] ParseList(string text)
    {
        var cpus = new List<int>();
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-');
            var first = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            var last = bounds.Length > 1 ? int.Parse(bounds[1], CultureInfo.InvariantCulture) : first;
            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }
}
