using System.Globalization;
using System.Text;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// The calls a format file's print format makes: the TRACE_EVENT helpers of
/// include/trace/stages/stage3_trace_output.h (<c>__get_str</c>, <c>__print_flags</c>, ...),
/// which the kernel's output functions in kernel/trace/trace_output.c carry out, and the few
/// compiler built-ins and kernel functions that survive macro expansion.
/// </summary>
internal static class PrintHelpers
{
    private static readonly HashSet<string> FieldNameHelpers = new(StringComparer.Ordinal)
    {
        "__get_str", "__get_rel_str", "__get_dynamic_array", "__get_rel_dynamic_array",
        "__get_dynamic_array_len", "__get_rel_dynamic_array_len", "__get_bitmask", "__get_rel_bitmask",
        "__get_cpumask", "__get_rel_cpumask", "__get_sockaddr", "__get_rel_sockaddr",
    };

    private static readonly HashSet<string> ValueHelpers = new(StringComparer.Ordinal)
    {
        "__print_flags", "__print_flags_u64", "__print_symbolic", "__print_symbolic_u64",
        "__print_hex", "__print_hex_str", "__print_array", "__builtin_expect", "__builtin_constant_p",
        "jiffies_to_msecs",
    };

    public static bool IsKnown(string function) => FieldNameHelpers.Contains(function) || ValueHelpers.Contains(function);

    /// <summary>Whether the helper's argument names a field (<c>__get_str(filename)</c>) rather than being a value.</summary>
    public static bool TakesFieldName(string function) => FieldNameHelpers.Contains(function);

    public static PrintValue Call(CallExpression call, PrintEvaluator evaluator)
    {
        var arguments = call.Arguments;
        if (TakesFieldName(call.Function))
        {
            return arguments is [BoundField field] ? DynamicField(call.Function, field, evaluator) : Wrong(call);
        }

        switch (call.Function)
        {
            case "__print_flags" or "__print_flags_u64" when arguments.Count >= 2:
                return Flags(evaluator, arguments);
            case "__print_symbolic" or "__print_symbolic_u64" when arguments.Count >= 1:
                return Symbolic(evaluator, arguments);
            case "__print_hex" or "__print_hex_str" when arguments.Count == 2:
                return Hex(evaluator, arguments, concatenate: call.Function == "__print_hex_str");
            case "__print_array" when arguments.Count == 3:
                return Array(evaluator, arguments);
            case "__builtin_expect" when arguments.Count == 2:
                return evaluator.Evaluate(arguments[0]);
            case "__builtin_constant_p" when arguments.Count == 1:
                // Only ever true for compile-time constants, and the kernel's compiler has
                // already chosen the branch that a format file shows both sides of.
                return PrintValue.Integer(0, CType.Int);
            case "jiffies_to_msecs" when arguments.Count == 1:
                return JiffiesToMilliseconds(evaluator, arguments[0]);
            default:
                return Wrong(call);
        }
    }

    private static PrintValue Wrong(CallExpression call) => PrintValue.Unsupported($"{call.Function}() with these arguments");

    /// <summary>
    /// A <c>__data_loc</c> or <c>__rel_loc</c> field: a u32 whose low 16 bits are the offset of
    /// its data (from the record start, or for <c>__rel_loc</c> from the end of the u32) and
    /// whose high 16 bits are its length.
    /// </summary>
    private static PrintValue DynamicField(string helper, BoundField bound, PrintEvaluator evaluator)
    {
        var field = bound.Field;
        if (field.Storage == FieldStorage.Inline)
        {
            return PrintValue.Unsupported($"{helper}({field.Name}) of a field that is not dynamic");
        }

        var location = (uint)PrintEvaluator.ReadInteger(evaluator.RecordFrom(field.Offset).Span, 4);
        var length = (int)(location >> 16);
        var offset = (int)(location & 0xffff) + (field.Storage == FieldStorage.RelLoc ? field.Offset + 4 : 0);
        var helperName = helper.Replace("_rel", string.Empty, StringComparison.Ordinal);
        if (helperName == "__get_dynamic_array_len")
        {
            return PrintValue.Integer((ulong)length, CType.UnsignedInt);
        }

        // The kernel would read whatever memory is there; we have only the record.
        if (offset + length > evaluator.Record.Length)
        {
            return PrintValue.Unsupported("pointer outside the record");
        }

        var data = evaluator.RecordFrom(offset);
        return helperName switch
        {
            // trace_print_bitmask_seq(): the bitmap's bytes, printed as "%*pb" of len * 8 bits.
            "__get_bitmask" or "__get_cpumask" => PrintValue.Text(BitmapFormat.Hex(data.Span[..length], length * 8)),
            "__get_str" => PrintValue.Pointer(data, CType.CharPointer),
            _ => PrintValue.Pointer(data, CType.PointerTo(PrintExpressionBinder.ElementType(field))),
        };
    }

