using System.Globalization;
using System.Numerics;
using System.Text;
using Ktap.Interpreter.Formatting;
using Ktap.Interpreter.Values;

namespace Ktap.Interpreter.Tests;

/// <summary>
/// print_hist's layout, computed here from ktap's rules (kp_tab_print_hist / tab_histdump):
/// a header, then rows sorted by value, descending, each <c>%31s |</c>, a 38-character bar of
/// floor(v*38/total) '@' and <c>%-7d</c>; at most n-1 rows, n clamped to 20..1000, then "...".
/// </summary>
public class HistogramPrinterTests
{
    private const string Ruler = "------------- Distribution -------------";
    private const int BarWidth = 38;

    private sealed class HistogramError(string message) : Exception(message);

    /// <summary>ktap prints the header with <c>"%31s%s%s\n", "value ", ruler, " count"</c>.</summary>
    private static readonly string Header = string.Format(CultureInfo.InvariantCulture, "{0,31}{1}{2}\n", "value ", Ruler, " count");

    private static string Print(KtapTable table, long rows = HistogramPrinter.DefaultRows)
    {
        var output = new StringWriter { NewLine = "\n" };
        HistogramPrinter.Print(output, table, rows, message => new HistogramError(message));
        return output.ToString();
    }

    private static string Bar(long value, long total)
    {
        var length = (int)(new BigInteger(value) * BarWidth / total);
        return new string('@', length) + new string(' ', BarWidth - length);
    }

    private static string Row(string key, long value, long total) =>
        string.Format(CultureInfo.InvariantCulture, "{0,31} |{1}{2,-7}\n", key, Bar(value, total), value);

    private static string Ellipsis => string.Format(CultureInfo.InvariantCulture, "{0,31} |\n", "...");

    private static KtapTable Table(params (string Key, long Value)[] entries)
    {
        var table = new KtapTable();
        foreach (var (key, value) in entries)
        {
            table.Set(Value.String(key), Value.Number(value));
        }

        return table;
    }

    /// <summary>Entries k1..kN with distinct values N..1, so the sorted order is k1, k2, ...</summary>
    private static KtapTable Entries(int count)
    {
        var table = new KtapTable();
        for (var i = 1; i <= count; i++)
        {
            table.Set(Value.String("k" + i.ToString(CultureInfo.InvariantCulture)), Value.Number(count - i + 1));
        }

        return table;
    }

    [Fact]
    public void The_header_is_ktaps()
    {
        Assert.Equal("                         value ------------- Distribution ------------- count\n", Header);
        Assert.Equal(40, Ruler.Length);
        Assert.Equal(Header, Print(new KtapTable()));
    }

    [Fact]
    public void Rows_are_sorted_by_value_descending_with_bars_of_floor_v_times_38_over_total()
    {
        var table = Table(("read", 30), ("write", 7), ("open", 60), ("close", 3));
        const long total = 100;
        var expected = Header + Row("open", 60, total) + Row("read", 30, total) + Row("write", 7, total) + Row("close", 3, total);
        Assert.Equal(expected, Print(table));

        // The arithmetic spelled out once: 60*38/100 = 22.8, so 22 '@'.
        Assert.Contains("                           open |" + new string('@', 22) + new string(' ', 16) + "60     \n", Print(table), StringComparison.Ordinal);
    }

    [Fact]
    public void Equal_values_keep_the_tables_order()
    {
        var table = Table(("a", 5), ("b", 7), ("c", 5), ("d", 7), ("e", 5));
        const long total = 29;
        var expected = Header + Row("b", 7, total) + Row("d", 7, total) + Row("a", 5, total) + Row("c", 5, total) + Row("e", 5, total);
        Assert.Equal(expected, Print(table));
    }

