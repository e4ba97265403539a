namespace Ktap.Bpf.Tests;

/// <summary>
/// What this machine's kernel cannot do (kprobes: CONFIG_KPROBES is not set) is tested in a qemu
/// guest running Debian's kernel: tests/qemu/run-guest.sh boots it with the NativeAOT build of
/// tests/Ktap.Bpf.GuestChecks as its payload, which prints TAP.
/// </summary>
public sealed class GuestKernelTests
{
    [KernelFact]
    public void KprobesAndKretprobesWorkOnAKernelThatHasThem()
    {
        var root = RepositoryRoot();
        var artifacts = Path.Combine(root, "artifacts", "guest");
        Tool.Run("dotnet", "publish", Path.Combine(root, "tests", "Ktap.Bpf.GuestChecks"), "-c", "Release", "-r", "linux-x64", "--artifacts-path", artifacts, "-nologo", "-v", "quiet", "-tl:off");
        var program = Path.Combine(artifacts, "publish", "Ktap.Bpf.GuestChecks", "release_linux-x64", "Ktap.Bpf.GuestChecks");

        // run-guest.sh gives up on a guest that does not finish (GUEST_TIMEOUT, 180 s).
        var (status, output, errors) = Tool.RunForStatus(Path.Combine(root, "tests", "qemu", "run-guest.sh"), program);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(status == 0, $"the guest checks failed (status {status}):\n{output}{errors}");
        Assert.Equal("1..4", lines[0]);
        Assert.Equal(4, lines.Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ktap.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("no Ktap.slnx above the test assembly");
    }
}
