using Ktap.Cli.Tests.Tracing;

namespace Ktap.Cli.Tests.Listing;

/// <summary>
/// Kernel functions are listed where the kernel can probe them: this machine's kernel cannot (no
/// CONFIG_KPROBES), so <c>bin/ktap -l</c> runs in the qemu guest with Debian's kernel
/// (tests/qemu/run-guest.sh), which can.
/// </summary>
public sealed class GuestListingTests
{
    [KernelFact]
    public void AKernelThatCanProbeItsFunctionsHasThemListed()
    {
        var result = ProcessRunner.Run(
            Path.Combine(RepoPaths.Root, "tests", "qemu", "run-guest.sh"), [RepoPaths.Ktap, "-l", "vfs_rea*"], RepoPaths.Root, TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, $"the guest's ktap failed (status {result.ExitCode}):\n{result.Stdout}{result.Stderr}");
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("probe:vfs_read", lines);
        Assert.Contains("probe:vfs_readv", lines);
        Assert.All(lines, line => Assert.Matches("^probe:vfs_rea", line));
    }
}
