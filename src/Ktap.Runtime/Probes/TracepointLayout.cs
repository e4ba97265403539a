using Ktap.Bpf.Tracing;
using Ktap.Compiler.Events;

namespace Ktap.Runtime.Probes;

/// <summary>
/// A tracepoint program's context as ktap scripts see it: the event record of the tracefs
/// <c>format</c> file, field by field (LANGUAGE.md §5). <c>argN</c> is the N-th field after the
/// <c>common_*</c> header, so for <c>syscalls:sys_enter_*</c> arg0 is <c>__syscall_nr</c> and
/// arg1.. the syscall's arguments, and for <c>sys_exit_*</c> arg1 is <c>ret</c>. Every field,
/// the header included, is also a named field, for <c>args.NAME</c> and filters.
/// </summary>
internal static class TracepointLayout
{
    public static (ProbeTarget Target, IReadOnlyList<UnsupportedValue> Unsupported) Build(EventFormat format)
    {
        var arguments = new List<ContextField>();
        var fields = new List<ContextField>();
        var unsupported = new List<UnsupportedValue>();
        var argumentIndex = 0;
        var argumentsEnded = false;
        foreach (var field in format.Fields)
        {
            var (context, reason) = Describe(field);
            int? index = field.IsCommon ? null : argumentIndex++;
            if (context is not null)
            {
                fields.Add(context);
            }
            else
            {
                unsupported.Add(new UnsupportedValue(field.Name, index, reason!));
            }

            // argN counts positions: once one cannot be described, later ones would shift.
            if (index is not null && !argumentsEnded)
            {
                if (context is null)
                {
                    argumentsEnded = true;
                }
                else
                {
                    arguments.Add(context);
                }
            }
        }

        var target = new ProbeTarget(format.Name, ContextKind.Tracepoint, arguments, fields)
        {
            EventId = format.Id,
            RecordSize = format.FixedSize,
            HasDynamicData = format.Fields.Any(f => f.Storage is FieldStorage.DataLoc or FieldStorage.RelLoc),
        };
        return (target, unsupported);
    }

    /// <summary>The field as the code generator can load it, or why it cannot.</summary>
    internal static (ContextField? Field, string? Reason) Describe(EventField field)
    {
        switch (field.Storage)
        {
            case FieldStorage.DataLoc when field.IsString:
                // The record holds a u32: the string's offset from the record start in the low
                // 16 bits, its length (with the NUL) in the high 16 (include/trace/stages/).
                return (new ContextField(field.Name, field.Offset, field.Size, FieldKind.DataLocString), null);
            case FieldStorage.DataLoc:
                return (null, $"field '{field.Name}' is {field.Type}: dynamic arrays of other than char are not supported yet");
            case FieldStorage.RelLoc:
                return (null, $"field '{field.Name}' is {field.Type}: __rel_loc fields are not supported yet");
        }

        if (field.IsArray)
        {
            if (field.IsString && field.Size > 0)
            {
                return (new ContextField(field.Name, field.Offset, field.Size, FieldKind.CharArray), null);
            }

            return field.Size == 0
                ? (null, $"field '{field.Name}' is {field.Type}: a flexible array (the rest of the record) is not supported yet")
                : (null, $"field '{field.Name}' is {field.Type}: arrays of other than char are not supported yet");
        }

        if (field.Size is not (1 or 2 or 4 or 8))
        {
            return (null, $"field '{field.Name}' is {field.Type} of {field.Size} bytes: only 1, 2, 4 and 8-byte values are supported");
        }

        // The kernel's "signed:" is is_signed_type() of the declared type, so a pointer is
        // unsigned already; syscall arguments are stored as unsigned longs whatever their C
        // type ("int dfd ... size:8; signed:0"), and are read as the record has them.
        var kind = field.IsSigned && !field.IsPointer ? FieldKind.Signed : FieldKind.Unsigned;
        return (new ContextField(field.Name, field.Offset, field.Size, kind), null);
    }
}