    [Fact]
    public void A_single_entry_fills_the_bar()
    {
        Assert.Equal(Header + Row("only", 9, 9), Print(Table(("only", 9))));
        Assert.Contains(new string('@', BarWidth) + "9      \n", Print(Table(("only", 9))), StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_values_get_exact_bars()
    {
        // v*38 overflows 64 bits here; the bar must still be floor(v*38/total).
        const long big = 1L << 60;
        var table = Table(("x", big), ("y", big / 3), ("z", 1));
        var total = big + (big / 3) + 1;
        Assert.Equal(Header + Row("x", big, total) + Row("y", big / 3, total) + Row("z", 1, total), Print(table));
    }

    [Fact]
    public void A_table_of_zeros_prints_empty_bars()
    {
        var table = Table(("a", 0), ("b", 0));
        var empty = new string(' ', BarWidth);
        Assert.Equal(Header + $"{"a",31} |{empty}0      \n" + $"{"b",31} |{empty}0      \n", Print(table));
    }

    [Fact]
    public void Counts_wider_than_seven_columns_are_not_cut()
    {
        var table = Table(("many", 123_456_789));
        Assert.EndsWith("123456789\n", Print(table), StringComparison.Ordinal);
    }

    [Fact]
    public void Number_keys_are_right_aligned()
    {
        var table = new KtapTable();
        table.Set(Value.Number(1), Value.Number(4));
        table.Set(Value.Number(1000), Value.Number(3));
        table.Set(Value.Number(-5), Value.Number(2));
        table.Set(Value.Number(long.MaxValue), Value.Number(1));
        const long total = 10;
        var expected = Header + Row("1", 4, total) + Row("1000", 3, total) + Row("-5", 2, total) + Row("9223372036854775807", 1, total);
        Assert.Equal(expected, Print(table));
    }

    [Fact]
    public void A_key_of_32_bytes_still_fits_in_the_row()
    {
        var key = new string('k', 32);
        Assert.Equal(Header + Row(key, 1, 1), Print(Table((key, 1))));
    }

    [Fact]
    public void Longer_keys_print_on_their_own_then_the_bar_then_the_value_and_a_blank_line()
    {
        // ktap: kp_puts(key); printf("%s\n%d\n\n", bar, value). Stack keys end with a newline.
        var stack = "vfs_read+0x10/0x180\nksys_read+0x6f/0xf0\n__x64_sys_read+0x1a/0x20\n";
        var plain = new string('x', 33);
        var table = Table(("short", 6), (stack, 3), (plain, 1));
        const long total = 10;
        var expected = Header
            + Row("short", 6, total)
            + stack + Bar(3, total) + "\n3\n\n"
            + plain + Bar(1, total) + "\n1\n\n";
        Assert.Equal(expected, Print(table));
    }

    [Theory]
    [InlineData(20, 19, false)]
    [InlineData(20, 20, true)]
    [InlineData(20, 25, true)]
    [InlineData(30, 29, false)]
    [InlineData(30, 30, true)]
    [InlineData(5, 19, false)]
    [InlineData(5, 20, true)]
    [InlineData(0, 20, true)]
    [InlineData(-7, 19, false)]
    [InlineData(long.MinValue, 20, true)]
    [InlineData(1000, 999, false)]
    [InlineData(1000, 1000, true)]
    [InlineData(5000, 999, false)]
    [InlineData(5000, 1001, true)]
    [InlineData(long.MaxValue, 1000, true)]
    public void At_most_n_minus_1_rows_then_an_ellipsis_iff_there_are_n_or_more_entries(long n, int entries, bool ellipsis)
    {
        var shown = (int)Math.Clamp(n, 20, 1000);
        var total = (long)entries * (entries + 1) / 2;
        var expected = new StringBuilder(Header);
        for (var i = 1; i <= Math.Min(entries, shown - 1); i++)
        {
            expected.Append(Row("k" + i.ToString(CultureInfo.InvariantCulture), entries - i + 1, total));
        }

        if (ellipsis)
        {
            expected.Append(Ellipsis);
        }

        Assert.Equal(expected.ToString(), Print(Entries(entries), n));
    }

    [Fact]
    public void The_default_row_count_is_20()
    {
        Assert.Equal(20, HistogramPrinter.DefaultRows);
        Assert.Equal(Print(Entries(20), 20), Print(Entries(20)));
        Assert.EndsWith(Ellipsis, Print(Entries(20)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_is_not_a_number_is_an_error()
    {
        var table = Table(("a", 1));
        table.Set(Value.String("b"), Value.String("many"));
        var error = Assert.Throws<HistogramError>(() => Print(table));
        Assert.Contains("number", error.Message, StringComparison.Ordinal);
        Assert.Contains("string", error.Message, StringComparison.Ordinal);

        var nested = Table(("a", 1));
        nested.Set(Value.Number(1), Value.Table(new KtapTable()));
        Assert.Throws<HistogramError>(() => Print(nested));
    }
}
