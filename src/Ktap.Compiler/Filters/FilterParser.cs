using Ktap.Compiler.Events;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.Filters;

/// <summary>
/// Parses a probe filter in the kernel's tracepoint filter syntax
/// (Documentation/trace/events.rst, "Event filtering") and resolves its fields against one
/// probe target:
/// <code>
/// filter    := or
/// or        := and ('||' and)*
/// and       := unary ('&amp;&amp;' unary)*            &amp;&amp; binds tighter than ||, as in the kernel
/// unary     := '!' unary | '(' or ')' | predicate
/// predicate := FIELD ['.ustring'] OP VALUE
/// </code>
/// Integer fields take <c>== != &lt; &lt;= &gt; &gt;= &amp;</c> and a number; string fields (<c>char[]</c>,
/// <c>__data_loc char[]</c>, <c>comm</c>, <c>PTR.ustring</c>) take <c>== != ~</c> and a quoted string.
/// </summary>
public static class FilterParser
{
    /// <summary>Parentheses and '!' nest at most this deep, so the emitter may recurse freely.</summary>
    public const int MaxNesting = 100;

    /// <summary>
    /// At most this many predicates: a chain of <c>&amp;&amp;</c> is a tree as deep as it is long,
    /// and the emitter recurses over it.
    /// </summary>
    public const int MaxPredicates = 500;

    /// <summary>The longest string a filter compares with, in bytes.</summary>
    public const int MaxStringLength = FilterLiterals.MaxPatternLength;

    /// <summary>Parses <paramref name="filter"/>; error spans point into <paramref name="source"/>.</summary>
    /// <exception cref="FilterException">The filter is malformed or does not fit the target's fields.</exception>
    public static FilterExpression Parse(FilterSyntax filter, SourceText source, ProbeTarget target)
    {
        // The syntax keeps the text between the slashes trimmed; find where it starts.
        var start = filter.Text.Length == 0
            ? filter.Span.Start + 1
            : source.Text.IndexOf(filter.Text, filter.Span.Start + 1, StringComparison.Ordinal);
        return Parse(filter.Text, start < 0 ? filter.Span.Start + 1 : start, target);
    }

    /// <summary>Parses <paramref name="text"/>, which starts at position <paramref name="start"/> of the script.</summary>
    /// <exception cref="FilterException">The filter is malformed or does not fit the target's fields.</exception>
    public static FilterExpression Parse(string text, int start, ProbeTarget target) =>
        new Reader(new FilterLexer(text, start), target).ParseFilter();

    private sealed class Reader
    {
        private readonly FilterLexer lexer;
        private readonly ProbeTarget target;
        private FilterToken current;
        private int depth;
        private int predicates;

        public Reader(FilterLexer lexer, ProbeTarget target)
        {
            this.lexer = lexer;
            this.target = target;
            current = lexer.Next();
        }

        public FilterExpression ParseFilter()
        {
            if (current.Kind == FilterTokenKind.End)
            {
                throw new FilterException("empty filter", current.Span);
            }

            var expression = ParseOr();
            return current.Kind switch
            {
                FilterTokenKind.End => expression,
                FilterTokenKind.CloseParen => throw new FilterException("unbalanced ')': no '(' to close", current.Span),
                _ => throw Unexpected("'&&', '||' or the end of the filter"),
            };
        }

        private FilterExpression ParseOr()
        {
            var left = ParseAnd();
            while (current.Kind == FilterTokenKind.BarBar)
            {
                Next();
                var right = ParseAnd();
                left = new FilterOr(left, right, left.Span.Cover(right.Span));
            }

            return left;
        }

        private FilterExpression ParseAnd()
        {
            var left = ParseUnary();
            while (current.Kind == FilterTokenKind.AmpersandAmpersand)
            {
                Next();
                var right = ParseUnary();
                left = new FilterAnd(left, right, left.Span.Cover(right.Span));
            }

            return left;
        }

        private FilterExpression ParseUnary()
        {
            var open = current;
            switch (open.Kind)
            {
                case FilterTokenKind.Bang:
                    Enter(open);
                    Next();
                    var operand = ParseUnary();
                    depth--;
                    return new FilterNot(operand, open.Span.Cover(operand.Span));
                case FilterTokenKind.OpenParen:
                    Enter(open);
                    Next();
                    var inner = ParseOr();
                    if (current.Kind != FilterTokenKind.CloseParen)
                    {
                        throw current.Kind == FilterTokenKind.End
                            ? new FilterException("missing ')' to close this '('", open.Span)
                            : Unexpected("'&&', '||' or ')'");
                    }

                    depth--;
                    Next();
                    return inner;
                default:
                    return ParsePredicate();
            }
        }