    /// <summary>
    /// trace_print_flags_seq(): the names of the table's masks that are wholly set, in table
    /// order, each clearing its bits, joined by the delimiter; what is left over as <c>0x%lx</c>.
    /// Nothing at all for 0.
    /// </summary>
    private static PrintValue Flags(PrintEvaluator evaluator, IReadOnlyList<PrintExpression> arguments)
    {
        var value = evaluator.Evaluate(arguments[0]);
        if (value.Kind != PrintValueKind.Integer)
        {
            return Passed(value);
        }

        var delimiterValue = evaluator.Evaluate(arguments[1]);
        var delimiter = delimiterValue.Kind == PrintValueKind.Memory ? Latin1(delimiterValue.StringBytes()) : null;
        var flags = value.Bits;
        var text = new StringBuilder();
        var first = true;
        foreach (var (mask, name) in Table(evaluator, arguments))
        {
            if (flags == 0)
            {
                break;
            }

            if ((flags & mask) != mask)
            {
                continue;
            }

            flags &= ~mask;
            if (!first && delimiter is not null)
            {
                text.Append(delimiter);
            }

            first = false;
            text.Append(name);
        }

        if (flags != 0)
        {
            if (!first && delimiter is not null)
            {
                text.Append(delimiter);
            }

            text.Append(KernelNumberFormat.Hex(flags));
        }

        return PrintValue.Text(text.ToString());
    }

    /// <summary>trace_print_symbols_seq(): the name of the first entry equal to the value, else <c>0x%lx</c>.</summary>
    private static PrintValue Symbolic(PrintEvaluator evaluator, IReadOnlyList<PrintExpression> arguments)
    {
        var value = evaluator.Evaluate(arguments[0]);
        if (value.Kind != PrintValueKind.Integer)
        {
            return Passed(value);
        }

        foreach (var (key, name) in Table(evaluator, arguments))
        {
            if (key == value.Bits)
            {
                return PrintValue.Text(name);
            }
        }

        return PrintValue.Text(KernelNumberFormat.Hex(value.Bits));
    }

    /// <summary>
    /// The <c>{ value, "name" }</c> entries after the first argument (and, for flags, the
    /// delimiter). An entry whose value cannot be computed (an enum constant we could not
    /// resolve) is left out: the kernel knew its value, we can only not match it.
    /// </summary>
    private static IEnumerable<(ulong Value, string Name)> Table(PrintEvaluator evaluator, IReadOnlyList<PrintExpression> arguments)
    {
        foreach (var argument in arguments)
        {
            if (argument is InitializerList { Items: [var key, var name] }
                && evaluator.Evaluate(key) is { Kind: PrintValueKind.Integer } value
                && evaluator.Evaluate(name) is { Kind: PrintValueKind.Memory } text)
            {
                yield return (value.Bits, Latin1(text.StringBytes()));
            }
        }
    }

