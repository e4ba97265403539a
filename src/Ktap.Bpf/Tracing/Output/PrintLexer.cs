using System.Globalization;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>Splits a print format argument (a C expression) into tokens.</summary>
internal static class PrintLexer
{
    // Longest first, so "<<" is not read as two "<".
    private static readonly string[] Punctuators =
    [
        "->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--",
        "(", ")", "[", "]", "{", "}", ",", ";", "?", ":", ".", "+", "-", "*", "/", "%",
        "&", "|", "^", "~", "!", "<", ">", "=",
    ];

    /// <exception cref="PrintFormatException">A character or literal C does not allow here.</exception>
    public static List<PrintToken> Tokenize(string text)
    {
        var tokens = new List<PrintToken>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new PrintToken(PrintTokenKind.Identifier, text[start..i], start));
            }
            else if (char.IsAsciiDigit(c))
            {
                tokens.Add(ReadNumber(text, ref i));
            }
            else if (c == '"')
            {
                var start = i;
                var bytes = ReadQuoted(text, ref i, '"');
                tokens.Add(new PrintToken(PrintTokenKind.String, text[start..i], start) { Bytes = bytes });
            }
            else if (c == '\'')
            {
                // A character constant is an int holding the (signed) char's value.
                var start = i;
                var bytes = ReadQuoted(text, ref i, '\'');
                if (bytes.Length != 1)
                {
                    throw new PrintFormatException($"character constant {text[start..i]} is not one character", start);
                }

                tokens.Add(new PrintToken(PrintTokenKind.Number, text[start..i], start) { Value = (ulong)(long)(sbyte)bytes[0] });
            }
            else
            {
                var punctuator = Array.Find(Punctuators, p => string.CompareOrdinal(text, i, p, 0, p.Length) == 0)
                    ?? throw new PrintFormatException($"unexpected character '{c}'", i);
                tokens.Add(new PrintToken(PrintTokenKind.Punctuator, punctuator, i));
                i += punctuator.Length;
            }
        }

        tokens.Add(new PrintToken(PrintTokenKind.End, string.Empty, text.Length));
        return tokens;
    }

    // C11 6.4.4.1: the type of an integer constant is the first of a list that holds its value;
    // the list depends on the suffix and, for a constant without 'u', on the base (a hex or
    // octal constant may become unsigned, a decimal one stays signed).
    private static PrintToken ReadNumber(string text, ref int i)
    {
        var start = i;
        var radix = 10;
        if (text[i] == '0' && i + 1 < text.Length && text[i + 1] is 'x' or 'X')
        {
            radix = 16;
            i += 2;
        }
        else if (text[i] == '0')
        {
            radix = 8;
        }

        var digitsStart = i;
        while (i < text.Length && Uri.IsHexDigit(text[i]) && (radix == 16 || char.IsAsciiDigit(text[i])))
        {
            i++;
        }

        var digits = text[digitsStart..i];
        var suffixStart = i;
        while (i < text.Length && char.IsAsciiLetterOrDigit(text[i]))
        {
            i++;
        }

        var suffix = text[suffixStart..i].ToLowerInvariant();
        var unsigned = suffix.Contains('u', StringComparison.Ordinal);
        var longs = suffix.Count(ch => ch == 'l');
        if (suffix.Any(ch => ch is not ('u' or 'l')) || longs > 2 || suffix.Count(ch => ch == 'u') > 1 || (digits.Length == 0 && radix == 16))
        {
            throw new PrintFormatException($"malformed number '{text[start..i]}'", start);
        }

        var value = ParseDigits(digits, radix, text[start..i], start);
        CType type;
        if (longs > 0)
        {
            type = unsigned || value > long.MaxValue ? CType.UnsignedLong : CType.Long;
        }
        else if (unsigned)
        {
            type = value <= uint.MaxValue ? CType.UnsignedInt : CType.UnsignedLong;
        }
        else if (value <= int.MaxValue)
        {
            type = CType.Int;
        }
        else if (radix != 10 && value <= uint.MaxValue)
        {
            type = CType.UnsignedInt;
        }
        else
        {
            type = value <= long.MaxValue ? CType.Long : CType.UnsignedLong;
        }

        return new PrintToken(PrintTokenKind.Number, text[start..i], start) { Value = value, Type = type };
    }

    private static ulong ParseDigits(string digits, int radix, string literal, int position)
    {
        if (digits.Length == 0)
        {
            return 0;
        }

        try
        {
            return radix switch
            {
                16 => ulong.Parse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
                8 => Convert.ToUInt64(digits, 8),
                _ => ulong.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture),
            };
        }
        catch (Exception e) when (e is OverflowException or FormatException or ArgumentException)
        {
            throw new PrintFormatException($"malformed number '{literal}'", position);
        }
    }

    /// <summary>Reads a quoted literal starting at the opening quote and decodes C escapes.</summary>
    private static byte[] ReadQuoted(string text, ref int i, char quote)
    {
        var start = i;
        var bytes = new List<byte>();
        i++;
        while (i < text.Length && text[i] != quote)
        {
            if (text[i] != '\\')
            {
                // Format files are ASCII in practice; keep any other character's low byte.
                bytes.Add((byte)text[i]);
                i++;
                continue;
            }

            i++;
            if (i >= text.Length)
            {
                break;
            }

            var escape = text[i++];
            switch (escape)
            {
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case 'v': bytes.Add(11); break;
                case 'x':
                    var hex = 0;
                    while (i < text.Length && Uri.IsHexDigit(text[i]))
                    {
                        hex = (hex * 16) + Convert.ToInt32(text[i].ToString(), 16);
                        i++;
                    }

                    bytes.Add((byte)hex);
                    break;
                case >= '0' and <= '7':
                    var octal = escape - '0';
                    for (var n = 1; n < 3 && i < text.Length && text[i] is >= '0' and <= '7'; n++, i++)
                    {
                        octal = (octal * 8) + (text[i] - '0');
                    }

                    bytes.Add((byte)octal);
                    break;
                default:
                    bytes.Add((byte)escape);
                    break;
            }
        }

        if (i >= text.Length)
        {
            throw new PrintFormatException($"unterminated {(quote == '"' ? "string" : "character")} literal", start);
        }

        i++;
        return [.. bytes];
    }
}