        private FilterExpression ParsePredicate()
        {
            var name = current;
            if (name.Kind != FilterTokenKind.Identifier)
            {
                throw Unexpected("a field name");
            }

            if (++predicates > MaxPredicates)
            {
                throw new FilterException($"too many predicates in one filter (more than {MaxPredicates})", name.Span);
            }

            var subject = FilterFields.Resolve(target, name);
            Next();
            if (current.Kind == FilterTokenKind.Dot)
            {
                Next();
                if (current.Kind != FilterTokenKind.Identifier)
                {
                    throw Unexpected("'ustring' after the '.'");
                }

                subject = FilterFields.UserString(subject, current);
                Next();
            }

            var op = current;
            if (!IsOperator(op.Kind))
            {
                throw op.Kind == FilterTokenKind.Bang
                    ? new FilterException("'!~' is not a filter operator: write !(field ~ \"glob\")", op.Span)
                    : Unexpected($"a comparison (== != < <= > >= & ~) after '{name.Text}'");
            }

            Next();
            var value = current;
            if (value.Kind is not (FilterTokenKind.Number or FilterTokenKind.String))
            {
                throw value.Kind == FilterTokenKind.Identifier
                    ? new FilterException(
                        subject.IsString
                            ? $"unquoted string '{value.Text}': write it in double quotes"
                            : $"'{value.Text}' is not a number: a filter compares a field with a constant",
                        value.Span)
                    : Unexpected($"a value after '{op.Text}'");
            }

            Next();
            var span = name.Span.Cover(value.Span);
            return subject.IsString ? StringPredicate(subject, op, value, span) : IntegerPredicate(subject, op, value, span);
        }

        private static FilterExpression IntegerPredicate(FilterSubject subject, FilterToken op, FilterToken value, TextSpan span)
        {
            if (op.Kind == FilterTokenKind.Tilde)
            {
                throw new FilterException($"'~' matches strings, and '{subject.Name}' is an integer", op.Span);
            }

            if (value.Kind != FilterTokenKind.Number)
            {
                throw new FilterException($"'{subject.Name}' is an integer: compare it with a number, not a string", value.Span);
            }

            var operation = op.Kind switch
            {
                FilterTokenKind.EqualEqual => IntegerOperator.Equal,
                FilterTokenKind.BangEqual => IntegerOperator.NotEqual,
                FilterTokenKind.Less => IntegerOperator.Less,
                FilterTokenKind.LessEqual => IntegerOperator.LessOrEqual,
                FilterTokenKind.Greater => IntegerOperator.Greater,
                FilterTokenKind.GreaterEqual => IntegerOperator.GreaterOrEqual,
                _ => IntegerOperator.BitAnd,
            };
            return new IntegerPredicate(subject, operation, FilterLiterals.ParseInteger(value, subject), span);
        }

        private static FilterExpression StringPredicate(FilterSubject subject, FilterToken op, FilterToken value, TextSpan span)
        {
            if (op.Kind is not (FilterTokenKind.EqualEqual or FilterTokenKind.BangEqual or FilterTokenKind.Tilde))
            {
                throw new FilterException($"'{op.Text}' compares numbers, and '{subject.Name}' is a string (use ==, != or ~)", op.Span);
            }

            if (value.Kind != FilterTokenKind.String)
            {
                throw new FilterException($"'{subject.Name}' is a string: compare it with a quoted string", value.Span);
            }

            if (op.Kind == FilterTokenKind.Tilde)
            {
                var (match, pattern, negated) = FilterLiterals.ParseGlob(value);
                var glob = new StringPredicate(subject, match, pattern, span);
                return negated ? new FilterNot(glob, span) : glob;
            }

            var exact = new StringPredicate(subject, StringMatch.Exact, FilterLiterals.CheckPattern(value, value.Text), span);
            return op.Kind == FilterTokenKind.BangEqual ? new FilterNot(exact, span) : exact;
        }

        private static bool IsOperator(FilterTokenKind kind) => kind is FilterTokenKind.EqualEqual or FilterTokenKind.BangEqual
            or FilterTokenKind.Less or FilterTokenKind.LessEqual or FilterTokenKind.Greater or FilterTokenKind.GreaterEqual
            or FilterTokenKind.Ampersand or FilterTokenKind.Tilde;

        private void Next() => current = lexer.Next();

        private void Enter(FilterToken token)
        {
            if (++depth > MaxNesting)
            {
                throw new FilterException($"filter nested too deeply (more than {MaxNesting} levels)", token.Span);
            }
        }

        private FilterException Unexpected(string expected) => new(
            current.Kind == FilterTokenKind.End
                ? $"expected {expected} at the end of the filter"
                : $"expected {expected}, found {Describe(current)}",
            current.Span);

        private static string Describe(FilterToken token) =>
            token.Kind == FilterTokenKind.String ? '"' + token.Text + '"' : "'" + token.Text + "'";
    }
}
