using Ktap.Compiler.Events;
using Ktap.Language.Semantics;

namespace Ktap.Compiler.Types;

/// <summary>
/// The types of event values (<c>args.NAME</c>, <c>argN</c>) come from the probes' targets, when
/// they are resolved before the check: a <c>char[]</c> or <c>__data_loc</c> field is a string,
/// any other a number, so <c>t[args.comm] += 1</c> lays out string keys. An <c>args.NAME</c> whose
/// targets disagree (a glob over events of other layouts), or is checked without targets, is
/// left to the code generator, which reads each target's field as its own kind; <c>argN</c> is
/// then a number, as it is for every probe but tracepoints.
/// </summary>
public sealed partial class TypeChecker
{
    private readonly IReadOnlyDictionary<BoundProbe, IReadOnlyList<ProbeTarget>>? targets;
    private Dictionary<FunctionSymbol, List<BoundProbe>>? probesReaching;

    /// <summary>The type every target of the probes reaching the current function gives <paramref name="field"/>; null when they differ or none has it.</summary>
    private PrimitiveTerm? EventValueType(Func<ProbeTarget, ContextField?> field)
    {
        if (targets is null)
        {
            return null;
        }

        probesReaching ??= ProbesReaching();
        var kinds = probesReaching.GetValueOrDefault(function, [])
            .SelectMany(p => targets.GetValueOrDefault(p, []))
            .Select(field)
            .Select(f => f is null ? null : f.Kind is FieldKind.CharArray or FieldKind.DataLocString ? PrimitiveTerm.String : PrimitiveTerm.Number)
            .Distinct()
            .ToList();
        return kinds is [{ } only] ? only : null;
    }

    private static ContextField? Argument(ProbeTarget target, int n) => n < target.Arguments.Count ? target.Arguments[n] : null;

    /// <summary>Which trace and profile handlers run each kernel function, through the calls between them.</summary>
    private Dictionary<FunctionSymbol, List<BoundProbe>> ProbesReaching()
    {
        var reaching = new Dictionary<FunctionSymbol, List<BoundProbe>>();
        foreach (var probe in script.Probes.Where(p => p.Kind is FunctionKind.Trace or FunctionKind.Profile))
        {
            var pending = new Stack<FunctionSymbol>([probe.Handler]);
            var seen = new HashSet<FunctionSymbol>();
            while (pending.TryPop(out var reached))
            {
                if (!seen.Add(reached))
                {
                    continue;
                }

                if (!reaching.TryGetValue(reached, out var probes))
                {
                    probes = [];
                    reaching[reached] = probes;
                }

                probes.Add(probe);
                foreach (var callee in reached.Callees)
                {
                    pending.Push(callee);
                }
            }
        }

        return reaching;
    }
}
