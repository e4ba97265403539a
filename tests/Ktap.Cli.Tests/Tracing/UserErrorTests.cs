using Ktap.Bpf.Sys;

namespace Ktap.Cli.Tests.Tracing;

/// <summary>The errors a user meets before tracing starts: one line each, status 1, nothing attached.</summary>
[Collection(KernelCollection.Name)]
public sealed class UserErrorTests
{
    private const string Script = "trace syscalls:sys_enter_openat { print(1) }";

    [KernelFact]
    public void NotRoot()
    {
        var result = Setpriv(["--reuid=65534", "--regid=65534", "--clear-groups"], "-e", Script);
        Assert.Equal(
            (1, string.Empty, "ktap: tracing needs root (or CAP_BPF and CAP_PERFMON, and read access to tracefs)\n"),
            (result.ExitCode, result.Stdout, result.Stderr));
    }

    [KernelFact]
    public void RootWithoutTheCapabilities()
    {
        var result = Setpriv(["--inh-caps=-all", "--bounding-set=-bpf,-perfmon,-sys_admin"], "-e", Script);
        Assert.Equal(
            (1, string.Empty, "ktap: tracing needs root, or CAP_BPF and CAP_PERFMON; this process lacks CAP_BPF and CAP_PERFMON (bpf(BPF_MAP_CREATE) failed: EPERM)\n"),
            (result.ExitCode, result.Stdout, result.Stderr));
    }

    [KernelTheory]
    [InlineData("syscalls:sys_enter_opn", "-e:1:7: error: unknown tracepoint 'syscalls:sys_enter_opn'; did you mean syscalls:sys_enter_open, syscalls:sys_enter_bpf, syscalls:sys_enter_iopl?\n")]
    [InlineData("syscalls:sys_enter_nothing*", "-e:1:7: error: no tracepoint matches 'syscalls:sys_enter_nothing*'\n")]
    [InlineData("shed:*", "-e:1:7: error: unknown tracepoint subsystem 'shed' in 'shed:*'; did you mean sched?\n")]
    public void ProbesThatNameNothing(string spec, string expected)
    {
        var result = ProcessRunner.Run(RepoPaths.Ktap, ["-e", $"trace {spec} {{ }}"], Path.GetTempPath(), TimeSpan.FromSeconds(30));
        Assert.Equal((1, string.Empty, expected), (result.ExitCode, result.Stdout, result.Stderr));
    }

    [KernelFact]
    public void NoSuchProcess()
    {
        // Pids above pid_max never exist.
        var result = ProcessRunner.Run(RepoPaths.Ktap, ["-p", "2147483000", "-e", Script], Path.GetTempPath(), TimeSpan.FromSeconds(30));
        Assert.Equal((1, string.Empty, "ktap: no process 2147483000\n"), (result.ExitCode, result.Stdout, result.Stderr));
    }

    [Fact]
    public void AKernelWithoutRingBuffer()
    {
        var refusal = new KernelException("bpf(BPF_MAP_CREATE)", Errnos.EINVAL);
        Assert.Equal(
            "ktap: this kernel has no BPF ring buffer (BPF_MAP_TYPE_RINGBUF, Linux 5.8), which ktap needs to print (bpf(BPF_MAP_CREATE) failed: EINVAL)",
            KernelErrors.Explain(refusal, ulong.MaxValue, () => false));
        Assert.Equal("ktap: " + refusal.Message, KernelErrors.Explain(refusal, ulong.MaxValue, () => true));
    }

    private static ProcessResult Setpriv(string[] privileges, params string[] arguments) =>
        ProcessRunner.Run("setpriv", [.. privileges, RepoPaths.Ktap, .. arguments], Path.GetTempPath(), TimeSpan.FromSeconds(30));
}
