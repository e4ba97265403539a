using Ktap.Compiler.Events;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Runtime.Probes;

/// <summary>A <c>trace</c> or <c>profile</c> block and every concrete place its handler runs.</summary>
/// <param name="Targets">In spec order, each attach point once.</param>
public sealed record ResolvedProbe(BoundProbe Probe, IReadOnlyList<ResolvedTarget> Targets);

/// <summary>One place a handler runs: the shape of its context, and how to attach there.</summary>
/// <param name="Span">The event spec it came from (the whole block for <c>profile</c>), for attach errors.</param>
/// <param name="Unsupported">
/// Values the event has that ktap cannot read yet (a <c>u8[16]</c> field, a USDT argument in
/// memory). <see cref="ProbeTarget.Arguments"/> stops before the first unsupported argument, so
/// that <c>argN</c> never means another value than LANGUAGE.md §5 says; this list lets the
/// compiler say why <c>argN</c> or <c>args.NAME</c> is missing.
/// </param>
public sealed record ResolvedTarget(ProbeTarget Target, AttachPoint Attach, TextSpan Span, IReadOnlyList<UnsupportedValue> Unsupported)
{
    /// <summary>A tracepoint's format, which renders its records for <c>argstr</c>; null for other probes.</summary>
    public Bpf.Tracing.EventFormat? Format { get; init; }

    /// <summary>Why <paramref name="name"/> (a field name, or <c>argN</c>) cannot be read, or null if it is not listed.</summary>
    public string? WhyUnsupported(string name) =>
        Unsupported.FirstOrDefault(u => u.Name == name || (u.ArgumentIndex is { } i && name == "arg" + i))?.Reason;
}

/// <summary>A value of the event that the context field kinds cannot describe yet.</summary>
/// <param name="Name">The field's name (<c>saddr</c>), or <c>argN</c> for a value without one.</param>
/// <param name="ArgumentIndex">Its N in <c>argN</c>, when it has one.</param>
/// <param name="Reason">One line, as <c>field 'saddr' is __u8[4]: arrays of other than char are not supported yet</c>.</param>
public sealed record UnsupportedValue(string Name, int? ArgumentIndex, string Reason);
