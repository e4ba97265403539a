using System.Globalization;
using Ktap.Interpreter.Values;

namespace Ktap.Interpreter.Formatting;

/// <summary>
/// <c>print_hist(t [, n])</c> in ktap's exact layout (LANGUAGE.md §6): a header, then one row per
/// entry sorted by value, descending, each with a 38-character bar of '@'.
/// </summary>
public static class HistogramPrinter
{
    public const int DefaultRows = 20;
    public const int MaxRows = 1000;

    /// <summary>Keys longer than this (stacks) print on lines of their own.</summary>
    private const int KeyWidth = 32;
    private const int BarWidth = 38;

    public static void Print(TextWriter output, KtapTable table, long rows, Func<string, Exception> error)
    {
        // ktap clamps the row count to 20..1000, so a smaller n has no effect.
        var shown = (int)Math.Clamp(rows, DefaultRows, MaxRows);
        // An aggregation's cells are drawn by their counts, as ktap drew its ptables.
        var entries = table.Entries().ConvertAll(e => e.Value.Kind == ValueKind.Aggregate ? new(e.Key, Value.Number(e.Value.AsAggregate.Count)) : e);
        long total = 0;
        foreach (var entry in entries)
        {
            if (entry.Value.Kind != ValueKind.Number)
            {
                throw error($"print_hist needs numbers as values, got a {entry.Value.TypeName} for key '{entry.Key}'");
            }

            total += entry.Value.AsNumber;
        }

        // Stable: equal counts keep the table's iteration order.
        var sorted = entries.OrderByDescending(e => e.Value.AsNumber).ToList();

        output.Write("                         value ------------- Distribution ------------- count\n");
        for (var i = 0; i < sorted.Count; i++)
        {
            // At most n-1 rows; a table with n or more entries ends with a "..." row.
            if (i == shown - 1)
            {
                output.Write("                            ... |\n");
                return;
            }

            var (key, value) = (sorted[i].Key, sorted[i].Value.AsNumber);
            var bar = Bar(value, total);
            var count = value.ToString(CultureInfo.InvariantCulture).PadRight(7);
            var keyText = key.ToString();
            if (key.Kind != ValueKind.Number && keyText.Length > KeyWidth)
            {
                output.Write($"{keyText}{bar}\n{value.ToString(CultureInfo.InvariantCulture)}\n\n");
            }
            else
            {
                output.Write($"{keyText,31} |{bar}{count}\n");
            }
        }
    }

    private static string Bar(long value, long total)
    {
        var length = total <= 0 ? 0 : (int)Int128.Clamp((Int128)value * BarWidth / total, 0, BarWidth);
        return new string('@', length).PadRight(BarWidth);
    }
}
