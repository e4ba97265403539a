using Ktap.Interpreter.Formatting;
using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Interpreter;

public sealed partial class ScriptInterpreter
{
    private readonly Dictionary<BuiltinFunction, BuiltinValue> builtinValues = [];
    private readonly Dictionary<string, KtapTable> libraries = new(StringComparer.Ordinal);
    private readonly PrintfFormatter printf = new();

    private BuiltinValue BuiltinValueOf(BuiltinInfo info)
    {
        if (!builtinValues.TryGetValue(info.Function, out var value))
        {
            value = new BuiltinValue(info);
            builtinValues.Add(info.Function, value);
        }

        return value;
    }

    /// <summary><c>arg</c>, or a library (<c>table</c>, <c>ansi</c>) used as a value.</summary>
    private KtapTable GlobalTable(string name)
    {
        if (name == Builtins.ArgTable)
        {
            return ArgTable;
        }

        if (!libraries.TryGetValue(name, out var table))
        {
            table = new KtapTable();
            foreach (var (member, info) in Builtins.Libraries[name])
            {
                table.Set(Value.String(member), Value.Function(BuiltinValueOf(info)));
            }

            libraries.Add(name, table);
        }

        return table;
    }

    private Value CallBuiltin(BuiltinInfo info, Value[] arguments, TextSpan span)
    {
        var name = Builtins.QualifiedName(info);
        if (arguments.Length < info.MinArguments || arguments.Length > info.MaxArguments)
        {
            throw Error($"'{name}' takes {info.ArityText}, not {arguments.Length}", span);
        }

        if (info.HandlerOnly)
        {
            throw Error($"'{name}' can only be called in a probe handler", span);
        }

        switch (info.Function)
        {
            case BuiltinFunction.Print:
                Output.Write(ValueFormatter.FormatPrint(arguments));
                return Value.Nil;
            case BuiltinFunction.Printf:
                Output.Write(Format(arguments, span));
                return Value.Nil;
            case BuiltinFunction.PrintHist:
                var top = arguments.Length > 1 ? NumberArgument(arguments, 1, name, span) : HistogramPrinter.DefaultRows;
                HistogramPrinter.Print(Output, TableArgument(arguments, 0, name, span), top, message => Error(message, span));
                return Value.Nil;
            case BuiltinFunction.Len:
                return arguments[0].Kind switch
                {
                    ValueKind.String => Value.Number(arguments[0].AsString.Length),
                    ValueKind.Table => Value.Number(arguments[0].AsTable.Count),
                    _ => throw Error($"bad argument #1 to 'len' (table or string expected, got {arguments[0].TypeName})", span),
                };
            case BuiltinFunction.Delete:
                TableArgument(arguments, 0, name, span).Clear();
                return Value.Nil;
            case BuiltinFunction.Exit:
                throw new ExitRequest();
            case BuiltinFunction.Pairs or BuiltinFunction.SortPairs:
                throw Error($"'{name}' is only used in a loop: for (k, v in {name}(t)) {{ ... }}", span);
            case BuiltinFunction.Stringof:
                return Value.String(arguments[0].ToString());
            case BuiltinFunction.Aggr:
                return Value.Table(new KtapTable { Aggregation = AggregationSpec.Statistics });
            case BuiltinFunction.Hist:
                return Value.Table(new KtapTable { Aggregation = AggregationSpec.Log2 });
            case BuiltinFunction.Lhist:
                var (linear, invalid) = AggregationSpec.Linear(NumberArgument(arguments, 0, name, span), NumberArgument(arguments, 1, name, span), NumberArgument(arguments, 2, name, span));
                return linear is null ? throw Error(invalid!, span) : Value.Table(new KtapTable { Aggregation = linear });
            case BuiltinFunction.Count or BuiltinFunction.Sum or BuiltinFunction.Avg or BuiltinFunction.Min or BuiltinFunction.Max:
                return CellStatistic(info.Function, arguments[0], name, span);
            case BuiltinFunction.TableNew:
                var arrayHint = arguments.Length > 0 ? NumberArgument(arguments, 0, name, span) : 0;
                var hashHint = arguments.Length > 1 ? NumberArgument(arguments, 1, name, span) : 0;
                return Value.Table(new KtapTable(CapacityHint(arrayHint), CapacityHint(hashHint)));
            default:
                return CallSystemBuiltin(info, arguments, name, span);
        }
    }

