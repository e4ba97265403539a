using System.Diagnostics;
using System.Text;

namespace Ktap.Cli.Tests.Tracing;

/// <summary><c>bin/ktap</c> running in the background, its output collected as it comes.</summary>
internal sealed class KtapProcess : IDisposable
{
    public const string Banner = "Tracing... Hit Ctrl-C to end.\n";

    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly Task[] readers;
    private readonly Stopwatch clock = Stopwatch.StartNew();

    private KtapProcess(Process process)
    {
        this.process = process;
        readers = [Collect(process.StandardOutput.BaseStream, stdout), Collect(process.StandardError.BaseStream, stderr)];
    }

    public int Pid => process.Id;

    public string Stdout => Snapshot(stdout);

    public string Stderr => Snapshot(stderr);

    /// <summary>Starts <c>bin/ktap</c> with <paramref name="arguments"/>, standard input a pipe the test may write to.</summary>
    public static KtapProcess Start(params string[] arguments) => Start(Path.GetTempPath(), arguments);

    /// <summary>Starts <c>bin/ktap</c> in <paramref name="directory"/>.</summary>
    public static KtapProcess Start(string directory, string[] arguments)
    {
        Assert.True(File.Exists(RepoPaths.Ktap), $"{RepoPaths.Ktap} is missing: run ./build.sh first");
        var start = new ProcessStartInfo(RepoPaths.Ktap)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new KtapProcess(Process.Start(start)!);
    }

    /// <summary>Waits until standard output holds <paramref name="text"/>; false if ktap ended or the time ran out first.</summary>
    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (Stdout.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (process.HasExited)
            {
                // Whatever it printed last is in by the time the pipes close.
                Task.WaitAll(readers, TimeSpan.FromSeconds(5));
                return Stdout.Contains(text, StringComparison.Ordinal);
            }

            Thread.Sleep(5);
        }

        return false;
    }

    /// <summary>Waits for the banner, printed once every probe is attached.</summary>
    public bool WaitForBanner() => WaitForOutput(Banner, TimeSpan.FromSeconds(30));

    public void Signal(int signal) => Workloads.Kill(Pid, signal);

    /// <summary>Waits for the process to end, not for its pipes to close (children it started may hold them).</summary>
    public bool WaitForProcessExit(TimeSpan timeout) => process.WaitForExit(timeout);

    /// <summary>Waits for ktap to end (killing it after <paramref name="timeout"/>); stdout without the banner unless <paramref name="keepBanner"/>.</summary>
    public ProcessResult WaitForExit(TimeSpan timeout, bool keepBanner = false)
    {
        var timedOut = !process.WaitForExit(timeout);
        if (timedOut)
        {
            process.Kill();
            process.WaitForExit();
        }

        Task.WaitAll(readers, TimeSpan.FromSeconds(5));
        var stdout = keepBanner ? Stdout : Stdout.Replace(Banner, string.Empty, StringComparison.Ordinal);
        return new ProcessResult(timedOut ? -1 : process.ExitCode, stdout, Stderr, timedOut, clock.Elapsed);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }

    private static Task Collect(Stream stream, StringBuilder into) => Task.Run(() =>
    {
        var buffer = new byte[65536];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            lock (into)
            {
                into.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
        }
    });

    private static string Snapshot(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
