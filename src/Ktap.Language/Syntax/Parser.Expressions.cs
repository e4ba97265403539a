using Ktap.Language.Diagnostics;

namespace Ktap.Language.Syntax;

public sealed partial class Parser
{
    private List<ExpressionSyntax> ParseExpressionList()
    {
        var list = new List<ExpressionSyntax> { ParseExpression() };
        while (Accept(TokenKind.Comma))
        {
            list.Add(ParseExpression());
        }

        return list;
    }

    public ExpressionSyntax ParseExpression() => ParseBinary(Precedence.Or);

    private enum Precedence
    {
        Or,
        And,
        Comparison,
        Concatenation,
        Additive,
        Multiplicative,
        Unary,
    }

    private static (Precedence Level, BinaryOperator Operator)? BinaryOperatorOf(TokenKind kind) => kind switch
    {
        TokenKind.PipePipe => (Precedence.Or, BinaryOperator.Or),
        TokenKind.AmpAmp => (Precedence.And, BinaryOperator.And),
        TokenKind.EqualEqual => (Precedence.Comparison, BinaryOperator.Equal),
        TokenKind.BangEqual => (Precedence.Comparison, BinaryOperator.NotEqual),
        TokenKind.Less => (Precedence.Comparison, BinaryOperator.Less),
        TokenKind.LessEqual => (Precedence.Comparison, BinaryOperator.LessEqual),
        TokenKind.Greater => (Precedence.Comparison, BinaryOperator.Greater),
        TokenKind.GreaterEqual => (Precedence.Comparison, BinaryOperator.GreaterEqual),
        TokenKind.DotDot => (Precedence.Concatenation, BinaryOperator.Concatenate),
        TokenKind.Plus => (Precedence.Additive, BinaryOperator.Add),
        TokenKind.Minus => (Precedence.Additive, BinaryOperator.Subtract),
        TokenKind.Star => (Precedence.Multiplicative, BinaryOperator.Multiply),
        TokenKind.Slash => (Precedence.Multiplicative, BinaryOperator.Divide),
        TokenKind.Percent => (Precedence.Multiplicative, BinaryOperator.Remainder),
        _ => null,
    };

    private ExpressionSyntax ParseBinary(Precedence level)
    {
        if (level == Precedence.Unary)
        {
            return ParseUnary();
        }

        var start = current.Span.Start;
        var left = ParseBinary(level + 1);
        var chained = 0;
        while (BinaryOperatorOf(current.Kind) is { } op && op.Level == level)
        {
            // Every operator of a chain deepens the tree by one; count it like any nesting.
            if (!Enter())
            {
                depth -= chained + 1;
                return left;
            }

            chained++;
            var operatorSpan = Next().Span;

            // '..' is right associative: its right side takes the rest of the chain.
            var right = level == Precedence.Concatenation ? ParseBinary(level) : ParseBinary(level + 1);
            left = new BinaryExpressionSyntax(op.Operator, left, right, operatorSpan, SpanFrom(start));
        }

        depth -= chained;
        return left;
    }

    private ExpressionSyntax ParseUnary()
    {
        var start = current.Span.Start;
        UnaryOperator? op = current.Kind switch
        {
            TokenKind.Minus => UnaryOperator.Negate,
            TokenKind.Bang => UnaryOperator.Not,
            _ => null,
        };

        if (op is not { } unary)
        {
            var operand = ParseSuffixedExpression();
            ReportPower();
            return operand;
        }

        Next();
        if (!Enter())
        {
            return new ErrorExpressionSyntax(SpanFrom(start));
        }

        var inner = ParseUnary();
        Leave();
        return new UnaryExpressionSyntax(unary, inner, SpanFrom(start));
    }

    private void ReportPower()
    {
        if (current.Kind == TokenKind.Caret)
        {
            Report(DiagnosticCode.UnsupportedSyntax, current.Span, "'^' is not supported: ktap has no power operator");
            Next();
            ParseUnary();
        }
    }

    private ExpressionSyntax ParseSuffixedExpression()
    {
        var start = current.Span.Start;
        var expression = ParsePrimary();
        var levels = 0;
        while (current.Kind is TokenKind.Dot or TokenKind.OpenBracket or TokenKind.OpenParen or TokenKind.Colon)
        {
            // Counted before the suffix is parsed: its arguments and keys nest inside it.
            if (!Enter())
            {
                depth -= levels + 1;
                return expression;
            }

            levels++;
            expression = current.Kind switch
            {
                TokenKind.Dot => ParseFieldAccess(expression, start),
                TokenKind.OpenBracket => ParseIndex(expression, start),
                TokenKind.OpenParen => new CallExpressionSyntax(expression, ParseArguments(), SpanFrom(start)),
                _ => ParseMethodCall(expression, start),
            };
        }

        depth -= levels;
        return expression;
    }

    private IndexExpressionSyntax ParseFieldAccess(ExpressionSyntax target, int start)
    {
        Next();

        // After '.' a reserved word is a name too: tracepoint fields are called 'function', 'end', 'in'...
        if (current.Kind != TokenKind.Identifier && current.Kind != TokenKind.String && SyntaxFacts.KeywordKind(current.Text) != TokenKind.Identifier)
        {
            var word = current;
            Next();
            return new IndexExpressionSyntax(target, new StringLiteralSyntax(word.Text, word.Span), SpanFrom(start));
        }

        var name = ParseName("a field name after '.'");
        return new IndexExpressionSyntax(target, new StringLiteralSyntax(name.Name, name.Span), SpanFrom(start));
    }

