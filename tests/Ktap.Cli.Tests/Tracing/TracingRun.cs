using System.Diagnostics;
using System.Text;

namespace Ktap.Cli.Tests.Tracing;

/// <summary>
/// Runs <c>bin/ktap</c> on a script as a user would: in the background, waits for the banner
/// (printed once every probe is attached), runs a workload, stops ktap with SIGTERM and
/// returns what it printed, without the banner.
/// </summary>
internal static class TracingRun
{
    private const string Banner = "Tracing... Hit Ctrl-C to end.\n";

    private static readonly Lazy<string> OpenerPath = new(BuildOpener);

    /// <summary>The workload: <c>kt_opener READS WRITES</c> opens /etc/hostname READS times and a file for writing WRITES times.</summary>
    public static string Opener => OpenerPath.Value;

    public static ProcessResult Run(string script, Action workload, params string[] options)
    {
        var start = new ProcessStartInfo(RepoPaths.Ktap)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var option in options)
        {
            start.ArgumentList.Add(option);
        }

        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(script);
        var clock = Stopwatch.StartNew();
        using var ktap = Process.Start(start)!;
        var stdout = new StringBuilder();
        var attached = new ManualResetEventSlim();
        var stdoutDone = Task.Run(() =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = ktap.StandardOutput.Read(buffer)) > 0)
            {
                lock (stdout)
                {
                    stdout.Append(buffer, 0, read);
                    if (stdout.ToString().Contains(Banner, StringComparison.Ordinal))
                    {
                        attached.Set();
                    }
                }
            }

            attached.Set();
        });
        var stderr = ktap.StandardError.ReadToEndAsync();
        if (attached.Wait(TimeSpan.FromSeconds(30)) && !ktap.HasExited)
        {
            workload();
            Kill(ktap.Id, 15);
        }

        var timedOut = !ktap.WaitForExit(TimeSpan.FromSeconds(30));
        if (timedOut)
        {
            ktap.Kill();
            ktap.WaitForExit();
        }

        stdoutDone.Wait(TimeSpan.FromSeconds(5));
        string output;
        lock (stdout)
        {
            output = stdout.ToString();
        }

        return new ProcessResult(timedOut ? -1 : ktap.ExitCode, output.Replace(Banner, string.Empty, StringComparison.Ordinal), stderr.Result, timedOut, clock.Elapsed);
    }

    /// <summary>Runs the workload to its end.</summary>
    public static void Open(int reads, int writes = 0)
    {
        using var process = Process.Start(Opener, [reads.ToString(System.Globalization.CultureInfo.InvariantCulture), writes.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    private static void Kill(int pid, int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private static string BuildOpener()
    {
        var output = Path.Combine(Path.GetTempPath(), $"ktap-tests-{Environment.ProcessId}", "kt_opener");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var source = Path.Combine(RepoPaths.Root, "tests", "Ktap.Cli.Tests", "Tracing", "kt_opener.c");
        using var cc = Process.Start(new ProcessStartInfo("cc", ["-O2", "-static", "-o", output, source]) { RedirectStandardError = true })!;
        var errors = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        return cc.ExitCode == 0 ? output : throw new InvalidOperationException("cannot build the workload: " + errors);
    }
}
