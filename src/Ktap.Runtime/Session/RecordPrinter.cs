using System.Buffers.Binary;
using System.Globalization;
using Ktap.Compiler.CodeGen;
using Ktap.Interpreter.Formatting;
using Ktap.Runtime.Output;

namespace Ktap.Runtime.Session;

/// <summary>
/// Formats ring buffer records as the interpreter would have printed them: <c>print</c> through
/// <see cref="ValueFormatter"/>, <c>printf</c> through the same <see cref="PrintfFormatter"/>.
/// With <paramref name="timestamps"/> (<c>-T</c>) each record's output starts with the
/// CLOCK_MONOTONIC time it was made, as ktap printed it: <c>%5lu.%06lu: </c>.
/// </summary>
internal sealed class RecordPrinter(IReadOnlyList<OutputSite> sites, KernelSymbolizer stacks, EventRecordRenderer events, TextWriter output, TextWriter errors, string scriptName, Func<int, int> lineOf, bool timestamps)
{
    private readonly PrintfFormatter printf = new() { SymbolResolver = KernelSymbolNames.Resolve };
    private readonly HashSet<int> reportedSites = [];

    /// <summary>True once an <c>exit()</c> record has come: later records are not printed.</summary>
    public bool Exited { get; private set; }

    public void Print(ReadOnlySpan<byte> record)
    {
        if (Exited || record.Length < 4)
        {
            return;
        }

        var id = RecordDecoder.SiteId(record);
        if (id < 0 || id >= sites.Count)
        {
            return;
        }

        var site = sites[id];
        var values = RecordDecoder.Arguments(site, record, stacks, events);
        if (timestamps && site.Kind != OutputKind.Exit)
        {
            var nanoseconds = BinaryPrimitives.ReadInt64LittleEndian(record[ScriptCompiler.TimestampOffset..]);
            output.Write(string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1_000_000_000,5}.{nanoseconds % 1_000_000_000 / 1000:D6}: "));
        }

        switch (site.Kind)
        {
            case OutputKind.Print:
                output.Write(ValueFormatter.FormatPrint(values));
                break;
            case OutputKind.Printf:
                try
                {
                    output.Write(printf.Format(site.Format!, values));
                }
                catch (FormatException e)
                {
                    // Reported once per site: the same record shape fails the same way every time.
                    if (reportedSites.Add(site.Id))
                    {
                        errors.WriteLine($"error: {e.Message} ({scriptName}:{lineOf(site.Span.Start)})");
                    }
                }

                break;
            default:
                Exited = true;
                break;
        }
    }
}
