using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Language.Tests;

/// <summary>Runs the front end on a snippet and gives the tests what they look at.</summary>
internal static class Compile
{
    public const string FileName = "test.kp";

    public static SourceText Source(string text) => new(FileName, text);

    public static List<Token> Lex(string text, out DiagnosticBag diagnostics)
    {
        diagnostics = new DiagnosticBag();
        var lexer = new Lexer(Source(text), diagnostics);
        var tokens = new List<Token>();
        while (true)
        {
            var token = lexer.NextToken();
            if (token.Kind == TokenKind.EndOfFile)
            {
                return tokens;
            }

            tokens.Add(token);
        }
    }

    public static List<Token> Lex(string text)
    {
        var tokens = Lex(text, out var diagnostics);
        Assert.Empty(diagnostics.Items);
        return tokens;
    }

    public static ScriptSyntax Parse(string text, out DiagnosticBag diagnostics)
    {
        diagnostics = new DiagnosticBag();
        return Parser.Parse(Source(text), diagnostics);
    }

    /// <summary>Parses a script that must have no errors.</summary>
    public static ScriptSyntax Parse(string text)
    {
        var script = Parse(text, out var diagnostics);
        AssertNoErrors(diagnostics);
        return script;
    }

    public static BoundScript Bind(string text, out DiagnosticBag diagnostics)
    {
        diagnostics = new DiagnosticBag();
        var script = Parser.Parse(Source(text), diagnostics);
        return Binder.Bind(script, diagnostics);
    }

    /// <summary>Parses and binds a script that must have no errors.</summary>
    public static BoundScript Bind(string text)
    {
        var bound = Bind(text, out var diagnostics);
        AssertNoErrors(diagnostics);
        return bound;
    }

    /// <summary>The codes reported by parsing and binding, in source order.</summary>
    public static List<DiagnosticCode> Codes(string text)
    {
        Bind(text, out var diagnostics);
        return [.. diagnostics.Sorted().Select(d => d.Code)];
    }

    /// <summary>Asserts the script reports exactly one diagnostic, with this code, and returns it.</summary>
    public static Diagnostic Single(string text, DiagnosticCode code)
    {
        Bind(text, out var diagnostics);
        var diagnostic = Assert.Single(diagnostics.Items);
        Assert.Equal(code, diagnostic.Code);
        return diagnostic;
    }

    /// <summary>The source text a diagnostic's span covers.</summary>
    public static string Covered(Diagnostic diagnostic) => diagnostic.Source.Text.Substring(diagnostic.Span.Start, diagnostic.Span.Length);

    public static string Covered(string text, TextSpan span) => text.Substring(span.Start, span.Length);

    public static void AssertNoErrors(DiagnosticBag diagnostics) =>
        Assert.True(diagnostics.Items.Count == 0, "unexpected diagnostics:\n" + string.Join("\n", diagnostics.Items));

    /// <summary>The first value of the first <c>var</c> statement: parses an expression in context.</summary>
    public static ExpressionSyntax Expression(string expression)
    {
        var script = Parse("var x = " + expression);
        var statement = Assert.IsType<VarStatementSyntax>(Assert.Single(script.Body.Statements));
        return Assert.Single(statement.Values);
    }

    /// <summary>An expression tree in prefix form: <c>(+ a (* b c))</c>.</summary>
    public static string Show(ExpressionSyntax expression) => expression switch
    {
        NameExpressionSyntax e => e.Name,
        NumberLiteralSyntax e => e.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        StringLiteralSyntax e => '"' + e.Value + '"',
        NilLiteralSyntax => "nil",
        BooleanLiteralSyntax e => e.Value ? "true" : "false",
        ProbeVariableSyntax e => SyntaxFacts.Name(e.Variable),
        UnaryExpressionSyntax e => $"({(e.Operator == UnaryOperator.Negate ? "neg" : "!")} {Show(e.Operand)})",
        BinaryExpressionSyntax e => $"({Symbol(e.Operator)} {Show(e.Left)} {Show(e.Right)})",
        IndexExpressionSyntax e => $"(index {Show(e.Target)} {Show(e.Key)})",
        CallExpressionSyntax e => $"(call {Show(e.Callee)}{string.Concat(e.Arguments.Select(a => " " + Show(a)))})",
        MethodCallExpressionSyntax e => $"(method {Show(e.Target)} {e.Method.Name}{string.Concat(e.Arguments.Select(a => " " + Show(a)))})",
        TableConstructorSyntax e => $"{{{string.Join(" ", e.Fields.Select(f => f.Key is null ? Show(f.Value) : $"[{Show(f.Key)}]={Show(f.Value)}"))}}}",
        FunctionExpressionSyntax e => $"(function {e.Name ?? "anonymous"} ({string.Join(" ", e.Parameters.Select(p => p.Name))}))",
        ErrorExpressionSyntax => "<error>",
        _ => expression.GetType().Name,
    };

    private static string Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.Remainder => "%",
        BinaryOperator.Concatenate => "..",
        BinaryOperator.Equal => "==",
        BinaryOperator.NotEqual => "!=",
        BinaryOperator.Less => "<",
        BinaryOperator.LessEqual => "<=",
        BinaryOperator.Greater => ">",
        BinaryOperator.GreaterEqual => ">=",
        BinaryOperator.And => "&&",
        BinaryOperator.Or => "||",
        _ => op.ToString(),
    };
}
