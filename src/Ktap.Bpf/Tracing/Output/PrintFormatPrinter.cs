using System.Text;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// An event printed by its print format, as trace_raw_output_##call() does with
/// trace_event_printf(): the format string parsed and the arguments parsed and bound once;
/// printing a record evaluates the arguments and formats them.
/// </summary>
internal sealed class PrintFormatPrinter : IRecordPrinter
{
    /// <summary>How much of an argument that cannot be parsed its placeholder quotes.</summary>
    private const int QuotedLength = 40;

    private readonly IReadOnlyList<FormatSpec> specs;
    private readonly PrintExpression[] arguments;
    private readonly int localCount;
    private readonly PrintEnvironment environment;

    public PrintFormatPrinter(EventFormat format, PrintEnvironment environment, IKernelEnumResolver? enums)
    {
        this.environment = environment;
        specs = PrintFormatString.Parse(format.PrintFormatString);
        var binder = new PrintExpressionBinder(format, enums);
        arguments = [.. format.PrintArguments.Select(text => Bind(binder, text))];
        localCount = binder.LocalCount;
        Unsupported = [.. arguments.SelectMany(UnsupportedParts).Concat(KernelMemoryConversions()).Distinct()];
    }

    public bool PrintsEventName => true;

    public IReadOnlyList<string> Unsupported { get; }

    public void Print(ReadOnlyMemory<byte> record, StringBuilder output)
    {
        var evaluator = new PrintEvaluator(record, localCount, environment);
        var values = new PrintValue[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            values[i] = evaluator.Evaluate(arguments[i]);
        }

        KernelPrintf.Format(output, specs, values, environment);
    }

    /// <summary>
    /// Conversions that read kernel memory: <c>%s</c> of a pointer field (a string the kernel
    /// keeps, as rcu_utilization's), or a <c>%p</c> extension that reads a kernel object.
    /// </summary>
    private IEnumerable<string> KernelMemoryConversions()
    {
        var next = 0;
        foreach (var spec in specs)
        {
            if (spec.Kind is ConversionKind.Literal or ConversionKind.Percent or ConversionKind.Invalid)
            {
                continue;
            }

            next += (spec.WidthFromArgument ? 1 : 0) + (spec.PrecisionFromArgument ? 1 : 0);
            var argument = next < arguments.Length ? arguments[next] : null;
            next++;
            while (argument is CastExpression cast)
            {
                argument = cast.Operand;
            }

            if (spec.Kind == ConversionKind.String && argument is BoundField { Field.IsPointer: true } field)
            {
                yield return $"%s of REC->{field.Field.Name}";
            }
            else if (spec.Kind == ConversionKind.Pointer && PointerFormat.ReadsKernelObject(spec.PointerExtension))
            {
                yield return "%p" + spec.PointerExtension;
            }
        }
    }

    private static PrintExpression Bind(PrintExpressionBinder binder, string text)
    {
        try
        {
            return binder.Bind(PrintExpressionParser.Parse(text));
        }
        catch (PrintFormatException)
        {
            var quoted = text.Length <= QuotedLength ? text : text[..(QuotedLength - 3)] + "...";
            return new UnsupportedExpression($"cannot parse {quoted}");
        }
    }

    /// <summary>The placeholders a bound argument can produce (an unknown name inside an unmatched table entry never prints, but is listed).</summary>
    private static IEnumerable<string> UnsupportedParts(PrintExpression expression) => expression switch
    {
        UnsupportedExpression unsupported => [unsupported.What],
        UnaryExpression unary => UnsupportedParts(unary.Operand),
        BinaryExpression binary => UnsupportedParts(binary.Left).Concat(UnsupportedParts(binary.Right)),
        ConditionalExpression conditional => UnsupportedParts(conditional.Condition)
            .Concat(UnsupportedParts(conditional.WhenTrue)).Concat(UnsupportedParts(conditional.WhenFalse)),
        CastExpression cast => UnsupportedParts(cast.Operand),
        IndexExpression index => UnsupportedParts(index.Target).Concat(UnsupportedParts(index.Index)),
        CallExpression call => call.Arguments.SelectMany(UnsupportedParts),
        InitializerList list => list.Items.SelectMany(UnsupportedParts),
        StatementExpression statement => statement.Locals.SelectMany(l => UnsupportedParts(l.Value)).Concat(UnsupportedParts(statement.Result)),
        _ => [],
    };
}
