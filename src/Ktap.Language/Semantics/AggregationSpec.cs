using System.Globalization;
using System.Numerics;

namespace Ktap.Language.Semantics;

/// <summary>What an aggregation table records in each cell (LANGUAGE.md §7).</summary>
public enum AggregationKind
{
    /// <summary><c>aggr()</c>: count, sum, minimum and maximum (the average follows).</summary>
    Statistics,

    /// <summary><c>hist()</c>: a count per power of two.</summary>
    Log2,

    /// <summary><c>lhist(min, max, step)</c>: a count per step from min to max.</summary>
    Linear,
}

/// <summary>
/// The shape of an aggregation table and the buckets of its histograms, the same on both sides:
/// the interpreter files values with <see cref="Bucket"/>, the code generator computes the same
/// bucket in eBPF, and both print with <see cref="Label"/>. Log2 buckets follow bpftrace's: 0
/// holds negative values, 1 the value 0, 2 the value 1, and 2 + k the values [2^k, 2^(k+1)).
/// Linear buckets: 0 below min, 1 + (v - min) / step from min up to max, the last from max on.
/// </summary>
public sealed record AggregationSpec(AggregationKind Kind, long Min = 0, long Max = 0, long Step = 1)
{
    /// <summary>Log2 buckets: negative, 0, 1, then one per power of two up to 2^62.</summary>
    public const int Log2Buckets = 65;

    /// <summary>Linear histograms hold at most this many steps.</summary>
    public const int MaxLinearSteps = 10_000;

    public static readonly AggregationSpec Statistics = new(AggregationKind.Statistics);

    public static readonly AggregationSpec Log2 = new(AggregationKind.Log2);

    public bool IsHistogram => Kind != AggregationKind.Statistics;

    /// <summary>Buckets of a histogram; 0 for statistics.</summary>
    public int BucketCount => Kind switch
    {
        AggregationKind.Log2 => Log2Buckets,
        AggregationKind.Linear => LinearSteps + 2,
        _ => 0,
    };

    private int LinearSteps => (int)((Max - Min + Step - 1) / Step);

    /// <summary><c>lhist(min, max, step)</c>, or the reason its arguments make no histogram.</summary>
    public static (AggregationSpec? Spec, string? Error) Linear(long min, long max, long step)
    {
        if (step <= 0)
        {
            return (null, "the step of lhist(min, max, step) must be positive");
        }

        if (max <= min)
        {
            return (null, "lhist(min, max, step) needs min < max");
        }

        if ((BigInteger)max - min > (BigInteger)step * MaxLinearSteps)
        {
            return (null, $"lhist(min, max, step) makes at most {MaxLinearSteps} steps");
        }

        return (new AggregationSpec(AggregationKind.Linear, min, max, step), null);
    }

    /// <summary>The bucket a value falls in.</summary>
    public int Bucket(long value) => Kind switch
    {
        AggregationKind.Log2 => value switch
        {
            < 0 => 0,
            0 => 1,
            _ => 2 + BitOperations.Log2((ulong)value),
        },
        AggregationKind.Linear => value < Min ? 0 : value >= Max ? LinearSteps + 1 : 1 + (int)((value - Min) / Step),
        _ => throw new InvalidOperationException("statistics have no buckets"),
    };

    /// <summary>A bucket as histograms show it: <c>(..., 0)</c>, <c>[1]</c>, <c>[4, 8)</c>, <c>[1K, 2K)</c>, <c>[max, ...)</c>.</summary>
    public string Label(int bucket)
    {
        if (Kind == AggregationKind.Log2)
        {
            return bucket switch
            {
                0 => "(..., 0)",
                1 => "[0]",
                2 => "[1]",
                _ => $"[{Size(BigInteger.One << (bucket - 2))}, {Size(BigInteger.One << (bucket - 1))})",
            };
        }

        if (bucket == 0)
        {
            return $"(..., {Linear(Min)})";
        }

        if (bucket == LinearSteps + 1)
        {
            return $"[{Linear(Max)}, ...)";
        }

        var low = Min + ((bucket - 1) * Step);
        return $"[{Linear(low)}, {Linear(Math.Min(low + Step, Max))})";
    }

    /// <summary>A linear bound: with K, M... when the step is a multiple of 1024, as bpftrace does.</summary>
    private string Linear(long value) => Step % 1024 == 0 ? Size(value) : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A number in powers of 1024 where it is a whole multiple: 512, 1K, 4M, 8E.</summary>
    private static string Size(BigInteger value)
    {
        string[] suffixes = ["", "K", "M", "G", "T", "P", "E"];
        var unit = 0;
        while (unit < suffixes.Length - 1 && value != 0 && value % 1024 == 0)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString(CultureInfo.InvariantCulture) + suffixes[unit];
    }
}
