using Ktap.Language.Diagnostics;

namespace Ktap.Language.Syntax;

/// <summary>
/// Recursive-descent parser for the ktap language (LANGUAGE.md §1–§4). It reports errors and
/// recovers at the next statement, so one run shows several errors.
/// </summary>
public sealed partial class Parser
{
    /// <summary>ktap's limit on nesting (blocks, parentheses, calls, operator chains).</summary>
    public const int MaxDepth = 200;

    private readonly SourceText source;
    private readonly DiagnosticBag diagnostics;
    private readonly Lexer lexer;
    private Token current;
    private Token? peeked;
    private int depth;

    /// <summary>Set after a nesting error: everything after it is skipped without more reports.</summary>
    private bool abandoned;

    private Parser(SourceText source, DiagnosticBag diagnostics)
    {
        this.source = source;
        this.diagnostics = diagnostics;
        lexer = new Lexer(source, diagnostics);
        current = lexer.NextToken();
    }

    public static ScriptSyntax Parse(SourceText source, DiagnosticBag diagnostics)
    {
        var parser = new Parser(source, diagnostics);
        var statements = parser.ParseStatements(TokenKind.EndOfFile);
        var body = new BlockSyntax(statements, new TextSpan(0, source.Length));
        return new ScriptSyntax(source, body);
    }

    private Token Next()
    {
        var previous = current;
        PreviousEnd = previous.Span.End;
        if (peeked is { } token)
        {
            current = token;
            peeked = null;
        }
        else
        {
            current = lexer.NextToken();
        }

        return previous;
    }

    private Token Peek() => peeked ??= lexer.NextToken();

    private bool Accept(TokenKind kind)
    {
        if (current.Kind != kind)
        {
            return false;
        }

        Next();
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (current.Kind == kind)
        {
            return Next();
        }

        ReportUnexpected(what);
        return new Token(kind, new TextSpan(current.Span.Start, 0), string.Empty, 0);
    }

    private void ReportUnexpected(string expected) =>
        Report(DiagnosticCode.UnexpectedToken, current.Span, $"expected {expected} near {Describe(current)}");

    private void Report(DiagnosticCode code, TextSpan span, string message)
    {
        if (!abandoned)
        {
            diagnostics.Report(code, source, span, message);
        }
    }

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.EndOfFile => "the end of the file",
        TokenKind.String => "a string",
        TokenKind.Number => $"'{Shorten(token.Text)}'",
        _ => $"'{Shorten(token.Text)}'",
    };

    private static string Shorten(string text) => text.Length <= 30 ? text : text[..30] + "...";

    /// <summary>Counts one level of nesting; false (after one report) when the limit is passed.</summary>
    private bool Enter()
    {
        depth++;
        if (depth <= MaxDepth)
        {
            return true;
        }

        if (!abandoned)
        {
            Report(DiagnosticCode.NestingTooDeep, current.Span, $"nesting too deep: more than {MaxDepth} levels of blocks, parentheses or operators");
            abandoned = true;
        }

        SkipToEnd();
        return false;
    }

    private void Leave() => depth--;

    private void SkipToEnd()
    {
        peeked = null;
        lexer.SkipToEnd();
        current = lexer.NextToken();
    }

    private TextSpan SpanFrom(int start) => TextSpan.FromBounds(start, Math.Max(start, PreviousEnd));

    /// <summary>The end of the last consumed token.</summary>
    private int PreviousEnd { get; set; }
}
