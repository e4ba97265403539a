using System.Text;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// A print format's C format string split into literal text and conversions, once, the way the
/// kernel's format_decode() (lib/vsprintf.c) reads it: flags <c>-+ #0</c>, a width or <c>*</c>,
/// a precision or <c>.*</c>, the length modifiers <c>hh h l ll L z t</c>, then one of
/// <c>c s p % o x X d i u</c>. For <c>%p</c> the letters and digits after it are its extension.
/// </summary>
internal static class PrintFormatString
{
    public static IReadOnlyList<FormatSpec> Parse(string format)
    {
        var specs = new List<FormatSpec>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < format.Length)
        {
            if (format[i] != '%')
            {
                literal.Append(format[i++]);
                continue;
            }

            if (literal.Length > 0)
            {
                specs.Add(new FormatSpec(ConversionKind.Literal, literal.ToString()));
                literal.Clear();
            }

            var spec = ParseConversion(format, ref i);
            specs.Add(spec);
            if (spec.Kind == ConversionKind.Invalid)
            {
                // vsnprintf() gives up at a conversion it does not know: nothing after it prints.
                return specs;
            }
        }

        if (literal.Length > 0)
        {
            specs.Add(new FormatSpec(ConversionKind.Literal, literal.ToString()));
        }

        return specs;
    }

    private static FormatSpec ParseConversion(string format, ref int i)
    {
        var start = i++;
        var flags = FormatFlags.None;
        for (; i < format.Length; i++)
        {
            var flag = format[i] switch
            {
                '-' => FormatFlags.Left,
                '+' => FormatFlags.Plus,
                ' ' => FormatFlags.Space,
                '#' => FormatFlags.Special,
                '0' => FormatFlags.ZeroPad,
                _ => FormatFlags.None,
            };
            if (flag == FormatFlags.None)
            {
                break;
            }

            flags |= flag;
        }

        var width = -1;
        var widthFromArgument = false;
        if (i < format.Length && format[i] == '*')
        {
            widthFromArgument = true;
            i++;
        }
        else
        {
            width = ReadNumber(format, ref i) ?? -1;
        }

        var precision = -1;
        var precisionFromArgument = false;
        if (i < format.Length && format[i] == '.')
        {
            i++;
            if (i < format.Length && format[i] == '*')
            {
                precisionFromArgument = true;
                i++;
            }
            else
            {
                // "%.s" has no precision at all: the kernel reads one only when digits follow.
                precision = ReadNumber(format, ref i) ?? -1;
            }
        }

        var size = IntegerSize.Int;
        if (i < format.Length && format[i] is 'h' or 'l' or 'L' or 'z' or 't')
        {
            var qualifier = format[i++];
            var doubled = i < format.Length && format[i] == qualifier && qualifier is 'h' or 'l';
            if (doubled)
            {
                i++;
            }

            size = qualifier == 'h' ? doubled ? IntegerSize.Byte : IntegerSize.Short : IntegerSize.Long;
        }

        if (i >= format.Length)
        {
            return new FormatSpec(ConversionKind.Invalid, format[start..i]);
        }

        var conversion = format[i++];
        var spec = new FormatSpec(ConversionKind.Integer, string.Empty, flags, width, widthFromArgument, precision, precisionFromArgument, size);
        switch (conversion)
        {
            case 'c':
                spec = spec with { Kind = ConversionKind.Char };
                break;
            case 's':
                spec = spec with { Kind = ConversionKind.String };
                break;
            case '%':
                spec = spec with { Kind = ConversionKind.Percent };
                break;
            case 'p':
                var extensionStart = i;
                while (i < format.Length && char.IsAsciiLetterOrDigit(format[i]))
                {
                    i++;
                }

                spec = spec with { Kind = ConversionKind.Pointer, PointerExtension = format[extensionStart..i] };
                break;
            case 'o':
                spec = spec with { Base = 8 };
                break;
            case 'x':
                spec = spec with { Base = 16, Flags = flags | FormatFlags.Small };
                break;
            case 'X':
                spec = spec with { Base = 16 };
                break;
            case 'd' or 'i':
                spec = spec with { Flags = flags | FormatFlags.Sign };
                break;
            case 'u':
                break;
            default:
                return new FormatSpec(ConversionKind.Invalid, format[start..i]);
        }

        return spec with { Text = format[start..i] };
    }

    private static int? ReadNumber(string format, ref int i)
    {
        if (i >= format.Length || !char.IsAsciiDigit(format[i]))
        {
            return null;
        }

        var value = 0;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
        {
            // The kernel keeps widths in 24 bits; a longer one is nonsense either way.
            value = Math.Min((value * 10) + (format[i++] - '0'), (1 << 23) - 1);
        }

        return value;
    }
}
