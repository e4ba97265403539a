using System.Globalization;
using Ktap.Bpf.Asm;
using Ktap.Bpf.Events;
using Ktap.Bpf.Links;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;
using Ktap.Bpf.Tracing;

namespace Ktap.Bpf.Tests.Events;

public sealed class TracepointTests
{
    /// <summary>Opens /dev/null exactly argv[1] times with the openat syscall, after "ready" and a line on stdin.</summary>
    internal const string OpenerSource = """
        #include <fcntl.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        int main(int argc, char **argv)
        {
            int n = atoi(argv[1]);
            char line[16];
            printf("ready\n");
            fflush(stdout);
            if (!fgets(line, sizeof line, stdin))
                return 2;
            for (int i = 0; i < n; i++) {
                long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
                if (fd < 0)
                    return 3;
                close((int)fd);
            }
            return 0;
        }
        """;

    private static readonly TraceEventName OpenAt = new("syscalls", "sys_enter_openat");

    [KernelTheory]
    [InlineData(AttachMode.Auto)]
    [InlineData(AttachMode.BpfLink)]
    [InlineData(AttachMode.Ioctl)]
    public void OpenatTracepointCountsExactlyTheChildsOpens(AttachMode mode)
    {
        const int opens = 37;
        var binary = Workload.Compile(OpenerSource);
        using var counters = CounterMap.Create(1);
        using var child = Workload.Start(binary, opens.ToString(CultureInfo.InvariantCulture));
        using var program = LoadPidCounter(counters, child.Pid);
        using var link = PerfEvents.OpenTracepoint(TraceEventCatalog.Open(), OpenAt).Attach(program, mode: mode);
        Assert.Equal(mode == AttachMode.Ioctl ? LinkKind.PerfEventIoctl : LinkKind.PerfEventLink, link.Kind);

        child.Go();

        Assert.Equal((ulong)opens, counters.Read(0));
    }

    [KernelTheory]
    [InlineData(AttachMode.BpfLink)]
    [InlineData(AttachMode.Ioctl)]
    public void DisposingTheLinkDetachesTheProgram(AttachMode mode)
    {
        using var stats = BpfStats.Enable();
        using var counters = CounterMap.Create(1);
        using var program = LoadPidCounter(counters, Environment.ProcessId);
        var link = PerfEvents.OpenTracepoint(TraceEventCatalog.Open(), OpenAt).Attach(program, mode: mode);

        OpenFiles(5);
        Assert.True(program.GetInfo().RunCount > 0, "the attached program never ran");
        Assert.True(counters.Read(0) >= 5, $"counted {counters.Read(0)} of our 5 opens");

        link.Dispose();
        Assert.True(link.PerfEvent!.Handle.IsClosed);

        // A run already under way on another CPU may still finish; then nothing more.
        Thread.Sleep(50);
        var runs = program.GetInfo().RunCount;
        var counted = counters.Read(0);
        OpenFiles(5);
        Assert.Equal(runs, program.GetInfo().RunCount);
        Assert.Equal(counted, counters.Read(0));
    }

    [KernelFact]
    public void TracepointRefusesTheSameProgramTwice()
    {
        // The programs of a tracepoint live in the trace event, not the perf event: a second
        // perf event (another CPU, say) cannot take the same program again.
        var catalog = TraceEventCatalog.Open();
        using var counters = CounterMap.Create(1);
        using var program = LoadPidCounter(counters, Environment.ProcessId);
        using var first = PerfEvents.OpenTracepoint(catalog, OpenAt).Attach(program);
        using var second = PerfEvents.OpenTracepoint(catalog, OpenAt);
        var error = Assert.ThrowsAny<KernelException>(() => second.Attach(program, mode: AttachMode.BpfLink));
        Assert.Equal(Errnos.EEXIST, error.Errno);
        Assert.Contains("already attached", error.Message, StringComparison.Ordinal);
    }

    [KernelFact]
    public void ProcessBoundTracepointStillRunsTheProgramForEveryProcess()
    {
        // Binding the perf event to a process filters perf's samples, not the BPF program: the
        // program runs from the tracepoint for whoever hits it. Here the event is bound to a
        // sleeping child while the program counts this test's own opens.
        using var sleeper = Workload.Start(Workload.Compile(OpenerSource), "0");
        using var counters = CounterMap.Create(1);
        using var program = LoadPidCounter(counters, Environment.ProcessId);
        using var link = PerfEvents.OpenTracepoint(TraceEventCatalog.Open(), OpenAt, pid: sleeper.Pid).Attach(program);
        Assert.Equal(sleeper.Pid, link.PerfEvent!.Pid);
        Assert.Equal(-1, link.PerfEvent.Cpu);

        OpenFiles(5);

        Assert.True(counters.Read(0) >= 5, $"counted {counters.Read(0)} of our 5 opens");
        sleeper.Go();
    }

    [KernelFact]
    public void RawTracepointRunsUntilItsLinkIsDisposed()
    {
        // sys_enter counts this process's syscalls; reading the map is one of them.
        using var counters = CounterMap.Create(1);
        var code = new ProbeAssembly()
            .Call(HelperFunction.GetCurrentPidTgid)
            .Emit(Instructions.Alu64(AluOperation.Rsh, Register.R0, 32))
            .JumpImm(JumpOperation.Jne, Register.R0, Environment.ProcessId, "out")
            .AddToSlot(counters.Fd, 0)
            .Label("out")
            .ReturnZero()
            .Build();
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, code, "ktap_t_rawtp"));
        var link = Link.AttachRawTracepoint(program, "sys_enter");
        Assert.Equal(LinkKind.RawTracepoint, link.Kind);

        var before = counters.Read(0);
        Assert.True(counters.Read(0) > before);

        link.Dispose();
        var after = counters.Read(0);
        Assert.Equal(after, counters.Read(0));
    }

    [KernelFact]
    public void UnknownRawTracepointIsAnError()
    {
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, new ProbeAssembly().ReturnZero().Build(), "ktap_t_rawtp"));
        var error = Assert.ThrowsAny<KernelException>(() => Link.AttachRawTracepoint(program, "no_such_tracepoint_here"));
        Assert.Equal(Errnos.ENOENT, error.Errno);
        Assert.Contains("no_such_tracepoint_here", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A Tracepoint program: <c>if (bpf_get_current_pid_tgid() >> 32 == pid) counters[0]++</c>.</summary>
    internal static BpfProgram LoadPidCounter(CounterMap counters, int pid)
    {
        var code = new ProbeAssembly()
            .Call(HelperFunction.GetCurrentPidTgid)
            .Emit(Instructions.Alu64(AluOperation.Rsh, Register.R0, 32))
            .JumpImm(JumpOperation.Jne, Register.R0, pid, "out")
            .AddToSlot(counters.Fd, 0)
            .Label("out")
            .ReturnZero()
            .Build();
        return BpfProgram.Load(new ProgramSpec(ProgramType.Tracepoint, code, "ktap_t_openat"));
    }

    private static void OpenFiles(int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var stream = File.OpenRead("/dev/null");
        }
    }
}
