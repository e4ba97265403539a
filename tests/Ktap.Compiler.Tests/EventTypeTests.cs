using Ktap.Compiler.Events;
using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.Tests;

/// <summary>args.NAME and argN take their types from the probes' resolved targets.</summary>
public sealed class EventTypeTests
{
    private static readonly ProbeTarget Switch = Tracepoint(
        "sched_switch", new("prev_comm", 8, 16, FieldKind.CharArray), new("prev_pid", 24, 4, FieldKind.Signed));

    private static readonly ProbeTarget Exec = Tracepoint(
        "sched_process_exec", new("filename", 8, 4, FieldKind.DataLocString), new("pid", 12, 4, FieldKind.Signed));

    /// <summary>Another event whose field of the same name is a number.</summary>
    private static readonly ProbeTarget Numbered = Tracepoint("numbered", new ContextField("prev_comm", 8, 8, FieldKind.Unsigned));

    [Fact]
    public void StringFieldsAreStringsAndOthersNumbers()
    {
        var typed = Check("var names = {}\nvar pids = {}\ntrace a:b { names[args.prev_comm] += 1\n pids[arg1] = arg0 }", [Switch]);
        Assert.Equal(KtapType.Table(KtapType.String, KtapType.Number), typed.TypeOf(Script.TopLevel(typed, "names")));
        Assert.Equal(KtapType.Table(KtapType.Number, KtapType.String), typed.TypeOf(Script.TopLevel(typed, "pids")));
    }

    [Fact]
    public void AFunctionTakesTheTypesOfTheProbesThatCallIt()
    {
        var typed = Check("var t = {}\nfunction name() { return args.filename }\ntrace a:b { t[name()] += 1 }", [Exec]);
        Assert.Equal(KtapType.Table(KtapType.String, KtapType.Number), typed.TypeOf(Script.TopLevel(typed, "t")));
    }

    [Fact]
    public void TargetsThatDisagreeLeaveTheFieldToEachTarget()
    {
        var typed = Check("trace a:b { print(args.prev_comm) }", [Switch, Numbered]);
        var print = (BoundCall)((BoundExpressionStatement)typed.Bound.Probes[0].Handler.Body.Statements[0]).Expression;
        Assert.Equal(KtapType.Unknown, typed.TypeOf(print.Arguments[0]));
    }

    [Fact]
    public void AStringFieldInArithmeticIsATypeConflict()
    {
        var bag = new DiagnosticBag();
        var bound = Binder.Bind(Parser.Parse(new SourceText("t.kp", "trace a:b { print(args.prev_comm + 1) }"), bag), bag);
        TypeChecker.Check(bound, bag, new Dictionary<BoundProbe, IReadOnlyList<ProbeTarget>> { [bound.Probes[0]] = [Switch] });
        Assert.Equal(DiagnosticCode.TypeConflict, Assert.Single(bag.Items).Code);
    }

    private static TypedScript Check(string text, IReadOnlyList<ProbeTarget> targets)
    {
        var bag = new DiagnosticBag();
        var bound = Binder.Bind(Parser.Parse(new SourceText("t.kp", text), bag), bag);
        var typed = TypeChecker.Check(bound, bag, bound.Probes.ToDictionary(p => p, _ => targets));
        Assert.True(bag.Items.Count == 0, string.Join("\n", bag.Items));
        return typed;
    }

    private static ProbeTarget Tracepoint(string name, params ContextField[] fields) =>
        new(name, ContextKind.Tracepoint, fields, fields);
}
