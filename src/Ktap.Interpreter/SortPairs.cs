using Ktap.Interpreter.Values;

namespace Ktap.Interpreter;

/// <summary>
/// The orders of <c>sort_pairs(t [, order])</c>: by value ascending (the default), by key
/// (<c>"key"</c>), or by a comparator <c>cmp(a, b)</c> that is true when value a comes first.
/// Sorting is stable, so equal values keep their pairs order.
/// </summary>
internal static class SortPairs
{
    public static List<Value> ByValue(List<KeyValuePair<Value, Value>> entries, Func<string, Exception> error) =>
        Keys(MergeSort(entries, (a, b) => Compare(a.Value, b.Value, "values", error)));

    public static List<Value> ByKey(List<KeyValuePair<Value, Value>> entries, Func<string, Exception> error) =>
        Keys(MergeSort(entries, (a, b) => Compare(a.Key, b.Key, "keys", error)));

    public static List<Value> ByComparator(List<KeyValuePair<Value, Value>> entries, Func<Value, Value, bool> first) =>
        Keys(MergeSort(entries, (a, b) => first(a.Value, b.Value) ? -1 : first(b.Value, a.Value) ? 1 : 0));

    private static int Compare(Value a, Value b, string what, Func<string, Exception> error)
    {
        if (a.Kind == ValueKind.Number && b.Kind == ValueKind.Number)
        {
            return a.AsNumber.CompareTo(b.AsNumber);
        }

        if (a.Kind == ValueKind.String && b.Kind == ValueKind.String)
        {
            return string.CompareOrdinal(a.AsString, b.AsString);
        }

        // Aggregation cells rank by how many values they hold, as ktap's ptable cells did.
        if (a.Kind == ValueKind.Aggregate && b.Kind == ValueKind.Aggregate)
        {
            return a.AsAggregate.Count.CompareTo(b.AsAggregate.Count);
        }

        throw error($"sort_pairs cannot order {what} of types {a.TypeName} and {b.TypeName}: give a comparator");
    }

    private static List<Value> Keys(List<KeyValuePair<Value, Value>> entries) => entries.ConvertAll(e => e.Key);

    /// <summary>
    /// A stable merge sort. The BCL's sorts wrap a comparator's exception in another one, and the
    /// comparator here may be a script function whose runtime error must reach the user as is.
    /// </summary>
    private static List<T> MergeSort<T>(List<T> items, Func<T, T, int> compare)
    {
        if (items.Count < 2)
        {
            return items;
        }

        var middle = items.Count / 2;
        var left = MergeSort(items.GetRange(0, middle), compare);
        var right = MergeSort(items.GetRange(middle, items.Count - middle), compare);
        var merged = new List<T>(items.Count);
        int i = 0, j = 0;
        while (i < left.Count && j < right.Count)
        {
            merged.Add(compare(right[j], left[i]) < 0 ? right[j++] : left[i++]);
        }

        merged.AddRange(left.Skip(i));
        merged.AddRange(right.Skip(j));
        return merged;
    }
}
