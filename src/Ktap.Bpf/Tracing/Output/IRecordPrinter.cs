using System.Text;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>One event's output function: what the kernel's <c>trace</c> file prints after the header columns.</summary>
internal interface IRecordPrinter
{
    /// <summary>Whether the kernel writes <c>EVENTNAME: </c> before the text (its trace_raw_output_prep() does; the syscall printers do not).</summary>
    bool PrintsEventName { get; }

    /// <summary>What cannot be reproduced for this event, found when it was built; empty when everything can.</summary>
    IReadOnlyList<string> Unsupported { get; }

    void Print(ReadOnlyMemory<byte> record, StringBuilder output);
}
