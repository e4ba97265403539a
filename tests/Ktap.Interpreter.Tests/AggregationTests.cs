using Ktap.Language.Semantics;

namespace Ktap.Interpreter.Tests;

/// <summary>Aggregations in the ktap process: aggr(), hist(), lhist(), '&lt;&lt;&lt;', the cell readers and print.</summary>
public sealed class AggregationTests
{
    [Fact]
    public void StatisticsCellsCountSumAndKeepTheExtremes()
    {
        var output = Script.Run("var s = aggr()\ns[1] <<< 4\ns[1] <<< -2\ns[1] <<< 10\nprint(count(s[1]), sum(s[1]), avg(s[1]), min(s[1]), max(s[1]))\nprint(s[1])");
        Assert.Equal("3\t12\t4\t-2\t10\n[count:      3 sum:     12 max:     10 min:     -2 avg:      4]\n", output);
    }

    [Fact]
    public void AMissingCellReadsAsZero()
    {
        Assert.Equal("0\t0\n", Script.Run("var s = aggr()\nprint(count(s[\"none\"]), avg(s[\"none\"]))"));
    }

    [Fact]
    public void AHistogramPrintsItsBucketsFromTheFirstUsedToTheLastUsed()
    {
        var output = Script.Run("var h = hist()\nh[0] <<< 2\nh[0] <<< 3\nh[0] <<< 9\nh[0] <<< 1024\nprint(h[0])");
        var expected = string.Join("\n",
            "[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|",
            "[4, 8)                 0 |                                                    |",
            "[8, 16)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |",
            "[16, 32)               0 |                                                    |",
            "[32, 64)               0 |                                                    |",
            "[64, 128)              0 |                                                    |",
            "[128, 256)             0 |                                                    |",
            "[256, 512)             0 |                                                    |",
            "[512, 1K)              0 |                                                    |",
            "[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |") + "\n";
        Assert.Equal(expected, output);
    }

    [Fact]
    public void ATablePrintsEveryKeyLargestCountFirst()
    {
        var output = Script.Run("var s = aggr()\ns[\"a\"] <<< 1\ns[\"b\"] <<< 2\ns[\"b\"] <<< 2\nprint(s)\nvar h = lhist(0, 4, 2)\nh[\"x\"] <<< 1\nh[\"y\"] <<< 5\nh[\"y\"] <<< 3\nprint(h)");
        Assert.Equal(
            "b\t[count:      2 sum:      4 max:      2 min:      2 avg:      2]\na\t[count:      1 sum:      1 max:      1 min:      1 avg:      1]\n"
            + "y\n[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[4, ...)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
            + "x\n[0, 2)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n",
            output);
    }

    [Fact]
    public void CellsIterateCountAndDrawByTheirCounts()
    {
        var output = Script.Run("var s = aggr()\ns[\"a\"] <<< 5\ns[\"b\"] <<< 1\ns[\"b\"] <<< 1\nfor (k, v in sort_pairs(s)) { print(k, count(v)) }\nprint(len(s))\ndelete(s)\nprint(len(s))");
        Assert.Equal("a\t1\nb\t2\n2\n0\n", output);
    }

    [Theory]
    [InlineData("var t = {}\nt[1] <<< 5", "'<<<' needs an aggregation (var t = aggr(), hist() or lhist(min, max, step)), not a plain table")]
    [InlineData("var s = aggr()\ns[1] <<< \"x\"", "'<<<' records numbers, not a string")]
    [InlineData("var s = aggr()\ns[1] = 5", "an aggregation's cells change only with '<<<' (t[k] <<< value); storing nil deletes one")]
    [InlineData("var h = hist()\nh[1] <<< 5\nprint(sum(h[1]))", "'sum' needs a cell of aggr(): a histogram's cells keep counts only")]
    [InlineData("print(count(5))", "bad argument #1 to 'count' (aggregation cell expected, got number)")]
    [InlineData("var l = lhist(10, 0, 1)", "lhist(min, max, step) needs min < max")]
    [InlineData("var l = lhist(0, 10, 0)", "the step of lhist(min, max, step) must be positive")]
    public void MisuseIsARuntimeError(string text, string message)
    {
        var error = Script.Fails(text, out _);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData(-5, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 3)]
    [InlineData(1023, 11)]
    [InlineData(1024, 12)]
    [InlineData(long.MaxValue, 64)]
    public void Log2BucketsAreBpftraces(long value, int bucket) => Assert.Equal(bucket, AggregationSpec.Log2.Bucket(value));

    [Theory]
    [InlineData(0, "(..., 0)")]
    [InlineData(1, "[0]")]
    [InlineData(2, "[1]")]
    [InlineData(11, "[512, 1K)")]
    [InlineData(22, "[1M, 2M)")]
    [InlineData(64, "[4E, 8E)")]
    public void Log2LabelsUsePowersOf1024(int bucket, string label) => Assert.Equal(label, AggregationSpec.Log2.Label(bucket));

    [Theory]
    [InlineData(-1, 0, "(..., 0)")]
    [InlineData(0, 1, "[0, 3)")]
    [InlineData(8, 3, "[6, 9)")]
    [InlineData(9, 4, "[9, 10)")]
    [InlineData(10, 5, "[10, ...)")]
    public void LinearBucketsCoverMinToMaxInSteps(long value, int bucket, string label)
    {
        var spec = AggregationSpec.Linear(0, 10, 3).Spec!;
        Assert.Equal(bucket, spec.Bucket(value));
        Assert.Equal(label, spec.Label(bucket));
    }
}
