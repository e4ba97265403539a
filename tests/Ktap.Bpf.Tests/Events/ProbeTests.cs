using System.Globalization;
using Ktap.Bpf.Asm;
using Ktap.Bpf.Events;
using Ktap.Bpf.Links;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Tests.Events;

public sealed class ProbeTests
{
    /// <summary>Calls ktap_target(1..n) after "ready" and a line on stdin; prints the sum of its results.</summary>
    private const string TargetSource = """
        #include <stdio.h>
        #include <stdlib.h>

        __attribute__((noinline, noipa)) int ktap_target(int x)
        {
            return x * 3 + 1;
        }

        int main(int argc, char **argv)
        {
            int n = atoi(argv[1]);
            long sum = 0;
            char line[16];
            printf("ready\n");
            fflush(stdout);
            if (!fgets(line, sizeof line, stdin))
                return 2;
            for (int i = 1; i <= n; i++)
                sum += ktap_target(i);
            printf("%ld\n", sum);
            return 0;
        }
        """;

    // x86-64 struct pt_regs (arch/x86/include/asm/ptrace.h): ax holds a return value, di the first argument.
    private const short RegsAx = 80;
    private const short RegsDi = 112;

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void UprobeAndUretprobeCountEveryCallAndSeeArgumentAndResult(bool processBound)
    {
        const int calls = 23;
        var binary = Workload.Compile(TargetSource);
        var offset = SymbolOffset.Find(binary, "ktap_target");
        using var entries = CounterMap.Create(2);
        using var returns = CounterMap.Create(2);
        using var entryProgram = LoadRegisterSummer(entries, RegsDi, "ktap_t_uprobe");
        using var returnProgram = LoadRegisterSummer(returns, RegsAx, "ktap_t_uret");
        using var child = Workload.Start(binary, calls.ToString(CultureInfo.InvariantCulture));

        // Process-bound: the kernel arms the probe in that process only. Otherwise in every
        // process mapping the file, and only the child maps this freshly built binary.
        var pid = processBound ? child.Pid : -1;
        using var entry = PerfEvents.OpenUprobe(binary, offset, pid: pid).Attach(entryProgram);
        using var exit = PerfEvents.OpenUprobe(binary, offset, isReturn: true, pid: pid).Attach(returnProgram);
        Assert.StartsWith("uprobe ", entry.PerfEvent!.Description, StringComparison.Ordinal);
        Assert.StartsWith("uretprobe ", exit.PerfEvent!.Description, StringComparison.Ordinal);

        var printed = child.Go();

        const long argumentSum = calls * (calls + 1) / 2;
        const long resultSum = (3 * argumentSum) + calls;
        Assert.Equal(resultSum.ToString(CultureInfo.InvariantCulture), printed.Trim());
        Assert.Equal((ulong)calls, entries.Read(0));
        Assert.Equal((ulong)argumentSum, entries.Read(1));
        Assert.Equal((ulong)calls, returns.Read(0));
        Assert.Equal((ulong)resultSum, returns.Read(1));
    }

    [KernelFact]
    public void UprobeOnAMissingFileNamesIt()
    {
        var error = Assert.ThrowsAny<KernelException>(() => PerfEvents.OpenUprobe("/no/such/binary", 0x1000));
        Assert.Contains("/no/such/binary", error.Message, StringComparison.Ordinal);
    }

    [KernelFact]
    public void KprobeWorksOrNamesTheMissingKernelOption()
    {
        if (Directory.Exists("/sys/bus/event_source/devices/kprobe"))
        {
            // A kernel with kprobes (the Debian guest): the probe opens and takes a program.
            using var program = BpfProgram.Load(new ProgramSpec(ProgramType.Kprobe, new ProbeAssembly().ReturnZero().Build(), "ktap_t_kprobe"));
            using var link = PerfEvents.OpenKprobe("vfs_read").Attach(program);
            Assert.Equal("kprobe vfs_read", link.PerfEvent!.Description);
            return;
        }

        // This machine: CONFIG_KPROBES is not set, so there is no kprobe PMU.
        foreach (var isReturn in new[] { false, true })
        {
            var error = Assert.Throws<MissingKernelFeatureException>(() => PerfEvents.OpenKprobe("vfs_read", isReturn: isReturn));
            Assert.Equal("kprobes", error.Feature);
            Assert.StartsWith("CONFIG_KPROBE", error.ConfigOption, StringComparison.Ordinal);
            Assert.Contains("CONFIG_KPROBES", error.Message, StringComparison.Ordinal);
            Assert.Contains("no kprobe PMU", error.Message, StringComparison.Ordinal);
            Assert.Contains("/sys/bus/event_source/devices/kprobe/type", error.Message, StringComparison.Ordinal);
            Assert.Contains(isReturn ? "kretprobe vfs_read" : "kprobe vfs_read", error.Message, StringComparison.Ordinal);
            Assert.Equal(Errnos.ENOENT, error.Errno);
        }
    }

    /// <summary>A Kprobe program: <c>counters[0] += 1; counters[1] += regs->REG</c>.</summary>
    private static BpfProgram LoadRegisterSummer(CounterMap counters, short register, string name)
    {
        var code = new ProbeAssembly()
            .Emit(Instructions.Load(MemorySize.DoubleWord, Register.R6, Register.R1, register))
            .AddToSlot(counters.Fd, 0)
            .AddToSlot(counters.Fd, 1, addend: Register.R6)
            .ReturnZero()
            .Build();
        return BpfProgram.Load(new ProgramSpec(ProgramType.Kprobe, code, name));
    }
}
