using System.Buffers.Binary;
using Ktap.Bpf.Maps;
using Ktap.Compiler.CodeGen;
using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;
using Ktap.Runtime.Output;

namespace Ktap.Runtime.Kernel;

/// <summary>
/// An aggregation that lives in a per-CPU hash map (<see cref="TableLayout.Aggregation"/>), as the
/// interpreter sees it: each key's cell merged from every CPU's copy. A statistics cell is one
/// element {count, sum, min, max} per CPU; a histogram is one element per key and bucket, whose
/// CPUs' counts add up. The ktap process records into CPU 0's copy.
/// </summary>
internal sealed class MapAggregationStore(BpfMap map, TableLayout layout, KernelSymbolizer stacks) : ITableStore
{
    private readonly MapKeys keys = new(layout, stacks);
    private readonly AggregationSpec spec = layout.Aggregation!;

    public int Count => Cells().Count;

    public Value Get(Value key)
    {
        if (!keys.TryEncode(key, out var scriptKey))
        {
            return Value.Nil;
        }

        // A statistics cell is one element; a histogram's buckets are elements of their own.
        IEnumerable<(byte[] Key, byte[] Value)> elements;
        if (spec.IsHistogram)
        {
            elements = map.Entries().Where(e => e.Key.AsSpan(0, layout.ScriptKeySize).SequenceEqual(scriptKey));
        }
        else
        {
            var element = new byte[map.LookupSize];
            elements = map.TryLookup(scriptKey, element) ? [(scriptKey, element)] : [];
        }

        return Merge(elements).FirstOrDefault().Value;
    }

    public void Set(Value key, Value value)
    {
        if (!value.IsNil)
        {
            throw new InvalidOperationException($"the cells of '{layout.Variable.Name}' change only with '<<<'");
        }

        foreach (var raw in RawKeysOf(key))
        {
            map.Delete(raw);
        }
    }

    public void Aggregate(Value key, long value)
    {
        if (!keys.TryEncode(key, out var scriptKey))
        {
            throw new InvalidOperationException($"a key of '{layout.Variable.Name}' must be a {layout.KeyType}, not {key.TypeName}");
        }

        var raw = new byte[layout.KeySize];
        scriptKey.CopyTo(raw, 0);
        if (spec.IsHistogram)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(layout.ScriptKeySize), spec.Bucket(value));
        }

        var element = new byte[map.LookupSize];
        var found = map.TryLookup(raw, element);
        if (spec.IsHistogram)
        {
            BinaryPrimitives.WriteInt64LittleEndian(element, (found ? BinaryPrimitives.ReadInt64LittleEndian(element) : 0) + 1);
        }
        else
        {
            var cpu0 = element.AsSpan(0, TableLayout.StatisticsSize);
            var count = found ? BinaryPrimitives.ReadInt64LittleEndian(cpu0) : 0;
            BinaryPrimitives.WriteInt64LittleEndian(cpu0, count + 1);
            BinaryPrimitives.WriteInt64LittleEndian(cpu0[8..], unchecked(BinaryPrimitives.ReadInt64LittleEndian(cpu0[8..]) + value));
            var min = BinaryPrimitives.ReadInt64LittleEndian(cpu0[16..]);
            var max = BinaryPrimitives.ReadInt64LittleEndian(cpu0[24..]);
            BinaryPrimitives.WriteInt64LittleEndian(cpu0[16..], count == 0 ? value : Math.Min(min, value));
            BinaryPrimitives.WriteInt64LittleEndian(cpu0[24..], count == 0 ? value : Math.Max(max, value));
        }

        map.Update(raw, element);
    }

    public void Clear()
    {
        foreach (var key in map.Keys())
        {
            map.Delete(key);
        }
    }

    public IReadOnlyList<KeyValuePair<Value, Value>> Entries() => Cells();

    /// <summary>Every key's cell, merged from the map's elements and their CPUs, in the map's order of first appearance.</summary>
    private List<KeyValuePair<Value, Value>> Cells() => Merge(map.Entries());

    /// <summary>The cells of <paramref name="elements"/>, each key's merged from its elements and their CPUs.</summary>
    private List<KeyValuePair<Value, Value>> Merge(IEnumerable<(byte[] Key, byte[] Value)> elements)
    {
        var cells = new List<KeyValuePair<Value, Value>>();
        var index = new Dictionary<Value, AggregateCell>();
        foreach (var (raw, element) in elements)
        {
            var key = keys.Decode(raw.AsSpan(0, layout.ScriptKeySize));
            if (!index.TryGetValue(key, out var cell))
            {
                cell = new AggregateCell(spec);
                index[key] = cell;
                cells.Add(new(key, Value.Aggregate(cell)));
            }

            for (var offset = 0; offset < element.Length; offset += map.PerCpuStride)
            {
                var copy = element.AsSpan(offset);
                if (spec.IsHistogram)
                {
                    cell.AddBucket((int)BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(layout.ScriptKeySize)), BinaryPrimitives.ReadInt64LittleEndian(copy));
                }
                else if (BinaryPrimitives.ReadInt64LittleEndian(copy) is var count and > 0)
                {
                    cell.AddStatistics(count, BinaryPrimitives.ReadInt64LittleEndian(copy[8..]), BinaryPrimitives.ReadInt64LittleEndian(copy[16..]), BinaryPrimitives.ReadInt64LittleEndian(copy[24..]));
                }
            }
        }

        return cells;
    }

    /// <summary>The map keys of a script key: its element, or each of its buckets.</summary>
    private IEnumerable<byte[]> RawKeysOf(Value key)
    {
        if (!keys.TryEncode(key, out var scriptKey))
        {
            return [];
        }

        return spec.IsHistogram
            ? map.Keys().Where(raw => raw.AsSpan(0, layout.ScriptKeySize).SequenceEqual(scriptKey))
            : [scriptKey];
    }
}
