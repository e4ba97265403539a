namespace Ktap.Language.Semantics;

[Flags]
public enum FormatFlags
{
    None = 0,
    LeftAlign = 1,
    Plus = 2,
    Space = 4,
    Alternate = 8,
    ZeroPad = 16,
}

/// <summary>One piece of a printf format: literal text, or a conversion (<see cref="Conversion"/> not '\0').</summary>
public sealed record FormatSegment(string Literal, char Conversion, FormatFlags Flags, int Width, int Precision)
{
    public bool IsLiteral => Conversion == '\0';

    /// <summary>Takes an argument (every conversion but <c>%%</c>, which parses into literal text).</summary>
    public bool TakesArgument => !IsLiteral;
}

/// <summary>
/// printf formats as ktap takes them: <c>%d %i %u %x %X %o %c %s %p %%</c>, flags
/// <c>- + space # 0</c>, width and precision. C length modifiers (<c>%ld</c>, <c>%llu</c>) are
/// accepted and ignored: every ktap number is 64 bits. Parsed once, checked at compile time when
/// the format is a literal, and used by every formatter.
/// </summary>
public static class FormatString
{
    /// <summary>Widths and precisions above this are refused: they only make huge strings.</summary>
    public const int MaxWidth = 4096;

    public static bool TryParse(string format, out List<FormatSegment> segments, out string error)
    {
        segments = [];
        error = string.Empty;
        var literal = new System.Text.StringBuilder();
        var i = 0;
        while (i < format.Length)
        {
            var c = format[i++];
            if (c != '%')
            {
                literal.Append(c);
                continue;
            }

            if (i < format.Length && format[i] == '%')
            {
                literal.Append('%');
                i++;
                continue;
            }

            if (!TryParseConversion(format, ref i, out var segment, out error))
            {
                return false;
            }

            if (literal.Length > 0)
            {
                segments.Add(new FormatSegment(literal.ToString(), '\0', FormatFlags.None, -1, -1));
                literal.Clear();
            }

            segments.Add(segment);
        }

        if (literal.Length > 0)
        {
            segments.Add(new FormatSegment(literal.ToString(), '\0', FormatFlags.None, -1, -1));
        }

        return true;
    }

    public static int ArgumentCount(IEnumerable<FormatSegment> segments) => segments.Count(s => s.TakesArgument);

    private static bool TryParseConversion(string format, ref int i, out FormatSegment segment, out string error)
    {
        var start = i - 1;
        segment = new FormatSegment(string.Empty, '\0', FormatFlags.None, -1, -1);
        error = string.Empty;
        var flags = FormatFlags.None;
        for (; i < format.Length; i++)
        {
            var flag = format[i] switch
            {
                '-' => FormatFlags.LeftAlign,
                '+' => FormatFlags.Plus,
                ' ' => FormatFlags.Space,
                '#' => FormatFlags.Alternate,
                '0' => FormatFlags.ZeroPad,
                _ => FormatFlags.None,
            };
            if (flag == FormatFlags.None)
            {
                break;
            }

            flags |= flag;
        }

        var width = ReadNumber(format, ref i);
        var precision = -1;
        if (i < format.Length && format[i] == '.')
        {
            i++;
            precision = Math.Max(0, ReadNumber(format, ref i));
        }

        if (width > MaxWidth || precision > MaxWidth)
        {
            error = $"width or precision in '{format[start..i]}' is larger than {MaxWidth}";
            return false;
        }

        while (i < format.Length && format[i] is 'l' or 'h' or 'z' or 'j' or 't')
        {
            i++;
        }

        if (i >= format.Length)
        {
            error = $"incomplete conversion '{format[start..]}' at the end of the format";
            return false;
        }

        var conversion = format[i++];
        if (conversion == '%')
        {
            error = $"'{format[start..i]}': '%%' takes no flags, width or precision";
            return false;
        }

        if (conversion is not ('d' or 'i' or 'u' or 'x' or 'X' or 'o' or 'c' or 's' or 'p'))
        {
            var shown = conversion is < ' ' or > '~' ? $"\\x{(int)conversion:x2}" : conversion.ToString();
            error = $"unknown conversion '%{shown}' (use %d %i %u %x %X %o %c %s %p or %%)";
            return false;
        }

        segment = new FormatSegment(string.Empty, conversion, flags, width, precision);
        return true;
    }

    private static int ReadNumber(string format, ref int i)
    {
        var value = -1;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
        {
            value = Math.Min(Math.Max(value, 0) * 10 + (format[i] - '0'), MaxWidth + 1);
            i++;
        }

        return value;
    }
}
