namespace Ktap.Bpf.Btf;

/// <summary>The kinds of BTF type (uapi <c>linux/btf.h</c>, <c>BTF_KIND_*</c>).</summary>
public enum BtfKind : byte
{
    /// <summary>Type id 0, which no record describes: <c>void</c>.</summary>
    Void = 0,
    Int = 1,
    Pointer = 2,
    Array = 3,
    Struct = 4,
    Union = 5,

    /// <summary>A 32-bit (or smaller) enum; the kind flag says signed (kernel 6.0).</summary>
    Enum = 6,

    /// <summary>A forward declaration of a struct or (kind flag set) a union.</summary>
    Forward = 7,
    Typedef = 8,
    Volatile = 9,
    Const = 10,
    Restrict = 11,

    /// <summary>A function: a name, a linkage (in vlen) and a <see cref="FunctionProto"/> (kernel 5.0).</summary>
    Function = 12,

    /// <summary>A function signature: return type and parameters, no name (kernel 5.0).</summary>
    FunctionProto = 13,

    /// <summary>A global variable (kernel 5.2).</summary>
    Variable = 14,

    /// <summary>A section of variables, as .data or .percpu (kernel 5.2).</summary>
    DataSection = 15,

    /// <summary>A floating-point type (kernel 5.13).</summary>
    Float = 16,

    /// <summary>An attribute on a declaration, as <c>bpf_kfunc</c> (kernel 5.16).</summary>
    DeclTag = 17,

    /// <summary>An attribute on a type, as <c>__user</c> (kernel 5.17).</summary>
    TypeTag = 18,

    /// <summary>An enum with 64-bit values (kernel 6.0).</summary>
    Enum64 = 19,
}

/// <summary>The linkage of a FUNC (in its vlen) or a VAR.</summary>
public enum BtfLinkage
{
    Static = 0,

    /// <summary>Visible outside its unit. A global BPF subprogram is verified on its own, knowing only its prototype.</summary>
    Global = 1,
    Extern = 2,
}

/// <summary>The encoding bits of a BTF INT.</summary>
[Flags]
public enum BtfIntEncoding : byte
{
    None = 0,
    Signed = 1,
    Char = 2,
    Bool = 4,
}
