using System.Globalization;

namespace Ktap.Interpreter.Values;

public enum ValueKind : byte
{
    Nil,
    Boolean,
    Number,
    String,
    Table,
    Function,

    /// <summary>A cell of an aggregation table: what <c>t[k]</c> gives after <c>t[k] &lt;&lt;&lt; v</c>.</summary>
    Aggregate,
}

/// <summary>
/// A ktap value: nil, boolean, 64-bit integer, byte string (one char per byte), table, function
/// or aggregation cell. Equality is by content for strings and by identity for the others.
/// </summary>
public readonly struct Value : IEquatable<Value>
{
    public static readonly Value Nil;
    public static readonly Value True = new(ValueKind.Boolean, 1, null);
    public static readonly Value False = new(ValueKind.Boolean, 0, null);

    private readonly object? reference;
    private readonly long number;

    private Value(ValueKind kind, long number, object? reference)
    {
        Kind = kind;
        this.number = number;
        this.reference = reference;
    }

    public ValueKind Kind { get; }

    public bool IsNil => Kind == ValueKind.Nil;

    /// <summary>Lua truthiness: only nil and false are false; 0 and "" are true.</summary>
    public bool IsTruthy => Kind != ValueKind.Nil && !(Kind == ValueKind.Boolean && number == 0);

    public long AsNumber => number;

    public string AsString => (string)reference!;

    public KtapTable AsTable => (KtapTable)reference!;

    public Callable AsFunction => (Callable)reference!;

    public AggregateCell AsAggregate => (AggregateCell)reference!;

    public bool AsBoolean => number != 0;

    public static Value Number(long value) => new(ValueKind.Number, value, null);

    public static Value String(string value) => new(ValueKind.String, 0, value);

    public static Value Boolean(bool value) => value ? True : False;

    public static Value Table(KtapTable table) => new(ValueKind.Table, 0, table);

    public static Value Function(Callable function) => new(ValueKind.Function, 0, function);

    public static Value Aggregate(AggregateCell cell) => new(ValueKind.Aggregate, 0, cell);

    /// <summary>The type's name as error messages say it.</summary>
    public string TypeName => Kind switch
    {
        ValueKind.Nil => "nil",
        ValueKind.Boolean => "boolean",
        ValueKind.Number => "number",
        ValueKind.String => "string",
        ValueKind.Table => "table",
        ValueKind.Aggregate => "aggregation",
        _ => "function",
    };

    public bool Equals(Value other) => Kind == other.Kind && Kind switch
    {
        ValueKind.Nil => true,
        ValueKind.Boolean or ValueKind.Number => number == other.number,
        ValueKind.String => string.Equals((string)reference!, (string)other.reference!, StringComparison.Ordinal),
        _ => ReferenceEquals(reference, other.reference),
    };

    public override bool Equals(object? obj) => obj is Value other && Equals(other);

    public override int GetHashCode() => Kind switch
    {
        ValueKind.Nil => 0,
        ValueKind.Boolean or ValueKind.Number => number.GetHashCode(),
        ValueKind.String => StringComparer.Ordinal.GetHashCode((string)reference!),
        _ => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(reference!),
    };

    public static bool operator ==(Value left, Value right) => left.Equals(right);

    public static bool operator !=(Value left, Value right) => !left.Equals(right);

    /// <summary>The value as <c>print</c> shows it.</summary>
    public override string ToString() => Kind switch
    {
        ValueKind.Nil => "nil",
        ValueKind.Boolean => number != 0 ? "true" : "false",
        ValueKind.Number => number.ToString(CultureInfo.InvariantCulture),
        ValueKind.String => (string)reference!,
        ValueKind.Table when AsTable.Aggregation is not null => Formatting.AggregationFormatter.Table(AsTable),
        ValueKind.Table => "table: 0x" + ((KtapTable)reference!).Id.ToString("x8", CultureInfo.InvariantCulture),
        ValueKind.Aggregate => Formatting.AggregationFormatter.Cell(AsAggregate),
        _ => AsFunction.ToString() ?? string.Empty,
    };
}
