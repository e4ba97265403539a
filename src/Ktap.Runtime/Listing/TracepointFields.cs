using Ktap.Bpf.Tracing;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Listing;

/// <summary>
/// A tracepoint's fields for <c>ktap -lv</c>, as the format file declares them, each with the
/// <c>argN</c> a handler reads it as (the same layout the compiler uses:
/// <see cref="TracepointLayout"/>), or why it cannot be read yet; then the common fields, which a
/// script reads as <c>args.NAME</c> and filters name.
/// <code>
/// syscalls:sys_enter_openat
///     arg0  int __syscall_nr
///     arg2  const char * filename
///     common fields: unsigned short common_type, ..., int common_pid
/// </code>
/// </summary>
internal static class TracepointFields
{
    public static void Write(TraceEventCatalog catalog, TraceEventName name, TextWriter output)
    {
        EventFormat format;
        try
        {
            format = catalog.GetFormat(name);
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            output.WriteLine($"    (its format cannot be read: {e.Message})");
            return;
        }

        var (target, unsupported) = TracepointLayout.Build(format);
        foreach (var field in format.EventFields)
        {
            var index = IndexOf(target.Arguments, field.Name);
            var argument = index < 0 ? string.Empty : $"arg{index}";
            var why = unsupported.FirstOrDefault(u => u.Name == field.Name)?.Reason;
            output.WriteLine(why is null
                ? $"    {argument,-6}{field.Declaration}"
                : $"    {argument,-6}{field.Declaration}  ({why})");
        }

        var common = format.Fields.Where(f => f.IsCommon).Select(f => f.Declaration).ToList();
        if (common.Count > 0)
        {
            output.WriteLine($"    common fields: {string.Join(", ", common)}");
        }
    }

    private static int IndexOf(IReadOnlyList<Compiler.Events.ContextField> arguments, string name)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }
}
