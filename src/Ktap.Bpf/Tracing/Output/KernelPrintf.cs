using System.Globalization;
using System.Text;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// vsnprintf() of lib/vsprintf.c over computed argument values: each conversion takes the next
/// value (a <c>*</c> width or precision takes one first) and reads it as the type its length
/// modifier says, as the kernel reads its va_list.
/// </summary>
internal static class KernelPrintf
{
    /// <summary>
    /// A width or precision from an argument is clamped here: the kernel's trace_seq holds a
    /// page or two, so a wider field could not be printed whole anyway.
    /// </summary>
    private const int MaxArgumentWidth = 8192;

    public static void Format(StringBuilder output, IReadOnlyList<FormatSpec> specs, IReadOnlyList<PrintValue> arguments, PrintEnvironment environment)
    {
        var next = 0;
        foreach (var spec in specs)
        {
            switch (spec.Kind)
            {
                case ConversionKind.Literal:
                    output.Append(spec.Text);
                    continue;
                case ConversionKind.Percent:
                    output.Append('%');
                    continue;
                case ConversionKind.Invalid:
                    return;
            }

            var resolved = spec;
            if (spec.WidthFromArgument)
            {
                // A negative width from an argument means left-justify (format_decode()).
                var width = (int)Math.Clamp((long)(int)TakeInteger(arguments, ref next), -MaxArgumentWidth, MaxArgumentWidth);
                resolved = width < 0 ? resolved with { Width = -width, Flags = resolved.Flags | FormatFlags.Left } : resolved with { Width = width };
            }

            if (spec.PrecisionFromArgument)
            {
                var precision = (int)Math.Clamp((long)(int)TakeInteger(arguments, ref next), 0, MaxArgumentWidth);
                resolved = resolved with { Precision = precision };
            }

            var value = next < arguments.Count ? arguments[next++] : PrintValue.Unsupported("missing argument");
            Convert(output, resolved, value, environment);
        }
    }

    private static ulong TakeInteger(IReadOnlyList<PrintValue> arguments, ref int next) =>
        next < arguments.Count && arguments[next++] is { Kind: PrintValueKind.Integer } value ? value.Bits : 0;

    private static void Convert(StringBuilder output, FormatSpec spec, PrintValue value, PrintEnvironment environment)
    {
        if (value.IsUnsupported && spec.Kind != ConversionKind.Pointer)
        {
            output.Append(PrintValue.Placeholder(value.Reason!));
            return;
        }

        switch (spec.Kind)
        {
            case ConversionKind.Integer when value.Kind == PrintValueKind.Memory:
                output.Append(PrintValue.Placeholder("address of record data"));
                return;
            case ConversionKind.Integer:
                KernelNumberFormat.AppendNumber(output, Read(value, spec), spec.Flags, spec.Base, spec.Width, spec.Precision);
                return;
            case ConversionKind.Char:
                AppendChar(output, value, spec);
                return;
            case ConversionKind.String:
                AppendString(output, value, spec);
                return;
            case ConversionKind.Pointer:
                PointerFormat.Append(output, value, spec, environment);
                return;
        }
    }

    /// <summary>
    /// The number a conversion reads: 64 bits for <c>l</c>, <c>ll</c>, <c>z</c>, <c>t</c>; else
    /// an int, short or char, sign-extended for <c>%d</c>. An argument of 32 bits or less sits
    /// in a register whose upper half x86-64 code leaves zero, which is what a 64-bit read of it sees.
    /// </summary>
    private static ulong Read(PrintValue value, FormatSpec spec)
    {
        var bits = value.Type.IsInteger && value.Type.Size <= 4 ? value.Bits & uint.MaxValue : value.Bits;
        var signed = spec.Has(FormatFlags.Sign);
        return spec.Size switch
        {
            IntegerSize.Long => bits,
            IntegerSize.Int => signed ? (ulong)(long)(int)bits : (uint)bits,
            IntegerSize.Short => signed ? (ulong)(long)(short)bits : (ushort)bits,
            _ => signed ? (ulong)(long)(sbyte)bits : (byte)bits,
        };
    }

    /// <summary><c>%c</c>: the int argument as an unsigned char, padded with spaces only.</summary>
    private static void AppendChar(StringBuilder output, PrintValue value, FormatSpec spec)
    {
        if (value.Kind != PrintValueKind.Integer)
        {
            output.Append(PrintValue.Placeholder("address of record data"));
            return;
        }

        var padding = spec.Width - 1;
        if (!spec.Has(FormatFlags.Left) && padding > 0)
        {
            output.Append(' ', padding);
        }

        output.Append((char)(byte)value.Bits);
        if (spec.Has(FormatFlags.Left) && padding > 0)
        {
            output.Append(' ', padding);
        }
    }

    /// <summary>
    /// <c>%s</c>: bytes we have print; a kernel address gets the kernel's "(null)" or "(efault)"
    /// where it would, else a placeholder (the string is in kernel memory).
    /// </summary>
    private static void AppendString(StringBuilder output, PrintValue value, FormatSpec spec)
    {
        if (value.Kind == PrintValueKind.Memory)
        {
            KernelNumberFormat.AppendString(output, value.Memory.Span, spec.Flags, spec.Width, spec.Precision);
        }
        else if (PointerFormat.CheckPointer(value.Bits) is { } error)
        {
            KernelNumberFormat.AppendError(output, error, spec.Flags, spec.Width, spec.Precision);
        }
        else
        {
            output.Append(PrintValue.Placeholder(string.Create(CultureInfo.InvariantCulture, $"string at 0x{value.Bits:x}")));
        }
    }
}
