using CsCheck;
using Ktap.Interpreter.Values;

namespace Ktap.Interpreter.Tests;

public class KtapTableTests
{
    private static Value N(long number) => Value.Number(number);

    private static Value S(string text) => Value.String(text);

    /// <summary>Keys as a compact string, strings quoted so that "1" and 1 differ: <c>1 2 "a" true</c>.</summary>
    private static string Show(IEnumerable<Value> keys) => string.Join(" ", keys.Select(Show));

    private static string Show(Value value) => value.Kind == ValueKind.String ? '"' + value.AsString + '"' : value.ToString();

    private static KtapTable Table(params long[] keys)
    {
        var table = new KtapTable();
        foreach (var key in keys)
        {
            table.Set(N(key), N(key * 10));
        }

        return table;
    }

    private static void AssertConsistent(KtapTable table)
    {
        var keys = table.Keys();
        var entries = table.Entries();
        Assert.Equal(table.Count, keys.Count);
        Assert.Equal(keys, entries.Select(e => e.Key));
        Assert.Equal(keys.Count, keys.Distinct().Count());
        foreach (var (key, value) in entries)
        {
            Assert.False(value.IsNil);
            Assert.Equal(value, table.Get(key));
        }
    }

    [Fact]
    public void A_new_table_is_empty_and_every_key_reads_nil()
    {
        var table = new KtapTable(10, 10);
        Assert.Equal(0, table.Count);
        Assert.Empty(table.Keys());
        Assert.Empty(table.Entries());
        Assert.True(table.Get(N(1)).IsNil);
        Assert.True(table.Get(N(0)).IsNil);
        Assert.True(table.Get(S("x")).IsNil);
        Assert.True(table.Get(Value.True).IsNil);
    }

    [Fact]
    public void Keys_one_to_n_iterate_in_ascending_order_whatever_the_insertion_order()
    {
        var table = Table(3, 2, 5, 1, 4);
        Assert.Equal("1 2 3 4 5", Show(table.Keys()));
        Assert.Equal(5, table.Count);
        AssertConsistent(table);
    }

    [Fact]
    public void Appending_to_the_array_part_migrates_the_keys_that_continue_it()
    {
        // 2 and 3 wait in the hash part, after "a"; setting 1 pulls them into the array part, before "a".
        var table = new KtapTable();
        table.Set(S("a"), N(0));
        table.Set(N(3), N(30));
        table.Set(N(2), N(20));
        table.Set(N(5), N(50));
        Assert.Equal("\"a\" 3 2 5", Show(table.Keys()));

        table.Set(N(1), N(10));
        Assert.Equal("1 2 3 \"a\" 5", Show(table.Keys()));
        Assert.Equal(20, table.Get(N(2)).AsNumber);
        Assert.Equal(30, table.Get(N(3)).AsNumber);
        Assert.Equal(5, table.Count);

        table.Set(N(4), N(40));
        Assert.Equal("1 2 3 4 5 \"a\"", Show(table.Keys()));
        Assert.Equal(6, table.Count);
        AssertConsistent(table);
    }

    [Fact]
    public void Holes_in_the_array_part_are_skipped_and_not_counted()
    {
        var table = Table(1, 2, 3, 4);
        table.Set(N(2), Value.Nil);
        Assert.Equal(3, table.Count);
        Assert.Equal("1 3 4", Show(table.Keys()));
        Assert.True(table.Get(N(2)).IsNil);

        table.Set(N(2), Value.Nil);
        Assert.Equal(3, table.Count);

        table.Set(N(2), N(22));
        Assert.Equal(4, table.Count);
        Assert.Equal("1 2 3 4", Show(table.Keys()));
        Assert.Equal(22, table.Get(N(2)).AsNumber);
        AssertConsistent(table);
    }

