using System.Diagnostics;
using System.Text;
using Ktap.Cli.Tests.Tracing;

namespace Ktap.Cli.Tests;

/// <summary>
/// The end-to-end cases under <c>tests/scripts</c>, each run through the real <c>bin/ktap</c>
/// (DTrace style: <c>tst.NAME.kp</c> with its expected output, <c>err.KTnnnn.NAME.kp</c> with
/// its diagnostic; see tests/scripts/README.md).
/// </summary>
public sealed class ScriptCaseTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Every <c>*.kp</c> under tests/scripts, relative to it, so test names stay short.</summary>
    public static TheoryData<string> Cases => [.. ScriptCase.Enumerate(RepoPaths.Scripts)];

    [Fact]
    public void Script_cases_are_found()
    {
        // A broken glob or a moved folder must fail loudly, not pass with zero cases.
        Assert.NotEmpty(ScriptCase.Enumerate(RepoPaths.Scripts));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Script(string path)
    {
        var ktap = RepoPaths.Ktap;
        if (!File.Exists(ktap))
        {
            Assert.Fail($"{ktap} does not exist: run ./build.sh (or ./test.sh) first to build it.");
        }

        var script = ScriptCase.Load(Path.Combine(RepoPaths.Scripts, path));
        var (before, after) = script.ReadArguments();

        // The script is named relative to its own folder, where it runs, so the file names in
        // diagnostics and the paths it opens do not depend on where the repository lives.
        string[] arguments = [.. ScriptWorkloads.Expand([.. before, script.FileName, .. after])];
        var workload = script.ReadWorkload();
        var result = workload is null
            ? ProcessRunner.Run(ktap, arguments, script.Directory, Timeout)
            : RunAlongside(arguments, script.Directory, ScriptWorkloads.Expand(workload));

        var failures = new StringBuilder();
        if (result.TimedOut)
        {
            failures.Append($"timed out after {Timeout.TotalSeconds:0} s and was killed\n");
        }

        if (script.Kind == CaseKind.Test)
        {
            CheckStatus(failures, script.ExpectedStatus ?? 0, result);
            CheckStream(failures, "stdout", script.ExpectedStdout ?? "", result.Stdout);
            CheckStream(failures, "stderr", script.ExpectedStderr ?? "", result.Stderr);
        }
        else
        {
            CheckStatus(failures, ScriptCase.CompileErrorStatus, result);
            var marker = $"error {script.DiagnosticCode}:";
            if (script.ExpectedStderr is { } stderr)
            {
                CheckStream(failures, "stderr", stderr, result.Stderr);
            }
            else if (!result.Stderr.Contains(marker, StringComparison.Ordinal))
            {
                failures.Append($"stderr does not contain \"{marker}\"\n");
            }

            if (script.ExpectedStdout is { } stdout)
            {
                CheckStream(failures, "stdout", stdout, result.Stdout);
            }

            if (script.ExpectedStderr is not null && !result.Stderr.Contains(marker, StringComparison.Ordinal))
            {
                failures.Append($"stderr does not contain \"{marker}\" (fix {script.FileName}.err too)\n");
            }
        }

        if (failures.Length > 0)
        {
            Assert.Fail(Report(script, arguments, result, failures.ToString()));
        }
    }

    /// <summary>ktap in the background; once it has attached (its banner), the workload to its end, then SIGINT.</summary>
    private static ProcessResult RunAlongside(string[] arguments, string directory, IReadOnlyList<string> workload)
    {
        using var ktap = KtapProcess.Start(directory, arguments);
        if (ktap.WaitForBanner())
        {
            using var process = Process.Start(new ProcessStartInfo(workload[0], workload.Skip(1)) { WorkingDirectory = directory })!;
            if (!process.WaitForExit(Timeout))
            {
                process.Kill();
            }

            ktap.Signal(TracingRun.SigInt);
        }

        return ktap.WaitForExit(Timeout, keepBanner: true);
    }

    private static void CheckStatus(StringBuilder failures, int expected, ProcessResult result)
    {
        if (!result.TimedOut && result.ExitCode != expected)
        {
            failures.Append($"exit status {result.ExitCode}, expected {expected}\n");
        }
    }

    private static void CheckStream(StringBuilder failures, string name, string expected, string actual)
    {
        if (!ExpectedText.Matches(expected, actual))
        {
            failures.Append($"{name} differs:\n").Append(TextDiff.Unified(expected, actual));
        }
    }

    private static string Report(ScriptCase script, IEnumerable<string> arguments, ProcessResult result, string failures)
    {
        var text = new StringBuilder();
        text.Append($"{script.FileName} failed\n");
        var words = string.Join(' ', arguments.Select(TextDiff.Quote));
        text.Append($"  command: (cd {script.Directory} && {RepoPaths.Ktap} {words})\n");
        text.Append(result.TimedOut ? "  exit status: killed (timeout)" : $"  exit status: {result.ExitCode}");
        text.Append($", {result.Elapsed.TotalMilliseconds:0} ms\n");
        text.Append(failures);
        if (result.Stdout.Length > 0 && !failures.Contains("stdout differs", StringComparison.Ordinal))
        {
            text.Append("stdout was:\n").Append(result.Stdout).Append('\n');
        }

        if (result.Stderr.Length > 0 && !failures.Contains("stderr differs", StringComparison.Ordinal))
        {
            text.Append("stderr was:\n").Append(result.Stderr).Append('\n');
        }

        return text.ToString();
    }
}
