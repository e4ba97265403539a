using Ktap.Bpf.Tracing;
using Ktap.Compiler.Events;

namespace Ktap.Compiler.Filters;

/// <summary>
/// Finds what a filter's field name reads, in the kernel's order (trace_find_event_field): the
/// event's own fields, then the common header, then the generic <c>CPU</c>/<c>cpu</c> and
/// <c>COMM</c>/<c>comm</c>. A target without named fields (a raw tracepoint) also offers its
/// arguments by name, <c>arg0</c> and so on.
/// </summary>
internal static class FilterFields
{
    /// <summary>
    /// A tracepoint program never sees the record's 8-byte common header: the kernel stores a
    /// pt_regs pointer over it before the program runs (perf_trace_run_bpf_submit), and the
    /// verifier refuses context reads below offset 8 (tp_prog_is_valid_access).
    /// </summary>
    private const int TracepointHeaderSize = 8;

    private const string CommonPid = "common_pid";

    private static readonly string[] HiddenCommonFields = ["common_type", "common_flags", "common_preempt_count"];

    public static FilterSubject Resolve(ProbeTarget target, FilterToken name)
    {
        var text = name.Text;
        if ((target.FindField(text) ?? target.Arguments.FirstOrDefault(a => a.Name == text)) is { } field)
        {
            return target.Kind == ContextKind.Tracepoint && field.Offset < TracepointHeaderSize
                ? CommonField(name)
                : FromContext(field, name);
        }

        return text switch
        {
            CommonPid => CommonField(name),
            _ when HiddenCommonFields.Contains(text) => CommonField(name),
            "CPU" or "cpu" => new FilterSubject(text, SubjectKind.Cpu, -1, 4, IsSigned: true),
            "COMM" or "comm" => new FilterSubject(text, SubjectKind.Comm, -1, 16, IsSigned: false),
            _ => throw Unknown(target, name),
        };
    }

    /// <summary><c>NAME.ustring</c>: the kernel's way to read a user-space string through a pointer field.</summary>
    public static FilterSubject UserString(FilterSubject pointer, FilterToken suffix)
    {
        if (suffix.Text == "function")
        {
            throw new FilterException("'.function' (a kernel address by its symbol) is not supported in ktap filters", suffix.Span);
        }

        if (suffix.Text != "ustring")
        {
            throw new FilterException($"unknown field suffix '.{suffix.Text}': the only one is '.ustring'", suffix.Span);
        }

        return pointer is { Kind: SubjectKind.Integer, Size: 8 }
            ? pointer with { Kind = SubjectKind.UserString }
            : throw new FilterException(
                $"'.ustring' reads a user-space string through a pointer, and '{pointer.Name}' is not an 8-byte field", suffix.Span);
    }

    private static FilterSubject CommonField(FilterToken name) =>
        name.Text == CommonPid
            ? new FilterSubject(CommonPid, SubjectKind.ThreadId, -1, 4, IsSigned: true)
            : throw new FilterException(
                $"'{name.Text}' cannot be filtered on: BPF programs do not see the event's common header", name.Span);

    private static FilterSubject FromContext(ContextField field, FilterToken name) => field.Kind switch
    {
        FieldKind.Signed or FieldKind.Unsigned when field.Size is 1 or 2 or 4 or 8 =>
            new FilterSubject(field.Name, SubjectKind.Integer, field.Offset, field.Size, field.Kind == FieldKind.Signed),
        FieldKind.Signed or FieldKind.Unsigned => throw new FilterException(
            $"'{field.Name}' is {field.Size} bytes: only 1-, 2-, 4- and 8-byte integers can be compared", name.Span),
        FieldKind.CharArray when field.Size > 0 => new FilterSubject(field.Name, SubjectKind.CharArray, field.Offset, field.Size, false),
        FieldKind.CharArray => throw new FilterException($"'{field.Name}' has no fixed size to compare", name.Span),
        _ => new FilterSubject(field.Name, SubjectKind.DataLocString, field.Offset, 4, false),
    };

    private static FilterException Unknown(ProbeTarget target, FilterToken name)
    {
        var named = target.Fields.Select(f => f.Name).Where(n => !n.StartsWith("common_", StringComparison.Ordinal)).ToList();
        var candidates = (named.Count > 0 ? named : target.Arguments.Select(a => a.Name)).Concat([CommonPid, "cpu", "comm"]).ToList();
        var near = NameSuggestions.Nearest(name.Text, candidates);
        var hint = near.Count > 0
            ? $"; did you mean {string.Join(" or ", near.Select(n => $"'{n}'"))}?"
            : $" (its fields: {string.Join(", ", candidates)})";
        return new FilterException($"{target.ProbeName} has no field '{name.Text}'{hint}", name.Span);
    }
}
