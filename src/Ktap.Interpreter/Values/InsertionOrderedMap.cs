namespace Ktap.Interpreter.Values;

/// <summary>
/// A hash map that iterates in insertion order, with O(1) removal: removed entries are left as
/// holes and squeezed out once they are half of the list. (The BCL's OrderedDictionary removes
/// in O(n), which a loop deleting a large table's keys would pay n times.)
/// </summary>
internal sealed class InsertionOrderedMap(int capacity)
{
    private readonly Dictionary<Value, int> index = new(capacity);
    private List<(Value Key, Value Value, bool Live)> entries = new(capacity);
    private int holes;

    public int Count => index.Count;

    public bool TryGetValue(Value key, out Value value)
    {
        if (index.TryGetValue(key, out var position))
        {
            value = entries[position].Value;
            return true;
        }

        value = Value.Nil;
        return false;
    }

    public void Set(Value key, Value value)
    {
        if (index.TryGetValue(key, out var position))
        {
            entries[position] = (key, value, true);
            return;
        }

        index.Add(key, entries.Count);
        entries.Add((key, value, true));
    }

    public bool Remove(Value key, out Value value)
    {
        if (!index.Remove(key, out var position))
        {
            value = Value.Nil;
            return false;
        }

        value = entries[position].Value;
        entries[position] = default;
        holes++;
        if (holes > entries.Count / 2)
        {
            Compact();
        }

        return true;
    }

    public void Clear()
    {
        index.Clear();
        entries.Clear();
        holes = 0;
    }

    public IEnumerable<KeyValuePair<Value, Value>> Entries()
    {
        foreach (var entry in entries)
        {
            if (entry.Live)
            {
                yield return new(entry.Key, entry.Value);
            }
        }
    }

    private void Compact()
    {
        var live = new List<(Value Key, Value Value, bool Live)>(index.Count);
        foreach (var entry in entries)
        {
            if (entry.Live)
            {
                index[entry.Key] = live.Count;
                live.Add(entry);
            }
        }

        entries = live;
        holes = 0;
    }
}
