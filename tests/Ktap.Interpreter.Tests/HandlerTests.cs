using Ktap.Interpreter.Values;

namespace Ktap.Interpreter.Tests;

public class HandlerTests
{
    private static FakeEvent OpenEvent() => new()
    {
        ProbeName = "sys_enter_openat",
        Pid = 4242,
        Tid = 4243,
        Uid = 1001,
        Cpu = 3,
        Execname = "cat",
        Arguments = [257, -100, 0x7ffd0000, 0, 5, 6, 7, 8, 9, long.MinValue],
        Fields = new(StringComparer.Ordinal) { ["filename"] = Value.String("/etc/passwd"), ["flags"] = Value.Number(0x80000) },
    };

    [Fact]
    public void A_handler_reads_every_probe_variable_from_the_event()
    {
        const string text = """
            trace syscalls:sys_enter_openat {
                printf("%s pid=%d tid=%d uid=%d cpu=%d %s\n", probename, pid, tid, uid, cpu, execname)
                print(arg0, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9)
                print(args.filename, args.flags)
            }
            """;
        var session = Script.Start(text);
        Assert.True(session.Interpreter.RunMain());
        Assert.Equal(string.Empty, session.Take());

        var outcome = session.Fire(OpenEvent());

        Assert.Equal(HandlerOutcome.Completed, outcome);
        Assert.Equal(
            "sys_enter_openat pid=4242 tid=4243 uid=1001 cpu=3 cat\n"
            + "257\t-100\t2147287040\t0\t5\t6\t7\t8\t9\t-9223372036854775808\n"
            + "/etc/passwd\t524288\n",
            session.Take());
    }

    [Fact]
    public void Each_run_reads_its_own_event_and_the_top_level_state_carries_over()
    {
        const string text = """
            var seen = 0
            trace sched:sched_switch {
                seen += 1
                print(seen, execname, arg1)
            }
            trace_end { print("total", seen) }
            """;
        var session = Script.Start(text);
        session.Interpreter.RunMain();

        Assert.Equal(HandlerOutcome.Completed, session.Fire(new FakeEvent { Execname = "bash", Arguments = [0, 11, 0, 0, 0, 0, 0, 0, 0, 0] }));
        Assert.Equal(HandlerOutcome.Completed, session.Fire(new FakeEvent { Execname = "sshd", Arguments = [0, 22, 0, 0, 0, 0, 0, 0, 0, 0] }));
        session.Interpreter.RunTraceEnd();

        Assert.Equal("1\tbash\t11\n2\tsshd\t22\ntotal\t2\n", session.Take());
    }

    [Fact]
    public void Functions_and_closures_called_from_a_handler_see_the_event()
    {
        const string text = """
            function describe() { return execname .. "[" .. stringof(pid) .. "]" }
            function first_argument() { return arg1 }
            function field(scale) { return args.count * scale }
            trace syscalls:sys_enter_read {
                var later = function () { return probename }
                print(describe(), first_argument(), field(2), later())
            }
            """;
        var session = Script.Start(text);
        session.Interpreter.RunMain();
        var probeEvent = new FakeEvent
        {
            Execname = "dd",
            Pid = 77,
            Arguments = [0, 3, 0, 0, 0, 0, 0, 0, 0, 0],
            Fields = new(StringComparer.Ordinal) { ["count"] = Value.Number(4096) },
        };

        Assert.Equal(HandlerOutcome.Completed, session.Fire(probeEvent));
        Assert.Equal("dd[77]\t3\t8192\tsys_enter_read\n", session.Take());
        Assert.Equal(1, probeEvent.FieldReads);
    }

    [Fact]
    public void Outside_a_handler_the_probe_variables_describe_the_ktap_process_as_before()
    {
        const string text = """
            function who() { return pid }
            trace syscalls:sys_enter_read { print(who(), pid) }
            print(who())
            trace_end { print(who(), pid) }
            """;
        var session = Script.Start(text);
        session.Interpreter.RunMain();
        session.Fire(new FakeEvent { Pid = 5 });
        session.Interpreter.RunTraceEnd();

        var own = Environment.ProcessId;
        Assert.Equal($"{own}\n5\t5\n{own}\t{own}\n", session.Take());
    }

