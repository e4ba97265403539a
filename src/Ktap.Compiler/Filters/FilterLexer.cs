using Ktap.Language.Syntax;

namespace Ktap.Compiler.Filters;

internal enum FilterTokenKind
{
    End,
    Identifier,
    Number,
    String,
    EqualEqual,
    BangEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Ampersand,
    AmpersandAmpersand,
    BarBar,
    Tilde,
    Bang,
    OpenParen,
    CloseParen,
    Dot,
}

/// <param name="Text">The token as written; for a string, its content without the quotes.</param>
internal readonly record struct FilterToken(FilterTokenKind Kind, string Text, TextSpan Span);

/// <summary>
/// Splits filter text into tokens the way the kernel's filter parser reads it
/// (kernel/trace/trace_events_filter.c): names of letters, digits and '_'; numbers as an optional
/// '-' and a run of letters and digits (checked later, so "0x1g" is one bad number, not two
/// tokens); strings in double or single quotes with no escapes.
/// </summary>
internal sealed class FilterLexer(string text, int start)
{
    private int position;

    public FilterToken Next()
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }

        if (position >= text.Length)
        {
            return Token(FilterTokenKind.End, position, position);
        }

        var begin = position;
        var c = text[position];
        if (IsWordChar(c) && !char.IsAsciiDigit(c))
        {
            return Token(FilterTokenKind.Identifier, begin, SkipWord(begin));
        }

        if (char.IsAsciiDigit(c) || (c == '-' && position + 1 < text.Length && char.IsAsciiLetterOrDigit(text[position + 1])))
        {
            return Token(FilterTokenKind.Number, begin, SkipWord(begin + 1));
        }

        if (c is '"' or '\'')
        {
            var close = text.IndexOf(c, begin + 1);
            if (close < 0)
            {
                throw new FilterException($"unterminated string: missing the closing {c}", Span(begin, text.Length));
            }

            position = close + 1;
            return new FilterToken(FilterTokenKind.String, text[(begin + 1)..close], Span(begin, position));
        }

        var next = position + 1 < text.Length ? text[position + 1] : '\0';
        var (kind, length) = (c, next) switch
        {
            ('=', '=') => (FilterTokenKind.EqualEqual, 2),
            ('!', '=') => (FilterTokenKind.BangEqual, 2),
            ('<', '=') => (FilterTokenKind.LessEqual, 2),
            ('>', '=') => (FilterTokenKind.GreaterEqual, 2),
            ('&', '&') => (FilterTokenKind.AmpersandAmpersand, 2),
            ('|', '|') => (FilterTokenKind.BarBar, 2),
            ('<', _) => (FilterTokenKind.Less, 1),
            ('>', _) => (FilterTokenKind.Greater, 1),
            ('&', _) => (FilterTokenKind.Ampersand, 1),
            ('~', _) => (FilterTokenKind.Tilde, 1),
            ('!', _) => (FilterTokenKind.Bang, 1),
            ('(', _) => (FilterTokenKind.OpenParen, 1),
            (')', _) => (FilterTokenKind.CloseParen, 1),
            ('.', _) => (FilterTokenKind.Dot, 1),
            ('=', _) => throw new FilterException("'=' is not a filter operator: compare with '=='", Span(begin, begin + 1)),
            ('|', _) => throw new FilterException("'|' is not a filter operator: write '||' for or", Span(begin, begin + 1)),
            _ => throw new FilterException($"unexpected character '{Printable(c)}' in the filter", Span(begin, begin + 1)),
        };
        return Token(kind, begin, begin + length);
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static string Printable(char c) => c is >= ' ' and < '\x7f' ? c.ToString() : $"\\x{(int)c:x2}";

    private int SkipWord(int from)
    {
        var end = from;
        while (end < text.Length && IsWordChar(text[end]))
        {
            end++;
        }

        return end;
    }

    private FilterToken Token(FilterTokenKind kind, int begin, int end)
    {
        position = end;
        return new FilterToken(kind, text[begin..end], Span(begin, end));
    }

    private TextSpan Span(int begin, int end) => TextSpan.FromBounds(start + begin, start + end);
}
