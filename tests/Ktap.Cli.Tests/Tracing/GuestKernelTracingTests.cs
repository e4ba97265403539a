namespace Ktap.Cli.Tests.Tracing;

/// <summary>
/// <c>bin/ktap</c> on what this machine's kernel cannot do: kernel-function probes (no
/// CONFIG_KPROBES here) and in_interrupt() (its kallsyms lists no per-CPU variables), in a qemu
/// guest running Debian's kernel (tests/qemu/run-guest.sh, which boots it with ktap as the one
/// program and prints what ktap printed).
/// </summary>
public sealed class GuestKernelTracingTests
{
    [KernelFact]
    public void AKprobeHandlerSeesItsFunctionItsStackAndThatItIsNotInAnInterrupt()
    {
        // schedule() runs often on any kernel, and never in interrupt context.
        var result = ProcessRunner.Run(
            Path.Combine(RepoPaths.Root, "tests", "qemu", "run-guest.sh"),
            [RepoPaths.Ktap, "-q", "-e", "trace probe:schedule { print(ipof(arg0), in_interrupt()); print(stack(2)); exit() }"],
            RepoPaths.Root,
            TimeSpan.FromMinutes(4));
        Assert.True(result.ExitCode == 0, $"ktap in the guest failed (status {result.ExitCode}):\n{result.Stdout}{result.Stderr}");
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("schedule\t0", lines[0]);
        Assert.Equal("<stack trace>", lines[1]);
        Assert.Equal(2, lines.Length - 2);
        Assert.All(lines.Skip(2), l => Assert.Matches(@"^ => [\w.$]+\+0x[0-9a-f]+/0x[0-9a-f]+$", l));
    }
}
