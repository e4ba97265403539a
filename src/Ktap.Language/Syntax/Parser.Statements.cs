using Ktap.Language.Diagnostics;

namespace Ktap.Language.Syntax;

public sealed partial class Parser
{
    private List<StatementSyntax> ParseStatements(TokenKind terminator, TokenKind alsoTerminator = TokenKind.EndOfFile)
    {
        var statements = new List<StatementSyntax>();
        while (current.Kind != terminator && current.Kind != alsoTerminator && current.Kind != TokenKind.EndOfFile)
        {
            var before = current.Span.Start;
            var errorsBefore = diagnostics.Items.Count;
            var statement = ParseStatement();
            if (statement is not null)
            {
                statements.Add(statement);
            }

            if (diagnostics.Items.Count > errorsBefore)
            {
                Recover();
            }

            if (current.Span.Start == before && current.Kind != TokenKind.EndOfFile && current.Kind != terminator)
            {
                // No progress on this token: drop it so the loop always ends.
                Next();
            }
        }

        return statements;
    }

    /// <summary>After an error, skip to a token that can start a statement or close a block.</summary>
    private void Recover()
    {
        while (current.Kind is not (TokenKind.EndOfFile or TokenKind.CloseBrace or TokenKind.Var or TokenKind.Function
            or TokenKind.If or TokenKind.While or TokenKind.For or TokenKind.Repeat or TokenKind.Return or TokenKind.Break
            or TokenKind.Trace or TokenKind.TraceEnd or TokenKind.Do or TokenKind.Until or TokenKind.Semicolon))
        {
            Next();
        }
    }

    private BlockSyntax ParseBracedBlock(string after)
    {
        var start = current.Span.Start;
        if (current.Kind != TokenKind.OpenBrace)
        {
            ReportUnexpected($"'{{' {after}");
            return new BlockSyntax([], new TextSpan(start, 0));
        }

        Next();
        var statements = ParseNestedStatements(TokenKind.CloseBrace);
        Expect(TokenKind.CloseBrace, "'}' to close the block");
        return new BlockSyntax(statements, SpanFrom(start));
    }

    /// <summary>The statements of a nested block, counted against <see cref="MaxDepth"/>.</summary>
    private List<StatementSyntax> ParseNestedStatements(TokenKind terminator)
    {
        if (!Enter())
        {
            return [];
        }

        var statements = ParseStatements(terminator);
        Leave();
        return statements;
    }

    private StatementSyntax? ParseStatement()
    {
        var start = current.Span.Start;
        switch (current.Kind)
        {
            case TokenKind.Semicolon:
                Next();
                return null;
            case TokenKind.Var:
                return ParseVar();
            case TokenKind.Function:
                return ParseFunctionStatement(start);
            case TokenKind.If:
                Next();
                return ParseIf(start);
            case TokenKind.While:
                return ParseWhile();
            case TokenKind.Repeat:
                return ParseRepeat();
            case TokenKind.For:
                return ParseFor();
            case TokenKind.Break:
                Next();
                return new BreakStatementSyntax(SpanFrom(start));
            case TokenKind.Return:
                return ParseReturn();
            case TokenKind.Do:
                Next();
                var doStatements = ParseNestedStatements(TokenKind.End);
                Expect(TokenKind.End, "'end' to close 'do'");
                return new DoStatementSyntax(new BlockSyntax(doStatements, SpanFrom(start)), SpanFrom(start));
            case TokenKind.OpenBrace:
                var block = ParseBracedBlock(string.Empty);
                return new DoStatementSyntax(block, block.Span);
            case TokenKind.Trace:
                return ParseTrace();
            case TokenKind.TraceEnd:
                Next();
                if (current.Kind != TokenKind.OpenBrace)
                {
                    Report(DiagnosticCode.MissingProbeBody, current.Span, $"expected '{{' after 'trace_end' near {Describe(current)}");
                    return null;
                }

                var endBody = ParseBracedBlock("after 'trace_end'");
                return new TraceEndStatementSyntax(endBody, SpanFrom(start));
            case TokenKind.Identifier when current.Text is "tick" or "profile" && lexer.PeekChar() == '-' && peeked is null:
                return ParseTimer();
            default:
                return ParseExpressionStatement();
        }
    }