    private IndexExpressionSyntax ParseIndex(ExpressionSyntax target, int start)
    {
        Next();
        var key = ParseExpression();
        Expect(TokenKind.CloseBracket, "']' to close the index");
        return new IndexExpressionSyntax(target, key, SpanFrom(start));
    }

    private MethodCallExpressionSyntax ParseMethodCall(ExpressionSyntax target, int start)
    {
        Next();
        var name = ParseName("a method name after ':'");
        var arguments = current.Kind == TokenKind.OpenParen ? ParseArguments() : ExpectArguments();
        return new MethodCallExpressionSyntax(target, name, arguments, SpanFrom(start));
    }

    private List<ExpressionSyntax> ExpectArguments()
    {
        ReportUnexpected("'(' to call the method");
        return [];
    }

    private List<ExpressionSyntax> ParseArguments()
    {
        Next();
        var arguments = new List<ExpressionSyntax>();
        if (current.Kind != TokenKind.CloseParen)
        {
            arguments = ParseExpressionList();
        }

        Expect(TokenKind.CloseParen, "')' to close the argument list");
        return arguments;
    }

    private ExpressionSyntax ParsePrimary()
    {
        var token = current;
        switch (token.Kind)
        {
            case TokenKind.Identifier:
                Next();
                return new NameExpressionSyntax(token.Text, token.Span);
            case TokenKind.Number:
                Next();
                return new NumberLiteralSyntax(token.Number, token.Span);
            case TokenKind.String:
                Next();
                return new StringLiteralSyntax(token.Text, token.Span);
            case TokenKind.Nil:
                Next();
                return new NilLiteralSyntax(token.Span);
            case TokenKind.True or TokenKind.False:
                Next();
                return new BooleanLiteralSyntax(token.Kind == TokenKind.True, token.Span);
            case var kind when SyntaxFacts.IsProbeVariable(kind):
                Next();
                return new ProbeVariableSyntax(SyntaxFacts.ToProbeVariable(kind), token.Span);
            case TokenKind.OpenParen:
                return ParseParenthesized();
            case TokenKind.OpenBrace:
                return ParseTableConstructor();
            case TokenKind.Function:
                Next();
                return ParseFunctionRest(token.Span.Start, null);
            case TokenKind.DotDotDot:
                Next();
                Report(DiagnosticCode.UnsupportedSyntax, token.Span, "'...' (variable arguments) is not supported");
                return new ErrorExpressionSyntax(token.Span);
            case TokenKind.Bad:
                // The lexer has already reported the character.
                Next();
                return new ErrorExpressionSyntax(token.Span);
            default:
                Report(DiagnosticCode.ExpectedExpression, token.Span, $"expected an expression near {Describe(token)}");
                return new ErrorExpressionSyntax(new TextSpan(token.Span.Start, 0));
        }
    }

    private ExpressionSyntax ParseParenthesized()
    {
        var start = Next().Span.Start;
        if (!Enter())
        {
            return new ErrorExpressionSyntax(SpanFrom(start));
        }

        var inner = ParseExpression();
        Leave();
        Expect(TokenKind.CloseParen, "')' to close the parenthesis");
        return inner;
    }

    private TableConstructorSyntax ParseTableConstructor()
    {
        var start = Next().Span.Start;
        var fields = new List<TableFieldSyntax>();
        if (!Enter())
        {
            return new TableConstructorSyntax(fields, SpanFrom(start));
        }

        while (current.Kind is not (TokenKind.CloseBrace or TokenKind.EndOfFile))
        {
            var fieldStart = current.Span.Start;
            if (current.Kind == TokenKind.OpenBracket)
            {
                Next();
                var key = ParseExpression();
                Expect(TokenKind.CloseBracket, "']' to close the key");
                Expect(TokenKind.Equal, "'=' after the key");
                fields.Add(new TableFieldSyntax(key, ParseExpression(), SpanFrom(fieldStart)));
            }
            else if (current.Kind == TokenKind.Identifier && Peek().Kind == TokenKind.Equal)
            {
                var name = Next();
                Next();
                fields.Add(new TableFieldSyntax(new StringLiteralSyntax(name.Text, name.Span), ParseExpression(), SpanFrom(fieldStart)));
            }
            else
            {
                fields.Add(new TableFieldSyntax(null, ParseExpression(), SpanFrom(fieldStart)));
            }

            if (!Accept(TokenKind.Comma) && !Accept(TokenKind.Semicolon))
            {
                break;
            }
        }

        Leave();
        Expect(TokenKind.CloseBrace, "'}' to close the table");
        return new TableConstructorSyntax(fields, SpanFrom(start));
    }

    /// <summary>Parses <c>(params) { body }</c> after <c>function [name]</c>.</summary>
    private FunctionExpressionSyntax ParseFunctionRest(int start, string? name)
    {
        var parameters = new List<NameSyntax>();
        Expect(TokenKind.OpenParen, "'(' to open the parameter list");
        if (current.Kind != TokenKind.CloseParen)
        {
            do
            {
                if (current.Kind == TokenKind.DotDotDot)
                {
                    Report(DiagnosticCode.UnsupportedSyntax, current.Span, "'...' (variable arguments) is not supported");
                    Next();
                    break;
                }

                parameters.Add(ParseName("a parameter name"));
            }
            while (Accept(TokenKind.Comma));
        }

        Expect(TokenKind.CloseParen, "')' to close the parameter list");
        var body = ParseBracedBlock("to open the function body");
        return new FunctionExpressionSyntax(name, parameters, body, SpanFrom(start));
    }
}
