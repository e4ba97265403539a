using Ktap.Runtime.Dump;
using Ktap.Runtime.Probes;
using Ktap.Runtime.Tests.Differential;

namespace Ktap.Runtime.Tests.Dump;

/// <summary><c>ktap -d</c>: listings of every handler, and its errors as one line each.</summary>
public sealed class DumpCommandTests
{
    [KernelFact]
    public void EveryHandlerIsListedWithItsScriptLines()
    {
        var (status, output, errors) = Run("""
            var counts = {}
            trace syscalls:sys_enter_openat /flags == 0/ {
                counts[execname] += 1
            }
            profile-10ms { counts["tick"] += 1 }
            """);

        Assert.Equal(0, status);
        Assert.Equal("", errors);
        var lines = output.Split('\n');
        Assert.Matches(@"^ktap_trace_0: trace syscalls:sys_enter_openat \(\d+ instructions\)$", lines[0]);
        Assert.Equal("; 2: trace syscalls:sys_enter_openat /flags == 0/ {", lines[1]);
        Assert.Contains("; 3: counts[execname] += 1", lines);
        Assert.Contains(lines, l => l.EndsWith(" = map[counts]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ktap_profile_0: profile-10ms (", StringComparison.Ordinal));
        Assert.Contains("; 5: profile-10ms { counts[\"tick\"] += 1 }", lines);
    }

    [KernelFact]
    public void TargetsThatCompileAlikeAreListedOnce()
    {
        // Every sys_exit_* record has the return value at one offset: one program for them all.
        var (status, output, _) = Run("trace syscalls:sys_exit_read, syscalls:sys_exit_write, syscalls:sys_exit_close { print(arg1) }\n");
        Assert.Equal(0, status);
        var header = Assert.Single(output.Split('\n'), l => l.StartsWith("ktap_", StringComparison.Ordinal));
        Assert.Matches(@"^ktap_trace_0: trace syscalls:sys_exit_read \(\d+ instructions, shared by 3 targets\)$", header);
    }

    [KernelFact]
    public void AnUnknownTracepointIsOneLineAndStatusOne()
    {
        var (status, output, errors) = Run("var n = 0\ntrace syscalls:sys_enter_opennat { n += 1 }\n");
        Assert.Equal(DumpCommand.ProbeError, status);
        Assert.Equal("", output);
        Assert.StartsWith($"{DifferentialRun.FileName}:2:7: error: unknown tracepoint 'syscalls:sys_enter_opennat'", errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd('\n').Split('\n'));
    }

    [KernelFact]
    public void AFieldTheEventLacksIsACompileError()
    {
        var (status, _, errors) = Run("trace syscalls:sys_enter_openat { print(args.nosuch) }\n");
        Assert.Equal(DumpCommand.CompileError, status);
        Assert.StartsWith($"{DifferentialRun.FileName}:1:41: error KT2005: sys_enter_openat has no field 'nosuch'", errors, StringComparison.Ordinal);
    }

    [KernelFact]
    public void ABadFilterFieldIsACompileError()
    {
        var (status, _, errors) = Run("trace syscalls:sys_enter_openat /nosuch == 1/ { print(1) }\n");
        Assert.Equal(DumpCommand.CompileError, status);
        Assert.StartsWith($"{DifferentialRun.FileName}:1:34: error KT1107: ", errors, StringComparison.Ordinal);
    }

    /// <summary>What a user without root gets: tracefs formats are root's, so tracepoints get a stand-in layout.</summary>
    [Fact]
    public void WithoutTheFormatsTracepointsAreListedForAGenericLayout()
    {
        var (status, output, errors) = Run(
            """
            trace syscalls:sys_enter_openat /flags == 0 && filename.ustring ~ "/etc*"/ {
                printf("%s %d\n", user_string(args.filename), args.mode)
            }
            """,
            formatsReadable: false);

        Assert.Equal(0, status);
        Assert.Equal(GenericTracepoint.Notice + "\n", errors);
        var lines = output.Split('\n');
        Assert.Matches(@"^ktap_trace_0: trace syscalls:sys_enter_openat \(\d+ instructions\)$", lines[0]);
        Assert.Contains("; 2: printf(\"%s %d\\n\", user_string(args.filename), args.mode)", lines);
    }

    [Fact]
    public void AGenericLayoutOffersWhatTheHandlerAndItsFilterName()
    {
        var typed = DifferentialRun.Compile("""
            trace sched:sched_switch /prev_comm == "swapper/0" && next_pid > 0 && CPU == 1/ {
                print(args.prev_pid, args.next_comm .. "!")
            }
            """);
        var probe = typed.Bound.Probes.Single(p => p.Kind == Language.Semantics.FunctionKind.Trace);
        var target = GenericTracepoint.For(probe.Specs[0], probe, typed);
        Assert.Equal("sched:sched_switch", target.ProbeName);
        Assert.Equal(
            ["common_type", "common_flags", "common_preempt_count", "common_pid", "prev_pid", "next_comm", "prev_comm", "next_pid"],
            target.Fields.Select(f => f.Name));
        Assert.Equal(Compiler.Events.FieldKind.DataLocString, target.FindField("next_comm")!.Kind);
        Assert.Equal(Compiler.Events.FieldKind.DataLocString, target.FindField("prev_comm")!.Kind);
        Assert.Equal(Compiler.Events.FieldKind.Unsigned, target.FindField("next_pid")!.Kind);
        Assert.Equal(10, target.Arguments.Count);
    }

    private static (int Status, string Output, string Errors) Run(string script, bool formatsReadable = true)
    {
        var typed = DifferentialRun.Compile(script);
        var output = new StringWriter();
        var errors = new StringWriter();
        var status = DumpCommand.Run(typed, output, errors, null, new ProbeResolver(), formatsReadable);
        return (status, output.ToString(), errors.ToString());
    }
}
