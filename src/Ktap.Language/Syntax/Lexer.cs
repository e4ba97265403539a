using System.Text;
using Ktap.Language.Diagnostics;

namespace Ktap.Language.Syntax;

/// <summary>
/// Turns source text into tokens on demand. The parser pulls one token at a time, so it can
/// also ask for raw text (a probe's event spec is not ktap code: it is kept verbatim).
/// </summary>
public sealed class Lexer
{
    private readonly SourceText source;
    private readonly DiagnosticBag diagnostics;
    private readonly string text;
    private int position;

    public Lexer(SourceText source, DiagnosticBag diagnostics)
    {
        this.source = source;
        this.diagnostics = diagnostics;
        text = source.Text;
    }

    /// <summary>Where the next token or raw read starts.</summary>
    public int Position => position;

    public Token NextToken()
    {
        SkipTrivia();
        if (position >= text.Length)
        {
            return new Token(TokenKind.EndOfFile, new TextSpan(text.Length, 0), "<eof>", 0);
        }

        var start = position;
        var c = text[position];
        if (SyntaxFacts.IsIdentifierStart(c))
        {
            return LexIdentifier(start);
        }

        if (c is >= '0' and <= '9')
        {
            return LexNumber(start);
        }

        if (c is '"' or '\'')
        {
            return LexQuotedString(start, c);
        }

        if (c == '[' && LongBracketLevel(position) >= 0)
        {
            var value = LexLongBracket(start, "long string");
            return new Token(TokenKind.String, TextSpan.FromBounds(start, position), value, 0);
        }

        return LexPunctuation(start, c);
    }

    /// <summary>
    /// Reads raw text up to (not including) the next <c>{</c> outside quotes. Returns false, with
    /// the text read, when the end of the file comes first.
    /// </summary>
    public bool TryReadRawUntilBrace(out string raw, out TextSpan span)
    {
        var start = position;
        var quote = '\0';
        while (position < text.Length)
        {
            var c = text[position];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '{')
            {
                break;
            }

            position++;
        }

