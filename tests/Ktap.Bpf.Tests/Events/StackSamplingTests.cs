using System.Diagnostics;
using Ktap.Bpf.Asm;
using Ktap.Bpf.Events;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Symbols;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Events;

/// <summary>Sampling at 99 Hz on every CPU collects kernel stacks, and the stacks symbolize through kallsyms.</summary>
public sealed class StackSamplingTests
{
    /// <summary>kernel.perf_event_max_stack on this machine: the frames one stack trace holds.</summary>
    private const int Depth = 127;

    /// <summary>BPF_F_REUSE_STACKID: a hash collision replaces the old stack instead of failing with EEXIST.</summary>
    private const int ReuseStackId = 1 << 10;

    [KernelFact]
    public void SampledKernelStacksSymbolize()
    {
        using var stacks = BpfMap.Create(new MapSpec(MapType.StackTrace, 4, 8 * Depth, 1024, "ktap_t_stacks"));
        using var seen = BpfMap.Create(new MapSpec(MapType.Hash, 4, 8, 1024, "ktap_t_seen"));
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.PerfEvent, RecordStack(stacks, seen), "ktap_t_sample"));

        using (var events = PerfEvents.OpenCpuClock(SampleRate.Hertz(99)))
        using (events.Attach(program))
        {
            // Reading /dev/zero one byte at a time keeps a CPU in the kernel, where stacks are kernel stacks.
            using var busy = Process.Start(new ProcessStartInfo("dd", ["if=/dev/zero", "of=/dev/null", "bs=1", "count=3000000"]) { RedirectStandardError = true })!;
            busy.WaitForExit();
        }

        var stackIds = seen.Keys().Select(k => BitConverter.ToUInt32(k)).ToList();
        Assert.NotEmpty(stackIds);
        var symbols = KernelSymbols.Shared;
        var frames = new List<string>();
        foreach (var id in stackIds)
        {
            var addresses = new byte[8 * Depth];
            if (!stacks.TryLookup(BitConverter.GetBytes(id), addresses))
            {
                continue;
            }

            for (var i = 0; i < Depth; i++)
            {
                var address = BitConverter.ToUInt64(addresses, i * 8);
                if (address == 0)
                {
                    break;
                }

                frames.Add(symbols.Resolve(address)?.ToString() ?? $"unresolved 0x{address:x}");
            }
        }

        Assert.NotEmpty(frames);
        Assert.DoesNotContain(frames, f => f.StartsWith("unresolved", StringComparison.Ordinal));
        Assert.Contains(frames, f => f.Contains("read", StringComparison.Ordinal) || f.Contains("syscall", StringComparison.Ordinal));
    }

    /// <summary>seen[bpf_get_stackid(ctx, stacks, kernel stack)] = 1, for samples taken in the kernel.</summary>
    private static Instruction[] RecordStack(BpfMap stacks, BpfMap seen) =>
    [
        Mov64(Register.R6, Register.R1),
        .. LoadMapFd(Register.R2, stacks.Handle.Fd),
        Mov64(Register.R3, ReuseStackId),
        Call(HelperFunction.GetStackid),

        // A sample taken in user mode has no kernel stack: a negative errno.
        Jump(JumpOperation.Jslt, Register.R0, 0, 10),
        Store(MemorySize.Word, Register.R10, -4, Register.R0),
        Store(MemorySize.DoubleWord, Register.R10, -16, 1),
        .. LoadMapFd(Register.R1, seen.Handle.Fd),
        Mov64(Register.R2, Register.R10),
        Alu64(AluOperation.Add, Register.R2, -4),
        Mov64(Register.R3, Register.R10),
        Alu64(AluOperation.Add, Register.R3, -16),
        Mov64(Register.R4, 0),
        Call(HelperFunction.MapUpdateElem),
        Mov64(Register.R0, 0),
        Exit(),
    ];
}
