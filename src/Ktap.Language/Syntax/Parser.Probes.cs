using System.Globalization;
using Ktap.Language.Diagnostics;

namespace Ktap.Language.Syntax;

public sealed partial class Parser
{
    private TraceStatementSyntax ParseTrace()
    {
        // The event specs are not ktap code (paths, globs, perf-probe fetch args): they are read
        // raw up to the '{', and the probe resolver parses them later.
        var start = current.Span.Start;
        var hasBody = lexer.TryReadRawUntilBrace(out var raw, out var rawSpan);
        Next();
        if (!hasBody)
        {
            Report(DiagnosticCode.MissingProbeBody, TextSpan.FromBounds(start, rawSpan.Start), "expected '{' after the event spec of 'trace'");
        }

        var (specText, specStart, filter) = SplitFilter(raw, rawSpan.Start);
        var specs = SplitSpecs(specText, specStart);
        if (specs.Count == 0)
        {
            Report(DiagnosticCode.MissingEventSpec, TextSpan.FromBounds(start, rawSpan.Start), "'trace' needs an event spec, e.g. trace syscalls:sys_enter_openat { ... }");
        }

        var body = hasBody ? ParseBracedBlock("after the event spec") : new BlockSyntax([], new TextSpan(current.Span.Start, 0));
        return new TraceStatementSyntax(specs, filter, body, SpanFrom(start));
    }

    /// <summary>
    /// Separates a trailing <c>/filter/</c>. It starts at the first '/' that follows white space
    /// (outside quotes): paths in uprobe specs (<c>probe:/bin/sh:main</c>) never do.
    /// </summary>
    private (string Specs, int SpecsStart, FilterSyntax? Filter) SplitFilter(string raw, int rawStart)
    {
        var open = -1;
        var quote = '\0';
        for (var i = 1; i < raw.Length && open < 0; i++)
        {
            var c = raw[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '/' && char.IsWhiteSpace(raw[i - 1]))
            {
                open = i;
            }
        }

        if (open < 0)
        {
            return (raw, rawStart, null);
        }

        var trimmed = raw.TrimEnd();
        var close = trimmed.Length - 1;
        if (close <= open || trimmed[close] != '/')
        {
            var trailing = close > open ? trimmed.LastIndexOf('/') : -1;
            var message = trailing > open
                ? $"unexpected text '{Shorten(trimmed[(trailing + 1)..].Trim())}' after the filter"
                : "unfinished filter: missing the closing '/'";
            Report(DiagnosticCode.InvalidFilter, new TextSpan(rawStart + open, 1), message);
            return (raw[..open], rawStart, null);
        }

        var text = trimmed[(open + 1)..close].Trim();
        var span = TextSpan.FromBounds(rawStart + open, rawStart + close + 1);
        if (text.Length == 0)
        {
            Report(DiagnosticCode.InvalidFilter, span, "empty filter: write the condition between the slashes, e.g. /pid == 1/");
        }

        return (raw[..open], rawStart, new FilterSyntax(text, span));
    }

    /// <summary>Splits comma-separated specs (commas inside parentheses or quotes belong to fetch args).</summary>
    private List<EventSpecSyntax> SplitSpecs(string text, int textStart)
    {
        var specs = new List<EventSpecSyntax>();
        var partStart = 0;
        var nesting = 0;
        var quote = '\0';
        for (var i = 0; i <= text.Length; i++)
        {
            var c = i < text.Length ? text[i] : ',';
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
                continue;
            }

            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '(':
                    nesting++;
                    break;
                case ')':
                    nesting--;
                    break;
                case ',' when nesting <= 0:
                    AddSpec(specs, text, textStart, partStart, i, isLast: i == text.Length);
                    partStart = i + 1;
                    break;
            }
        }

        return specs;
    }

    private void AddSpec(List<EventSpecSyntax> specs, string text, int textStart, int from, int to, bool isLast)
    {
        var part = text[from..to];
        var leading = part.Length - part.TrimStart().Length;
        var spec = part.Trim();
        if (spec.Length > 0)
        {
            specs.Add(new EventSpecSyntax(spec, new TextSpan(textStart + from + leading, spec.Length)));
        }
        else if (!isLast || specs.Count > 0)
        {
            Report(DiagnosticCode.MissingEventSpec, new TextSpan(textStart + from, 0), "empty event spec between commas");
        }
    }

    private TimerStatementSyntax ParseTimer()
    {
        var start = current.Span.Start;
        var kind = current.Text == "tick" ? TimerKind.Tick : TimerKind.Profile;
        var word = current.Text;
        var hasBody = lexer.TryReadRawUntilBrace(out var raw, out var rawSpan);
        Next();
        var spec = word + raw.TrimEnd();
        var interval = ParseInterval(raw.Trim());
        var specSpan = TextSpan.FromBounds(start, rawSpan.Start + raw.TrimEnd().Length);
        if (interval <= 0)
        {
            Report(DiagnosticCode.InvalidInterval, specSpan, $"invalid interval '{Shorten(spec)}': write a positive number and a unit, e.g. {(kind == TimerKind.Tick ? "tick-1s" : "profile-10ms")} (units: s, ms, us, ns, hz)");
        }

        if (!hasBody)
        {
            Report(DiagnosticCode.MissingProbeBody, specSpan, $"expected '{{' after '{Shorten(spec)}'");
        }

        var body = hasBody ? ParseBracedBlock("after the interval") : new BlockSyntax([], new TextSpan(current.Span.Start, 0));
        return new TimerStatementSyntax(kind, spec, interval, body, SpanFrom(start));
    }

    /// <summary>Reads <c>-N unit</c> into nanoseconds; 0 when it is not one.</summary>
    private static long ParseInterval(string text)
    {
        if (text.Length < 2 || text[0] != '-')
        {
            return 0;
        }

        var digits = 1;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits == 1 || !long.TryParse(text.AsSpan(1, digits - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return 0;
        }

        long? unit = text[digits..] switch
        {
            "s" or "sec" => 1_000_000_000,
            "ms" or "msec" => 1_000_000,
            "us" or "usec" => 1_000,
            "ns" or "nsec" => 1,
            "hz" => count is 0 or > 1_000_000_000 ? null : -(1_000_000_000 / count),
            _ => null,
        };

        if (unit is not { } perUnit)
        {
            return 0;
        }

        if (perUnit < 0)
        {
            return -perUnit;
        }

        return count > long.MaxValue / perUnit ? 0 : count * perUnit;
    }
}
