using System.Text;
using Ktap.Interpreter.Values;

namespace Ktap.Interpreter.Formatting;

/// <summary>
/// How <c>print</c> shows values (LANGUAGE.md §6). The interpreter's <c>print</c> writes what this
/// gives; the session formats a <c>print</c> record from the kernel with it too, so the two sides
/// cannot drift apart. For <c>printf</c> use <see cref="PrintfFormatter"/>, for
/// <c>print_hist</c> <see cref="HistogramPrinter"/>.
/// </summary>
public static class ValueFormatter
{
    /// <summary>
    /// One <c>print(...)</c> line: each value as <see cref="Value.ToString"/> shows it, separated
    /// by TABs, ending with a newline (<c>print()</c> gives just the newline).
    /// </summary>
    public static string FormatPrint(ReadOnlySpan<Value> values)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                builder.Append('\t');
            }

            builder.Append(values[i].ToString());
        }

        return builder.Append('\n').ToString();
    }
}
