namespace Ktap.Interpreter.Values;

/// <summary>
/// Storage behind a <see cref="KtapTable"/> made with <see cref="KtapTable(ITableStore)"/>: a BPF
/// map that kernel handlers share. Every operation of the table goes here: indexing,
/// assignment, <c>+=</c> (a <see cref="Get"/> then a <see cref="Set"/>: not atomic against
/// handlers updating the same key), <c>len</c>, <c>delete</c>, <c>pairs</c>, <c>sort_pairs</c> and
/// <c>print_hist</c>. Keys are never nil.
/// </summary>
public interface ITableStore
{
    /// <summary>The number of entries, as <c>len(t)</c> gives it.</summary>
    int Count { get; }

    /// <summary>The key's value, or nil when the key is missing.</summary>
    Value Get(Value key);

    /// <summary>Stores a value; nil deletes the key.</summary>
    void Set(Value key, Value value);

    /// <summary><c>t[key] &lt;&lt;&lt; value</c> on an aggregation table.</summary>
    void Aggregate(Value key, long value);

    /// <summary>Removes every entry (<c>delete(t)</c>).</summary>
    void Clear();

    /// <summary>
    /// A snapshot of the entries, none with a nil value, in an order that is the same from call
    /// to call while the table does not change: <c>pairs</c> follows it, and <c>sort_pairs</c> and
    /// <c>print_hist</c> keep it for ties.
    /// </summary>
    IReadOnlyList<KeyValuePair<Value, Value>> Entries();
}
