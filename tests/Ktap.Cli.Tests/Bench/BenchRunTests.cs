using System.Text.RegularExpressions;
using Ktap.Cli.Tests.Tracing;

namespace Ktap.Cli.Tests.Bench;

/// <summary>
/// <c>bench/run</c>, ktap against bpftrace, on a small workload: every case is measured for both
/// tracers and lands in its row of the one table. Whether ktap meets its targets is the
/// benchmark's business (a busy test machine says nothing about it), so exit status 1 passes.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class BenchRunTests
{
    private static readonly string[] Rows =
    [
        "start-up: print one line and exit",
        "attach + detach one tracepoint (whole run)",
        "per event: an empty handler (ns)",
        "per event: count by process (ns)",
        "per event: count by syscall (ns)",
        "per event: log2 histogram of read sizes (ns)",
        "per event: a filter that is always false (ns)",
        "instructions: an empty handler",
        "instructions: count by process",
        "instructions: count by syscall",
        "instructions: log2 histogram of read sizes",
        "instructions: a filter that is always false",
        "program time per run: an empty handler (ns)",
        "program time per run: count by process (ns)",
        "program time per run: count by syscall (ns)",
        "program time per run: log2 histogram of read sizes (ns)",
        "program time per run: a filter that is always false (ns)",
        "peak RSS, counting by process",
        "printing at 100k events/s: records lost",
        "printing flat out: records delivered per second",
        "printing flat out: records lost",
        "installed: binary + the shared libraries it loads",
    ];

    [KernelFact]
    public void EveryCaseIsMeasuredForBothTracersInOneTable()
    {
        var result = ProcessRunner.Run(
            Path.Combine(RepoPaths.Root, "bench", "run"), ["--rounds", "1", "--count", "20000"], RepoPaths.Root, TimeSpan.FromMinutes(5));

        Assert.True(result.ExitCode is 0 or 1, $"bench/run exited with {result.ExitCode}: {result.Stderr}");
        var lines = result.Stdout.Split('\n');
        Assert.StartsWith("ktap 0.", lines[0]);
        Assert.Matches(@"^case +ktap +bpftrace +ktap/bpftrace +target$", lines[1]);
        var cells = new Dictionary<string, string[]>();
        foreach (var line in lines.Skip(2))
        {
            var match = TableRow().Match(line);
            if (match.Success)
            {
                cells[match.Groups["case"].Value] = [match.Groups["ktap"].Value, match.Groups["bpftrace"].Value];
            }
        }

        Assert.True(Rows.SequenceEqual(cells.Keys), $"not every row was measured:\n{result.Stdout}");
        // Both empty handlers are "return 0": two instructions each.
        Assert.Equal(["2", "2"], cells["instructions: an empty handler"]);
        // The ktap binary and its libraries against bpftrace's: nothing on this machine makes it otherwise.
        Assert.Contains("ok <= 0.1", lines.Single(l => l.StartsWith("installed: binary", StringComparison.Ordinal)));
    }

    // A row: the case, the two measurements (number, optional unit), the ratio and the verdict.
    [GeneratedRegex(@"^(?<case>\S.*?) {2,}(?<ktap>-?[0-9][0-9,.]*)(?: ms| MB|/s)? +(?<bpftrace>-?[0-9][0-9,.]*)(?: ms| MB|/s)? +(?:-?[0-9.]+|-)(?: +(?:ok|MISSED) [<>]= [0-9.]+)?$")]
    private static partial Regex TableRow();
}
