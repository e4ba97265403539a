using System.Text;

namespace Ktap.Bpf.Tracing.Output;

internal enum PrintValueKind
{
    /// <summary>An integer, or a pointer whose target is not here (a kernel address): <see cref="PrintValue.Bits"/>.</summary>
    Integer,

    /// <summary>
    /// A pointer to bytes this process has: into the record (a field, dynamic data) or a
    /// string the evaluation made (a literal, the text of <c>__print_flags</c>).
    /// </summary>
    Memory,

    /// <summary>What cannot be computed here; <see cref="PrintValue.Reason"/> says what.</summary>
    Unsupported,
}

/// <summary>The value of a print format argument expression for one record.</summary>
internal readonly struct PrintValue
{
    private PrintValue(PrintValueKind kind, ulong bits, CType type, ReadOnlyMemory<byte> memory, string? reason)
    {
        Kind = kind;
        Bits = bits;
        Type = type;
        Memory = memory;
        Reason = reason;
    }

    public PrintValueKind Kind { get; }

    /// <summary>An integer's value in its 64-bit form (see <see cref="CType.Normalize"/>), or a pointer's address.</summary>
    public ulong Bits { get; }

    public CType Type { get; }

    /// <summary>For <see cref="PrintValueKind.Memory"/>: the bytes from the pointer to the end of what is known.</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    public string? Reason { get; }

    public bool IsUnsupported => Kind == PrintValueKind.Unsupported;

    public static PrintValue Integer(ulong bits, CType type) => new(PrintValueKind.Integer, type.Normalize(bits), type, default, null);

    public static PrintValue Pointer(ReadOnlyMemory<byte> memory, CType pointerType) => new(PrintValueKind.Memory, 0, pointerType, memory, null);

    /// <summary>A NUL-terminated string this evaluation made, as <c>const char *</c>.</summary>
    public static PrintValue Text(string text) => Pointer(Encoding.Latin1.GetBytes(text + "\0"), CType.CharPointer);

    public static PrintValue Unsupported(string reason) => new(PrintValueKind.Unsupported, 0, CType.Int, default, reason);

    /// <summary>What the renderer prints where the kernel's output cannot be reproduced: <c>[unsupported: what]</c>.</summary>
    public static string Placeholder(string what) => $"[unsupported: {what}]";

    /// <summary>C truth: non-zero, or a pointer to memory (never NULL).</summary>
    public bool IsTrue => Kind == PrintValueKind.Memory || Bits != 0;

    /// <summary>
    /// The bytes of a C string at a pointer into memory: up to the first NUL, or to the end of
    /// what is known (a kernel <c>%s</c> reads on into whatever follows; here that is the rest of
    /// the record).
    /// </summary>
    public ReadOnlySpan<byte> StringBytes()
    {
        var span = Memory.Span;
        var end = span.IndexOf((byte)0);
        return end < 0 ? span : span[..end];
    }
}
