namespace Ktap.Bpf.Btf;

// One record per BTF kind, made when asked for (BtfReader.GetType): loading BTF allocates
// nothing per type. Types refer to each other by id; BtfReader resolves ids.

/// <summary>A BTF type. <see cref="Name"/> is empty for anonymous types.</summary>
public abstract record BtfType(int Id, string Name)
{
    public abstract BtfKind Kind { get; }
}

/// <summary>Type id 0.</summary>
public sealed record BtfVoid() : BtfType(0, "void")
{
    public static BtfVoid Instance { get; } = new();

    public override BtfKind Kind => BtfKind.Void;
}

/// <param name="BitOffset">Non-zero only in the old bitfield encoding (struct kind flag clear).</param>
/// <param name="Bits">The value's width in bits; less than <c>Size * 8</c> for an old-style bitfield.</param>
public sealed record BtfInt(int Id, string Name, int Size, BtfIntEncoding Encoding, int BitOffset, int Bits) : BtfType(Id, Name)
{
    public override BtfKind Kind => BtfKind.Int;

    public bool IsSigned => Encoding.HasFlag(BtfIntEncoding.Signed);
}

public sealed record BtfPointer(int Id, int TargetId) : BtfType(Id, string.Empty)
{
    public override BtfKind Kind => BtfKind.Pointer;
}

public sealed record BtfArray(int Id, int ElementId, int IndexId, int Length) : BtfType(Id, string.Empty)
{
    public override BtfKind Kind => BtfKind.Array;
}

/// <summary>A struct or a union.</summary>
public sealed record BtfStruct(int Id, string Name, bool IsUnion, int Size, IReadOnlyList<BtfMember> Members) : BtfType(Id, Name)
{
    public override BtfKind Kind => IsUnion ? BtfKind.Union : BtfKind.Struct;
}

/// <summary>
/// A struct or union member. <paramref name="Name"/> is empty for an anonymous struct or union
/// member (whose own members are reached through it; see <see cref="BtfReader.FindMember"/>).
/// </summary>
/// <param name="BitOffset">From the start of the enclosing struct, in bits.</param>
/// <param name="BitfieldSize">The width of a bitfield in bits, 0 for an ordinary member.</param>
public readonly record struct BtfMember(string Name, int TypeId, int BitOffset, int BitfieldSize)
{
    /// <summary>The offset in bytes (rounded down for a bitfield).</summary>
    public int ByteOffset => BitOffset / 8;

    public bool IsBitfield => BitfieldSize != 0;
}

/// <summary>An ENUM or an ENUM64.</summary>
/// <param name="Is64">ENUM64 (values up to 64 bits), else ENUM.</param>
public sealed record BtfEnum(int Id, string Name, int Size, bool IsSigned, bool Is64, IReadOnlyList<BtfEnumValue> Values) : BtfType(Id, Name)
{
    public override BtfKind Kind => Is64 ? BtfKind.Enum64 : BtfKind.Enum;
}

/// <param name="Value">The value; an unsigned 64-bit value above <c>long.MaxValue</c> keeps its bits (cast to ulong).</param>
public readonly record struct BtfEnumValue(string Name, long Value);

public sealed record BtfForward(int Id, string Name, bool IsUnion) : BtfType(Id, Name)
{
    public override BtfKind Kind => BtfKind.Forward;
}

public sealed record BtfTypedef(int Id, string Name, int TargetId) : BtfType(Id, Name)
{
    public override BtfKind Kind => BtfKind.Typedef;
}

/// <summary>CONST, VOLATILE, RESTRICT or TYPE_TAG (whose name is the tag, as <c>user</c>) on <paramref name="TargetId"/>.</summary>
public sealed record BtfQualifier(int Id, BtfKind QualifierKind, string Name, int TargetId) : BtfType(Id, Name)
{
    public override BtfKind Kind => QualifierKind;
}

public sealed record BtfFunction(int Id, string Name, BtfLinkage Linkage, BtfFunctionProto Prototype) : BtfType(Id, Name)
{
    public override BtfKind Kind => BtfKind.Function;
}

/// <param name="ReturnTypeId">0 for void.</param>
/// <param name="IsVariadic">The C prototype ends in <c>...</c> (a last parameter of type 0, not listed).</param>
public sealed record BtfFunctionProto(int Id, int ReturnTypeId, IReadOnlyList<BtfParameter> Parameters, bool IsVariadic) : BtfType(Id, string.Empty)
{
    public override BtfKind Kind => BtfKind.FunctionProto;
}

public readonly record struct BtfParameter(string Name, int TypeId);

public sealed record BtfVariable(int Id, string Name, int TypeId, BtfLinkage Linkage) : BtfType(Id, Name)
{
    public override BtfKind Kind => BtfKind.Variable;
}

public sealed record BtfDataSection(int Id, string Name, int Size, IReadOnlyList<BtfSectionVariable> Variables) : BtfType(Id, Name)
{
    public override BtfKind Kind => BtfKind.DataSection;
}

/// <param name="TypeId">A VAR (or, for kernel functions in .ksyms, a FUNC).</param>
public readonly record struct BtfSectionVariable(int TypeId, int Offset, int Size);

public sealed record BtfFloat(int Id, string Name, int Size) : BtfType(Id, Name)
{
    public override BtfKind Kind => BtfKind.Float;
}

/// <param name="ComponentIndex">-1 when the tag is on <paramref name="TargetId"/> itself, else the member or parameter index.</param>
public sealed record BtfDeclTag(int Id, string Name, int TargetId, int ComponentIndex) : BtfType(Id, Name)
{
    public override BtfKind Kind => BtfKind.DeclTag;
}
