namespace Ktap.Cli.Tests.Tracing;

/// <summary>
/// Handlers compiled to eBPF and run on real tracepoints, through <c>bin/ktap</c>, against a
/// workload whose system calls the tests know exactly (kt_opener, linked statically).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TracingTests
{
    [KernelFact]
    public void CountsEveryOpenOfTheWorkloadExactly()
    {
        var result = TracingRun.Run(
            "var n = {}\ntrace syscalls:sys_enter_openat { n[execname] += 1 }\ntrace_end { print(n[\"kt_opener\"]) }",
            () => Workloads.Open(1234));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("1234\n", result.Stdout);
    }

    [KernelFact]
    public void FiltersOnAField()
    {
        // O_WRONLY | O_CREAT is 0x41; /etc/hostname is opened O_RDONLY (0).
        var result = TracingRun.Run(
            "var n = 0\ntrace syscalls:sys_enter_openat /flags == 0x41/ { if (execname == \"kt_opener\") { n += 1 } }\ntrace_end { print(n) }",
            () => Workloads.Open(50, 7));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("7\n", result.Stdout);
    }

    [KernelFact]
    public void CountsPerProcess()
    {
        var result = TracingRun.Run(
            "var n = {}\ntrace syscalls:sys_enter_openat { n[execname] += 1 }\ntrace_end { for (k, v in pairs(n)) { if (k == \"kt_opener\") { print(k, v) } } }",
            () =>
            {
                Workloads.Open(10);
                Workloads.Open(20);
            });
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("kt_opener\t30\n", result.Stdout);
    }

    [KernelFact]
    public void BuildsAStringInTheHandler()
    {
        var result = TracingRun.Run(
            "trace syscalls:sys_enter_openat /flags == 0x41/ { if (execname == \"kt_opener\") { printf(\"%s\\n\", execname .. \" opens for writing\") } }",
            () => Workloads.Open(5, 3));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(string.Concat(Enumerable.Repeat("kt_opener opens for writing\n", 3)), result.Stdout);
    }

    [KernelFact]
    public void ReadsATableTheTopLevelFilled()
    {
        var result = TracingRun.Run(
            "var watched = {}\nwatched[\"kt_opener\"] = 100\nvar n = 0\ntrace syscalls:sys_enter_openat { var weight = watched[execname]\n if (weight != nil) { n += weight } }\ntrace_end { print(n) }",
            () => Workloads.Open(12));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("1200\n", result.Stdout);
    }

    [KernelFact]
    public void ReportsDivisionByZeroWithItsLineAndCount()
    {
        var result = TracingRun.Run(
            "var x = 0\ntrace syscalls:sys_enter_openat {\n  if (execname == \"kt_opener\") {\n    x = 10 / (arg0 - arg0)\n  }\n}",
            () => Workloads.Open(25));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("error: division by zero (-e:4), 25 times\n", result.Stderr);
    }

    [KernelFact]
    public void ExitInAHandlerStopsTheSessionAndRunsTraceEnd()
    {
        var result = TracingRun.Run(
            "trace syscalls:sys_enter_openat { if (execname == \"kt_opener\") { print(\"seen\")\n exit() } }\ntrace_end { print(\"end\") }",
            () => Workloads.Open(5));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("seen\nend\n", result.Stdout);
    }
}
