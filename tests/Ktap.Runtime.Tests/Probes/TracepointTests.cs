using System.Diagnostics;
using Ktap.Bpf.Text;
using Ktap.Compiler.Events;
using Ktap.Language.Syntax;
using Ktap.Runtime.Probes;
using Xunit.Abstractions;

namespace Ktap.Runtime.Tests.Probes;

/// <summary>Tracepoints of the running kernel, checked against its own format files.</summary>
public sealed class TracepointTests(ITestOutputHelper output)
{
    [KernelFact]
    public void Sys_enter_openat_has_the_format_files_fields_in_order()
    {
        var target = Scripts.Single("trace syscalls:sys_enter_openat { }");
        var oracle = FormatOracle.Read("syscalls", "sys_enter_openat");

        Assert.Equal("sys_enter_openat", target.Target.ProbeName);
        Assert.Equal(ContextKind.Tracepoint, target.Target.Kind);
        Assert.Equal(new TracepointAttach("syscalls", "sys_enter_openat", oracle.Id), target.Attach);
        Assert.Empty(target.Unsupported);

        // arg0 is the syscall number, then the syscall's arguments as the record stores them:
        // every one an unsigned long, whatever its C type ("int dfd ... size:8; signed:0").
        Assert.Equal(["__syscall_nr", "dfd", "filename", "flags", "mode"], target.Target.Arguments.Select(a => a.Name));
        Assert.Equal(new ContextField("__syscall_nr", 8, 4, FieldKind.Signed), target.Target.Arguments[0]);
        Assert.Equal(new ContextField("filename", 24, 8, FieldKind.Unsigned), target.Target.Arguments[2]);
        foreach (var (argument, field) in target.Target.Arguments.Zip(oracle.EventFields))
        {
            Assert.Equal((field.Name, field.Offset, field.Size), (argument.Name, argument.Offset, argument.Size));
            Assert.Equal(field.Signed ? FieldKind.Signed : FieldKind.Unsigned, argument.Kind);
        }

        // Fields: every field by name, the common header too, for args.NAME and filters.
        Assert.Equal(oracle.Fields.Select(f => f.Name), target.Target.Fields.Select(f => f.Name));
        Assert.Equal(new ContextField("common_pid", 4, 4, FieldKind.Signed), target.Target.FindField("common_pid"));
        Assert.Equal(new ContextField("common_type", 0, 2, FieldKind.Unsigned), target.Target.FindField("common_type"));
    }

    [KernelTheory]
    [InlineData("syscalls", "sys_exit_read")]
    [InlineData("syscalls", "sys_enter_write")]
    [InlineData("sched", "sched_switch")]
    [InlineData("sched", "sched_process_exec")]
    [InlineData("sched", "sched_process_fork")]
    [InlineData("signal", "signal_generate")]
    [InlineData("irq", "irq_handler_entry")]
    public void Every_argument_matches_the_format_file(string subsystem, string name)
    {
        var target = Scripts.Single($"trace {subsystem}:{name} {{ }}");
        var oracle = FormatOracle.Read(subsystem, name);
        Assert.Equal(oracle.EventFields.Select(f => f.Name), target.Target.Arguments.Select(a => a.Name));
        Assert.Equal(oracle.Fields.Select(f => (f.Name, f.Offset)), target.Target.Fields.Select(f => (f.Name, f.Offset)));
        foreach (var (argument, field) in target.Target.Arguments.Zip(oracle.EventFields))
        {
            var expected = field.Declaration switch
            {
                _ when field.Declaration.StartsWith("__data_loc char[]", StringComparison.Ordinal) => FieldKind.DataLocString,
                _ when field.Declaration.StartsWith("char ", StringComparison.Ordinal) && field.Declaration.EndsWith(']') => FieldKind.CharArray,
                _ => field.Signed ? FieldKind.Signed : FieldKind.Unsigned,
            };
            Assert.Equal(new ContextField(field.Name, field.Offset, field.Size, expected), argument);
        }
    }

    [KernelFact]
    public void Sys_exit_read_arg1_is_the_signed_return_value()
    {
        var target = Scripts.Single("trace syscalls:sys_exit_read { }");
        Assert.Equal(2, target.Target.Arguments.Count);
        Assert.Equal("__syscall_nr", target.Target.Arguments[0].Name);
        var ret = target.Target.Arguments[1];
        Assert.Equal(("ret", 8, FieldKind.Signed), (ret.Name, ret.Size, ret.Kind));
        Assert.Equal(FormatOracle.Read("syscalls", "sys_exit_read").Fields.Single(f => f.Name == "ret").Offset, ret.Offset);
    }

    [KernelFact]
    public void Sched_switch_comm_fields_are_char_arrays()
    {
        var target = Scripts.Single("trace sched:sched_switch { }");
        Assert.Equal(new ContextField("prev_comm", 8, 16, FieldKind.CharArray), target.Target.Arguments[0]);
        Assert.Equal(FieldKind.CharArray, target.Target.FindField("next_comm")?.Kind);
        Assert.Equal(16, target.Target.FindField("next_comm")?.Size);
        Assert.Equal(FieldKind.Signed, target.Target.FindField("prev_state")?.Kind);
    }

    [KernelFact]
    public void A_data_loc_string_is_its_four_byte_descriptor()
    {
        var target = Scripts.Single("trace sched:sched_process_exec { }");
        var filename = FormatOracle.Read("sched", "sched_process_exec").Fields.Single(f => f.Name == "filename");
        Assert.Equal(new ContextField("filename", filename.Offset, 4, FieldKind.DataLocString), target.Target.Arguments[0]);
        Assert.Equal(["filename", "pid", "old_pid"], target.Target.Arguments.Select(a => a.Name));
    }

