using System.Globalization;
using Ktap.Cli.Tests.Tracing;

namespace Ktap.Cli.Tests.Audit;

/// <summary>
/// <c>bin/ktap</c> tracing in the background, as an administrator finds it: started with the
/// arguments given (not -q) and returned once its probes are attached (the banner is out); disposing it
/// stops it with SIGTERM and waits for it to end.
/// </summary>
internal sealed class BackgroundKtap : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly KtapProcess process;
    private string? stderr;

    private BackgroundKtap(KtapProcess process) => this.process = process;

    public int Pid => process.Pid;

    /// <summary>Standard error once it has ended (what -v said).</summary>
    public string Stderr => stderr ?? throw new InvalidOperationException("ktap is still running: dispose it first");

    public static BackgroundKtap Start(params string[] arguments)
    {
        var ktap = new BackgroundKtap(KtapProcess.Start(arguments));
        if (!ktap.process.WaitForBanner())
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
        if (stderr is not null)
        {
            return;
        }

        if (!process.WaitForProcessExit(TimeSpan.Zero))
        {
            process.Signal(TracingRun.SigTerm);
        }

        stderr = process.WaitForExit(Timeout).Stderr;
        process.Dispose();
    }
}
