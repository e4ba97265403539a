using Ktap.Language.Semantics;

namespace Ktap.Interpreter.Values;

/// <summary>
/// One cell of an aggregation table (<c>t[k] &lt;&lt;&lt; v</c>): the count, sum, minimum and
/// maximum of the values recorded, and for a histogram the count of each bucket. Cells read back
/// from the kernel are merged from every CPU's copy, where a histogram keeps only its counts.
/// </summary>
public sealed class AggregateCell(AggregationSpec spec)
{
    private readonly long[] buckets = new long[spec.BucketCount];

    public AggregationSpec Spec => spec;

    public long Count { get; private set; }

    /// <summary>The sum wraps at 64 bits, as the kernel's does.</summary>
    public long Sum { get; private set; }

    public long Min { get; private set; }

    public long Max { get; private set; }

    /// <summary>The integer average, 0 for an empty cell, as ktap's.</summary>
    public long Average => Count == 0 ? 0 : Sum / Count;

    public ReadOnlySpan<long> Buckets => buckets;

    public void Add(long value)
    {
        AddStatistics(1, value, value, value);
        if (spec.IsHistogram)
        {
            buckets[spec.Bucket(value)]++;
        }
    }

    /// <summary>Merges statistics kept elsewhere (another CPU's copy).</summary>
    public void AddStatistics(long count, long sum, long min, long max)
    {
        Min = Count == 0 ? min : Math.Min(Min, min);
        Max = Count == 0 ? max : Math.Max(Max, max);
        Count += count;
        Sum = unchecked(Sum + sum);
    }

    /// <summary>Merges a bucket's count kept elsewhere (a histogram in the kernel keeps no more).</summary>
    public void AddBucket(int bucket, long count)
    {
        buckets[bucket] += count;
        Count += count;
    }
}