    private StatementSyntax? ParseVar()
    {
        var start = Next().Span.Start;
        if (current.Kind == TokenKind.Function)
        {
            // 'var function f' is 'function f': the name exists before the body, so f can recurse.
            return ParseFunctionStatement(start);
        }

        var names = new List<NameSyntax> { ParseName("a variable name after 'var'") };
        while (Accept(TokenKind.Comma))
        {
            names.Add(ParseName("a variable name"));
        }

        var values = new List<ExpressionSyntax>();
        if (Accept(TokenKind.Equal))
        {
            values = ParseExpressionList();
        }

        return new VarStatementSyntax(names, values, SpanFrom(start));
    }

    private NameSyntax ParseName(string what)
    {
        var token = current;
        if (token.Kind == TokenKind.Identifier)
        {
            Next();
            return new NameSyntax(token.Text, token.Span);
        }

        if (SyntaxFacts.KeywordKind(token.Text) != TokenKind.Identifier && token.Kind != TokenKind.String)
        {
            Report(DiagnosticCode.UnexpectedToken, token.Span, $"expected {what} near '{token.Text}': '{token.Text}' is a reserved word");
        }
        else
        {
            ReportUnexpected(what);
        }

        return new NameSyntax(string.Empty, new TextSpan(token.Span.Start, 0));
    }

    private FunctionStatementSyntax? ParseFunctionStatement(int start)
    {
        Next();
        var name = ParseName("a function name");
        if (current.Kind is TokenKind.Dot or TokenKind.Colon)
        {
            Report(DiagnosticCode.UnsupportedSyntax, current.Span, "a function name is a plain name: 'function a.b()' and 'function a:b()' are not supported");
            return null;
        }

        var function = ParseFunctionRest(start, name.Name);
        return new FunctionStatementSyntax(name, function, SpanFrom(start));
    }

    private IfStatementSyntax ParseIf(int start)
    {
        var clauses = new List<IfClauseSyntax>();
        var clauseStart = start;
        BlockSyntax? elseBlock = null;
        while (true)
        {
            var condition = ParseExpression();
            var body = ParseBracedBlock("after the condition");
            clauses.Add(new IfClauseSyntax(condition, body, SpanFrom(clauseStart)));
            clauseStart = current.Span.Start;
            if (Accept(TokenKind.Elseif))
            {
                continue;
            }

            if (Accept(TokenKind.Else))
            {
                if (current.Kind == TokenKind.If)
                {
                    // 'else if' reads as 'elseif', as a C or bpftrace user would write it.
                    Next();
                    continue;
                }

                elseBlock = ParseBracedBlock("after 'else'");
            }

            return new IfStatementSyntax(clauses, elseBlock, SpanFrom(start));
        }
    }

    private WhileStatementSyntax ParseWhile()
    {
        var start = Next().Span.Start;
        var condition = ParseExpression();
        var body = ParseBracedBlock("after the condition");
        return new WhileStatementSyntax(condition, body, SpanFrom(start));
    }

    private RepeatStatementSyntax ParseRepeat()
    {
        var start = Next().Span.Start;
        var bodyStart = current.Span.Start;
        var statements = ParseNestedStatements(TokenKind.Until);
        var body = new BlockSyntax(statements, SpanFrom(bodyStart));
        Expect(TokenKind.Until, "'until' to close 'repeat'");
        var condition = ParseExpression();
        return new RepeatStatementSyntax(body, condition, SpanFrom(start));
    }

