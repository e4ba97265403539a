using System.Text;
using System.Text.RegularExpressions;

namespace Ktap.Cli.Tests;

/// <summary>The ktap command as a user runs it: options, exit statuses, and hostile input.</summary>
public sealed partial class CommandLineTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ktap-cli-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void VersionAndHelpExitWithZero()
    {
        var version = Ktap("-V");
        Assert.Equal((0, "ktap 0.5.0\n", string.Empty), (version.ExitCode, version.Stdout, version.Stderr));

        var help = Ktap("-h");
        Assert.Equal(0, help.ExitCode);
        Assert.StartsWith("Usage: ktap [options] FILE", help.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "-x", "a.kp" }, "ktap: unknown option '-x' (see 'ktap -h')\n")]
    [InlineData(new string[0], "ktap: no script: give a FILE, -e 'SCRIPT' or - (see 'ktap -h')\n")]
    [InlineData(new[] { "-e" }, "ktap: option '-e' needs a value\n")]
    [InlineData(new[] { "does-not-exist.kp" }, "ktap: cannot read script 'does-not-exist.kp': no such file or directory\n")]
    [InlineData(new[] { "-p", "1", "-e", "print(1)" }, "ktap: -p needs a script with probes: this one has no trace, profile or tick block\n")]
    [InlineData(new[] { "-e", "print(1)", "--", "ls" }, "ktap: '-- CMD' needs a script with probes: this one has no trace, profile or tick block\n")]
    [InlineData(new[] { "-p", "x", "-e", "print(1)" }, "ktap: option '-p' needs a process id, not 'x'\n")]
    [InlineData(new[] { "-p0", "-e", "print(1)" }, "ktap: option '-p' needs a process id, not '0'\n")]
    [InlineData(new[] { "-C", "-1", "-e", "print(1)" }, "ktap: option '-C' needs a CPU number, not '-1'\n")]
    [InlineData(new[] { "-e", "print(1)", "--" }, "ktap: '--' needs a command to run (see 'ktap -h')\n")]
    [InlineData(new[] { "-q", "--", "ls" }, "ktap: no script before '--': give a FILE, -e 'SCRIPT' or - (see 'ktap -h')\n")]
    [InlineData(new[] { "-p", "1", "-e", "tick-1s { }", "--", "ls" }, "ktap: -p and '-- CMD' cannot go together: trace a process, or a command ktap starts\n")]
    [InlineData(new[] { "-f", "json", "-e", "print(1)" }, "ktap: option '-f' is not in this build of ktap\n")]
    public void UsageErrorsAreOneLineWithStatusTwo(string[] arguments, string expected)
    {
        var result = Ktap(arguments);
        Assert.Equal((2, string.Empty, expected), (result.ExitCode, result.Stdout, result.Stderr));
    }

    [Fact]
    public void OutputOptionWritesTheScriptOutputToTheFile()
    {
        var path = Path.Combine(directory, "out.txt");
        var result = Ktap("-o", path, "-e", "print(\"to the file\", 42)");
        Assert.Equal((0, string.Empty, string.Empty), (result.ExitCode, result.Stdout, result.Stderr));
        Assert.Equal("to the file\t42\n", File.ReadAllText(path));
    }

    [Fact]
    public void DashReadsTheScriptFromStandardInput()
    {
        var result = Ktap(Encoding.UTF8.GetBytes("print(arg[0], arg[1] + 1)\n"), "-", "41");
        Assert.Equal((0, "<stdin>\t42\n", string.Empty), (result.ExitCode, result.Stdout, result.Stderr));
    }

    [Fact]
    public void VerboseReportsOnStandardErrorOnly()
    {
        var result = Ktap("-v", "-q", "-e", "print(1)");
        Assert.Equal((0, "1\n"), (result.ExitCode, result.Stdout));
        Assert.Matches(@"^ktap: compiled -e in [0-9.]+ ms: 1 functions, 0 probe blocks\n$", result.Stderr);
    }

    [Fact]
    public void OutputRedirectedToAFileKeepsTheShellsOffset()
    {
        // Two writers in turn on one open file: ktap writes at the file's offset, not over the shell.
        var path = Path.Combine(directory, "shared.txt");
        var result = ProcessRunner.Run(
            "/bin/bash", ["-c", "{ echo first; \"$0\" -e 'print(\"ktap\")'; echo last; } > \"$1\"", RepoPaths.Ktap, path], directory, TimeSpan.FromSeconds(30));
        Assert.Equal((0, string.Empty), (result.ExitCode, result.Stderr));
        Assert.Equal("first\nktap\nlast\n", File.ReadAllText(path));
    }

    [Fact]
    public void AClosedOutputPipeEndsKtapQuietly()
    {
        var result = ProcessRunner.Run(
            "/bin/bash",
            ["-c", "\"$0\" -e 'for (i = 1, 1000000) { print(i) }' | head -n 2; echo \"status ${PIPESTATUS[0]}\"", RepoPaths.Ktap],
            directory,
            TimeSpan.FromSeconds(30));
        Assert.Equal(("1\n2\nstatus 141\n", string.Empty), (result.Stdout, result.Stderr));
    }

    /// <summary>
    /// The inputs by name. Theory data carries only the name: xunit and the TRX logger render
    /// every argument into the test's display name, and a 10 MB one would be rendered whole.
    /// </summary>
    private static readonly Dictionary<string, Func<byte[]>> Hostile = new()
    {
        ["binary garbage"] = () =>
        {
            var garbage = new byte[64 * 1024];
            new Random(20261126).NextBytes(garbage);
            return garbage;
        },
        ["invalid UTF-8"] = () => [.. "print(\""u8, 0xC3, 0x28, 0xFF, 0xFE, .. "\") $ "u8, 0xE2, 0x82],
        ["a 10 MB line"] = () => Encoding.ASCII.GetBytes("var x = 1 " + new string('+', 10 * 1024 * 1024)),
        ["a 10 MB name"] = () => Encoding.ASCII.GetBytes("print(" + new string('a', 10 * 1024 * 1024) + ")"),
        ["10,000 nested parentheses"] = () => Encoding.ASCII.GetBytes(new string('(', 10_000) + "1" + new string(')', 10_000)),
        ["10,000 nested calls"] = () => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("print(", 10_000)) + new string(')', 10_000)),
        ["10,000 nested blocks"] = () => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("if (1) { ", 10_000)) + new string('}', 10_000)),
        ["10,000 nested tables"] = () => Encoding.ASCII.GetBytes("var t = " + new string('{', 10_000) + new string('}', 10_000)),
        ["10,000 unary minus"] = () => Encoding.ASCII.GetBytes("var t = " + new string('-', 20_000) + "1"),
        ["a NUL byte"] = () => [.. "print(1)\n"u8, 0, .. "print(2)"u8],
    };

    public static TheoryData<string> HostileInputs() => [.. Hostile.Keys];

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public void HostileInputGivesDiagnosticsNeverAStackTrace(string name)
    {
        var path = Path.Combine(directory, "hostile.kp");
        File.WriteAllBytes(path, Hostile[name]());
        var result = Ktap("hostile.kp");

        Assert.True(result.ExitCode == 255, $"{name}: exit {result.ExitCode}, stderr starts: {Head(result.Stderr)}");
        Assert.Matches(DiagnosticLine(), result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
        Assert.True(result.Stderr.Length < 64 * 1024, $"{name}: {result.Stderr.Length} bytes of diagnostics");
    }

    [Fact]
    public void EndlessRecursionIsARuntimeErrorNotACrash()
    {
        var result = Ktap("-e", "function f(n) { return 1 + f(n + 1) }\nprint(f(1))");
        Assert.Equal((1, string.Empty, "error: stack overflow (-e:1)\n"), (result.ExitCode, result.Stdout, result.Stderr));
    }

    [GeneratedRegex(@"^hostile\.kp:[0-9]+:[0-9]+: error KT1[0-9]{3}: .+\n    .*\n    [ \t]*\^\n")]
    private static partial Regex DiagnosticLine();

    private static string Head(string text) => text.Length <= 300 ? text : text[..300];

    private ProcessResult Ktap(params string[] arguments) => Ktap(null, arguments);

    private ProcessResult Ktap(byte[]? stdin, params string[] arguments)
    {
        Assert.True(File.Exists(RepoPaths.Ktap), $"{RepoPaths.Ktap} is missing: run ./build.sh first");
        return ProcessRunner.Run(RepoPaths.Ktap, arguments, directory, TimeSpan.FromSeconds(60), stdin);
    }
}
