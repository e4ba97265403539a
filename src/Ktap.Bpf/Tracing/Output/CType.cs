namespace Ktap.Bpf.Tracing.Output;

internal enum CTypeKind
{
    Void,
    Integer,
    Pointer,

    /// <summary>A struct or union: only pointers to it mean anything here.</summary>
    Aggregate,
}

/// <summary>
/// The C type of a value in a print format's argument expressions, as x86-64 Linux (LP64) sees
/// it: what the kernel's compiler used when it evaluated the same expression in the event's
/// <c>trace_raw_output_*</c> function. <c>long</c> and <c>long long</c> are both 8 bytes and
/// are not told apart: no conversion differs between them.
/// </summary>
internal sealed record CType(CTypeKind Kind, int Size, bool IsSigned, CType? Target = null, bool IsBool = false)
{
    public static readonly CType Void = new(CTypeKind.Void, 1, false);
    public static readonly CType Bool = new(CTypeKind.Integer, 1, false, IsBool: true);
    public static readonly CType Char = new(CTypeKind.Integer, 1, true);
    public static readonly CType UnsignedChar = new(CTypeKind.Integer, 1, false);
    public static readonly CType Short = new(CTypeKind.Integer, 2, true);
    public static readonly CType UnsignedShort = new(CTypeKind.Integer, 2, false);
    public static readonly CType Int = new(CTypeKind.Integer, 4, true);
    public static readonly CType UnsignedInt = new(CTypeKind.Integer, 4, false);
    public static readonly CType Long = new(CTypeKind.Integer, 8, true);
    public static readonly CType UnsignedLong = new(CTypeKind.Integer, 8, false);
    public static readonly CType VoidPointer = PointerTo(Void);
    public static readonly CType CharPointer = PointerTo(Char);

    public bool IsInteger => Kind == CTypeKind.Integer;

    public bool IsPointer => Kind == CTypeKind.Pointer;

    /// <summary>What a pointer's <c>+ 1</c> moves by: the target's size (GNU C counts <c>void</c> as 1).</summary>
    public int Stride => Target?.Size ?? 1;

    public static CType PointerTo(CType target) => new(CTypeKind.Pointer, 8, false, target);

    /// <summary>An integer type of this many bytes (1, 2, 4 or 8; anything else is taken as 8).</summary>
    public static CType Integer(int size, bool signed) => (size, signed) switch
    {
        (1, true) => Char,
        (1, false) => UnsignedChar,
        (2, true) => Short,
        (2, false) => UnsignedShort,
        (4, true) => Int,
        (4, false) => UnsignedInt,
        (_, true) => Long,
        _ => UnsignedLong,
    };

    /// <summary>C's integer promotion: anything narrower than <c>int</c> becomes <c>int</c>.</summary>
    public CType Promoted => IsInteger && Size < 4 ? Int : this;

    /// <summary>
    /// C's usual arithmetic conversions for two integer operands: both promoted, then the wider
    /// wins, and at equal width unsigned wins.
    /// </summary>
    public static CType Common(CType left, CType right)
    {
        var a = left.Promoted;
        var b = right.Promoted;
        if (a.Size != b.Size)
        {
            return a.Size > b.Size ? a : b;
        }

        return a.IsSigned && b.IsSigned ? a : Integer(a.Size, signed: false);
    }

    /// <summary>
    /// The 64-bit form of <paramref name="bits"/> seen as this type: truncated to the type's
    /// width, then sign- or zero-extended (a conversion to <c>bool</c> tests for non-zero).
    /// Pointers and aggregates keep all 64 bits.
    /// </summary>
    public ulong Normalize(ulong bits)
    {
        if (IsBool)
        {
            return bits != 0 ? 1ul : 0ul;
        }

        if (!IsInteger || Size >= 8)
        {
            return bits;
        }

        var shift = 64 - (Size * 8);
        return IsSigned ? (ulong)((long)(bits << shift) >> shift) : (bits << shift) >> shift;
    }
}