    [KernelFact]
    public void A_glob_expands_to_the_events_tracefs_lists()
    {
        var targets = Scripts.Resolve("trace syscalls:sys_enter_open* { }").Targets;
        var expected = Directory.EnumerateDirectories(Path.Combine(FormatOracle.Root, "events", "syscalls"))
            .Select(Path.GetFileName)
            .Where(n => Glob.IsMatch("sys_enter_open*", n!))
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, targets.Select(t => t.Target.ProbeName));
        Assert.Contains(targets, t => t.Target.ProbeName == "sys_enter_openat2");
        Assert.All(targets, t => Assert.Equal(new TextSpan(6, "syscalls:sys_enter_open*".Length), t.Span));
    }

    [KernelFact]
    public void Globs_work_on_the_subsystem_and_with_question_marks()
    {
        var switches = Scripts.Resolve("trace *:sched_switch { }").Targets;
        Assert.Equal(new TracepointAttach("sched", "sched_switch", FormatOracle.Read("sched", "sched_switch").Id), Assert.Single(switches).Attach);

        Assert.Equal(["sys_exit_read"], Scripts.Resolve("trace syscalls:sys_e?i?_rea? { }").Targets.Select(t => t.Target.ProbeName));
        Assert.Equal(["sys_enter_read", "sys_exit_read"], Scripts.Resolve("trace syscalls:sys_*_read { }").Targets.Select(t => t.Target.ProbeName));
    }

    [KernelFact]
    public void Star_colon_star_is_every_event_perf_can_open()
    {
        var targets = Scripts.Resolve("trace *:* { }").Targets;
        // ftrace's own events have an id file on Linux 6.18, but perf refuses them.
        var withId = Directory.EnumerateDirectories(Path.Combine(FormatOracle.Root, "events"))
            .Where(d => Path.GetFileName(d) != "ftrace")
            .SelectMany(Directory.EnumerateDirectories)
            .Count(d => File.Exists(Path.Combine(d, "id")));
        Assert.Equal(withId, targets.Count);
        Assert.All(targets, t => Assert.NotEqual(0, ((TracepointAttach)t.Attach).Id));
    }

    [KernelFact]
    public void A_target_two_specs_name_is_attached_once()
    {
        var targets = Scripts.Resolve("trace syscalls:sys_enter_openat, syscalls:sys_enter_open*, sched:sched_switch { }").Targets;
        Assert.Single(targets, t => t.Target.ProbeName == "sys_enter_openat");
        Assert.Equal("sys_enter_openat", targets[0].Target.ProbeName);
        Assert.Equal("sched_switch", targets[^1].Target.ProbeName);
    }

    [KernelFact]
    public void An_unknown_tracepoint_names_the_nearest()
    {
        var (message, at) = Scripts.Fails("trace syscalls:sys_enter_opn { }");
        Assert.StartsWith("unknown tracepoint 'syscalls:sys_enter_opn'; did you mean syscalls:sys_enter_open", message);
        Assert.EndsWith("?", message);
        Assert.Equal("syscalls:sys_enter_opn", at);
    }

    [KernelFact]
    public void The_error_points_at_the_spec_at_fault()
    {
        var (message, at) = Scripts.Fails("trace syscalls:sys_enter_read,  sched:sched_swich /pid == 1/ { }");
        Assert.StartsWith("unknown tracepoint 'sched:sched_swich'; did you mean sched:sched_switch", message);
        Assert.Equal("sched:sched_swich", at);
    }

    [KernelFact]
    public void A_glob_that_matches_nothing_says_so()
    {
        Assert.Equal("no tracepoint matches 'syscalls:nothing_*'", Scripts.Fails("trace syscalls:nothing_* { }").Message);
        Assert.Equal("unknown tracepoint subsystem 'sycalls' in 'sycalls:*'; did you mean syscalls?", Scripts.Fails("trace sycalls:* { }").Message);
    }

    [KernelFact]
    public void A_spec_without_a_subsystem_is_refused_with_the_full_name()
    {
        var (message, at) = Scripts.Fails("trace sys_enter_openat { }");
        Assert.StartsWith("'sys_enter_openat' is not a tracepoint: write SUBSYSTEM:EVENT", message);
        Assert.EndsWith("did you mean syscalls:sys_enter_openat?", message);
        Assert.Equal("sys_enter_openat", at);
    }

    [KernelFact]
    public void Resolving_syscalls_star_is_fast()
    {
        var script = Scripts.Bind("trace syscalls:* { }").Probes.Single();

        // A fresh resolver: the event list and every format are read from tracefs.
        var cold = Stopwatch.StartNew();
        var resolver = new ProbeResolver();
        var targets = resolver.Resolve(script).Targets;
        cold.Stop();
        var warm = Stopwatch.StartNew();
        resolver.Resolve(script);
        warm.Stop();

        output.WriteLine($"syscalls:* -> {targets.Count} targets: {cold.Elapsed.TotalMilliseconds:F1} ms cold, {warm.Elapsed.TotalMilliseconds:F2} ms warm");
        Assert.True(targets.Count > 600, $"only {targets.Count} syscall events");
        Assert.True(cold.ElapsedMilliseconds < 1000, $"syscalls:* took {cold.ElapsedMilliseconds} ms");
        Assert.True(warm.ElapsedMilliseconds < 50, $"syscalls:* took {warm.ElapsedMilliseconds} ms the second time");
    }
}
