using CsCheck;
using Ktap.Interpreter.Values;

namespace Ktap.Interpreter.Tests;

public class SortPairsTests
{
    private sealed class SortError(string message) : Exception(message);

    private static Exception Error(string message) => new SortError(message);

    /// <summary>Entries keyed 1..n (so a key names its original position) with the given values.</summary>
    private static List<KeyValuePair<Value, Value>> Entries(IEnumerable<Value> values) =>
        [.. values.Select((v, i) => new KeyValuePair<Value, Value>(Value.Number(i + 1), v))];

    private static readonly Gen<Value[]> Numbers = Gen.Long[-5, 5].Select(Value.Number).Array[0, 60];

    private static readonly Gen<Value[]> Strings = Gen.Int[0, 6].Select(i => Value.String(new string('a', i % 3) + i)).Array[0, 60];

    [Fact]
    public void By_value_is_a_stable_ascending_sort_of_numbers() =>
        Numbers.Sample(values =>
        {
            var entries = Entries(values);
            var expected = entries.OrderBy(e => e.Value.AsNumber).Select(e => e.Key);
            Assert.Equal(expected, SortPairs.ByValue(entries, Error));
        });

    [Fact]
    public void By_value_orders_strings_by_their_bytes() =>
        Strings.Sample(values =>
        {
            var entries = Entries(values);
            var expected = entries.OrderBy(e => e.Value.AsString, StringComparer.Ordinal).Select(e => e.Key);
            Assert.Equal(expected, SortPairs.ByValue(entries, Error));
        });

    [Fact]
    public void By_key_sorts_the_keys() =>
        Numbers.Sample(values =>
        {
            // Swap roles: the values become keys (distinct, so the order is total).
            var entries = values.Select(v => v.AsNumber).Distinct()
                .Select(n => new KeyValuePair<Value, Value>(Value.Number(n), Value.String("v"))).ToList();
            var expected = entries.Select(e => e.Key).OrderBy(k => k.AsNumber);
            Assert.Equal(expected, SortPairs.ByKey(entries, Error));
        });

    [Fact]
    public void A_comparator_decides_the_order_and_ties_keep_pairs_order() =>
        Numbers.Sample(values =>
        {
            var entries = Entries(values);
            var expected = entries.OrderByDescending(e => e.Value.AsNumber).Select(e => e.Key);
            Assert.Equal(expected, SortPairs.ByComparator(entries, (a, b) => a.AsNumber > b.AsNumber));
        });

    [Fact]
    public void Values_of_different_types_cannot_be_ordered_without_a_comparator()
    {
        var entries = Entries([Value.Number(1), Value.String("1")]);
        var error = Assert.Throws<SortError>(() => SortPairs.ByValue(entries, Error));
        Assert.Contains("values of types", error.Message, StringComparison.Ordinal);

        entries = Entries([Value.True, Value.False]);
        Assert.Throws<SortError>(() => SortPairs.ByValue(entries, Error));
    }

    [Fact]
    public void An_exception_from_the_comparator_reaches_the_caller_unwrapped()
    {
        var entries = Entries([Value.Number(2), Value.Number(1)]);
        Assert.Throws<SortError>(() => SortPairs.ByComparator(entries, (_, _) => throw new SortError("from the script")));
    }
}
