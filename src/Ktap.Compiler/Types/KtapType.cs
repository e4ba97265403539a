namespace Ktap.Compiler.Types;

public enum TypeKind
{
    /// <summary>Nothing in the script decides it (a variable only ever nil, an <c>args.NAME</c> only printed): a later pass does.</summary>
    Unknown,

    /// <summary>"No value": a missing table entry, a deletion. Never the type of a variable.</summary>
    Nil,

    /// <summary>A 64-bit signed integer.</summary>
    Number,

    Boolean,

    /// <summary>A string bounded by --strlen (256 bytes by default): longer ones are truncated.</summary>
    String,

    /// <summary>The value of <c>stack()</c>.</summary>
    Stack,

    /// <summary>The value of <c>ipof(addr)</c>: a kernel address the ktap process shows as the function it is in.</summary>
    Address,

    /// <summary>A cell of an aggregation (<c>aggr()</c>, <c>hist()</c>, <c>lhist()</c>): the values of such a table, recorded with <c>&lt;&lt;&lt;</c>.</summary>
    Aggregate,

    /// <summary>A table with one key type and one value type: a BPF map.</summary>
    Table,
}

/// <summary>
/// A resolved static type of kernel-side code (LANGUAGE.md §8): number, boolean, bounded string,
/// stack, or a table with one key and one value type. Immutable; compare with <see cref="Equals(object)"/>.
/// </summary>
public sealed class KtapType : IEquatable<KtapType>
{
    public static readonly KtapType Unknown = new(TypeKind.Unknown, null, null);
    public static readonly KtapType Nil = new(TypeKind.Nil, null, null);
    public static readonly KtapType Number = new(TypeKind.Number, null, null);
    public static readonly KtapType Boolean = new(TypeKind.Boolean, null, null);
    public static readonly KtapType String = new(TypeKind.String, null, null);
    public static readonly KtapType Stack = new(TypeKind.Stack, null, null);
    public static readonly KtapType Address = new(TypeKind.Address, null, null);
    public static readonly KtapType Aggregate = new(TypeKind.Aggregate, null, null);

    private KtapType(TypeKind kind, KtapType? key, KtapType? value)
    {
        Kind = kind;
        Key = key;
        Value = value;
    }

    public TypeKind Kind { get; }

    /// <summary>The key type of a table; null for anything else.</summary>
    public KtapType? Key { get; }

    /// <summary>The value type of a table; null for anything else.</summary>
    public KtapType? Value { get; }

    public static KtapType Table(KtapType key, KtapType value) => new(TypeKind.Table, key, value);

    public bool Equals(KtapType? other) =>
        other is not null && other.Kind == Kind && Equals(other.Key, Key) && Equals(other.Value, Value);

    public override bool Equals(object? obj) => Equals(obj as KtapType);

    public override int GetHashCode() => HashCode.Combine(Kind, Key, Value);

    /// <summary>As messages name it: <c>number</c>, <c>table(string, number)</c>.</summary>
    public override string ToString() => Kind switch
    {
        TypeKind.Table => $"table({Key}, {Value})",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
