using System.Globalization;
using System.Text;
using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;

namespace Ktap.Interpreter.Formatting;

/// <summary>
/// ktap's printf with C semantics for every conversion and flag. Formats are parsed once and
/// kept: a handler's printf runs with the same format on every event. It needs nothing of the
/// interpreter, so the session formats a <c>printf</c> record from the kernel with it too. An
/// instance caches what it parsed and is not thread-safe: use one per thread.
/// </summary>
public sealed class PrintfFormatter
{
    private readonly Dictionary<string, List<FormatSegment>> parsed = new(StringComparer.Ordinal);

    /// <summary>Turns an address into a kernel symbol for <c>%p</c>; without one, <c>%p</c> prints hex.</summary>
    public Func<long, string?>? SymbolResolver { get; set; }

    /// <summary>
    /// Formats <paramref name="arguments"/> by <paramref name="format"/>. A bad format, a missing
    /// argument or a conversion given the wrong type throws what <paramref name="error"/> makes of
    /// the message (the interpreter makes a runtime error at the printf's line).
    /// </summary>
    public string Format(string format, ReadOnlySpan<Value> arguments, Func<string, Exception> error)
    {
        if (!parsed.TryGetValue(format, out var segments))
        {
            if (!FormatString.TryParse(format, out segments, out var problem))
            {
                throw error("bad printf format: " + problem);
            }

            parsed.Add(format, segments);
        }

        var builder = new StringBuilder();
        var next = 0;
        foreach (var segment in segments)
        {
            if (segment.IsLiteral)
            {
                builder.Append(segment.Literal);
                continue;
            }

            if (next >= arguments.Length)
            {
                throw error($"bad argument #{next + 2} to 'printf' (no value for %{segment.Conversion})");
            }

            var argument = arguments[next++];
            AppendConversion(builder, segment, argument, next + 1, error);
        }

        return builder.ToString();
    }

    /// <summary>Formats as the other overload does; a problem is a <see cref="FormatException"/> with the message.</summary>
    public string Format(string format, ReadOnlySpan<Value> arguments) =>
        Format(format, arguments, message => new FormatException(message));

    private void AppendConversion(StringBuilder builder, FormatSegment segment, Value argument, int position, Func<string, Exception> error)
    {
        switch (segment.Conversion)
        {
            case 's':
                var text = argument.ToString();
                if (segment.Precision >= 0 && segment.Precision < text.Length)
                {
                    text = text[..segment.Precision];
                }

                Pad(builder, string.Empty, text, segment, allowZeros: false);
                return;
            case 'c':
                var character = ((char)(byte)Number(argument, segment, position, error)).ToString();
                Pad(builder, string.Empty, character, segment, allowZeros: false);
                return;
            case 'p' when SymbolResolver?.Invoke(Number(argument, segment, position, error)) is { } symbol:
                Pad(builder, string.Empty, symbol, segment, allowZeros: false);
                return;
        }

        var number = Number(argument, segment, position, error);
        var (prefix, digits) = segment.Conversion switch
        {
            'd' or 'i' => (Sign(number, segment.Flags), Digits(number < 0 ? 0UL - (ulong)number : (ulong)number, 10, segment.Precision)),
            'u' => (string.Empty, Digits((ulong)number, 10, segment.Precision)),
            'x' => (Alternate(segment, number, "0x"), Digits((ulong)number, 16, segment.Precision)),
            'X' => (Alternate(segment, number, "0X"), Digits((ulong)number, 16, segment.Precision).ToUpperInvariant()),
            'o' => (string.Empty, Octal((ulong)number, segment)),
            _ => ("0x", Digits((ulong)number, 16, segment.Precision)),
        };

        // C ignores the '0' flag when a precision is given for an integer conversion.
        Pad(builder, prefix, digits, segment, allowZeros: segment.Precision < 0);
    }

    private static long Number(Value argument, FormatSegment segment, int position, Func<string, Exception> error) =>
        argument.Kind == ValueKind.Number
            ? argument.AsNumber
            : throw error($"bad argument #{position} to 'printf' (number expected for %{segment.Conversion}, got {argument.TypeName})");

    private static string Sign(long number, FormatFlags flags) =>
        number < 0 ? "-" : flags.HasFlag(FormatFlags.Plus) ? "+" : flags.HasFlag(FormatFlags.Space) ? " " : string.Empty;

    private static string Alternate(FormatSegment segment, long number, string prefix) =>
        segment.Flags.HasFlag(FormatFlags.Alternate) && number != 0 ? prefix : string.Empty;

    private static string Octal(ulong number, FormatSegment segment)
    {
        var digits = Digits(number, 8, segment.Precision);
        return segment.Flags.HasFlag(FormatFlags.Alternate) && !digits.StartsWith('0') ? "0" + digits : digits;
    }

    /// <summary>The digits of a magnitude, at least <paramref name="precision"/> of them (none for 0 at precision 0, as in C).</summary>
    private static string Digits(ulong magnitude, int radix, int precision)
    {
        if (precision == 0 && magnitude == 0)
        {
            return string.Empty;
        }

        var digits = radix switch
        {
            16 => magnitude.ToString("x", CultureInfo.InvariantCulture),
            10 => magnitude.ToString(CultureInfo.InvariantCulture),
            _ => ToOctal(magnitude),
        };
        return precision > digits.Length ? digits.PadLeft(precision, '0') : digits;
    }

    private static string ToOctal(ulong value)
    {
        Span<char> buffer = stackalloc char[22];
        var i = buffer.Length;
        do
        {
            buffer[--i] = (char)('0' + (int)(value & 7));
            value >>= 3;
        }
        while (value != 0);
        return new string(buffer[i..]);
    }

    private static void Pad(StringBuilder builder, string prefix, string body, FormatSegment segment, bool allowZeros)
    {
        var padding = Math.Max(0, segment.Width - prefix.Length - body.Length);
        if (segment.Flags.HasFlag(FormatFlags.LeftAlign))
        {
            builder.Append(prefix).Append(body).Append(' ', padding);
        }
        else if (allowZeros && segment.Flags.HasFlag(FormatFlags.ZeroPad))
        {
            builder.Append(prefix).Append('0', padding).Append(body);
        }
        else
        {
            builder.Append(' ', padding).Append(prefix).Append(body);
        }
    }
}
