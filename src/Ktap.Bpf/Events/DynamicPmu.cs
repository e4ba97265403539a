using System.Globalization;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Events;

/// <summary>
/// A PMU whose perf type the kernel assigns at boot (kprobe, uprobe), described in
/// <c>/sys/bus/event_source/devices/NAME/</c>: <c>type</c> holds the number for
/// <see cref="PerfEventAttr.Type"/>, and each file in <c>format/</c> names the bits of a config
/// field that mean something ("retprobe" is "config:0", "ref_ctr_offset" "config:32-63").
/// </summary>
public sealed class DynamicPmu
{
    private const string Devices = "/sys/bus/event_source/devices";

    private DynamicPmu(string name, uint type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; }

    public uint Type { get; }

    /// <summary>The PMU, or null when this kernel has none of that name.</summary>
    public static DynamicPmu? TryOpen(string name)
    {
        var path = Path.Combine(Devices, name, "type");
        if (!File.Exists(path))
        {
            return null;
        }

        return new DynamicPmu(name, uint.Parse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The value with <paramref name="value"/> placed in the format field <paramref name="field"/>
    /// (its config word must be <c>config</c>); <paramref name="fallbackShift"/> when the kernel
    /// does not describe the field (older kernels had no format directory).
    /// </summary>
    public ulong ConfigBits(string field, ulong value, int fallbackShift)
    {
        var shift = fallbackShift;
        var path = Path.Combine(Devices, Name, "format", field);
        if (File.Exists(path))
        {
            // "config:0" or "config:32-63".
            var text = File.ReadAllText(path).Trim();
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || text[..colon] != "config")
            {
                throw new FormatException($"{path}: unexpected format '{text}'");
            }

            var bits = text[(colon + 1)..];
            var dash = bits.IndexOf('-', StringComparison.Ordinal);
            shift = int.Parse(dash < 0 ? bits : bits[..dash], NumberStyles.None, CultureInfo.InvariantCulture);
        }

        return value << shift;
    }
}