    [Fact]
    public void Deleting_the_tail_of_the_array_part_and_growing_it_again_keeps_every_entry()
    {
        var table = Table(1, 2, 3, 7);
        table.Set(N(3), Value.Nil);
        table.Set(N(2), Value.Nil);
        Assert.Equal(2, table.Count);
        Assert.Equal("1 7", Show(table.Keys()));

        table.Set(N(4), N(40));
        table.Set(N(3), N(30));
        Assert.Equal(4, table.Count);
        table.Set(N(2), N(20));
        Assert.Equal(5, table.Count);
        Assert.Equal("1 2 3 4 7", Show(table.Keys()));
        AssertConsistent(table);
    }

    [Fact]
    public void Storing_nil_deletes_from_either_part()
    {
        var table = Table(1, 2, 10);
        table.Set(S("k"), S("v"));
        table.Set(Value.True, N(1));
        Assert.Equal(5, table.Count);

        table.Set(N(10), Value.Nil);
        table.Set(S("k"), Value.Nil);
        table.Set(Value.True, Value.Nil);
        table.Set(N(1), Value.Nil);
        Assert.Equal(1, table.Count);
        Assert.Equal("2", Show(table.Keys()));
        Assert.True(table.Get(S("k")).IsNil);
        Assert.True(table.Get(N(10)).IsNil);

        table.Set(N(2), Value.Nil);
        Assert.Equal(0, table.Count);
        Assert.Empty(table.Keys());
    }

    [Fact]
    public void Deleting_a_missing_key_changes_nothing()
    {
        var table = Table(1, 2);
        table.Set(N(5), Value.Nil);
        table.Set(N(3), Value.Nil);
        table.Set(N(0), Value.Nil);
        table.Set(S("x"), Value.Nil);
        Assert.Equal(2, table.Count);
        Assert.Equal("1 2", Show(table.Keys()));
    }

    [Fact]
    public void Overwriting_a_key_keeps_the_count_and_the_position()
    {
        var table = new KtapTable();
        table.Set(S("a"), N(1));
        table.Set(S("b"), N(2));
        table.Set(N(1), N(3));
        table.Set(S("a"), N(4));
        table.Set(N(1), N(5));
        Assert.Equal(3, table.Count);
        Assert.Equal("1 \"a\" \"b\"", Show(table.Keys()));
        Assert.Equal(4, table.Get(S("a")).AsNumber);
        Assert.Equal(5, table.Get(N(1)).AsNumber);
    }

    [Fact]
    public void The_hash_part_iterates_in_insertion_order()
    {
        var table = new KtapTable();
        foreach (var key in new[] { S("zeta"), N(100), S("alpha"), Value.False, N(-1), N(0), S("m") })
        {
            table.Set(key, N(1));
        }

        Assert.Equal("\"zeta\" 100 \"alpha\" false -1 0 \"m\"", Show(table.Keys()));
    }

    [Fact]
    public void A_key_deleted_then_stored_again_moves_to_the_end_and_others_keep_their_order()
    {
        // "A hash part that keeps insertion order": deleting must not let a later key take the
        // deleted key's place (a Dictionary reuses the freed slot for the next insertion).
        var table = new KtapTable();
        table.Set(S("a"), N(1));
        table.Set(S("b"), N(2));
        table.Set(S("c"), N(3));
        table.Set(S("a"), Value.Nil);
        table.Set(S("d"), N(4));
        Assert.Equal("\"b\" \"c\" \"d\"", Show(table.Keys()));

        table.Set(S("a"), N(5));
        Assert.Equal("\"b\" \"c\" \"d\" \"a\"", Show(table.Keys()));
        Assert.Equal("\"b\" \"c\" \"d\" \"a\"", Show(table.Entries().Select(e => e.Key)));
    }

