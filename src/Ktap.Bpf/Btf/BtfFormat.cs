using System.Runtime.CompilerServices;

namespace Ktap.Bpf.Btf;

/// <summary>
/// The BTF wire format (Documentation/bpf/btf.rst, uapi <c>linux/btf.h</c>). Everything is in
/// the host's byte order; ktap runs on little-endian hosts only (x86-64, arm64).
/// </summary>
internal static class BtfFormat
{
    public const ushort Magic = 0xeB9F;
    public const byte Version = 1;

    /// <summary><c>struct btf_header</c>: magic, version, flags, hdr_len, then type and string section offsets and lengths.</summary>
    public const int HeaderSize = 24;

    /// <summary><c>struct btf_type</c>: name_off, info, size-or-type. Some kinds append more (see <see cref="TrailerSize"/>).</summary>
    public const int TypeSize = 12;

    /// <summary><c>struct bpf_func_info</c>: insn_off, type_id.</summary>
    public const int FuncInfoSize = 8;

    /// <summary><c>struct bpf_line_info</c>: insn_off, file_name_off, line_off, line_col.</summary>
    public const int LineInfoSize = 16;

    /// <summary>BTF_MAX_NAME_OFFSET: name offsets are 24 bits wide in the kernel's checks.</summary>
    public const int MaxNameOffset = 0xffffff;

    /// <summary>line_col keeps the column in its low 10 bits and the line in the 22 above.</summary>
    public const int ColumnBits = 10;
    public const int MaxColumn = (1 << ColumnBits) - 1;
    public const int MaxLine = (1 << (32 - ColumnBits)) - 1;

    public static BtfKind Kind(uint info) => (BtfKind)((info >> 24) & 0x1f);

    public static int VLen(uint info) => (int)(info & 0xffff);

    public static bool KindFlag(uint info) => (info >> 31) != 0;

    public static uint Info(BtfKind kind, int vlen, bool kindFlag = false) =>
        ((kindFlag ? 1u : 0u) << 31) | ((uint)kind << 24) | (uint)vlen;

    /// <summary>
    /// How many bytes follow the 12-byte <c>btf_type</c> of a kind, or -1 for a kind this
    /// reader does not know (the record's length is then unknown and nothing after it can be read).
    /// </summary>
    /// <remarks>Two table lookups rather than a switch: the one loop over every type stays small and branch-free.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TrailerSize(BtfKind kind, int vlen) =>
        (uint)kind < (uint)FixedTrailer.Length ? FixedTrailer[(int)kind] + (PerMember[(int)kind] * vlen) : -1;

    /// <summary>Bytes after <c>btf_type</c> whatever its vlen, by kind; -1 for kind 0, which no record has.</summary>
    private static ReadOnlySpan<sbyte> FixedTrailer =>
    [
        -1,
        4,  // INT: encoding, bit offset, bit count
        0,  // PTR
        12, // ARRAY: struct btf_array (type, index_type, nelems)
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO
        4,  // VAR: struct btf_var (linkage)
        0, 0, // DATASEC, FLOAT
        4,  // DECL_TAG: struct btf_decl_tag (component_idx)
        0, 0, // TYPE_TAG, ENUM64
    ];

    /// <summary>Bytes after <c>btf_type</c> per vlen unit, by kind.</summary>
    private static ReadOnlySpan<byte> PerMember =>
    [
        0, 0, 0, 0,
        12, // STRUCT: struct btf_member (name_off, type, offset)
        12, // UNION: the same
        8,  // ENUM: struct btf_enum (name_off, val)
        0, 0, 0, 0, 0, 0, // FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC (its vlen is the linkage)
        8,  // FUNC_PROTO: struct btf_param (name_off, type)
        0,  // VAR
        12, // DATASEC: struct btf_var_secinfo (type, offset, size)
        0, 0, 0, // FLOAT, DECL_TAG, TYPE_TAG
        12, // ENUM64: struct btf_enum64 (name_off, val_lo32, val_hi32)
    ];
}
