using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Ktap.Cli.Tests.Audit;

/// <summary>
/// <c>bin/ktap</c> tracing in the background, as an administrator finds it: started with the
/// arguments given (not -q) and returned once its probes are attached (the banner is out); disposing it
/// stops it with SIGTERM and waits for it to end.
/// </summary>
internal sealed class BackgroundKtap : IDisposable
{
    private const string Banner = "Tracing... Hit Ctrl-C to end.\n";

    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly Task<string> stderr;
    private bool disposed;

    private BackgroundKtap(Process process)
    {
        this.process = process;
        stderr = process.StandardError.ReadToEndAsync();
    }

    public int Pid => process.Id;

    /// <summary>Standard error once it has ended (what -v said).</summary>
    public string Stderr => stderr.Result;

    public static BackgroundKtap Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(RepoPaths.Ktap) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var ktap = new BackgroundKtap(Process.Start(start)!);
        if (!ktap.WaitForBanner(TimeSpan.FromSeconds(30)))
        {
            ktap.Dispose();
            throw new InvalidOperationException($"ktap {string.Join(' ', arguments)} did not start tracing: {ktap.Stderr}");
        }

        return ktap;
    }

    /// <summary>
    /// The ids of the BPF programs the process holds, from its descriptors' fdinfo ("prog_id:",
    /// on program and link descriptors alike): the kernel's word, not ktap's.
    /// </summary>
    public List<uint> ProgramIds()
    {
        var ids = new List<uint>();
        foreach (var fd in Directory.EnumerateFiles($"/proc/{Pid}/fdinfo"))
        {
            var line = File.ReadLines(fd).FirstOrDefault(l => l.StartsWith("prog_id:", StringComparison.Ordinal));
            if (line is not null)
            {
                ids.Add(uint.Parse(line["prog_id:".Length..].Trim(), CultureInfo.InvariantCulture));
            }
        }

        return [.. ids.Distinct().Order()];
    }

    /// <summary>Stops it (SIGTERM) and waits until it has ended, so that the kernel has dropped its programs.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
            }
        }

        process.WaitForExit();
        process.Dispose();
    }

    private bool WaitForBanner(TimeSpan timeout)
    {
        var seen = new ManualResetEventSlim();
        _ = Task.Run(() =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = process.StandardOutput.Read(buffer)) > 0)
            {
                lock (stdout)
                {
                    stdout.Append(buffer, 0, read);
                    if (stdout.ToString().Contains(Banner, StringComparison.Ordinal))
                    {
                        seen.Set();
                    }
                }
            }

            seen.Set();
        });
        return seen.Wait(timeout) && !process.HasExited;
    }
}