    [Fact]
    public void String_and_number_keys_are_distinct()
    {
        var table = new KtapTable();
        table.Set(N(1), S("number"));
        table.Set(S("1"), S("string"));
        Assert.Equal(2, table.Count);
        Assert.Equal("number", table.Get(N(1)).AsString);
        Assert.Equal("string", table.Get(S("1")).AsString);
        Assert.Equal("1 \"1\"", Show(table.Keys()));

        table.Set(S("1"), Value.Nil);
        Assert.Equal("number", table.Get(N(1)).AsString);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Boolean_keys_are_distinct_from_each_other_and_from_numbers()
    {
        var table = new KtapTable();
        table.Set(Value.True, S("t"));
        table.Set(Value.False, S("f"));
        table.Set(N(1), S("one"));
        table.Set(N(0), S("zero"));
        Assert.Equal(4, table.Count);
        Assert.Equal("t", table.Get(Value.True).AsString);
        Assert.Equal("f", table.Get(Value.False).AsString);
        Assert.Equal("one", table.Get(N(1)).AsString);
        Assert.Equal("zero", table.Get(N(0)).AsString);
        Assert.Equal("1 true false 0", Show(table.Keys()));
    }

    [Fact]
    public void Table_keys_are_compared_by_identity()
    {
        var table = new KtapTable();
        var a = Value.Table(new KtapTable());
        var b = Value.Table(new KtapTable());
        table.Set(a, N(1));
        table.Set(b, N(2));
        Assert.Equal(2, table.Count);
        Assert.Equal(1, table.Get(a).AsNumber);
        Assert.Equal(2, table.Get(b).AsNumber);
    }

    [Fact]
    public void Number_keys_outside_the_array_range_live_in_the_hash_part()
    {
        var table = new KtapTable();
        foreach (var key in new[] { 0, -1, long.MinValue, long.MaxValue, (long)int.MaxValue + 1, int.MaxValue })
        {
            table.Set(N(key), N(key));
        }

        Assert.Equal(6, table.Count);
        Assert.Equal("0 -1 -9223372036854775808 9223372036854775807 2147483648 2147483647", Show(table.Keys()));
        Assert.Equal(long.MinValue, table.Get(N(long.MinValue)).AsNumber);
        Assert.True(table.Get(N(1)).IsNil);
        AssertConsistent(table);
    }

    [Fact]
    public void Clear_removes_everything_and_the_table_works_afterwards()
    {
        var table = Table(1, 2, 3, 9);
        table.Set(S("x"), N(1));
        table.Clear();
        Assert.Equal(0, table.Count);
        Assert.Empty(table.Keys());
        Assert.True(table.Get(N(1)).IsNil);
        Assert.True(table.Get(S("x")).IsNil);

        table.Set(N(2), N(2));
        table.Set(N(1), N(1));
        Assert.Equal("1 2", Show(table.Keys()));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void Entries_pair_each_key_with_its_value_in_key_order()
    {
        var table = new KtapTable();
        table.Set(S("b"), S("B"));
        table.Set(N(2), S("two"));
        table.Set(N(1), S("one"));
        var entries = table.Entries();
        Assert.Equal(["1=one", "2=two", "\"b\"=B"], entries.Select(e => Show(e.Key) + "=" + e.Value));
    }

    [Fact]
    public void Every_table_has_its_own_id()
    {
        Assert.NotEqual(new KtapTable().Id, new KtapTable().Id);
    }

    /// <summary>One step of a random workload: store a value (nil one time in three) under a key.</summary>
    private static readonly Gen<(Value Key, Value Value)> Operation = Gen.Select(
        Gen.Frequency<Value>(
            (6, Gen.Long[-2, 40].Select(N)),
            (2, Gen.Int[0, 8].Select(i => S("k" + i))),
            (1, Gen.Int[0, 4].Select(i => S(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
            (1, Gen.Bool.Select(Value.Boolean))),
        Gen.Frequency<Value>(
            (1, Gen.Const(Value.Nil)),
            (2, Gen.Long[-5, 5].Select(N))));

    [Fact]
    public void Behaves_like_a_dictionary_under_random_stores_and_deletes()
    {
        Operation.Array[0, 200].Sample(operations =>
        {
            var table = new KtapTable();
            var model = new Dictionary<Value, Value>();
            foreach (var (key, value) in operations)
            {
                table.Set(key, value);
                if (value.IsNil)
                {
                    model.Remove(key);
                }
                else
                {
                    model[key] = value;
                }

                Assert.Equal(model.Count, table.Count);
            }

            // Every key the workload can use reads as the model says.
            foreach (var key in operations.Select(o => o.Key).Distinct())
            {
                Assert.Equal(model.GetValueOrDefault(key), table.Get(key));
            }

            var keys = table.Keys();
            Assert.Equal(model.Keys.ToHashSet(), keys.ToHashSet());
            AssertConsistent(table);

            // The run 1..m of present keys is the array part: it comes first, ascending.
            var m = 0;
            while (model.ContainsKey(N(m + 1)))
            {
                m++;
            }

            Assert.Equal(Enumerable.Range(1, m).Select(i => N(i)), keys.Take(m));
        });
    }

    [Fact]
    public void Non_number_keys_iterate_in_the_order_they_were_last_inserted_under_random_stores_and_deletes()
    {
        Operation.Array[0, 200].Sample(operations =>
        {
            var table = new KtapTable();
            var order = new List<Value>();
            foreach (var (key, value) in operations)
            {
                table.Set(key, value);
                if (key.Kind == ValueKind.Number)
                {
                    continue;
                }

                if (value.IsNil)
                {
                    order.Remove(key);
                }
                else if (!order.Contains(key))
                {
                    order.Add(key);
                }
            }

            Assert.Equal(Show(order), Show(table.Keys().Where(k => k.Kind != ValueKind.Number)));
        });
    }

    [Fact]
    public void A_store_backed_table_keeps_nothing_and_sends_every_operation_to_the_store()
    {
        var store = new FakeTableStore();
        var table = new KtapTable(store);
        Assert.Same(store, table.Store);
        Assert.Null(new KtapTable().Store);

        table.Set(S("a"), N(1));
        table.Set(N(1), N(10));
        table.Set(S("b"), N(2));
        table.Set(S("a"), Value.Nil);
        Assert.Equal(4, store.CallsTo("Set"));
        Assert.Equal(["1=10", "\"b\"=2"], store.Contents.Select(e => Show(e.Key) + "=" + e.Value));

        // What the kernel writes, the table reads at once, in the store's order.
        store.Put(N(7), N(70));
        Assert.Equal(70, table.Get(N(7)).AsNumber);
        Assert.True(table.Get(S("a")).IsNil);
        Assert.Equal(3, table.Count);
        Assert.Equal("1 \"b\" 7", Show(table.Keys()));
        Assert.Equal(["1=10", "\"b\"=2", "7=70"], table.Entries().Select(e => Show(e.Key) + "=" + e.Value));
        Assert.Equal(2, store.CallsTo("Get"));
        Assert.Equal(1, store.CallsTo("Count"));
        Assert.Equal(2, store.CallsTo("Entries"));

        table.Clear();
        Assert.Equal(1, store.CallsTo("Clear"));
        Assert.Empty(store.Contents);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void A_store_backed_table_behaves_like_a_dictionary_under_random_stores_and_deletes()
    {
        Operation.Array[0, 200].Sample(operations =>
        {
            var store = new FakeTableStore();
            var table = new KtapTable(store);
            var model = new Dictionary<Value, Value>();
            foreach (var (key, value) in operations)
            {
                table.Set(key, value);
                if (value.IsNil)
                {
                    model.Remove(key);
                }
                else
                {
                    model[key] = value;
                }

                Assert.Equal(model.Count, table.Count);
            }

            foreach (var key in operations.Select(o => o.Key).Distinct())
            {
                Assert.Equal(model.GetValueOrDefault(key), table.Get(key));
            }

            Assert.Equal(store.Contents.Select(e => e.Key), table.Keys());
            AssertConsistent(table);
        });
    }

    [Fact]
    public void A_table_needs_a_store_to_be_backed_by_one()
    {
        Assert.Throws<ArgumentNullException>(() => new KtapTable(null!));
    }
}