    private StatementSyntax ParseFor()
    {
        var start = Next().Span.Start;
        var parenthesized = Accept(TokenKind.OpenParen);
        var first = ParseName("a loop variable");
        StatementSyntax result;
        if (Accept(TokenKind.Equal))
        {
            var from = ParseExpression();
            Expect(TokenKind.Comma, "',' between the first and last value of the loop");
            var to = ParseExpression();
            var step = Accept(TokenKind.Comma) ? ParseExpression() : null;
            CloseForHeader(parenthesized);
            var body = ParseBracedBlock("after the loop header");
            result = new NumericForStatementSyntax(first, from, to, step, body, SpanFrom(start));
        }
        else
        {
            var names = new List<NameSyntax> { first };
            while (Accept(TokenKind.Comma))
            {
                names.Add(ParseName("a loop variable"));
            }

            Expect(TokenKind.In, "'=' or 'in' in the loop header");
            var iterator = ParseExpression();
            CloseForHeader(parenthesized);
            var body = ParseBracedBlock("after the loop header");
            result = new ForInStatementSyntax(names, iterator, body, SpanFrom(start));
        }

        return result;
    }

    private void CloseForHeader(bool parenthesized)
    {
        if (parenthesized)
        {
            Expect(TokenKind.CloseParen, "')' to close the loop header");
        }
    }

    private ReturnStatementSyntax ParseReturn()
    {
        var start = Next().Span.Start;
        ExpressionSyntax? value = null;
        if (current.Kind is not (TokenKind.CloseBrace or TokenKind.Semicolon or TokenKind.EndOfFile or TokenKind.End or TokenKind.Until))
        {
            value = ParseExpression();
            if (current.Kind == TokenKind.Comma)
            {
                Report(DiagnosticCode.MultipleReturnValues, current.Span, "a function returns one value at most");
            }
        }

        return new ReturnStatementSyntax(value, SpanFrom(start));
    }

    private StatementSyntax? ParseExpressionStatement()
    {
        var start = current.Span.Start;
        var first = ParseSuffixedExpression();
        switch (current.Kind)
        {
            case TokenKind.Equal:
            case TokenKind.Comma:
                var targets = new List<ExpressionSyntax> { first };
                while (Accept(TokenKind.Comma))
                {
                    targets.Add(ParseSuffixedExpression());
                }

                Expect(TokenKind.Equal, "'=' in the assignment");
                foreach (var target in targets)
                {
                    CheckAssignable(target);
                }

                var values = ParseExpressionList();
                return new AssignmentStatementSyntax(targets, values, SpanFrom(start));
            case TokenKind.PlusEqual:
                Next();
                CheckAssignable(first);
                return new IncrementStatementSyntax(first, ParseExpression(), SpanFrom(start));
            case TokenKind.LessLessLess:
                Next();
                if (first is not IndexExpressionSyntax)
                {
                    Report(DiagnosticCode.InvalidAssignmentTarget, first.Span, "'<<<' records into a table element: t[key] <<< value");
                }

                return new AggregateStatementSyntax(first, ParseExpression(), SpanFrom(start));
            default:
                if (first is CallExpressionSyntax or MethodCallExpressionSyntax)
                {
                    return new CallStatementSyntax(first, SpanFrom(start));
                }

                if (first is NameExpressionSyntax { Name: "local" } && current.Kind == TokenKind.Identifier)
                {
                    Report(DiagnosticCode.UnexpectedToken, first.Span, "ktap declares variables with 'var', not 'local'");
                }
                else if (first is not ErrorExpressionSyntax)
                {
                    ReportUnexpected("'=', '+=' or a call after the expression");
                }

                return null;
        }
    }

    private void CheckAssignable(ExpressionSyntax target)
    {
        if (target is not (NameExpressionSyntax or IndexExpressionSyntax or ErrorExpressionSyntax))
        {
            var what = target is ProbeVariableSyntax probe ? $"'{SyntaxFacts.Name(probe.Variable)}' is read-only" : "only a variable or a table element can be assigned";
            Report(DiagnosticCode.InvalidAssignmentTarget, target.Span, "cannot assign to this expression: " + what);
        }
    }
}