    [Fact]
    public void A_runtime_error_in_a_handler_is_returned_with_its_line_and_the_output_before_it_stays()
    {
        const string text = """
            var runs = 0
            trace syscalls:sys_enter_read {
                runs += 1
                print("before", runs)
                var ratio = 100 / arg1
                print("after", ratio)
            }
            trace_end { print("end", runs) }
            """;
        var session = Script.Start(text);
        session.Interpreter.RunMain();

        var failed = session.Fire(new FakeEvent { Arguments = new long[10] });
        Assert.Equal(HandlerStatus.Failed, failed.Status);
        Assert.True(failed.IsFailed);
        Assert.Equal("division by zero", failed.Error.Message);
        Assert.Equal(5, failed.Error.Line);
        Assert.Equal("error: division by zero (t.kp:5)", failed.Error.Render());
        Assert.Equal("before\t1\n", session.Take());

        // The error ended that run only: the next event, and trace_end, still run.
        var ok = session.Fire(new FakeEvent { Arguments = [0, 4, 0, 0, 0, 0, 0, 0, 0, 0] });
        Assert.Equal(HandlerOutcome.Completed, ok);
        Assert.Null(ok.Error);
        session.Interpreter.RunTraceEnd();
        Assert.Equal("before\t2\nafter\t25\nend\t2\n", session.Take());
    }

    [Fact]
    public void An_error_in_a_function_called_from_a_handler_has_the_function_line()
    {
        const string text = """
            function name_length() {
                return len(args.name) + arg0
            }
            trace probe:do_sys_open { print(name_length()) }
            """;
        var session = Script.Start(text);
        session.Interpreter.RunMain();
        var outcome = session.Fire(new FakeEvent { Fields = new(StringComparer.Ordinal) { ["name"] = Value.Number(1) } });

        Assert.True(outcome.IsFailed);
        Assert.Equal(2, outcome.Error.Line);
        Assert.Equal("bad argument #1 to 'len' (table or string expected, got number)", outcome.Error.Message);
    }

