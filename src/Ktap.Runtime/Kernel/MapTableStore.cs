using System.Buffers.Binary;
using Ktap.Bpf.Maps;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Types;
using Ktap.Interpreter.Values;
using Ktap.Runtime.Output;

namespace Ktap.Runtime.Kernel;

/// <summary>
/// A table that lives in a BPF hash map, as the interpreter sees it. A per-CPU table is summed
/// over CPUs when read; a write stores the value in CPU 0's copy and zeroes the others, so the
/// sum is the value written.
/// </summary>
internal sealed class MapTableStore(BpfMap map, TableLayout layout, KernelSymbolizer stacks) : ITableStore
{
    private readonly MapKeys keys = new(layout, stacks);

    public int Count => map.Keys().Count;

    public Value Get(Value key)
    {
        if (!keys.TryEncode(key, out var encoded))
        {
            return Value.Nil;
        }

        var value = new byte[map.LookupSize];
        return map.TryLookup(encoded, value) ? DecodeValue(value) : Value.Nil;
    }

    public void Set(Value key, Value value)
    {
        if (!keys.TryEncode(key, out var encoded))
        {
            throw new InvalidOperationException($"a key of table '{layout.Variable.Name}' must be a {layout.KeyType}, not {key.TypeName}");
        }

        if (value.IsNil)
        {
            map.Delete(encoded);
            return;
        }

        CheckType(layout.ValueType, value, "value");
        var bytes = new byte[map.LookupSize];
        RecordDecoder.Encode(layout.ValueType, value, bytes.AsSpan(0, layout.ValueSize));
        map.Update(encoded, bytes);
    }

    public void Aggregate(Value key, long value) =>
        throw new InvalidOperationException($"'{layout.Variable.Name}' is no aggregation");

    public void Clear()
    {
        foreach (var key in map.Keys())
        {
            map.Delete(key);
        }
    }

    /// <summary>
    /// Every entry, sorted by key. A BPF hash map's order is its buckets', which a random seed
    /// decides per map (htab_map_alloc), so pairs() and print_hist's ties would change from run
    /// to run; in key order they come out the same every time.
    /// </summary>
    public IReadOnlyList<KeyValuePair<Value, Value>> Entries()
    {
        var entries = map.Entries();
        var result = new List<KeyValuePair<Value, Value>>(entries.Count);
        foreach (var (key, value) in entries)
        {
            result.Add(new(keys.Decode(key), DecodeValue(value)));
        }

        result.Sort((a, b) => CompareKeys(a.Key, b.Key));
        return result;
    }

    /// <summary>Numbers by value, strings by their bytes, false before true: a table's keys are all of one type.</summary>
    private static int CompareKeys(Value a, Value b) => a.Kind switch
    {
        ValueKind.Number => a.AsNumber.CompareTo(b.AsNumber),
        ValueKind.String => string.CompareOrdinal(a.AsString, b.AsString),
        _ => a.IsTruthy.CompareTo(b.IsTruthy),
    };

    private Value DecodeValue(byte[] value)
    {
        if (!layout.PerCpu)
        {
            return RecordDecoder.Decode(layout.ValueType, value, stacks);
        }

        // Only numbers are added per CPU: the table's value is the sum of every CPU's copy.
        long sum = 0;
        for (var offset = 0; offset + 8 <= value.Length; offset += map.PerCpuStride)
        {
            sum += BinaryPrimitives.ReadInt64LittleEndian(value.AsSpan(offset));
        }

        return Value.Number(sum);
    }

    private void CheckType(KtapType type, Value value, string what)
    {
        if (!MapKeys.Matches(type, value))
        {
            throw new InvalidOperationException($"a {what} of table '{layout.Variable.Name}' must be a {type}, not {value.TypeName}");
        }
    }
}
