using System.Text;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// Numbers and strings padded the way lib/vsprintf.c's number(), string_nocheck() and
/// widen_string() do it, which is not quite C's printf: <c>%#x</c> of 0 is <c>0x0</c>, a
/// precision never suppresses a zero, and a <c>0x</c> prefix counts towards the width.
/// Text is Latin-1: one char per byte.
/// </summary>
internal static class KernelNumberFormat
{
    private const string UpperDigits = "0123456789ABCDEF";

    public static void AppendNumber(StringBuilder output, ulong number, FormatFlags flags, int numberBase, int width, int precision)
    {
        var needPrefix = (flags & FormatFlags.Special) != 0 && numberBase != 10;
        var isZero = number == 0;
        var lowerCase = (flags & FormatFlags.Small) != 0;
        if ((flags & FormatFlags.Left) != 0)
        {
            flags &= ~FormatFlags.ZeroPad;
        }

        var sign = '\0';
        if ((flags & FormatFlags.Sign) != 0)
        {
            if ((long)number < 0)
            {
                sign = '-';
                number = 0ul - number;
                width--;
            }
            else if ((flags & FormatFlags.Plus) != 0)
            {
                sign = '+';
                width--;
            }
            else if ((flags & FormatFlags.Space) != 0)
            {
                sign = ' ';
                width--;
            }
        }

        if (needPrefix)
        {
            width -= numberBase == 16 ? 2 : isZero ? 0 : 1;
        }

        Span<char> digits = stackalloc char[24];
        var count = 0;
        do
        {
            var digit = UpperDigits[(int)(number % (ulong)numberBase)];
            digits[count++] = lowerCase ? char.ToLowerInvariant(digit) : digit;
            number /= (ulong)numberBase;
        }
        while (number != 0);

        // Printing 100 with "%2d" gives "100": the digits win over the precision.
        precision = Math.Max(precision, count);
        width -= precision;
        if ((flags & (FormatFlags.ZeroPad | FormatFlags.Left)) == 0)
        {
            Pad(output, ' ', width);
            width = 0;
        }

        if (sign != '\0')
        {
            output.Append(sign);
        }

        if (needPrefix)
        {
            if (numberBase == 16 || !isZero)
            {
                output.Append('0');
            }

            if (numberBase == 16)
            {
                output.Append(lowerCase ? 'x' : 'X');
            }
        }

        if ((flags & FormatFlags.Left) == 0)
        {
            Pad(output, (flags & FormatFlags.ZeroPad) != 0 ? '0' : ' ', width);
            width = 0;
        }

        Pad(output, '0', precision - count);
        for (var i = count - 1; i >= 0; i--)
        {
            output.Append(digits[i]);
        }

        Pad(output, ' ', width);
    }

    /// <summary>
    /// <c>%s</c> of bytes we have: at most <paramref name="precision"/> of them (all when
    /// negative), stopping at a NUL, then padded to <paramref name="width"/>.
    /// </summary>
    public static void AppendString(StringBuilder output, ReadOnlySpan<byte> text, FormatFlags flags, int width, int precision)
    {
        var end = text.IndexOf((byte)0);
        var length = end < 0 ? text.Length : end;
        if (precision >= 0)
        {
            length = Math.Min(length, precision);
        }

        var padding = width - length;
        if ((flags & FormatFlags.Left) == 0)
        {
            Pad(output, ' ', padding);
        }

        foreach (var b in text[..length])
        {
            output.Append((char)b);
        }

        if ((flags & FormatFlags.Left) != 0)
        {
            Pad(output, ' ', padding);
        }
    }

    /// <summary>Text the formatter made (a symbol name, an address), padded like a string.</summary>
    public static void AppendString(StringBuilder output, string text, FormatFlags flags, int width, int precision)
    {
        var length = precision >= 0 ? Math.Min(text.Length, precision) : text.Length;
        var padding = width - length;
        if ((flags & FormatFlags.Left) == 0)
        {
            Pad(output, ' ', padding);
        }

        output.Append(text, 0, length);
        if ((flags & FormatFlags.Left) != 0)
        {
            Pad(output, ' ', padding);
        }
    }

    /// <summary>
    /// error_string(): the kernel's "(null)", "(efault)", "(einval)" and the like, cut to 16
    /// characters unless the conversion gave a precision.
    /// </summary>
    public static void AppendError(StringBuilder output, string message, FormatFlags flags, int width, int precision) =>
        AppendString(output, message, flags, width, precision < 0 ? 16 : precision);

    /// <summary>special_hex_number(): <c>0x</c> and exactly two digits per byte of <paramref name="size"/>.</summary>
    public static void AppendSpecialHex(StringBuilder output, ulong number, int size) =>
        AppendNumber(output, number, FormatFlags.Special | FormatFlags.Small | FormatFlags.ZeroPad, 16, 2 + (2 * size), -1);

    /// <summary><c>0x%lx</c>: how trace_print_flags_seq() and the symbol printers write a bare value.</summary>
    public static string Hex(ulong number) => "0x" + number.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    private static void Pad(StringBuilder output, char c, int count)
    {
        if (count > 0)
        {
            output.Append(c, count);
        }
    }
}
