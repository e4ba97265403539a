using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;

namespace Ktap.Interpreter.Tests;

/// <summary>An event as a test makes it: every probe variable settable.</summary>
internal sealed class FakeEvent : IProbeEvent
{
    public string ProbeName { get; init; } = "sys_enter_read";

    public long Pid { get; init; } = 100;

    public long Tid { get; init; } = 101;

    public long Uid { get; init; } = 1000;

    public long Cpu { get; init; } = 2;

    public string Execname { get; init; } = "cat";

    public long[] Arguments { get; init; } = new long[10];

    public Dictionary<string, Value> Fields { get; init; } = new(StringComparer.Ordinal);

    /// <summary>How many times the handler asked for a field: the interpreter reads the event, it does not copy it.</summary>
    public int FieldReads { get; private set; }

    public long Argument(int n) => Arguments[n];

    public Value Field(string name)
    {
        FieldReads++;
        return Fields.TryGetValue(name, out var value) ? value : Value.Nil;
    }
}

/// <summary>A map as the session would keep it: entries in insertion order, every call counted.</summary>
internal sealed class FakeTableStore : ITableStore
{
    private readonly List<KeyValuePair<Value, Value>> entries = [];

    public Dictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            Note(nameof(Count));
            return entries.Count;
        }
    }

    /// <summary>The entries without counting a call: what the kernel side would see.</summary>
    public IReadOnlyList<KeyValuePair<Value, Value>> Contents => entries;

    public int CallsTo(string operation) => Calls.GetValueOrDefault(operation);

    public Value Get(Value key)
    {
        Note(nameof(Get));
        var index = IndexOf(key);
        return index < 0 ? Value.Nil : entries[index].Value;
    }

    public void Set(Value key, Value value)
    {
        Note(nameof(Set));
        Assert.False(key.IsNil);
        Put(key, value);
    }

    public void Aggregate(Value key, long value) => Note(nameof(Aggregate));

    /// <summary>A write by "the kernel": not counted.</summary>
    public void Put(Value key, Value value)
    {
        var index = IndexOf(key);
        if (value.IsNil)
        {
            if (index >= 0)
            {
                entries.RemoveAt(index);
            }
        }
        else if (index >= 0)
        {
            entries[index] = new(key, value);
        }
        else
        {
            entries.Add(new(key, value));
        }
    }

    public void Clear()
    {
        Note(nameof(Clear));
        entries.Clear();
    }

    public IReadOnlyList<KeyValuePair<Value, Value>> Entries()
    {
        Note(nameof(Entries));
        return [.. entries];
    }

    private int IndexOf(Value key) => entries.FindIndex(e => e.Key == key);

    private void Note(string operation) => Calls[operation] = CallsTo(operation) + 1;
}

/// <summary>
/// The session's storage of shared variables: holds the variables named, keeps scalars in a
/// dictionary and tables in <see cref="FakeTableStore"/>s, and counts every call by variable name.
/// </summary>
internal sealed class FakeSharedVariables(IEnumerable<string> scalars, IEnumerable<string>? tables = null) : ISharedVariables
{
    private readonly HashSet<string> scalarNames = [.. scalars];
    private readonly Dictionary<string, KtapTable> tableValues = (tables ?? []).ToDictionary(name => name, _ => new KtapTable(new FakeTableStore()), StringComparer.Ordinal);
    private readonly Dictionary<string, Value> values = new(StringComparer.Ordinal);

    /// <summary>Every variable <see cref="Holds"/> was asked about, in order.</summary>
    public List<string> Asked { get; } = [];

    public Dictionary<string, int> Reads { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> Writes { get; } = new(StringComparer.Ordinal);

    /// <summary>Every value written, as "name=value".</summary>
    public List<string> WriteLog { get; } = [];

    public FakeTableStore Store(string table) => (FakeTableStore)tableValues[table].Store!;

    public KtapTable Table(string table) => tableValues[table];

    /// <summary>The variable's value without counting a read: what the kernel side would see.</summary>
    public Value Peek(string name) => values.GetValueOrDefault(name);

    /// <summary>A write by "the kernel": not counted.</summary>
    public void Poke(string name, Value value) => values[name] = value;

    public int ReadsOf(string name) => Reads.GetValueOrDefault(name);

    public int WritesOf(string name) => Writes.GetValueOrDefault(name);

    public bool Holds(VariableSymbol variable)
    {
        Asked.Add(variable.Name);
        return scalarNames.Contains(variable.Name) || tableValues.ContainsKey(variable.Name);
    }

    public Value Read(VariableSymbol variable)
    {
        Reads[variable.Name] = ReadsOf(variable.Name) + 1;
        return tableValues.TryGetValue(variable.Name, out var table) ? Value.Table(table) : values.GetValueOrDefault(variable.Name);
    }

    public void Write(VariableSymbol variable, Value value)
    {
        Assert.False(tableValues.ContainsKey(variable.Name), $"'{variable.Name}' is a map: the interpreter must not replace it");
        Writes[variable.Name] = WritesOf(variable.Name) + 1;
        WriteLog.Add($"{variable.Name}={value}");
        values[variable.Name] = value;
    }
}
