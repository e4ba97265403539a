using System.Globalization;
using System.Text;
using Ktap.Interpreter.Values;

namespace Ktap.Interpreter.Formatting;

/// <summary>
/// How <c>print</c> shows aggregations: a statistics cell as ktap's
/// <c>[count: N sum: N max: N min: N avg: N]</c>, a histogram as bpftrace lays one out (the
/// bucket's label in 16 columns, its count in 8, then a bar of 52 scaled to the largest bucket,
/// from the first bucket that holds a value to the last), and a table as its cells by key,
/// the largest count first.
/// </summary>
public static class AggregationFormatter
{
    private const int LabelWidth = 16;
    private const int CountWidth = 8;
    private const int BarWidth = 52;

    public static string Cell(AggregateCell cell) => cell.Spec.IsHistogram
        ? Histogram(cell)
        : string.Create(CultureInfo.InvariantCulture, $"[count: {cell.Count,6} sum: {cell.Sum,6} max: {cell.Max,6} min: {cell.Min,6} avg: {cell.Average,6}]");

    /// <summary>Every cell of <paramref name="table"/>: statistics one line a key (<c>KEY TAB cell</c>), histograms as the key's line, the rows and an empty line between keys.</summary>
    public static string Table(KtapTable table)
    {
        var cells = table.Entries()
            .Where(e => e.Value.Kind == ValueKind.Aggregate)
            .OrderByDescending(e => e.Value.AsAggregate.Count)
            .ToList();
        var text = new StringBuilder();
        foreach (var (key, value) in cells)
        {
            if (text.Length > 0)
            {
                text.Append(value.AsAggregate.Spec.IsHistogram ? "\n\n" : "\n");
            }

            text.Append(key.ToString()).Append(value.AsAggregate.Spec.IsHistogram ? "\n" : "\t").Append(Cell(value.AsAggregate));
        }

        return text.ToString();
    }

    private static string Histogram(AggregateCell cell)
    {
        var buckets = cell.Buckets;
        var first = buckets.IndexOfAnyExcept(0L);
        if (first < 0)
        {
            return string.Empty;
        }

        var last = buckets.LastIndexOfAnyExcept(0L);
        long largest = 0;
        foreach (var count in buckets)
        {
            largest = Math.Max(largest, count);
        }

        var rows = new StringBuilder();
        for (var bucket = first; bucket <= last; bucket++)
        {
            var count = buckets[bucket];
            var bar = (int)(count * BarWidth / largest);
            if (bucket > first)
            {
                rows.Append('\n');
            }

            rows.Append(cell.Spec.Label(bucket).PadRight(LabelWidth))
                .Append(count.ToString(CultureInfo.InvariantCulture).PadLeft(CountWidth))
                .Append(" |").Append('@', bar).Append(' ', BarWidth - bar).Append('|');
        }

        return rows.ToString();
    }
}