    [Fact]
    public void Exit_in_a_handler_returns_exited_and_trace_end_still_runs()
    {
        const string text = """
            function stop() { exit() print("not here") }
            trace syscalls:sys_enter_read {
                print("hit", arg0)
                if (arg0 == 3) { stop() }
                print("done", arg0)
            }
            trace_end { print("end") }
            """;
        var session = Script.Start(text);
        session.Interpreter.RunMain();

        Assert.Equal(HandlerOutcome.Completed, session.Fire(new FakeEvent { Arguments = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0] }));
        var exited = session.Fire(new FakeEvent { Arguments = [3, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
        Assert.Equal(HandlerStatus.Exited, exited.Status);
        Assert.Same(HandlerOutcome.Exited, exited);
        Assert.False(exited.IsFailed);
        session.Interpreter.RunTraceEnd();

        Assert.Equal("hit\t1\ndone\t1\nhit\t3\nend\n", session.Take());
    }

    [Fact]
    public void An_unknown_field_is_a_runtime_error_that_names_it()
    {
        var session = Script.Start("trace syscalls:sys_enter_openat { print(args.filename) print(args.nosuch) }");
        session.Interpreter.RunMain();
        var outcome = session.Fire(OpenEvent());

        Assert.True(outcome.IsFailed);
        Assert.Equal("'args.nosuch': the event sys_enter_openat has no field 'nosuch'", outcome.Error.Message);
        Assert.Equal(1, outcome.Error.Line);
        Assert.Equal("/etc/passwd\n", session.Take());
    }

    [Fact]
    public void Argstr_needs_the_kernel()
    {
        var session = Script.Start("trace sched:sched_switch {\n print(argstr)\n}");
        session.Interpreter.RunMain();
        var outcome = session.Fire(new FakeEvent());

        Assert.True(outcome.IsFailed);
        Assert.Equal("argstr needs the kernel", outcome.Error.Message);
        Assert.Equal(2, outcome.Error.Line);
    }

    [Fact]
    public void Handlers_may_recurse_in_the_interpreter_and_a_runaway_one_fails_alone()
    {
        const string text = """
            function fib(n) { if (n < 2) { return n } return fib(n - 1) + fib(n - 2) }
            function down(n) { return 1 + down(n + 1) }
            trace syscalls:sys_enter_read { print(fib(arg0)) }
            trace syscalls:sys_enter_write { print(down(0)) }
            """;
        var session = Script.Start(text);
        session.Interpreter.RunMain();

        Assert.Equal(HandlerOutcome.Completed, session.Fire(new FakeEvent { Arguments = [20, 0, 0, 0, 0, 0, 0, 0, 0, 0] }));
        var overflow = session.Fire(new FakeEvent(), handler: 1);
        Assert.True(overflow.IsFailed);
        Assert.Equal("stack overflow", overflow.Error.Message);

        // The call depth unwound with the error: the interpreter runs as deep as before.
        Assert.Equal(HandlerOutcome.Completed, session.Fire(new FakeEvent { Arguments = [15, 0, 0, 0, 0, 0, 0, 0, 0, 0] }));
        Assert.Equal("6765\n610\n", session.Take());
    }

    [Fact]
    public void A_handler_that_returns_a_tail_call_completes()
    {
        const string text = """
            function show(x) { print("shown", x) }
            trace syscalls:sys_enter_read { if (arg0 > 0) { return show(arg0) } print("zero") }
            """;
        var session = Script.Start(text);
        session.Interpreter.RunMain();

        Assert.Equal(HandlerOutcome.Completed, session.Fire(new FakeEvent { Arguments = [9, 0, 0, 0, 0, 0, 0, 0, 0, 0] }));
        Assert.Equal(HandlerOutcome.Completed, session.Fire(new FakeEvent()));
        Assert.Equal("shown\t9\nzero\n", session.Take());
    }

    [Fact]
    public void Profile_blocks_run_like_trace_blocks()
    {
        var session = Script.Start("var samples = {}\nprofile-1ms { samples[cpu] += 1 }\ntrace_end { for (k, v in pairs(samples)) { print(k, v) } }");
        session.Interpreter.RunMain();
        session.Fire(new FakeEvent { Cpu = 1 });
        session.Fire(new FakeEvent { Cpu = 0 });
        session.Fire(new FakeEvent { Cpu = 1 });
        session.Interpreter.RunTraceEnd();

        Assert.Equal("1\t2\n0\t1\n", session.Take());
    }

    [Fact]
    public void A_handler_sees_top_level_variables_declared_before_it_even_when_exit_stopped_the_top_level()
    {
        const string text = """
            var prefix = "pid"
            exit()
            trace syscalls:sys_enter_read { print(prefix, pid) }
            """;
        var session = Script.Start(text);
        Assert.False(session.Interpreter.RunMain());

        Assert.Equal(HandlerOutcome.Completed, session.Fire(new FakeEvent { Pid = 9 }));
        Assert.Equal("pid\t9\n", session.Take());
    }

    [Fact]
    public void Running_a_handler_before_the_top_level_registered_it_is_a_usage_error()
    {
        var session = Script.Start("trace syscalls:sys_enter_read { print(pid) }");
        Assert.Throws<InvalidOperationException>(() => session.Fire(new FakeEvent()));
    }

    [Fact]
    public void Only_trace_and_profile_blocks_handle_events()
    {
        var session = Script.Start("trace_end { print(pid) }\ntick-1s { print(pid) }");
        session.Interpreter.RunMain();
        foreach (var probe in session.Bound.Probes)
        {
            Assert.Throws<ArgumentException>(() => session.Interpreter.RunHandler(probe, new FakeEvent()));
        }
    }

    [Fact]
    public void Outcomes_say_how_the_handler_ended()
    {
        Assert.Equal("Completed", HandlerOutcome.Completed.ToString());
        Assert.Equal("Exited", HandlerOutcome.Exited.ToString());
        var session = Script.Start("trace a:b {\nprint(1 .. \"x\")\n}");
        session.Interpreter.RunMain();
        Assert.Equal("Failed: error: attempt to concatenate a number value ('..' joins strings only) (t.kp:2)", session.Fire(new FakeEvent()).ToString());
    }
}