    private Value CallSystemBuiltin(BuiltinInfo info, Value[] arguments, string name, TextSpan span)
    {
        switch (info.Function)
        {
            case BuiltinFunction.GettimeofdayNs:
                return Value.Number(SystemInfo.RealtimeNanoseconds());
            case BuiltinFunction.GettimeofdayUs:
                return Value.Number(SystemInfo.RealtimeNanoseconds() / 1_000);
            case BuiltinFunction.GettimeofdayMs:
                return Value.Number(SystemInfo.RealtimeNanoseconds() / 1_000_000);
            case BuiltinFunction.GettimeofdayS:
                return Value.Number(SystemInfo.RealtimeNanoseconds() / 1_000_000_000);
            case BuiltinFunction.NumCpus:
                return Value.Number(SystemInfo.OnlineCpus());
            case BuiltinFunction.Arch:
                return Value.String(SystemInfo.MachineName());
            case BuiltinFunction.KernelV:
                return Value.String(SystemInfo.KernelRelease());
            case BuiltinFunction.AnsiClearScreen:
                Output.Write("\u001b[1;1H\u001b[J");
                return Value.Nil;
            case BuiltinFunction.AnsiSetColor:
                Output.Write($"\u001b[{NumberArgument(arguments, 0, name, span)}m");
                return Value.Nil;
            case BuiltinFunction.AnsiSetColor2:
                Output.Write($"\u001b[{NumberArgument(arguments, 0, name, span)};{NumberArgument(arguments, 1, name, span)}m");
                return Value.Nil;
            case BuiltinFunction.AnsiSetColor3:
                var attribute = NumberArgument(arguments, 2, name, span);
                Output.Write(attribute == 0
                    ? $"\u001b[{NumberArgument(arguments, 0, name, span)};{NumberArgument(arguments, 1, name, span)}m"
                    : $"\u001b[{NumberArgument(arguments, 0, name, span)};{NumberArgument(arguments, 1, name, span)};{attribute}m");
                return Value.Nil;
            case BuiltinFunction.AnsiResetColor:
                Output.Write("\u001b[0;0m");
                return Value.Nil;
            case BuiltinFunction.AnsiNewLine:
                Output.Write('\n');
                return Value.Nil;
            default:
                throw new InvalidOperationException($"built-in '{name}' has no user-side implementation");
        }
    }

    /// <summary>Formats a printf call; also used for records from the kernel side.</summary>
    internal string Format(Value[] arguments, TextSpan span)
    {
        if (arguments[0].Kind != ValueKind.String)
        {
            throw Error($"bad argument #1 to 'printf' (string expected, got {arguments[0].TypeName})", span);
        }

        return printf.Format(arguments[0].AsString, arguments.AsSpan(1), message => Error(message, span));
    }

    /// <summary>The keys a for-in loop visits: pairs order, or sort_pairs order.</summary>
    private (KtapTable Table, List<Value> Keys) IterationOrder(Frame frame, BoundCall iterator)
    {
        var info = ((BoundBuiltin)iterator.Callee).Builtin;
        var arguments = EvaluateAll(frame, iterator.Arguments);
        var table = TableArgument(arguments, 0, info.Name, iterator.Span);
        if (info.Function == BuiltinFunction.Pairs)
        {
            return (table, table.Keys());
        }

        var order = arguments.Length > 1 ? arguments[1] : Value.Nil;
        var entries = table.Entries();
        var sorted = order.Kind switch
        {
            ValueKind.Nil => SortPairs.ByValue(entries, message => Error(message, iterator.Span)),
            ValueKind.String when order.AsString == "key" => SortPairs.ByKey(entries, message => Error(message, iterator.Span)),
            ValueKind.String when order.AsString == "value" => SortPairs.ByValue(entries, message => Error(message, iterator.Span)),
            ValueKind.Function => SortPairs.ByComparator(entries, (a, b) => Invoke(order, [a, b], iterator.Span).IsTruthy),
            _ => throw Error("bad argument #2 to 'sort_pairs' (a comparator function, \"key\" or \"value\" expected)", iterator.Span),
        };
        return (table, sorted);
    }

    /// <summary><c>count(t[k])</c> and the like: 0 for a missing cell, as ktap; a histogram keeps counts only.</summary>
    private Value CellStatistic(BuiltinFunction function, Value cell, string name, TextSpan span)
    {
        if (cell.IsNil)
        {
            return Value.Number(0);
        }

        if (cell.Kind != ValueKind.Aggregate)
        {
            throw Error($"bad argument #1 to '{name}' (aggregation cell expected, got {cell.TypeName})", span);
        }

        var aggregate = cell.AsAggregate;
        if (function != BuiltinFunction.Count && aggregate.Spec.IsHistogram)
        {
            throw Error($"'{name}' needs a cell of aggr(): a histogram's cells keep counts only", span);
        }

        return Value.Number(function switch
        {
            BuiltinFunction.Count => aggregate.Count,
            BuiltinFunction.Sum => aggregate.Sum,
            BuiltinFunction.Avg => aggregate.Average,
            BuiltinFunction.Min => aggregate.Min,
            _ => aggregate.Max,
        });
    }

    private KtapTable TableArgument(Value[] arguments, int index, string name, TextSpan span) =>
        arguments[index].Kind == ValueKind.Table
            ? arguments[index].AsTable
            : throw Error($"bad argument #{index + 1} to '{name}' (table expected, got {arguments[index].TypeName})", span);

    private long NumberArgument(Value[] arguments, int index, string name, TextSpan span) =>
        arguments[index].Kind == ValueKind.Number
            ? arguments[index].AsNumber
            : throw Error($"bad argument #{index + 1} to '{name}' (number expected, got {arguments[index].TypeName})", span);

    private static int CapacityHint(long hint) => (int)Math.Clamp(hint, 0, 1 << 20);
}
