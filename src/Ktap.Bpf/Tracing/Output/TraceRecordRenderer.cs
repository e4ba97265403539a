using System.Globalization;
using System.Text;
using Ktap.Bpf.Events;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// Renders raw trace event records (what a tracepoint program's context points to: the
/// <c>common_*</c> header, the fields, then the <c>__data_loc</c> data) as the kernel's
/// <c>trace</c> file shows them. Build one per event: the print format is parsed and its
/// names resolved once; <see cref="Render(ReadOnlySpan{byte})"/> then only computes.
/// Safe to use from several threads at once.
/// </summary>
/// <remarks>
/// Rendering never throws on a record: a short record reads as zero-filled, and what cannot be
/// reproduced (a kernel function the format calls, memory outside the record) prints as
/// <c>[unsupported: what]</c>; <see cref="Unsupported"/> lists those of the event. Plain
/// <c>%p</c> prints the address unhashed, as the kernel does with the <c>hash-ptr</c> trace
/// option off: the hash depends on a key only the kernel has.
/// </remarks>
public sealed class TraceRecordRenderer
{
    private static readonly Lazy<int?> KernelHz = new(ReadHz);

    private readonly IRecordPrinter printer;

    /// <param name="format">The event's format.</param>
    /// <param name="symbols">For <c>%pS</c>, <c>%ps</c>, <c>%pB</c>; null prints addresses in hex.</param>
    /// <param name="enums">For enum constants the format file left as names; null leaves them unknown.</param>
    public TraceRecordRenderer(EventFormat format, IKernelSymbolResolver? symbols = null, IKernelEnumResolver? enums = null)
    {
        ArgumentNullException.ThrowIfNull(format);
        Format = format;
        var hz = format.PrintFormat.Contains("jiffies_to_msecs", StringComparison.Ordinal) ? KernelHz.Value : null;
        printer = (IRecordPrinter?)SyscallPrinter.TryCreate(format)
            ?? new PrintFormatPrinter(format, new PrintEnvironment(symbols, hz), enums);
    }

    public EventFormat Format { get; }

    /// <summary>
    /// Whether the <c>trace</c> file writes <c>EVENTNAME: </c> before the rendered text: true for
    /// events printed by their print format, false for the syscall events, whose own printer
    /// starts with the syscall's name (<c>sys_openat(...)</c>).
    /// </summary>
    public bool PrintsEventName => printer.PrintsEventName;

    /// <summary>
    /// What this event's records can print as <c>[unsupported: ...]</c>: unknown functions and
    /// names, arguments that cannot be parsed. Empty when every record renders as the kernel's.
    /// </summary>
    public IReadOnlyList<string> Unsupported => printer.Unsupported;

    /// <summary>A renderer that knows the running kernel's symbols and enums (read when first needed, once).</summary>
    public static TraceRecordRenderer ForRunningKernel(EventFormat format) =>
        new(format, KallsymsSymbolResolver.RunningKernelSymbols, BtfEnumResolver.Vmlinux);

    /// <summary>
    /// The event's text as the <c>trace</c> file shows it after the header columns and the
    /// <c>EVENTNAME: </c> prefix (for syscall events, which have no prefix, the whole text).
    /// One char per byte (Latin-1): strings from the record come out byte for byte.
    /// </summary>
    public string Render(ReadOnlySpan<byte> record)
    {
        var output = new StringBuilder();
        Render(record, output);
        return output.ToString();
    }

    /// <inheritdoc cref="Render(ReadOnlySpan{byte})"/>
    public void Render(ReadOnlySpan<byte> record, StringBuilder output)
    {
        ArgumentNullException.ThrowIfNull(output);
        printer.Print(record.ToArray(), output);
    }

    /// <summary>The text after the header columns: <c>EVENTNAME: </c> and <see cref="Render(ReadOnlySpan{byte})"/>, or for a syscall event its text alone.</summary>
    public string RenderLine(ReadOnlySpan<byte> record)
    {
        var output = new StringBuilder();
        if (PrintsEventName)
        {
            output.Append(Format.Name).Append(": ");
        }

        Render(record, output);
        return output.ToString();
    }

    private static int? ReadHz() =>
        int.TryParse(KernelConfig.Get("CONFIG_HZ"), NumberStyles.None, CultureInfo.InvariantCulture, out var hz) ? hz : null;
}
