using System.Buffers.Binary;
using Ktap.Compiler.CodeGen;
using Ktap.Interpreter;
using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;
using Ktap.Runtime.Output;

namespace Ktap.Runtime.Kernel;

/// <summary>
/// The interpreter's view of the variables kernel code shares: numbers, booleans and strings in
/// the memory-mapped data map (a presence word, then the value), tables as BPF maps.
/// </summary>
public sealed class DataMapVariables : ISharedVariables
{
    private readonly KernelScript kernel;
    private readonly Dictionary<VariableSymbol, KtapTable> tables = [];

    public DataMapVariables(KernelScript kernel)
    {
        this.kernel = kernel;
        foreach (var table in kernel.Compiler.Tables)
        {
            var map = kernel.Map(table.MapIndex);
            tables[table.Variable] = table.Aggregation is { } aggregation
                ? new KtapTable(new MapAggregationStore(map, table, kernel.Stacks)) { Aggregation = aggregation }
                : new KtapTable(new MapTableStore(map, table, kernel.Stacks));
        }
    }

    public bool Holds(VariableSymbol variable) => tables.ContainsKey(variable) || kernel.Compiler.GlobalOf(variable) is not null;

    public Value Read(VariableSymbol variable)
    {
        if (tables.TryGetValue(variable, out var table))
        {
            return Value.Table(table);
        }

        var global = kernel.Compiler.GlobalOf(variable)!;
        var data = kernel.Data;
        return BinaryPrimitives.ReadInt64LittleEndian(data[global.Offset..]) == 0
            ? Value.Nil
            : RecordDecoder.Decode(global.Type, data.Slice(global.ValueOffset, global.ValueSize), kernel.Stacks);
    }

    public void Write(VariableSymbol variable, Value value)
    {
        if (tables.ContainsKey(variable))
        {
            throw new InvalidOperationException($"'{variable.Name}' is a table the kernel uses");
        }

        var global = kernel.Compiler.GlobalOf(variable)!;
        var data = kernel.Data;
        if (value.IsNil)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data[global.Offset..], 0);
            return;
        }

        RecordDecoder.Encode(global.Type, value, data.Slice(global.ValueOffset, global.ValueSize));
        BinaryPrimitives.WriteInt64LittleEndian(data[global.Offset..], 1);
    }
}
