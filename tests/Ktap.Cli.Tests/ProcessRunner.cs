using System.Diagnostics;
using System.Text;

namespace Ktap.Cli.Tests;

/// <summary>What a finished (or killed) process left behind.</summary>
/// <param name="Stdout">Standard output, bytes mapped one to one onto chars (Latin-1).</param>
/// <param name="Stderr">Standard error, the same way.</param>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, bool TimedOut, TimeSpan Elapsed);

/// <summary>Runs a program, with empty stdin unless given one, and captures its output byte for byte.</summary>
internal static class ProcessRunner
{
    public static ProcessResult Run(
        string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, byte[]? stdin = null)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start {program}");

        // Closed at once (after the input, if any): a reader sees end of file rather than hanging.
        if (stdin is not null)
        {
            process.StandardInput.BaseStream.Write(stdin);
        }

        process.StandardInput.Close();

        // Raw streams, read concurrently: a full pipe on one must never block the other.
        var stdout = CopyAsync(process.StandardOutput.BaseStream);
        var stderr = CopyAsync(process.StandardError.BaseStream);

        var timedOut = !process.WaitForExit(timeout);
        if (timedOut)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        // After a kill a grandchild may still hold the pipes open: do not wait for it forever.
        Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(5));
        process.WaitForExit();
        clock.Stop();

        return new ProcessResult(
            timedOut ? -1 : process.ExitCode,
            Latin1(stdout),
            Latin1(stderr),
            timedOut,
            clock.Elapsed);
    }

    private static async Task<byte[]> CopyAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static string Latin1(Task<byte[]> bytes) =>
        bytes.IsCompletedSuccessfully ? Encoding.Latin1.GetString(bytes.Result) : "<output not closed>";
}
