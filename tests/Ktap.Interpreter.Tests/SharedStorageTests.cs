using Ktap.Interpreter.Values;

namespace Ktap.Interpreter.Tests;

/// <summary>Top-level variables and tables that handlers use live in the session's storage.</summary>
public class SharedStorageTests
{
    [Fact]
    public void Reads_and_writes_of_a_shared_variable_go_to_the_session_from_every_block()
    {
        const string text = """
            var n = 1
            var mine = 2
            trace syscalls:sys_enter_read { n += arg0 }
            n = n + 10
            print(n, mine)
            trace_end { print(n, mine) }
            """;
        var shared = new FakeSharedVariables(["n"]);
        var session = Script.Start(text, shared);

        session.Interpreter.RunMain();
        Assert.Equal("11\t2\n", session.Take());
        Assert.Equal(["n=1", "n=11"], shared.WriteLog);
        Assert.Equal(2, shared.ReadsOf("n"));

        session.Fire(new FakeEvent { Arguments = [5, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
        Assert.Equal(3, shared.ReadsOf("n"));
        Assert.Equal(["n=1", "n=11", "n=16"], shared.WriteLog);

        // The kernel side changes it: the interpreter keeps no copy.
        shared.Poke("n", Value.Number(1000));
        session.Interpreter.RunTraceEnd();
        Assert.Equal("1000\t2\n", session.Take());
        Assert.Equal(4, shared.ReadsOf("n"));
        Assert.Equal(3, shared.WritesOf("n"));
    }

    [Fact]
    public void Holds_is_asked_once_and_only_about_top_level_variables_kernel_code_uses()
    {
        // 'helper' is asked about too: the session, not the interpreter, knows that a function stays out of maps.
        const string text = """
            var a = 1
            var b = 2
            var c = 3
            function helper(x) { var inner = x return inner + b }
            trace syscalls:sys_enter_read { print(helper(a)) }
            tick-1s { print(c) }
            """;
        var shared = new FakeSharedVariables(["a", "b", "c"]);
        var session = Script.Start(text, shared);
        Assert.Equal(["a", "b", "helper"], shared.Asked);

        session.Interpreter.RunMain();
        session.Fire(new FakeEvent());
        session.Fire(new FakeEvent());
        Assert.Equal(["a", "b", "helper"], shared.Asked);
        Assert.Equal("3\n3\n", session.Take());
        Assert.Equal(0, shared.ReadsOf("c"));
        Assert.Equal(0, shared.WritesOf("c"));
        Assert.Equal(2, shared.ReadsOf("a"));
        Assert.Equal(2, shared.ReadsOf("b"));
    }

    [Fact]
    public void Functions_and_closures_that_capture_a_shared_variable_read_and_write_it_there()
    {
        const string text = """
            var total = 0
            function add(k) { total += k }
            function adder(step) {
                return function () { total = total + step return total }
            }
            trace syscalls:sys_enter_read { add(arg0) }
            var bump = adder(100)
            add(1)
            print(bump(), bump())
            tick-1s { print("tick", total) }
            trace_end { add(1) print(total) }
            """;
        var shared = new FakeSharedVariables(["total"]);
        var session = Script.Start(text, shared);

        session.Interpreter.RunMain();
        session.Fire(new FakeEvent { Arguments = [7, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
        session.Interpreter.RunTraceEnd();

        Assert.Equal("101\t201\n209\n", session.Take());
        Assert.Equal(["total=0", "total=1", "total=101", "total=201", "total=208", "total=209"], shared.WriteLog);
        Assert.Equal(Value.Number(209), shared.Peek("total"));

        // One read per '+=' or 'total + step', plus the closures' returns and the final print.
        Assert.Equal(8, shared.ReadsOf("total"));
    }

    [Fact]
    public void A_shared_variable_read_before_its_declaration_ran_reads_the_session()
    {
        const string text = """
            var limit = 10
            exit()
            var late = 5
            trace syscalls:sys_enter_read { print(limit, late) }
            """;
        var shared = new FakeSharedVariables(["limit", "late"]);
        var session = Script.Start(text, shared);
        Assert.False(session.Interpreter.RunMain());
        shared.Poke("late", Value.Number(6));

        session.Fire(new FakeEvent());
        Assert.Equal("10\t6\n", session.Take());
        Assert.Equal(["limit=10"], shared.WriteLog);
    }

    [Fact]
    public void Variables_the_session_does_not_hold_stay_in_the_interpreter()
    {
        const string text = """
            var n = 1
            function get() { return n }
            trace syscalls:sys_enter_read { n += 1 }
            n = 5
            print(get())
            """;
        var shared = new FakeSharedVariables([]);
        var session = Script.Start(text, shared);
        session.Interpreter.RunMain();
        session.Fire(new FakeEvent());
        session.Fire(new FakeEvent());
        session.Interpreter.RunTraceEnd();

        Assert.Equal(["n"], shared.Asked);
        Assert.Empty(shared.Reads);
        Assert.Empty(shared.Writes);
        Assert.Equal("5\n", session.Take());
    }

    [Fact]
    public void A_shared_variable_can_hold_any_value_the_session_accepts()
    {
        const string text = """
            var last = nil
            trace syscalls:sys_enter_read { last = execname }
            print(last)
            last = "start"
            print(last)
            trace_end { print(last) }
            """;
        var shared = new FakeSharedVariables(["last"]);
        var session = Script.Start(text, shared);
        session.Interpreter.RunMain();
        session.Fire(new FakeEvent { Execname = "vim" });
        session.Interpreter.RunTraceEnd();

        Assert.Equal("nil\nstart\nvim\n", session.Take());
        Assert.Equal(["last=nil", "last=start", "last=vim"], shared.WriteLog);
    }

    [Fact]
    public void Every_table_operation_on_a_shared_table_goes_to_its_store()
    {
        const string text = """
            var counts = {}
            trace syscalls:sys_enter_read { counts[execname] += 1 }
            counts["seed"] = 5
            counts.gone = 1
            counts.gone = nil
            counts.seed += 2
            print(counts.seed, counts.gone, len(counts))
            trace_end {
                for (k, v in pairs(counts)) { print(k, v) }
                for (k, v in sort_pairs(counts)) { printf("%s=%d ", k, v) }
                print()
                print_hist(counts)
                print(counts == counts, stringof(counts) == stringof(counts))
                delete(counts)
                print(len(counts))
            }
            """;
        var shared = new FakeSharedVariables([], ["counts"]);
        var store = shared.Store("counts");
        var session = Script.Start(text, shared);

        session.Interpreter.RunMain();
        Assert.Equal("7\tnil\t1\n", session.Take());
        Assert.Equal([new(Value.String("seed"), Value.Number(7))], store.Contents);

        session.Fire(new FakeEvent { Execname = "cat" });
        session.Fire(new FakeEvent { Execname = "ls" });
        session.Fire(new FakeEvent { Execname = "cat" });
        Assert.Equal(3, store.Contents.Count);

        var before = new Dictionary<string, int>(store.Calls);
        session.Interpreter.RunTraceEnd();

        const string histogram = "                         value ------------- Distribution ------------- count\n";
        Assert.Equal(
            "seed\t7\ncat\t2\nls\t1\n"
            + "ls=1 cat=2 seed=7 \n"
            + histogram
            + "                           seed |" + new string('@', 26).PadRight(38) + "7      \n"
            + "                            cat |" + new string('@', 7).PadRight(38) + "2      \n"
            + "                             ls |" + new string('@', 3).PadRight(38) + "1      \n"
            + "true\ttrue\n"
            + "0\n",
            session.Take());
        Assert.Empty(store.Contents);

        // pairs, sort_pairs and print_hist each took one snapshot; delete and len went to the store.
        Assert.Equal(3, store.CallsTo("Entries") - before.GetValueOrDefault("Entries"));
        Assert.Equal(1, store.CallsTo("Clear") - before.GetValueOrDefault("Clear"));
        Assert.Equal(1, store.CallsTo("Count") - before.GetValueOrDefault("Count"));
        Assert.Equal(0, shared.WritesOf("counts"));
    }

    [Fact]
    public void The_declaration_of_a_shared_table_gives_the_map_its_first_entries()
    {
        const string text = """
            var names = { "zero", "one", x = "ex" }
            trace syscalls:sys_enter_read { print(names[arg0]) }
            print(len(names), names[2], names.x)
            """;
        var shared = new FakeSharedVariables([], ["names"]);
        var store = shared.Store("names");
        store.Put(Value.String("stale"), Value.Number(1));
        var session = Script.Start(text, shared);

        session.Interpreter.RunMain();
        Assert.Equal("3\tone\tex\n", session.Take());
        Assert.Equal(1, store.CallsTo("Clear"));
        Assert.Equal(
            [new(Value.Number(1), Value.String("zero")), new(Value.Number(2), Value.String("one")), new(Value.String("x"), Value.String("ex"))],
            store.Contents);

        session.Fire(new FakeEvent { Arguments = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
        Assert.Equal("zero\n", session.Take());
    }

    [Fact]
    public void A_shared_table_declared_without_a_value_starts_empty()
    {
        var shared = new FakeSharedVariables([], ["t"]);
        shared.Store("t").Put(Value.Number(1), Value.Number(1));
        var session = Script.Start("var t\ntrace a:b { t[pid] += 1 }\nprint(len(t))", shared);
        session.Interpreter.RunMain();
        Assert.Equal("0\n", session.Take());
    }

    [Theory]
    [InlineData("t = {}")]
    [InlineData("t = nil")]
    [InlineData("t = u")]
    [InlineData("function f() { t = {} } f()")]
    public void A_table_the_kernel_uses_cannot_be_replaced(string statement)
    {
        var text = $"var t = {{}}\nvar u = {{}}\ntrace a:b {{ t[pid] += 1 }}\nprint(\"ok\")\n{statement}";
        var shared = new FakeSharedVariables([], ["t"]);
        var session = Script.Start(text, shared);

        var error = Assert.Throws<RuntimeError>(() => session.Interpreter.RunMain());
        Assert.Equal("cannot replace a table the kernel uses: 't' lives in a BPF map the handlers share (delete(t) empties it)", error.Message);
        Assert.Equal(5, error.Line);
        Assert.Equal("ok\n", session.Take());
    }

    [Fact]
    public void Assigning_a_shared_table_to_itself_changes_nothing()
    {
        const string text = """
            var t = {}
            var alias = t
            trace a:b { t[pid] += 1 }
            t.k = 1
            t = alias
            t = t
            print(t.k, alias == t)
            """;
        var shared = new FakeSharedVariables([], ["t"]);
        var session = Script.Start(text, shared);
        session.Interpreter.RunMain();

        Assert.Equal("1\ttrue\n", session.Take());
        Assert.Equal(1, shared.Store("t").CallsTo("Clear"));
    }

    [Fact]
    public void A_handler_error_on_a_shared_table_leaves_the_updates_made_before_it()
    {
        const string text = """
            var t = {}
            trace a:b {
                t[execname] += 1
                t[execname] += "x"
            }
            """;
        var shared = new FakeSharedVariables([], ["t"]);
        var session = Script.Start(text, shared);
        session.Interpreter.RunMain();

        var outcome = session.Fire(new FakeEvent { Execname = "sh" });
        Assert.True(outcome.IsFailed);
        Assert.Equal(4, outcome.Error.Line);
        Assert.Equal([new(Value.String("sh"), Value.Number(1))], shared.Store("t").Contents);
    }

    [Fact]
    public void A_session_may_keep_a_table_as_a_plain_value()
    {
        // Not every session backs a shared table by a store: a plain table is written and read back whole.
        const string text = """
            var t = {}
            trace a:b { t[1] = arg0 }
            t[2] = 20
            print(t[2])
            """;
        var shared = new FakeSharedVariables(["t"]);
        var session = Script.Start(text, shared);
        session.Interpreter.RunMain();
        session.Fire(new FakeEvent { Arguments = [10, 0, 0, 0, 0, 0, 0, 0, 0, 0] });

        Assert.Equal("20\n", session.Take());
        Assert.Equal(1, shared.WritesOf("t"));
        var table = shared.Peek("t").AsTable;
        Assert.Equal(10, table.Get(Value.Number(1)).AsNumber);
        Assert.Equal(20, table.Get(Value.Number(2)).AsNumber);
    }
}
