namespace Ktap.Bpf.Tracing;

/// <summary>How a field's bytes are found in the event record.</summary>
public enum FieldStorage
{
    /// <summary>At <see cref="EventField.Offset"/>, <see cref="EventField.Size"/> bytes.</summary>
    Inline,

    /// <summary>
    /// <c>__data_loc</c>: a u32 at the offset whose low 16 bits are the data's offset from the
    /// start of the record and whose high 16 bits are its length (a string's includes the NUL).
    /// </summary>
    DataLoc,

    /// <summary>
    /// <c>__rel_loc</c> (Linux 5.17): as <see cref="DataLoc"/>, but the offset counts from the
    /// end of the u32 itself.
    /// </summary>
    RelLoc,
}

/// <summary>One field of a trace event record, as its tracefs <c>format</c> file declares it.</summary>
/// <param name="Name">The field's name, as <c>filename</c>.</param>
/// <param name="Declaration">The C declaration as written, as <c>const char * filename</c>, <c>char prev_comm[16]</c>, <c>__data_loc char[] name</c>.</param>
/// <param name="Type">The declaration without the name: <c>const char *</c>, <c>char[16]</c>, <c>__data_loc char[]</c>.</param>
/// <param name="Offset">Bytes from the start of the record (the tracepoint program's context).</param>
/// <param name="Size">Bytes the field takes in the record: 4 for a <c>__data_loc</c> word.</param>
/// <param name="IsSigned">What the kernel says; for an array, the element's signedness.</param>
public sealed record EventField(string Name, string Declaration, string Type, int Offset, int Size, bool IsSigned)
{
    /// <summary>The <c>common_*</c> header fields every event record starts with.</summary>
    public bool IsCommon => Name.StartsWith("common_", StringComparison.Ordinal);

    public FieldStorage Storage { get; init; }

    /// <summary>For an array or a <c>__data_loc</c> field, the element type (<c>char</c>); otherwise <see cref="Type"/>.</summary>
    public required string ElementType { get; init; }

    /// <summary>A fixed-size array (<c>char comm[16]</c>) or a dynamic one (<c>__data_loc</c>).</summary>
    public bool IsArray { get; init; }

    /// <summary>
    /// The element count of a fixed array when the kernel wrote a number or it follows from the
    /// size; null otherwise, as for a dynamic array or a trailing flexible one (<c>char buf[]</c>,
    /// size 0: the rest of the record).
    /// </summary>
    public int? ArrayLength { get; init; }

    /// <summary>A C pointer (<c>const char *</c>): the value is a kernel or user address, not the data.</summary>
    public bool IsPointer => !IsArray && Type.EndsWith('*');

    /// <summary>An array of <c>char</c> (inline or <c>__data_loc</c>) that holds a NUL-terminated string.</summary>
    public bool IsString => IsArray && ElementType is "char" or "const char" or "signed char" or "unsigned char";
}
