using Ktap.Compiler.Types;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.CodeGen;

public enum OutputKind
{
    Print,
    Printf,
    Exit,
}

/// <summary>
/// One value in a ring buffer record: <see cref="Size"/> bytes at <see cref="Offset"/> from the
/// record's start. A value that can be nil has a presence word at <see cref="PresenceOffset"/>
/// (non-zero when there is a value); -1 when it never is nil.
/// </summary>
public sealed record RecordField(KtapType Type, int Offset, int Size, int PresenceOffset)
{
    /// <summary>
    /// <c>argstr</c>: up to <see cref="Size"/> bytes of the tracepoint's raw record, its first 8
    /// bytes replaced by the event's id and the bytes copied (two u32), which the ktap process
    /// renders with the event's print format.
    /// </summary>
    public bool IsEventRecord { get; init; }
}

/// <summary>
/// A <c>print</c>, <c>printf</c> or <c>exit</c> in kernel code. Its records start with the site's
/// id (a u32) and hold its arguments packed after it; the ktap process formats them with the
/// interpreter's formatter, so both sides print the same text.
/// </summary>
public sealed record OutputSite(int Id, OutputKind Kind, string? Format, IReadOnlyList<RecordField> Fields, int RecordSize, TextSpan Span);

/// <summary>A runtime error a handler can meet: its message, where, and its counter in the data map.</summary>
public sealed record ErrorSite(int Id, string Message, TextSpan Span, int CounterOffset);
