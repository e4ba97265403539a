using System.Globalization;
using Ktap.Bpf.Tracing;

namespace Ktap.Bpf.Tests.Tracing.Output;

/// <summary>
/// A tracefs instance of the test's own (<c>instances/NAME</c>: its own buffer, events and
/// options), so the test never touches the top-level buffer other users of the machine read.
/// Dispose turns it off and removes it.
/// </summary>
internal sealed class TraceInstance : IDisposable
{
    private const string Prefix = "ktap_t_render_";

    private TraceInstance(string path) => Path = path;

    public string Path { get; }

    /// <summary>Makes a fresh instance, first removing any a test that died left behind.</summary>
    public static TraceInstance Create()
    {
        var instances = System.IO.Path.Combine(TraceFs.EnsureMounted(), "instances");
        foreach (var stale in Directory.EnumerateDirectories(instances, Prefix + "*"))
        {
            var owner = System.IO.Path.GetFileName(stale)[Prefix.Length..];
            if (int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                Remove(stale);
            }
        }

        var path = System.IO.Path.Combine(instances, Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(path))
        {
            Remove(path);
        }

        // mkdir in instances/ makes a new trace array with its own buffer.
        Directory.CreateDirectory(path);
        return new TraceInstance(path);
    }

    public void Write(string file, string value) => File.WriteAllText(System.IO.Path.Combine(Path, file), value);

    public string Read(string file) => File.ReadAllText(System.IO.Path.Combine(Path, file));

    public void Enable(TraceEventName name) => Write($"events/{name.Subsystem}/{name.Event}/enable", "1");

    /// <summary>Events the buffer dropped by overwriting (the <c>overrun</c> lines of each CPU's stats).</summary>
    public long Overruns() => Directory.EnumerateDirectories(System.IO.Path.Combine(Path, "per_cpu"))
        .Select(cpu => File.ReadAllLines(System.IO.Path.Combine(cpu, "stats")))
        .SelectMany(lines => lines.Where(l => l.StartsWith("overrun:", StringComparison.Ordinal)))
        .Sum(l => long.Parse(l["overrun:".Length..].Trim(), CultureInfo.InvariantCulture));

    public void Dispose() => Remove(Path);

    private static void Remove(string path)
    {
        // Events must be off before the kernel lets the instance go (rmdir answers EBUSY).
        File.WriteAllText(System.IO.Path.Combine(path, "tracing_on"), "0");
        File.WriteAllText(System.IO.Path.Combine(path, "events", "enable"), "0");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(path);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                // A reader of its files (trace_pipe) may still hold it for a moment.
                Thread.Sleep(20);
            }
        }
    }
}