    /// <summary>
    /// trace_print_hex_seq(): the bytes in hex, 16 at a time with <c>%*ph</c> (bytes separated
    /// by spaces, nothing between two runs of 16) or <c>%*phN</c> (no separator at all).
    /// </summary>
    private static PrintValue Hex(PrintEvaluator evaluator, IReadOnlyList<PrintExpression> arguments, bool concatenate)
    {
        var buffer = evaluator.Evaluate(arguments[0]);
        var lengthValue = evaluator.Evaluate(arguments[1]);
        if (buffer.Kind != PrintValueKind.Memory || lengthValue.Kind != PrintValueKind.Integer)
        {
            return buffer.Kind == PrintValueKind.Memory ? Passed(lengthValue) : Passed(buffer);
        }

        var bytes = buffer.Memory.Span;
        var length = (int)Math.Max(0, (long)lengthValue.Bits);
        if (length > bytes.Length)
        {
            return PrintValue.Unsupported("pointer outside the record");
        }

        var text = new StringBuilder(length * 3);
        for (var i = 0; i < length; i++)
        {
            if (!concatenate && i % 16 != 0)
            {
                text.Append(' ');
            }

            text.Append(bytes[i].ToString("x2", CultureInfo.InvariantCulture));
        }

        return PrintValue.Text(text.ToString());
    }

    /// <summary>
    /// trace_print_array_seq(): <c>{0x1,0x2}</c>, each element in hex by its size (1, 2, 4 or
    /// 8 bytes); another size prints <c>BAD SIZE:n 0x..</c> of its first byte and goes on a byte at a time.
    /// </summary>
    private static PrintValue Array(PrintEvaluator evaluator, IReadOnlyList<PrintExpression> arguments)
    {
        var array = evaluator.Evaluate(arguments[0]);
        var count = evaluator.Evaluate(arguments[1]);
        var elementSize = evaluator.Evaluate(arguments[2]);
        if (array.Kind != PrintValueKind.Memory || count.Kind != PrintValueKind.Integer || elementSize.Kind != PrintValueKind.Integer)
        {
            return Passed(array.Kind != PrintValueKind.Memory ? array : count.Kind != PrintValueKind.Integer ? count : elementSize);
        }

        var bytes = array.Memory.Span;
        var size = (long)elementSize.Bits;
        var end = Math.Clamp((long)(int)count.Bits * size, 0, bytes.Length);
        var text = new StringBuilder("{");
        var prefix = string.Empty;
        for (long position = 0; position < end;)
        {
            var element = bytes[(int)position..];
            if (size is 1 or 2 or 4 or 8)
            {
                text.Append(prefix).Append(KernelNumberFormat.Hex(PrintEvaluator.ReadInteger(element, (int)size)));
            }
            else
            {
                text.Append(prefix).Append(CultureInfo.InvariantCulture, $"BAD SIZE:{size} 0x{element[0]:x}");
                size = 1;
            }

            prefix = ",";
            position += size;
        }

        return PrintValue.Text(text.Append('}').ToString());
    }

    /// <summary>
    /// jiffies_to_msecs() (kernel/time/time.c) for the running kernel's HZ: exact when HZ
    /// divides 1000 or 1000 divides HZ, rounded up in between.
    /// </summary>
    private static PrintValue JiffiesToMilliseconds(PrintEvaluator evaluator, PrintExpression argument)
    {
        var jiffies = evaluator.Evaluate(argument);
        if (jiffies.Kind != PrintValueKind.Integer)
        {
            return Passed(jiffies);
        }

        var hz = evaluator.Environment.Hz ?? 0;
        if (hz <= 0)
        {
            return PrintValue.Unsupported("jiffies_to_msecs() without CONFIG_HZ");
        }

        var j = jiffies.Bits & uint.MaxValue;
        var milliseconds = 1000 % hz == 0 ? j * (ulong)(1000 / hz)
            : hz % 1000 == 0 ? (j + (ulong)(hz / 1000) - 1) / (ulong)(hz / 1000)
            : ((j * 1000) + (ulong)hz - 1) / (ulong)hz;
        return PrintValue.Integer(milliseconds, CType.UnsignedInt);
    }

    /// <summary>An argument that is not what the helper needs: its own placeholder, or a generic one.</summary>
    private static PrintValue Passed(PrintValue value) =>
        value.IsUnsupported ? value : PrintValue.Unsupported("argument of an unexpected kind");

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
