namespace Ktap.Interpreter.Tests;

public class InterpreterTests
{
    [Fact]
    public void Prints_tab_separated_values_and_a_newline() =>
        Assert.Equal("1\ttwo\tnil\ttrue\n\n", Script.Run("print(1, \"two\", nil, true)\nprint()"));

    [Fact]
    public void Closures_made_by_one_call_share_its_variables()
    {
        const string text = """
            function counter() {
                var n = 0
                var inc = function () { n = n + 1; return n }
                var get = function () { return n }
                return { inc = inc, get = get }
            }
            var a = counter()
            var b = counter()
            a.inc()
            a.inc()
            b.inc()
            print(a.get(), b.get(), a.inc(), b.get())
            """;
        Assert.Equal("2\t1\t3\t1\n", Script.Run(text));
    }

    [Fact]
    public void A_closure_sees_later_changes_to_a_captured_top_level_variable()
    {
        const string text = """
            var x = 1
            function show() { return x }
            x = 2
            print(show())
            function bump() { x += 10 }
            bump()
            print(x, show())
            """;
        Assert.Equal("2\n12\t12\n", Script.Run(text));
    }

    [Fact]
    public void Each_iteration_of_a_numeric_for_has_its_own_loop_variable()
    {
        const string text = """
            var fs = {}
            for (i = 1, 3) {
                fs[i] = function () { return i }
            }
            print(fs[1](), fs[2](), fs[3]())
            """;
        Assert.Equal("1\t2\t3\n", Script.Run(text));
    }

    [Fact]
    public void Each_iteration_of_a_for_in_has_its_own_key_and_value()
    {
        const string text = """
            var t = { "a", "b", "c" }
            var fs = {}
            for (k, v in pairs(t)) {
                fs[k] = function () { return v .. stringof(k) }
            }
            print(fs[1](), fs[2](), fs[3]())
            """;
        Assert.Equal("a1\tb2\tc3\n", Script.Run(text));
    }

    [Fact]
    public void A_var_in_a_loop_body_is_a_fresh_variable_each_time()
    {
        const string text = """
            var fs = {}
            var j = 0
            while (j < 3) {
                j = j + 1
                var k = j * 10
                fs[j] = function () { k = k + 1; return k }
            }
            print(fs[1](), fs[2](), fs[3](), fs[1]())
            """;
        Assert.Equal("11\t21\t31\t12\n", Script.Run(text));
    }

    [Fact]
    public void Recursion_works()
    {
        const string text = """
            function fib(n) {
                if (n < 2) { return n }
                return fib(n - 1) + fib(n - 2)
            }
            function fact(n) {
                if (n == 0) { return 1 }
                return n * fact(n - 1)
            }
            print(fib(20), fact(20))
            """;
        Assert.Equal("6765\t2432902008176640000\n", Script.Run(text));
    }

    [Fact]
    public void A_local_function_can_call_itself()
    {
        const string text = """
            function outer() {
                function count(n) { if (n == 0) { return 0 } return 1 + count(n - 1) }
                return count(50)
            }
            print(outer())
            """;
        Assert.Equal("50\n", Script.Run(text));
    }

    [Fact]
    public void A_million_deep_tail_call_completes()
    {
        const string text = """
            function loop(n, acc) {
                if (n == 0) { return acc }
                return loop(n - 1, acc + 2)
            }
            print(loop(1000000, 0))
            """;
        Assert.Equal("2000000\n", Script.Run(text));
    }

    [Fact]
    public void Mutual_tail_calls_a_million_deep_complete()
    {
        const string text = """
            var is_odd
            function is_even(n) { if (n == 0) { return true } return is_odd(n - 1) }
            is_odd = function (n) { if (n == 0) { return false } return is_even(n - 1) }
            print(is_even(1000000), is_odd(1000001), is_even(7))
            """;
        Assert.Equal("true\ttrue\tfalse\n", Script.Run(text));
    }

