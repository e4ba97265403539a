using System.Collections.Concurrent;
using System.Globalization;
using Ktap.Bpf.Text;

namespace Ktap.Bpf.Tracing;

/// <summary>
/// The trace events of one tracefs: <c>events/SUBSYSTEM/EVENT/</c>, each with an <c>id</c> and a
/// <c>format</c>. The list is read once, on first use; formats are read and parsed once each.
/// </summary>
public sealed class TraceEventCatalog(string traceFsRoot)
{
    private readonly Lazy<IReadOnlyList<TraceEventName>> events = new(() => ReadEvents(traceFsRoot));
    private readonly ConcurrentDictionary<TraceEventName, EventFormat> formats = new();

    /// <summary>The tracefs root, as <c>/sys/kernel/tracing</c>.</summary>
    public string Root { get; } = traceFsRoot;

    /// <summary>Every event, sorted by subsystem and name.</summary>
    public IReadOnlyList<TraceEventName> Events => events.Value;

    /// <summary>The events of the machine's tracefs, mounting it first if needed.</summary>
    public static TraceEventCatalog Open() => new(TraceFs.EnsureMounted());

    public bool Exists(TraceEventName name) => EventDirectory(name) is { } directory && Directory.Exists(directory);

    /// <summary>
    /// The events a perf-style pattern names. <c>SUBSYSTEM:EVENT</c> matches each part as a
    /// <see cref="Glob"/> (so <c>*</c> never crosses the colon); a pattern without a colon is an
    /// event-name glob over every subsystem. A pattern without wildcards names one event, or none.
    /// </summary>
    public IReadOnlyList<TraceEventName> Match(string pattern)
    {
        var colon = pattern.IndexOf(':', StringComparison.Ordinal);
        var subsystemPattern = colon < 0 ? "*" : pattern[..colon];
        var eventPattern = colon < 0 ? pattern : pattern[(colon + 1)..];
        return Events
            .Where(e => Glob.IsMatch(subsystemPattern, e.Subsystem) && Glob.IsMatch(eventPattern, e.Event))
            .ToList();
    }

    /// <summary>The nearest existing names to one that is not, for "did you mean" messages.</summary>
    public IReadOnlyList<string> Suggest(string name, int max = 3)
    {
        // Without a subsystem, compare event names alone but answer with full names.
        if (!name.Contains(':', StringComparison.Ordinal))
        {
            var byEvent = Events.ToLookup(e => e.Event, StringComparer.Ordinal);
            return NameSuggestions.Nearest(name, byEvent.Select(g => g.Key), max)
                .SelectMany(e => byEvent[e].Select(n => n.ToString()))
                .Take(max)
                .ToList();
        }

        return NameSuggestions.Nearest(name, Events.Select(e => e.ToString()), max);
    }

    /// <summary>The event's id: the <c>config</c> of its PERF_TYPE_TRACEPOINT perf event.</summary>
    /// <exception cref="UnknownTraceEventException">No such event (the message suggests near names).</exception>
    public int GetId(TraceEventName name)
    {
        var path = EventDirectory(name) is { } directory ? Path.Combine(directory, "id") : null;
        if (path is null || !File.Exists(path))
        {
            // ftrace's own events (ftrace:function...) have a format but, upstream, no id.
            if (Exists(name))
            {
                throw new InvalidOperationException($"trace event '{name}' has no id: perf cannot open it");
            }

            throw Unknown(name);
        }

        return int.Parse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <exception cref="UnknownTraceEventException">No such event (the message suggests near names).</exception>
    public EventFormat GetFormat(TraceEventName name)
    {
        if (formats.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var path = EventDirectory(name) is { } directory ? Path.Combine(directory, "format") : null;
        if (path is null || !File.Exists(path))
        {
            throw Unknown(name);
        }

        return formats.GetOrAdd(name, EventFormat.Parse(File.ReadAllText(path)));
    }

    private UnknownTraceEventException Unknown(TraceEventName name) => new(name.ToString(), Suggest(name.ToString()));

    /// <summary>The event's directory; null for a name that could leave events/ (names come from scripts).</summary>
    private string? EventDirectory(TraceEventName name) =>
        IsPlainName(name.Subsystem) && IsPlainName(name.Event) ? Path.Combine(Root, "events", name.Subsystem, name.Event) : null;

    private static bool IsPlainName(string part) =>
        part.Length > 0 && part is not ("." or "..") && !part.Contains('/', StringComparison.Ordinal) && !part.Contains('\0', StringComparison.Ordinal);

    private static IReadOnlyList<TraceEventName> ReadEvents(string root)
    {
        var names = new List<TraceEventName>();
        foreach (var subsystem in Directory.EnumerateDirectories(Path.Combine(root, "events")))
        {
            var subsystemName = Path.GetFileName(subsystem);
            foreach (var eventDirectory in Directory.EnumerateDirectories(subsystem))
            {
                names.Add(new TraceEventName(subsystemName, Path.GetFileName(eventDirectory)));
            }
        }

        names.Sort();
        return names;
    }
}