        span = TextSpan.FromBounds(start, position);
        raw = text[start..position];
        return position < text.Length;
    }

    /// <summary>Gives up on the rest of the text: the next token is the end of the file.</summary>
    public void SkipToEnd() => position = text.Length;

    public char PeekChar() => position < text.Length ? text[position] : '\0';

    private void SkipTrivia()
    {
        while (position < text.Length)
        {
            var c = text[position];
            if (c is ' ' or '\t' or '\r' or '\n' or '\f' or '\v')
            {
                position++;
            }
            else if (c == '#')
            {
                // '#' comments also cover the '#!' line of an executable script.
                SkipToEndOfLine();
            }
            else if (c == '-' && Peek(1) == '-')
            {
                position += 2;
                if (Peek(0) == '[' && LongBracketLevel(position) >= 0)
                {
                    LexLongBracket(position, "long comment");
                }
                else
                {
                    SkipToEndOfLine();
                }
            }
            else
            {
                break;
            }
        }
    }

    private void SkipToEndOfLine()
    {
        var newline = text.IndexOf('\n', position);
        position = newline < 0 ? text.Length : newline;
    }

    private char Peek(int offset) => position + offset < text.Length ? text[position + offset] : '\0';

    private Token LexIdentifier(int start)
    {
        while (position < text.Length && SyntaxFacts.IsIdentifierPart(text[position]))
        {
            position++;
        }

        var name = text[start..position];
        return new Token(SyntaxFacts.KeywordKind(name), TextSpan.FromBounds(start, position), name, 0);
    }

    private Token LexNumber(int start)
    {
        // Like Lua, read everything that could belong to the number, then judge it whole: "1.5",
        // "1e3" and "12ab" are one malformed number, not a number and a name.
        while (position < text.Length && (SyntaxFacts.IsIdentifierPart(text[position]) || text[position] == '.'))
        {
            if (text[position] == '.' && Peek(1) == '.')
            {
                break;
            }

            position++;
        }

        var span = TextSpan.FromBounds(start, position);
        var literal = text[start..position];
        if (!NumberLiteral.TryParse(literal, out var value, out var problem))
        {
            diagnostics.Report(DiagnosticCode.MalformedNumber, source, span, $"malformed number '{Shorten(literal)}': {problem}");
        }

        return new Token(TokenKind.Number, span, literal, value);
    }

    private Token LexQuotedString(int start, char quote)
    {
        position++;
        var builder = new StringBuilder();
        while (true)
        {
            if (position >= text.Length || text[position] == '\n')
            {
                diagnostics.Report(DiagnosticCode.UnfinishedString, source, new TextSpan(start, 1), "unfinished string: missing the closing " + quote);
                break;
            }

            var c = text[position];
            if (c == quote)
            {
                position++;
                break;
            }

            if (c == '\\')
            {
                LexEscape(builder);
            }
            else
            {
                builder.Append(c);
                position++;
            }
        }

        return new Token(TokenKind.String, TextSpan.FromBounds(start, position), builder.ToString(), 0);
    }

    private void LexEscape(StringBuilder builder)
    {
        var start = position;
        position++;
        var c = Peek(0);
        position++;
        switch (c)
        {
            case 'a': builder.Append('\a'); return;
            case 'b': builder.Append('\b'); return;
            case 'f': builder.Append('\f'); return;
            case 'n': builder.Append('\n'); return;
            case 'r': builder.Append('\r'); return;
            case 't': builder.Append('\t'); return;
            case 'v': builder.Append('\v'); return;
            case '\\': builder.Append('\\'); return;
            case '"': builder.Append('"'); return;
            case '\'': builder.Append('\''); return;
            case '\n': builder.Append('\n'); return;
            case '\r':
                builder.Append('\n');
                if (Peek(0) == '\n')
                {
                    position++;
                }

                return;
            case 'z':
                while (position < text.Length && text[position] is ' ' or '\t' or '\r' or '\n' or '\f' or '\v')
                {
                    position++;
                }

                return;
            case 'x':
                if (Uri.IsHexDigit(Peek(0)) && Uri.IsHexDigit(Peek(1)))
                {
                    builder.Append((char)Convert.ToInt32(text.Substring(position, 2), 16));
                    position += 2;
                    return;
                }

                ReportEscape(start, "'\\x' needs two hexadecimal digits");
                return;
            case >= '0' and <= '9':
                var value = c - '0';
                for (var i = 0; i < 2 && Peek(0) is >= '0' and <= '9'; i++)
                {
                    value = (value * 10) + (text[position] - '0');
                    position++;
                }

                if (value > 255)
                {
                    ReportEscape(start, "decimal escape too large (at most \\255)");
                    return;
                }

                builder.Append((char)value);
                return;
            case '\0' when position > text.Length:
                position = text.Length;
                return;
            default:
                ReportEscape(start, $"invalid escape sequence '\\{Printable(c)}'");
                return;
        }
    }

    private void ReportEscape(int start, string message) =>
        diagnostics.Report(DiagnosticCode.InvalidEscape, source, TextSpan.FromBounds(start, Math.Min(position, text.Length)), message);

    /// <summary>The level of a long bracket <c>[==[</c> at <paramref name="at"/>, or -1 if there is none.</summary>
    private int LongBracketLevel(int at)
    {
        var i = at + 1;
        while (i < text.Length && text[i] == '=')
        {
            i++;
        }

        return i < text.Length && text[i] == '[' ? i - at - 1 : -1;
    }

    private string LexLongBracket(int start, string what)
    {
        var level = LongBracketLevel(position);
        position += level + 2;

        // Lua drops a newline that directly follows the opening bracket.
        if (Peek(0) == '\r')
        {
            position++;
        }

        if (Peek(0) == '\n')
        {
            position++;
        }

        var close = "]" + new string('=', level) + "]";
        var end = text.IndexOf(close, position, StringComparison.Ordinal);
        if (end < 0)
        {
            diagnostics.Report(DiagnosticCode.UnfinishedLongBracket, source, new TextSpan(start, level + 2), $"unfinished {what}: missing the closing {close}");
            var rest = text[position..];
            position = text.Length;
            return rest;
        }

        var value = text[position..end];
        position = end + close.Length;
        return value;
    }

    private Token LexPunctuation(int start, char c)
    {
        var (kind, length) = c switch
        {
            '+' => Peek(1) == '=' ? (TokenKind.PlusEqual, 2) : (TokenKind.Plus, 1),
            '-' => (TokenKind.Minus, 1),
            '*' => (TokenKind.Star, 1),
            '/' => (TokenKind.Slash, 1),
            '%' => (TokenKind.Percent, 1),
            '^' => (TokenKind.Caret, 1),
            '.' when Peek(1) == '.' && Peek(2) == '.' => (TokenKind.DotDotDot, 3),
            '.' when Peek(1) == '.' => (TokenKind.DotDot, 2),
            '.' => (TokenKind.Dot, 1),
            '=' => Peek(1) == '=' ? (TokenKind.EqualEqual, 2) : (TokenKind.Equal, 1),
            '!' => Peek(1) == '=' ? (TokenKind.BangEqual, 2) : (TokenKind.Bang, 1),
            '<' when Peek(1) == '<' && Peek(2) == '<' => (TokenKind.LessLessLess, 3),
            '<' => Peek(1) == '=' ? (TokenKind.LessEqual, 2) : (TokenKind.Less, 1),
            '>' => Peek(1) == '=' ? (TokenKind.GreaterEqual, 2) : (TokenKind.Greater, 1),
            '&' when Peek(1) == '&' => (TokenKind.AmpAmp, 2),
            '|' when Peek(1) == '|' => (TokenKind.PipePipe, 2),
            '(' => (TokenKind.OpenParen, 1),
            ')' => (TokenKind.CloseParen, 1),
            '{' => (TokenKind.OpenBrace, 1),
            '}' => (TokenKind.CloseBrace, 1),
            '[' => (TokenKind.OpenBracket, 1),
            ']' => (TokenKind.CloseBracket, 1),
            ',' => (TokenKind.Comma, 1),
            ';' => (TokenKind.Semicolon, 1),
            ':' => (TokenKind.Colon, 1),
            _ => (TokenKind.Bad, 1),
        };

        position += length;
        var span = new TextSpan(start, length);
        var tokenText = text.Substring(start, length);
        if (kind == TokenKind.Bad)
        {
            var hint = c switch
            {
                '&' => ": did you mean '&&'? (ktap has no bitwise operators)",
                '|' => ": did you mean '||'? (ktap has no bitwise operators)",
                '~' => ": did you mean '!='?",
                _ => string.Empty,
            };
            diagnostics.Report(DiagnosticCode.UnexpectedCharacter, source, span, $"unexpected character '{Printable(c)}'{hint}");
        }

        return new Token(kind, span, tokenText, 0);
    }

    private static string Printable(char c) => c is < ' ' or > '~' ? $"\\x{(int)c:x2}" : c.ToString();

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
