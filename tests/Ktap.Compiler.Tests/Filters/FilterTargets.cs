using Ktap.Compiler.Events;
using Ktap.Compiler.Filters;
using Ktap.Language.Diagnostics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.Tests.Filters;

/// <summary>A made-up tracepoint with one field of every kind, and filters parsed from real scripts.</summary>
internal static class FilterTargets
{
    public static readonly ProbeTarget Event = new(
        "sample_event",
        ContextKind.Tracepoint,
        [],
        [
            new("common_type", 0, 2, FieldKind.Unsigned),
            new("common_flags", 2, 1, FieldKind.Unsigned),
            new("common_preempt_count", 3, 1, FieldKind.Unsigned),
            new("common_pid", 4, 4, FieldKind.Signed),
            new("pid", 8, 4, FieldKind.Signed),
            new("prev_comm", 12, 16, FieldKind.CharArray),
            new("filename", 28, 4, FieldKind.DataLocString),
            new("flags", 32, 8, FieldKind.Unsigned),
            new("ret", 40, 8, FieldKind.Signed),
            new("prio", 48, 1, FieldKind.Signed),
            new("level", 49, 1, FieldKind.Unsigned),
            new("adj", 50, 2, FieldKind.Signed),
            new("mode", 52, 2, FieldKind.Unsigned),
            new("uid", 56, 4, FieldKind.Unsigned),
            new("path", 64, 8, FieldKind.Unsigned),
            new("uuid", 72, 16, FieldKind.Unsigned),
        ]);

    /// <summary>Parses the filter of <c>trace a:b /FILTER/ { }</c> as the code generator will.</summary>
    public static FilterExpression Parse(string filter, ProbeTarget? target = null) =>
        FilterParser.Parse(Syntax(filter, out var source), source, target ?? Event);

    /// <summary>The error a filter gets, and its one-based column in <c>trace a:b /FILTER/ { }</c>.</summary>
    public static (string Message, int Column, int Length) Error(string filter, ProbeTarget? target = null)
    {
        var syntax = Syntax(filter, out var source);
        var error = Assert.Throws<FilterException>(() => FilterParser.Parse(syntax, source, target ?? Event));
        var (line, column) = source.GetLineColumn(error.Span.Start);
        Assert.Equal(1, line);
        return (error.Message, column, error.Span.Length);
    }

    /// <summary>One-based column of the first occurrence of <paramref name="text"/> in <c>trace a:b /FILTER/ { }</c>.</summary>
    public static int ColumnOf(string filter, string text, int occurrence = 1)
    {
        var script = Script(filter);
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = script.IndexOf(text, index + 1, StringComparison.Ordinal);
        }

        Assert.True(index >= 0, $"'{text}' is not in {script}");
        return index + 1;
    }

    private static string Script(string filter) => $"trace a:b /{filter}/ {{ }}";

    private static FilterSyntax Syntax(string filter, out SourceText source)
    {
        source = new SourceText("t.kp", Script(filter));
        var bag = new DiagnosticBag();
        var script = Parser.Parse(source, bag);
        Assert.Empty(bag.Items);
        var trace = Assert.IsType<TraceStatementSyntax>(Assert.Single(script.Body.Statements));
        return Assert.IsType<FilterSyntax>(trace.Filter);
    }
}
