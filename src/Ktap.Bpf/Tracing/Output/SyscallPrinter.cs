using System.Globalization;
using System.Text;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// The syscall events (<c>syscalls:sys_enter_*</c>, <c>sys_exit_*</c>) print with their own
/// functions, print_syscall_enter() and print_syscall_exit() in kernel/trace/trace_syscalls.c,
/// not with the print format their format file shows: <c>sys_openat(dfd: 0xffffff9c,
/// filename: 0x7ffc..., flags: 0x241, mode: 0)</c> and <c>sys_openat -&gt; 0x3</c>, with no
/// event name before them. Every argument is an unsigned long in the record; one below 10
/// prints in decimal, the others in hex after 0x, as Linux 6.18's trace file shows them (older
/// kernels printed every argument as bare hex). The return value is always 0x and hex.
/// </summary>
internal sealed class SyscallPrinter : IRecordPrinter
{
    private const string EnterPrefix = "sys_enter_";
    private const string ExitPrefix = "sys_exit_";

    private readonly string syscall;
    private readonly EventField[] arguments;
    private readonly EventField? result;

    private SyscallPrinter(string syscall, EventField[] arguments, EventField? result)
    {
        this.syscall = syscall;
        this.arguments = arguments;
        this.result = result;
    }

    public bool PrintsEventName => false;

    public IReadOnlyList<string> Unsupported => [];

    /// <summary>
    /// The printer for a syscall event, or null for any other. A syscall event is named
    /// <c>sys_enter_NAME</c> or <c>sys_exit_NAME</c> and has the <c>__syscall_nr</c> field; the
    /// kernel's name for it in the output is <c>sys_NAME</c> (its syscall_metadata).
    /// </summary>
    public static SyscallPrinter? TryCreate(EventFormat format)
    {
        if (format.Field("__syscall_nr") is null)
        {
            return null;
        }

        if (format.Name.StartsWith(EnterPrefix, StringComparison.Ordinal))
        {
            var fields = format.EventFields.Where(f => f.Name != "__syscall_nr").ToArray();
            return new SyscallPrinter("sys_" + format.Name[EnterPrefix.Length..], fields, null);
        }

        if (format.Name.StartsWith(ExitPrefix, StringComparison.Ordinal) && format.Field("ret") is { } ret)
        {
            return new SyscallPrinter("sys_" + format.Name[ExitPrefix.Length..], [], ret);
        }

        return null;
    }

    public void Print(ReadOnlyMemory<byte> record, StringBuilder output)
    {
        output.Append(syscall);
        if (result is not null)
        {
            output.Append(" -> ").Append(KernelNumberFormat.Hex(Read(record, result)));
            return;
        }

        output.Append('(');
        for (var i = 0; i < arguments.Length; i++)
        {
            var value = Read(record, arguments[i]);
            output.Append(i == 0 ? string.Empty : ", ").Append(arguments[i].Name).Append(": ")
                .Append(value < 10 ? value.ToString(CultureInfo.InvariantCulture) : KernelNumberFormat.Hex(value));
        }

        output.Append(')');
    }

    private static ulong Read(ReadOnlyMemory<byte> record, EventField field) =>
        field.Offset < record.Length ? PrintEvaluator.ReadInteger(record.Span[field.Offset..], Math.Min(field.Size, 8)) : 0;
}
