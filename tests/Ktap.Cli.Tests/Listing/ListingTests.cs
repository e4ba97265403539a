using System.Text;
using System.Text.RegularExpressions;
using Ktap.Bpf;
using Ktap.Bpf.Tracing;
using Ktap.Cli.Tests.Tracing;
using Ktap.Runtime.Tests.Probes;

namespace Ktap.Cli.Tests.Listing;

/// <summary>
/// <c>ktap -l</c> and <c>-lv</c> through <c>bin/ktap</c>, checked against the kernel's own lists
/// (tracefs, readelf) and against what a handler reads. This kernel cannot probe its functions (no
/// kprobe PMU); <see cref="GuestListingTests"/> lists them on one that can.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class ListingTests
{
    private static string Events => Path.Combine(TraceFs.EnsureMounted(), "events");

    [KernelFact]
    public void AGlobListsTheTracepointsTracefsHasThatPerfCanOpen()
    {
        var result = Ktap("-l", "syscalls:sys_enter_open*");
        Assert.Equal((0, string.Empty), (result.ExitCode, result.Stderr));
        var expected = Directory.GetDirectories(Path.Combine(Events, "syscalls"), "sys_enter_open*")
            .Where(d => File.Exists(Path.Combine(d, "id")))
            .Select(d => "syscalls:" + Path.GetFileName(d))
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, Lines(result.Stdout));
        Assert.Contains("syscalls:sys_enter_openat", Lines(result.Stdout));
    }

    [KernelFact]
    public void WithoutAPatternEveryTracepointIsListed()
    {
        var result = Ktap("-l");
        Assert.Equal((0, string.Empty), (result.ExitCode, result.Stderr));
        var expected = Directory.GetDirectories(Events)
            .SelectMany(Directory.GetDirectories)
            .Where(d => File.Exists(Path.Combine(d, "id")) && Path.GetFileName(Path.GetDirectoryName(d)) != "ftrace")
            .Select(d => new TraceEventName(Path.GetFileName(Path.GetDirectoryName(d))!, Path.GetFileName(d)))
            .Order()
            .Select(e => e.ToString())
            .ToList();
        var lines = Lines(result.Stdout);
        Assert.Equal(expected, lines.Where(l => !l.StartsWith("probe:", StringComparison.Ordinal)));

        // Linux 6.18 gives ftrace's internal events an id file, but perf cannot open them.
        Assert.DoesNotContain("ftrace:function", lines);
        Assert.Contains("sched:sched_switch", lines);

        // Kernel functions are listed only where the kernel can probe them; not on this kernel.
        Assert.Equal(KernelFeatures.HasKprobePmu, lines.Any(l => l.StartsWith("probe:", StringComparison.Ordinal)));
    }

    [KernelFact]
    public void VerboseListingGivesEachFieldItsTypeAndTheArgNumberAHandlerReads()
    {
        var result = Ktap("-lv", "syscalls:sys_enter_openat");
        Assert.Equal((0, string.Empty), (result.ExitCode, result.Stderr));
        Assert.Equal("syscalls:sys_enter_openat", Lines(result.Stdout)[0]);
        Assert.Contains("    arg0  int __syscall_nr", Lines(result.Stdout));
        Assert.Contains("    common fields: unsigned short common_type, unsigned char common_flags, unsigned char common_preempt_count, int common_pid", Lines(result.Stdout));
        var filename = FilenameLine().Match(result.Stdout);
        Assert.True(filename.Success, result.Stdout);

        // The argN the listing names reads the file name in a handler.
        var trace = TracingRun.Run(
            $"trace syscalls:sys_enter_openat {{ if (execname == \"kt_opener\") {{ print(user_string({filename.Groups[1].Value})) }} }}",
            () => Workloads.Open(3));
        Assert.Equal((0, "/etc/hostname\n/etc/hostname\n/etc/hostname\n"), (trace.ExitCode, trace.Stdout));
    }

    [KernelFact]
    public void ABinaryListsItsFunctionsAsReadelfDoesAndItsUsdtMarkersOnce()
    {
        var path = TestProgram.FixedAddress;
        var result = Ktap("-l", path);
        Assert.Equal((0, string.Empty), (result.ExitCode, result.Stderr));
        var lines = Lines(result.Stdout);
        var functions = Tool.Run("readelf", "-sW", path).Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 8 && f[3] is "FUNC" or "IFUNC" && f[6] != "UND")
            .Select(f => $"probe:{path}:{f[7]}")
            .Distinct()
            .Order(StringComparer.Ordinal);
        Assert.Equal(functions, lines.Where(l => l.StartsWith("probe:", StringComparison.Ordinal)));
        Assert.Contains($"probe:{path}:target_function", lines);
        Assert.Equal(
            [$"sdt:{path}:ktap_test:counted", $"sdt:{path}:ktap_test:mixed", $"sdt:{path}:ktap_test:plain", $"sdt:{path}:other:twice"],
            lines.Where(l => l.StartsWith("sdt:", StringComparison.Ordinal)));
    }

    [KernelFact]
    public void AGlobNarrowsABinarysListingAndAPrefixPicksOneKind()
    {
        var path = TestProgram.FixedAddress;
        Assert.Equal([$"probe:{path}:second_function", $"probe:{path}:target_function"], Lines(Ktap("-l", $"{path}:*_function").Stdout));
        Assert.Equal([$"probe:{path}:third"], Lines(Ktap("-l", $"probe:{path}:th*").Stdout));
        Assert.Equal([$"sdt:{path}:other:twice"], Lines(Ktap("-l", $"sdt:{path}:other:*").Stdout));
        Assert.Equal([$"sdt:{path}:ktap_test:plain"], Lines(Ktap("-l", $"sdt:{path}:pl*").Stdout));
        Assert.Equal([$"sdt:{path}:ktap_test:plain", "    arg1  -4@%edi"], Lines(Ktap("-l", "-v", $"sdt:{path}:pl*").Stdout));
    }

    [KernelFact]
    public void VerboseListingGivesAMarkersArguments()
    {
        var path = TestProgram.FixedAddress;
        var result = Ktap("-lv", $"sdt:{path}:ktap_test:*");
        Assert.Equal((0, string.Empty), (result.ExitCode, result.Stderr));
        Assert.Equal(
            $"sdt:{path}:ktap_test:counted\n    arg1  8@%rsi\n    arg2  -2@%dx\n" +
            $"sdt:{path}:ktap_test:mixed\n    arg1  -4@%eax\n" +
            $"    arg2  8@ktap_global(%rip)  (USDT argument arg2 is '8@ktap_global(%rip)': arguments in memory are not supported yet)\n" +
            $"    arg3  4@$5  (USDT argument arg3 is '4@$5': constant arguments are not supported yet)\n" +
            $"sdt:{path}:ktap_test:plain\n    arg1  -4@%edi\n",
            result.Stdout);
    }

    [KernelFact]
    public void WhatMatchesNothingIsOneLineWithStatusOne()
    {
        foreach (var (pattern, expected) in new[]
        {
            ("nosuchsubsystem:*", "ktap: no tracepoint matches 'nosuchsubsystem:*'\n"),
            ("no_such_event_*", "ktap: no tracepoint matches 'no_such_event_*'; kernel functions are not listed: this kernel cannot probe them, it has no kprobe PMU (CONFIG_KPROBES is not set)\n"),
            ("probe:vfs_*", "ktap: kernel functions are not listed: this kernel cannot probe them, it has no kprobe PMU (CONFIG_KPROBES is not set)\n"),
            ("/no/such/binary", "ktap: no such file '/no/such/binary'\n"),
            ("/etc/hostname:x", "ktap: '/etc/hostname' is not a 64-bit ELF file, or cannot be read\n"),
            ("sdt::plain", "ktap: ':plain' names no binary: write /path/bin, /path/bin:GLOB or a library's name\n"),
        })
        {
            var result = Ktap("-l", pattern);
            Assert.Equal((1, string.Empty, expected), (result.ExitCode, result.Stdout, result.Stderr));
        }
    }

    [Fact]
    public void ABinaryGlobThatMatchesNothingNamesTheFile()
    {
        var path = TestProgram.FixedAddress;
        var result = Ktap("-l", $"{path}:zz*");
        Assert.Equal((1, string.Empty, $"ktap: no function or USDT marker in {path} matches 'zz*'\n"), (result.ExitCode, result.Stdout, result.Stderr));
    }

    [Theory]
    [InlineData(new[] { "-l", "a:b", "c:d" }, "ktap: option '-l' runs no script and takes no other arguments\n")]
    [InlineData(new[] { "-l", "-e", "print(1)" }, "ktap: option '-l' runs no script and takes no other arguments\n")]
    [InlineData(new[] { "-l", "--ps" }, "ktap: option '-l' runs no script and takes no other arguments\n")]
    public void MisusedListOptionsAreOneLineWithStatusTwo(string[] arguments, string expected)
    {
        var result = Ktap(arguments);
        Assert.Equal((2, string.Empty, expected), (result.ExitCode, result.Stdout, result.Stderr));
    }

    [GeneratedRegex(@"\n    (arg\d) +const char \* filename\n")]
    private static partial Regex FilenameLine();

    private static List<string> Lines(string text) => [.. Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(text)).Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static ProcessResult Ktap(params string[] arguments) =>
        ProcessRunner.Run(RepoPaths.Ktap, arguments, Path.GetTempPath(), TimeSpan.FromSeconds(60));
}
