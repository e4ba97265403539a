using System.Collections.Concurrent;
using Ktap.Bpf.Sys;
using Ktap.Bpf.Text;
using Ktap.Bpf.Tracing;
using Ktap.Compiler.Events;
using Ktap.Language.Syntax;

namespace Ktap.Runtime.Probes;

/// <summary>
/// <c>SUBSYSTEM:EVENT</c> specs, <c>*</c>/<c>?</c>/<c>[...]</c> globs on either part. Each event's
/// format file is read and turned into a layout once per resolver: <c>syscalls:*</c> alone is
/// hundreds of events, and several specs and probes often name the same ones.
/// </summary>
internal sealed class TracepointResolver(Func<TraceEventCatalog> openCatalog)
{
    private readonly Lazy<TraceEventCatalog> catalog = new(openCatalog);
    private readonly ConcurrentDictionary<TraceEventName, Layout> layouts = new();

    public IReadOnlyList<ResolvedTarget> Resolve(EventSpecSyntax spec)
    {
        var text = spec.Text;
        if (text.Any(char.IsWhiteSpace))
        {
            throw new ProbeResolutionException(spec.Span, $"unexpected space in tracepoint '{text}': a tracepoint takes no arguments");
        }

        var events = Catalog(spec);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1 || text.IndexOf(':', colon + 1) >= 0)
        {
            throw new ProbeResolutionException(spec.Span, NotAName(text, events));
        }

        var subsystem = text[..colon];
        var eventName = text[(colon + 1)..];
        if (!Glob.HasWildcards(subsystem) && !Glob.HasWildcards(eventName))
        {
            var name = new TraceEventName(subsystem, eventName);
            if (!events.Exists(name))
            {
                throw new ProbeResolutionException(spec.Span, WithSuggestions($"unknown tracepoint '{text}'", events.Suggest(text)));
            }

            var layout = LayoutOf(events, name, spec.Span);
            return layout.CanOpen
                ? [layout.ToTarget(name, spec.Span)]
                : throw new ProbeResolutionException(spec.Span, $"perf cannot open tracepoint '{text}': it has no id file, or is one of ftrace's own events, which cannot be traced");
        }

        var matches = Glob.HasWildcards(subsystem) ? events.Match(text) : MatchInSubsystem(events, subsystem, eventName);
        if (matches.Count == 0)
        {
            throw new ProbeResolutionException(spec.Span, NoMatch(subsystem, text, events));
        }

        // One format after the other: reading them in parallel measured slower (since Linux 6.6
        // eventfs makes the event files on lookup, under one eventfs_mutex). A glob skips
        // ftrace's internal events (perf cannot open them), so *:* works.
        var targets = new List<ResolvedTarget>(matches.Count);
        foreach (var match in matches)
        {
            var layout = LayoutOf(events, match, spec.Span);
            if (layout.CanOpen)
            {
                targets.Add(layout.ToTarget(match, spec.Span));
            }
        }

        return targets.Count > 0
            ? targets
            : throw new ProbeResolutionException(spec.Span, $"tracepoint pattern '{text}' matches only events that perf cannot open (no id file, or ftrace's own)");
    }

    /// <summary>
    /// The events of one subsystem that match, in the catalog's order, listing only that
    /// subsystem's directory: the whole catalog is thousands of directories, a third of the
    /// time <c>syscalls:*</c> takes when it is listed first.
    /// </summary>
    private static List<TraceEventName> MatchInSubsystem(TraceEventCatalog events, string subsystem, string eventPattern)
    {
        var directory = Path.Combine(events.Root, "events", subsystem);
        if (subsystem is "." or ".." || subsystem.Contains('/', StringComparison.Ordinal) || !Directory.Exists(directory))
        {
            return [];
        }

        var names = Directory.EnumerateDirectories(directory)
            .Select(path => Path.GetFileName(path))
            .Where(name => Glob.IsMatch(eventPattern, name))
            .Select(name => new TraceEventName(subsystem, name))
            .ToList();
        names.Sort();
        return names;
    }

    private TraceEventCatalog Catalog(EventSpecSyntax spec)
    {
        try
        {
            return catalog.Value;
        }
        catch (KernelException e)
        {
            // tracefs was not mounted and could not be (not root, or no CONFIG_TRACING).
            throw new ProbeResolutionException(spec.Span, $"cannot trace '{spec.Text}': {e.Message}");
        }
    }

    private Layout LayoutOf(TraceEventCatalog events, TraceEventName name, TextSpan span)
    {
        if (layouts.TryGetValue(name, out var cached))
        {
            return cached;
        }

        EventFormat format;
        try
        {
            format = events.GetFormat(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            var why = e is UnauthorizedAccessException ? "permission denied (tracefs formats are readable by root only)" : e.Message;
            throw new ProbeResolutionException(span, $"cannot read the format of tracepoint '{name}': {why}");
        }

        var canOpen = format.Id != 0 && PerfCanOpen(events, name);
        var (target, unsupported) = TracepointLayout.Build(format);
        return layouts.GetOrAdd(name, new Layout(format, canOpen, target, unsupported));
    }

    /// <summary>
    /// Whether perf can open the event, so a script can trace it (ktap -l lists only those). An
    /// event has an "id" file only when kernel/trace/trace_events.c sees a type and a class->reg
    /// callback. ftrace's internal events (ftrace:function, ftrace:print, kernel/trace/
    /// trace_export.c) had neither up to Linux 6.x; 6.18 gives them an id file, yet perf still
    /// refuses them: perf_event_open of ftrace:function and SET_BPF on ftrace:print fail with
    /// EINVAL. So the whole ftrace subsystem is left out.
    /// </summary>
    internal static bool PerfCanOpen(TraceEventCatalog events, TraceEventName name) =>
        name.Subsystem != "ftrace" && File.Exists(Path.Combine(events.Root, "events", name.Subsystem, name.Event, "id"));

    private static string NotAName(string text, TraceEventCatalog events)
    {
        var message = $"'{text}' is not a tracepoint: write SUBSYSTEM:EVENT (as syscalls:sys_enter_openat), probe:FUNCTION or sdt:BINARY:MARKER";
        if (text.Contains(':', StringComparison.Ordinal) || Glob.HasWildcards(text))
        {
            return message;
        }

        // An event name without its subsystem: name the events it is, else the nearest.
        var exact = events.Events.Where(e => e.Event == text).Select(e => e.ToString()).ToList();
        return WithSuggestions(message, exact.Count > 0 ? exact : events.Suggest(text));
    }

    private static string NoMatch(string subsystem, string text, TraceEventCatalog events)
    {
        if (!Glob.HasWildcards(subsystem) && !events.Events.Any(e => e.Subsystem == subsystem))
        {
            var subsystems = events.Events.Select(e => e.Subsystem).Distinct(StringComparer.Ordinal);
            return WithSuggestions($"unknown tracepoint subsystem '{subsystem}' in '{text}'", NameSuggestions.Nearest(subsystem, subsystems));
        }

        return $"no tracepoint matches '{text}'";
    }

    private static string WithSuggestions(string message, IReadOnlyList<string> suggestions) =>
        suggestions.Count == 0 ? message : $"{message}; did you mean {string.Join(", ", suggestions)}?";

    private sealed record Layout(EventFormat Format, bool CanOpen, ProbeTarget Target, IReadOnlyList<UnsupportedValue> Unsupported)
    {
        public ResolvedTarget ToTarget(TraceEventName name, TextSpan span) =>
            new(Target, new TracepointAttach(name.Subsystem, name.Event, Format.Id), span, Unsupported) { Format = Format };
    }
}
