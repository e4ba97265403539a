using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Ktap.Bpf.Sys;
using Ktap.Cli.Tests.Tracing;

namespace Ktap.Cli.Tests.Audit;

/// <summary>
/// Every running script can be read back from the kernel (doc/auditing.md): a session started
/// in the background is listed by <c>ktap --ps</c> from another process, <c>ktap --source</c>
/// prints its exact bytes by process id or program id, bpftool shows its lines, and once it
/// ends nothing shows it. Other ktap sessions may run on the machine: each test looks only at
/// its own process and programs.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class AuditTests : IDisposable
{
    /// <summary>Non-ASCII in UTF-8, and a byte that is not UTF-8 at all (0xff): a script is bytes.</summary>
    private static readonly byte[] FileScript = Encoding.UTF8.GetBytes("#!/usr/bin/env ktap\n# counts opens — naïve ✓\nvar n = 0\ntrace syscalls:sys_enter_openat {\n\tn += 1\n}\n")
        .Concat("# \xff\n"u8.ToArray()).ToArray();

    private readonly string directory = Directory.CreateTempSubdirectory("ktap-audit-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [KernelFact]
    public void AFileScriptIsListedAndReadBackByteForByteUntilItEnds()
    {
        var path = Path.Combine(directory, "opens ✓.kp");
        File.WriteAllBytes(path, FileScript);
        List<uint> programs;
        int pid;
        using (var ktap = BackgroundKtap.Start(path, "first arg"))
        {
            pid = ktap.Pid;
            programs = ktap.ProgramIds();
            Assert.NotEmpty(programs);

            var block = Block(Ps(), pid)!;
            Assert.StartsWith($"PID {pid}  {path}  started ", block[0], StringComparison.Ordinal);
            Assert.Equal($"  command: ktap '{path}' 'first arg'", block[1]);
            Assert.Equal(programs, ProgramRows(block).Select(r => r.Id));
            Assert.All(ProgramRows(block), r => Assert.Matches(@"ktap_trace_\d+ +tracepoint .* syscalls:sys_enter_openat$", r.Line));

            Assert.Equal(FileScript, Source(pid.ToString(CultureInfo.InvariantCulture)));
            foreach (var id in programs)
            {
                Assert.Equal(FileScript, Source(id.ToString(CultureInfo.InvariantCulture)));
                var dump = Tool("bpftool", "prog", "dump", "xlated", "id", id.ToString(CultureInfo.InvariantCulture), "linum");
                // bpftool leaves out the line's leading white space; the column counts it.
                Assert.Contains($"; n += 1 [file:{path} line_num:5 line_col:2]", dump, StringComparison.Ordinal);
            }
        }

        Assert.Null(Block(Ps(), pid));
        foreach (var id in programs.Append((uint)pid))
        {
            var gone = Ktap("--source", id.ToString(CultureInfo.InvariantCulture));
            Assert.Equal((1, string.Empty), (gone.ExitCode, gone.Stdout));
            Assert.Equal($"ktap: no running ktap session has process id or program id {id} (see 'ktap --ps')\n", gone.Stderr);
        }
    }

    [KernelFact]
    public void AnInlineScriptIsReadBackByteForByte()
    {
        const string script = "var n = 0 # «inline» ✓\ntrace syscalls:sys_enter_openat { n += 1 }\n";
        using var ktap = BackgroundKtap.Start("-e", script);
        var block = Block(Ps(), ktap.Pid);
        Assert.StartsWith($"PID {ktap.Pid}  -e  started ", block![0], StringComparison.Ordinal);
        Assert.Equal("  command: ktap -e $'var n = 0 # «inline» ✓\\ntrace syscalls:sys_enter_openat { n += 1 }\\n'", block[1]);
        Assert.Equal(Encoding.UTF8.GetBytes(script), Source(ktap.Pid.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(Encoding.UTF8.GetBytes(script), Source(ktap.ProgramIds()[0].ToString(CultureInfo.InvariantCulture)));
    }

    [KernelFact]
    public void TwoSessionsAreListedApartEachWithItsOwnSource()
    {
        const string first = "trace syscalls:sys_enter_openat { }\n";
        const string second = "var n = 0\ntrace syscalls:sys_enter_getppid { n += 1 }\ntrace syscalls:sys_enter_close { n += 2 }\n";
        using var one = BackgroundKtap.Start("-e", first);
        using var two = BackgroundKtap.Start("-e", second);
        var ps = Ps();
        Assert.Equal(one.ProgramIds(), ProgramRows(Block(ps, one.Pid)!).Select(r => r.Id));
        Assert.Equal(two.ProgramIds(), ProgramRows(Block(ps, two.Pid)!).Select(r => r.Id));
        Assert.Equal(2, two.ProgramIds().Count);
        Assert.Equal(Encoding.UTF8.GetBytes(first), Source(one.Pid.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(Encoding.UTF8.GetBytes(second), Source(two.Pid.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(Encoding.UTF8.GetBytes(second), Source(two.ProgramIds()[1].ToString(CultureInfo.InvariantCulture)));
    }

    [KernelFact]
    public void RunCountsShowWhileTheKernelCountsThem()
    {
        using var ktap = BackgroundKtap.Start("-e", "trace syscalls:sys_enter_openat /flags == 0/ { }");

        // BPF_ENABLE_STATS counts runs while this process holds the descriptor, and only then:
        // kernel.bpf_stats_enabled is left as it was.
        using (BpfStats.Enable())
        {
            Workloads.Open(100);
            var row = Assert.Single(ProgramRows(Block(Ps(), ktap.Pid)!));
            var columns = Regex.Split(row.Line.Trim(), " {2,}");
            Assert.InRange(long.Parse(columns[3], CultureInfo.InvariantCulture), 100, long.MaxValue);
            Assert.Matches(@"^[0-9.]+ [nmu]?s$", columns[4]);
            Assert.Matches(@"^[0-9.]+ [nmu]?s$", columns[5]);
        }
    }

    [KernelFact]
    public void ProgramNamesStayWithinTheKernelsFifteenCharacters()
    {
        // Hundreds of trace targets come before the profile block: its name is still ktap_profile_0.
        using var ktap = BackgroundKtap.Start("-e", "trace syscalls:sys_enter_* { }\nprofile-99hz { }");
        var names = ProgramRows(Block(Ps(), ktap.Pid)!).Select(r => Regex.Split(r.Line.Trim(), " +")[1]).ToList();
        Assert.Equal(["ktap_trace_0", "ktap_profile_0"], names);
    }

    [KernelFact]
    public void VerboseSaysHowToReadTheScriptBack()
    {
        List<uint> programs;
        string stderr;
        using (var ktap = BackgroundKtap.Start("-v", "-e", "trace syscalls:sys_enter_openat { }"))
        {
            programs = ktap.ProgramIds();
            ktap.Dispose();
            stderr = ktap.Stderr;
        }

        var hint = VerboseHint().Match(stderr);
        Assert.True(hint.Success, stderr);
        Assert.Contains(uint.Parse(hint.Groups[1].Value, CultureInfo.InvariantCulture), programs);
    }

    [Theory]
    [InlineData(new[] { "--ps", "x.kp" }, "ktap: option '--ps' runs no script and takes no other arguments\n")]
    [InlineData(new[] { "--ps", "-e", "print(1)" }, "ktap: option '--ps' runs no script and takes no other arguments\n")]
    [InlineData(new[] { "--source", "12", "x.kp" }, "ktap: option '--source' runs no script and takes no other arguments\n")]
    [InlineData(new[] { "--source" }, "ktap: option '--source' needs a value\n")]
    [InlineData(new[] { "--source", "-1" }, "ktap: option '--source' takes a process id or a BPF program id, not '-1'\n")]
    [InlineData(new[] { "--source", "abc" }, "ktap: option '--source' takes a process id or a BPF program id, not 'abc'\n")]
    public void MisusedOptionsAreOneLineWithStatusTwo(string[] arguments, string expected)
    {
        var result = Ktap(arguments);
        Assert.Equal((2, string.Empty, expected), (result.ExitCode, result.Stdout, result.Stderr));
    }

    [GeneratedRegex(@"'ktap --source \d+' prints it, 'bpftool prog dump xlated id (\d+) linum' shows its lines")]
    private static partial Regex VerboseHint();

    /// <summary>The lines of a session's block in <c>ktap --ps</c>, or null when it is not listed.</summary>
    private static List<string>? Block(string ps, int pid)
    {
        var lines = ps.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith($"PID {pid}  ", StringComparison.Ordinal));
        return start < 0 ? null : [.. lines.Skip(start).TakeWhile(l => l.Length > 0)];
    }

    private static List<(uint Id, string Line)> ProgramRows(List<string> block) =>
        [.. block.Skip(3).Select(l => (uint.Parse(l.Trim().Split(' ')[0], CultureInfo.InvariantCulture), l))];

    private byte[] Source(string id)
    {
        var result = Ktap("--source", id);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return Encoding.Latin1.GetBytes(result.Stdout);
    }

    private ProcessResult Ktap(params string[] arguments) => ProcessRunner.Run(RepoPaths.Ktap, arguments, directory, TimeSpan.FromSeconds(30));

    /// <summary><c>ktap --ps</c>'s output, which is UTF-8 (the runner reads bytes one char each).</summary>
    private string Ps()
    {
        var result = Ktap("--ps");
        Assert.True(result.ExitCode == 0, result.Stderr);
        return Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(result.Stdout));
    }

    private string Tool(string program, params string[] arguments)
    {
        var result = ProcessRunner.Run(program, arguments, directory, TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, $"{program} failed: {result.Stderr}");
        return Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(result.Stdout));
    }
}
