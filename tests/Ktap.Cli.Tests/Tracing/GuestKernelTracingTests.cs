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
        // schedule() on another CPU may run the handler again before exit() takes effect, and
        // each print is a record of its own: the records of two calls can interleave, but a
        // stack is printed whole.
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("schedule\t0", lines[0]);
        Assert.Contains("<stack trace>", lines);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i] == "<stack trace>")
            {
                Assert.True(i + 2 < lines.Length, result.Stdout);
                Assert.All(lines[(i + 1)..(i + 3)], l => Assert.Matches(@"^ => [\w.$]+\+0x[0-9a-f]+/0x[0-9a-f]+$", l));
                i += 2;
            }
            else
            {
                Assert.Equal("schedule\t0", lines[i]);
            }
        }
    }
}
