using System.Text.RegularExpressions;

namespace Ktap.Cli.Tests.Tracing;

/// <summary>
/// The built-ins only a handler has (stack(), ipof(), in_interrupt(), string fields of the
/// record), aggregations recorded in the kernel, and --strlen, through <c>bin/ktap</c> on real tracepoints.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class KernelBuiltinTests
{
    [KernelFact]
    public void PrintsTheKernelStackOfAnEventInKtapsFormat()
    {
        var result = TracingRun.Run(
            "trace syscalls:sys_enter_openat { if (execname == \"kt_opener\") { print(stack()) } }",
            () => Workloads.Open(2));
        Assert.True(result.ExitCode == 0, result.Stderr);
        var blocks = result.Stdout.Split("<stack trace>\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, blocks.Length);
        foreach (var block in blocks)
        {
            var frames = block.TrimEnd('\n').Split('\n');
            Assert.All(frames, f => Assert.Matches(FrameLine(), f));
            Assert.Contains(frames, f => f.StartsWith(" => do_syscall_64+0x", StringComparison.Ordinal));
        }
    }

    [KernelFact]
    public void CountsByStackAndPrintsEachStackKeyOnItsOwnLines()
    {
        var result = TracingRun.Run(
            "var s = {}\ntrace syscalls:sys_enter_openat { if (execname == \"kt_opener\") { s[stack(4)] += 1 } }\ntrace_end { print_hist(s) }",
            () => Workloads.Open(7));
        Assert.True(result.ExitCode == 0, result.Stderr);

        // The header, then one stack of at most 4 frames, the bar, the count and an empty line.
        var lines = result.Stdout.Split('\n');
        var frames = lines.Skip(1).TakeWhile(l => !l.StartsWith('@')).ToList();
        Assert.InRange(frames.Count, 1, 4);
        Assert.All(frames, f => Assert.Matches(KeyFrame(), f));
        Assert.Equal("7", lines[frames.Count + 2]);
    }

    [KernelFact]
    public void ReadsADataLocStringFieldAndMeasuresIt()
    {
        var opener = Workloads.Opener;
        var result = TracingRun.Run(
            "trace sched:sched_process_exec { var path = args.filename\n if (execname == \"kt_opener\") { print(path, len(path)) } }",
            () => Workloads.Open(1));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal($"{opener}\t{opener.Length}\n", result.Stdout);
    }

    [KernelFact]
    public void EventStringsAreStringsEverywhereTheirProbesReach()
    {
        var opener = Workloads.Opener;
        var result = TracingRun.Run(
            "var execs = {}\nvar last = \"\"\nfunction path() { return args.filename }\ntrace sched:sched_process_exec { execs[path()] += 1\n if (execname == \"kt_opener\") { last = arg0 } }\ntrace_end { print(execs[\"" + opener + "\"], last == \"" + opener + "\") }",
            () => Workloads.Open(1));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("1\ttrue\n", result.Stdout);
    }

    [KernelFact]
    public void StrlenCutsHandlerStrings()
    {
        var result = TracingRun.Run(
            "trace sched:sched_process_exec { if (execname == \"kt_opener\") { print(args.filename) } }",
            () => Workloads.Open(1),
            "--strlen", "8");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Workloads.Opener[..7] + "\n", result.Stdout);
    }

    [KernelFact]
    public void IpofNamesTheKernelFunctionOfAnAddress()
    {
        // nanosleep arms an hrtimer whose function is hrtimer_wakeup.
        var result = TracingRun.Run(
            "var f = {}\ntrace timer:hrtimer_start { if (execname == \"sleep\") { f[ipof(args.function)] += 1 } }\ntrace_end { for (k, v in pairs(f)) { print(k) } }",
            () => Run("sleep", "0.01"));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("hrtimer_wakeup\n", result.Stdout, StringComparison.Ordinal);
    }

    [KernelFact]
    public void InInterruptRunsWhereTheKernelShowsThePreemptCountAndIsAnErrorElsewhere()
    {
        var listed = File.ReadLines("/proc/kallsyms").Any(l => l.EndsWith(" __preempt_count", StringComparison.Ordinal) || l.EndsWith(" pcpu_hot", StringComparison.Ordinal));
        var result = TracingRun.Run(
            "var n = {}\ntrace syscalls:sys_enter_openat { if (execname == \"kt_opener\") { n[in_interrupt()] += 1 } }\ntrace_end { print(n[0]) }",
            () => Workloads.Open(3));
        if (listed)
        {
            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.Equal("3\n", result.Stdout);
        }
        else
        {
            Assert.Equal(255, result.ExitCode);
            Assert.Contains("error KT2005: in_interrupt() needs the preempt count", result.Stderr, StringComparison.Ordinal);
        }
    }

    [KernelFact]
    public void ArgstrIsTheEventAsTheKernelsTraceFileShowsIt()
    {
        var result = TracingRun.Run(
            "trace sched:sched_process_exec, syscalls:sys_exit_openat { if (execname == \"kt_opener\") { print(argstr) } }",
            () => Workloads.Open(3));
        Assert.True(result.ExitCode == 0, result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Matches($"^sched_process_exec: filename={Regex.Escape(Workloads.Opener)} pid=(\\d+) old_pid=\\1$", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Equal("sys_openat -> 0x3", l));
    }

    [KernelFact]
    public void RecordsReadSizesInAHistogramAndStatistics()
    {
        var result = TracingRun.Run(
            "var h = hist()\nvar s = aggr()\ntrace syscalls:sys_enter_read /count == 17/ { h[execname] <<< args.count\n s[execname] <<< args.count }\ntrace_end { print(h[\"dd\"])\n print(count(s[\"dd\"]), sum(s[\"dd\"]), min(s[\"dd\"]), max(s[\"dd\"])) }",
            () => Run("dd", "if=/dev/zero", "of=/dev/null", "bs=17", "count=300", "status=none"));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("[16, 32)             300 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n300\t5100\t17\t17\n", result.Stdout);
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(program, arguments)!;
        process.WaitForExit();
    }

    [GeneratedRegex(@"^ => [\w.$]+\+0x[0-9a-f]+/0x[0-9a-f]+$")]
    private static partial Regex FrameLine();

    [GeneratedRegex(@"^[\w.$]+\+0x[0-9a-f]+/0x[0-9a-f]+$")]
    private static partial Regex KeyFrame();
}
