using System.Text.RegularExpressions;

namespace Ktap.Cli.Tests.Tracing;

/// <summary>
/// samples/profiling/kstacks.kp, the one sample whose output a tests/scripts case cannot pin:
/// its stacks are the kernel's code at the moment of each sample. The workload reads /dev/zero in
/// 64 KiB reads, so many of its samples are in the kernel, serving them.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class SampleStackTests
{
    [KernelFact]
    public void KernelStacksOfACommandAreCountedAndPrintedAFrameALine()
    {
        var work = Path.Combine(ScriptWorkloads.Directory, "kt_work");
        using var ktap = KtapProcess.Start("-q", Path.Combine(RepoPaths.Root, "samples", "profiling", "kstacks.kp"), "--", work, "rw", "300000", "65536");
        var result = ktap.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.Stderr);

        // print_hist: the header, then per stack its frames, a 38-column bar, the count and an
        // empty line; the empty stack (samples in user mode) is a row of its own.
        var lines = result.Stdout.Split('\n');
        var counts = new List<(List<string> Frames, long Count)>();
        for (var i = 1; i < lines.Length;)
        {
            if (lines[i].Length == 0 || lines[i].Contains(" |", StringComparison.Ordinal))
            {
                i++;
                continue;
            }

            var frames = new List<string>();
            while (i < lines.Length && !BarLine().IsMatch(lines[i]))
            {
                frames.Add(lines[i++]);
            }

            counts.Add((frames, long.Parse(lines[i + 1], System.Globalization.CultureInfo.InvariantCulture)));
            i += 2;
        }

        Assert.NotEmpty(counts);
        Assert.All(counts.SelectMany(c => c.Frames), f => Assert.Matches(Frame(), f));
        Assert.True(counts.Sum(c => c.Count) >= 20, $"only {counts.Sum(c => c.Count)} samples:\n{result.Stdout}");

        // Among them, the kernel serving the workload's reads of /dev/zero.
        Assert.Contains(counts, c => c.Frames.Any(f => f.StartsWith("vfs_read+", StringComparison.Ordinal) || f.StartsWith("ksys_read+", StringComparison.Ordinal)));
    }

    [GeneratedRegex(@"^[\w.$]+\+0x[0-9a-f]+/0x[0-9a-f]+$")]
    private static partial Regex Frame();

    [GeneratedRegex(@"^[@ ]{38}$")]
    private static partial Regex BarLine();
}
