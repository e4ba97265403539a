using System.Text;
using Ktap.Language.Syntax;
using Ktap.Runtime.Kernel;
using Ktap.Runtime.Probes;
using Ktap.Runtime.Session;

namespace Ktap.Runtime.Audit;

/// <summary>Leaves a prepared session's record in the kernel, bound to its programs, before anything is attached.</summary>
internal static class SessionPublisher
{
    public static void Publish(ScriptOrigin origin, SourceText source, IReadOnlyList<LoadedHandler> handlers, ProcessTracker? tracker)
    {
        var programs = handlers
            .Select(h => new PublishedProgram(h.Program.Id, h.Handler.Name, [.. h.Targets.Select(t => ProbeText(t, source))]))
            .ToList();
        var bound = handlers.Select(h => h.Program).ToList();
        if (tracker is not null)
        {
            foreach (var (program, name, probe) in tracker.Programs)
            {
                programs.Add(new PublishedProgram(program.Id, name, [probe]));
                bound.Add(program);
            }
        }

        var record = new SessionRecord(
            origin.KtapVersion,
            origin.ScriptPath,
            Environment.ProcessId,
            DateTimeOffset.UtcNow,
            origin.Arguments,
            programs,

            // One char per byte (SourceText.FromBytes): Latin-1 gives the script's bytes back.
            Encoding.Latin1.GetBytes(source.Text));
        SourceMap.Publish(record, bound);
    }

    /// <summary>A target as a script would name it: one spec that matches exactly it.</summary>
    private static string ProbeText(ResolvedTarget target, SourceText source) => target.Attach switch
    {
        TracepointAttach tracepoint => tracepoint.ToString(),
        KprobeAttach kprobe => ProbeLocation.Prefix + kprobe,
        UprobeAttach uprobe when source.Text.AsSpan(target.Span.Start, target.Span.Length).StartsWith(UsdtResolver.Prefix, StringComparison.Ordinal) =>
            $"{UsdtResolver.Prefix}{uprobe.Path}:{target.Target.ProbeName}",
        UprobeAttach uprobe => $"{ProbeLocation.Prefix}{uprobe.Path}:{target.Target.ProbeName}{(uprobe.IsReturn ? "%return" : string.Empty)}",
        _ => target.Target.ProbeName,
    };
}