    [Fact]
    public void Unbounded_recursion_that_is_not_a_tail_call_is_a_stack_overflow_error()
    {
        const string text = """
            function down(n) {
                return 1 + down(n + 1)
            }
            print("start")
            down(0)
            """;
        var error = Script.Fails(text, out var output);
        Assert.Equal("stack overflow", error.Message);
        Assert.Equal(2, error.Line);
        Assert.Equal("start\n", output);
    }

    [Fact]
    public void Recursion_is_limited_even_on_a_small_thread_stack()
    {
        // The interpreter must report the error itself, never let the process die of a real overflow.
        const string text = """
            function down(n) { var t = { down(n + 1) } return t }
            down(0)
            """;
        RuntimeError? error = null;
        var thread = new Thread(() => error = Script.Fails(text), 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.NotNull(error);
        Assert.Equal("stack overflow", error.Message);
    }

    [Fact]
    public void The_interpreter_works_again_after_a_stack_overflow()
    {
        var output = new StringWriter { NewLine = "\n" };
        const string text = """
            var deep = true
            function down(n) { if (deep) { return 1 + down(n + 1) } return 0 }
            trace_end { deep = false print(down(0)) }
            down(0)
            """;
        var interpreter = new ScriptInterpreter(Script.Bind(text), new InterpreterOptions(output, Script.FileName, []));
        Assert.Throws<RuntimeError>(() => interpreter.RunMain());
        interpreter.RunTraceEnd();
        Assert.Equal("0\n", output.ToString());
    }

    [Fact]
    public void Deleting_entries_during_iteration_skips_them_and_changed_values_are_seen()
    {
        const string text = """
            var t = { 10, 20, 30, 40, 50 }
            t.x = 1
            t.y = 2
            var seen = ""
            for (k, v in pairs(t)) {
                seen = seen .. stringof(k) .. "=" .. stringof(v) .. " "
                if (k == 1) { t[2] = nil  t[3] = 33  t.y = nil }
                t[k] = nil
            }
            print(seen)
            print(len(t))
            """;
        Assert.Equal("1=10 3=33 4=40 5=50 x=1 \n0\n", Script.Run(text));
    }

    [Fact]
    public void Delete_clears_a_table_and_len_counts_entries()
    {
        const string text = """
            var t = { 1, 2, 3 }
            t.a = 1
            t[2] = nil
            print(len(t))
            delete(t)
            print(len(t), t[1], t.a)
            """;
        Assert.Equal("3\n0\tnil\tnil\n", Script.Run(text));
    }

    [Fact]
    public void Sort_pairs_orders_by_value_by_key_or_by_a_comparator()
    {
        const string text = """
            var t = {}
            t.d = 1
            t.a = 3
            t.b = 1
            t.c = 2
            var s = ""
            for (k, v in sort_pairs(t)) { s = s .. k .. stringof(v) .. " " }
            print(s)
            s = ""
            for (k, v in sort_pairs(t, "key")) { s = s .. k .. " " }
            print(s)
            s = ""
            for (k, v in sort_pairs(t, "value")) { s = s .. k .. " " }
            print(s)
            s = ""
            for (k, v in sort_pairs(t, function (x, y) { return x > y })) { s = s .. k .. stringof(v) .. " " }
            print(s)
            """;
        Assert.Equal("d1 b1 c2 a3 \na b c d \nd b c a \na3 c2 d1 b1 \n", Script.Run(text));
    }

    [Fact]
    public void Sort_pairs_by_key_orders_numbers_numerically()
    {
        const string text = """
            var t = {}
            t[10] = "x"
            t[9] = "y"
            t[100] = "z"
            t[-1] = "w"
            var s = ""
            for (k, v in sort_pairs(t, "key")) { s = s .. v }
            print(s)
            """;
        Assert.Equal("wyxz\n", Script.Run(text));
    }

    [Fact]
    public void Sort_pairs_with_mixed_value_types_is_an_error()
    {
        const string text = """
            var t = { 1, "two" }
            for (k, v in sort_pairs(t)) { print(k) }
            """;
        var error = Script.Fails(text);
        Assert.StartsWith("sort_pairs cannot order values of types", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Multiple_assignment_evaluates_targets_then_values_then_stores()
    {
        const string text = """
            var log = ""
            function note(s, v) { log = log .. s .. " " return v }
            var t = {}
            t[note("k1", 1)], t[note("k2", 2)] = note("v1", "a"), note("v2", "b")
            print(log, t[1], t[2])
            var i = 1
            var u = {}
            i, u[i] = i + 1, 20
            print(i, u[1], u[2])
            var a, b = 1, 2
            a, b = b, a
            print(a, b)
            var c, d = 5
            print(c, d)
            """;
        Assert.Equal("k1 k2 v1 v2 \ta\tb\n2\t20\tnil\n2\t1\n5\tnil\n", Script.Run(text));
    }

    [Fact]
    public void Plus_equals_on_a_table_element_counts_from_zero_and_evaluates_the_key_once()
    {
        const string text = """
            var calls = 0
            function key() { calls += 1 return "k" }
            var t = {}
            t[key()] += 5
            t[key()] += 2
            print(t.k, calls)
            """;
        Assert.Equal("7\t2\n", Script.Run(text));
    }

    [Fact]
    public void Logical_operators_return_an_operand_and_short_circuit()
    {
        const string text = """
            var calls = 0
            function hit() { calls += 1 return true }
            print(nil || "d", false && hit(), 0 && "z", "" || hit(), calls)
            print(!nil, !0, !"")
            """;
        Assert.Equal("d\tfalse\tz\t\t0\ntrue\tfalse\tfalse\n", Script.Run(text));
    }

    [Fact]
    public void Arithmetic_in_scripts_follows_C()
    {
        const string text = """
            print(-7 / 2, -7 % 2, 7 / -2, 7 % -2)
            print(9223372036854775807 + 1)
            """;
        Assert.Equal("-3\t-1\t-3\t1\n-9223372036854775808\n", Script.Run(text));
    }

    [Fact]
    public void Printf_and_print_hist_write_to_the_output()
    {
        const string text = """
            printf("%5d|%-3s|%x\n", 42, "a", 255)
            var t = {}
            t.a = 1
            print_hist(t)
            """;
        var expected = "   42|a  |ff\n"
            + "                         value ------------- Distribution ------------- count\n"
            + "                              a |" + new string('@', 38) + "1      \n";
        Assert.Equal(expected, Script.Run(text));
    }

    [Fact]
    public void Exit_stops_the_top_level_and_trace_end_still_runs()
    {
        const string text = """
            trace_end { print("end") }
            function stop() { exit() print("not here") }
            print("before")
            stop()
            print("after")
            """;
        var output = Script.Run(text, out var completed);
        Assert.False(completed);
        Assert.Equal("before\nend\n", output);
    }

    [Fact]
    public void Main_returns_true_when_it_runs_to_the_end()
    {
        var output = Script.Run("trace_end { print(\"end\") }\nprint(\"main\")", out var completed);
        Assert.True(completed);
        Assert.Equal("main\nend\n", output);
    }

    [Fact]
    public void Trace_end_blocks_run_in_order_and_exit_in_one_stops_the_rest()
    {
        const string text = """
            trace_end { print("first") exit() print("no") }
            trace_end { print("second") }
            """;
        Assert.Equal("first\n", Script.Run(text));
    }

    [Fact]
    public void A_runtime_error_carries_its_line_and_renders_as_ktap_prints_it()
    {
        const string text = """
            var t = {}
            print("ok")

            var x = 1 + t.missing
            """;
        var error = Script.Fails(text, out var output);
        Assert.Equal("ok\n", output);
        Assert.Equal(4, error.Line);
        Assert.Equal("attempt to perform arithmetic on a nil value", error.Message);
        Assert.Equal("error: attempt to perform arithmetic on a nil value (t.kp:4)", error.Render());
    }

    [Fact]
    public void An_error_inside_a_function_reports_the_line_in_the_function()
    {
        const string text = """
            function divide(a, b) {
                return a / b
            }
            print(divide(6, 3))
            print(divide(1, 0))
            """;
        var error = Script.Fails(text, out var output);
        Assert.Equal("2\n", output);
        Assert.Equal(2, error.Line);
        Assert.Equal("error: division by zero (t.kp:2)", error.Render());
    }

    [Fact]
    public void A_runtime_error_skips_trace_end()
    {
        var error = Script.Fails("trace_end { print(\"end\") }\nprint(\"a\" .. 1)", out var output);
        Assert.Equal(string.Empty, output);
        Assert.Equal(2, error.Line);
        Assert.Equal("error: attempt to concatenate a number value ('..' joins strings only) (t.kp:2)", error.Render());
    }

    [Theory]
    [InlineData("var x = 5 % 0", "division by zero")]
    [InlineData("var x = nil\nx()", "attempt to call a nil value")]
    [InlineData("var t = 1\nt.x = 1", "attempt to index a number value")]
    [InlineData("var t = {}\nt[nil] = 1", "table index is nil")]
    [InlineData("var x = 1 < \"2\"", "attempt to compare number with string (only numbers are ordered)")]
    [InlineData("var x = -\"a\"", "attempt to perform arithmetic on a string value")]
    [InlineData("printf(\"%d\\n\", \"x\")", "bad argument #2 to 'printf' (number expected for %d, got string)")]
    [InlineData("for (i = 1, 3, 0) { }", "'for' step is zero")]
    public void Runtime_errors_have_lua_like_messages(string text, string message)
    {
        var error = Script.Fails(text);
        Assert.Equal(message, error.Message);
        Assert.Equal(text.Count(c => c == '\n') + 1, error.Line);
    }

    [Fact]
    public void Numeric_for_is_inclusive_and_handles_steps_and_the_ends_of_the_range()
    {
        const string text = """
            var s = ""
            for (i = 1, 3) { s = s .. stringof(i) }
            for (i = 10, 1, -4) { s = s .. " " .. stringof(i) }
            for (i = 3, 1) { s = s .. "never" }
            var n = 0
            for (i = 9223372036854775805, 9223372036854775807) { n += 1 }
            print(s, n)
            """;
        Assert.Equal("123 10 6 2\t3\n", Script.Run(text));
    }

    [Fact]
    public void Break_leaves_only_the_innermost_loop()
    {
        const string text = """
            var s = ""
            for (i = 1, 3) {
                for (j = 1, 3) {
                    if (j == 2) { break }
                    s = s .. stringof(i) .. stringof(j) .. " "
                }
            }
            var k = 0
            repeat { k = k + 1 } until (k >= 4)
            print(s, k)
            """;
        Assert.Equal("11 21 31 \t4\n", Script.Run(text));
    }

    [Fact]
    public void The_arg_table_holds_the_script_name_and_its_arguments()
    {
        const string text = """
            print(arg[0], arg[1], arg[2], arg[3], arg[4], len(arg))
            print(arg[1] + 1, arg[3] - 1)
            """;
        Assert.Equal("t.kp\t41\tfoo\t-5\tnil\t4\n42\t-6\n", Script.Run(text, "41", "foo", "-5"));
    }

    [Fact]
    public void Strings_compare_by_content_and_tables_by_identity_in_scripts()
    {
        const string text = """
            var a = "ab"
            var t = {}
            var u = {}
            print(a .. "c" == "abc", 1 == "1", t == t, t == u, nil == false, 0 != nil)
            """;
        Assert.Equal("true\tfalse\ttrue\tfalse\tfalse\ttrue\n", Script.Run(text));
    }
}
