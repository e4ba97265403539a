using Ktap.Language.Semantics;

namespace Ktap.Interpreter.Values;

/// <summary>
/// A ktap table, Lua-style: keys 1..n in an array part, everything else in a hash part. A
/// missing key reads as nil and storing nil deletes. The hash part iterates in the order its keys
/// were (last) inserted. A table made with <see cref="KtapTable(ITableStore)"/> keeps nothing
/// itself: every operation goes to the store (a BPF map the kernel shares).
/// </summary>
public sealed class KtapTable
{
    private static int nextId;

    private readonly List<Value> array;
    private readonly InsertionOrderedMap hash;
    private readonly ITableStore? store;

    /// <summary>Non-nil entries in <see cref="array"/> (it may hold nil holes).</summary>
    private int arrayCount;

    public KtapTable(int arrayCapacity = 0, int hashCapacity = 0)
    {
        array = new List<Value>(arrayCapacity);
        hash = new InsertionOrderedMap(hashCapacity);
        Id = Interlocked.Increment(ref nextId);
    }

    /// <summary>A table whose entries live in <paramref name="store"/>; the table keeps none of its own.</summary>
    public KtapTable(ITableStore store)
        : this(0, 0)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
    }

    /// <summary>The storage behind the table, or null for a table of the interpreter's own.</summary>
    public ITableStore? Store => store;

    /// <summary>What its cells record when it is an aggregation (<c>aggr()</c>, <c>hist()</c>, <c>lhist()</c>); null for a plain table.</summary>
    public AggregationSpec? Aggregation { get; init; }

    /// <summary>Shown instead of an address, so output is the same from run to run.</summary>
    public int Id { get; }

    /// <summary>The number of entries, as <c>len(t)</c> gives it.</summary>
    public int Count => store?.Count ?? arrayCount + hash.Count;

    public Value Get(Value key)
    {
        if (store is not null)
        {
            return store.Get(key);
        }

        if (ArrayIndex(key) is { } index && index < array.Count)
        {
            return array[index];
        }

        return hash.TryGetValue(key, out var value) ? value : Value.Nil;
    }

    /// <summary>Stores a value; nil deletes. The key must not be nil (the caller reports that).</summary>
    public void Set(Value key, Value value)
    {
        if (store is not null)
        {
            store.Set(key, value);
            return;
        }

        var index = ArrayIndex(key);
        if (index is { } i && i < array.Count)
        {
            arrayCount += (value.IsNil ? 0 : 1) - (array[i].IsNil ? 0 : 1);
            array[i] = value;
            TrimArray();
            return;
        }

        if (index == array.Count && !value.IsNil)
        {
            hash.Remove(key, out _);
            array.Add(value);
            arrayCount++;
            MigrateFromHash();
            return;
        }

        if (value.IsNil)
        {
            hash.Remove(key, out _);
        }
        else
        {
            hash.Set(key, value);
        }
    }

    /// <summary><c>t[key] &lt;&lt;&lt; value</c>: records the value in the key's cell, made on first use.</summary>
    public void Aggregate(Value key, long value)
    {
        if (store is not null)
        {
            store.Aggregate(key, value);
            return;
        }

        var cell = Get(key);
        if (cell.IsNil)
        {
            cell = Value.Aggregate(new AggregateCell(Aggregation!));
            Set(key, cell);
        }

        cell.AsAggregate.Add(value);
    }

    public void Clear()
    {
        if (store is not null)
        {
            store.Clear();
            return;
        }

        array.Clear();
        hash.Clear();
        arrayCount = 0;
    }

    /// <summary>The keys in iteration order: the array part ascending, then the hash part (or the store's order).</summary>
    public List<Value> Keys()
    {
        if (store is not null)
        {
            return [.. store.Entries().Select(e => e.Key)];
        }

        var keys = new List<Value>(Count);
        for (var i = 0; i < array.Count; i++)
        {
            if (!array[i].IsNil)
            {
                keys.Add(Value.Number(i + 1));
            }
        }

        keys.AddRange(hash.Entries().Select(e => e.Key));
        return keys;
    }

    /// <summary>The entries in iteration order: a snapshot, which later changes to the table do not alter.</summary>
    public List<KeyValuePair<Value, Value>> Entries()
    {
        if (store is not null)
        {
            return [.. store.Entries()];
        }

        var entries = new List<KeyValuePair<Value, Value>>(Count);
        for (var i = 0; i < array.Count; i++)
        {
            if (!array[i].IsNil)
            {
                entries.Add(new(Value.Number(i + 1), array[i]));
            }
        }

        entries.AddRange(hash.Entries());
        return entries;
    }

    private static int? ArrayIndex(Value key) =>
        key.Kind == ValueKind.Number && key.AsNumber >= 1 && key.AsNumber <= int.MaxValue ? (int)(key.AsNumber - 1) : null;

    private void TrimArray()
    {
        while (array.Count > 0 && array[^1].IsNil)
        {
            array.RemoveAt(array.Count - 1);
        }
    }

    /// <summary>After the array part grew, the keys that now continue it move over from the hash.</summary>
    private void MigrateFromHash()
    {
        while (hash.Count > 0 && hash.Remove(Value.Number(array.Count + 1), out var next))
        {
            array.Add(next);
            arrayCount++;
        }
    }
}
