using System.Collections.Concurrent;
using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf;

/// <summary>
/// What this kernel can do, found by trying each thing once (the answer is cached): load a
/// trivial program of a type, create a small map of a type, call a helper. Config files and
/// version numbers lie (distributions backport, lockdown forbids); the kernel's own answer does not.
/// </summary>
public static class KernelFeatures
{
    private static readonly ConcurrentDictionary<ProgramType, bool> ProgramTypes = new();
    private static readonly ConcurrentDictionary<MapType, bool> MapTypes = new();
    private static readonly ConcurrentDictionary<(ProgramType, int), bool> Helpers = new();

    /// <summary>kprobes and kretprobes attach through this PMU; without CONFIG_KPROBES it is absent.</summary>
    public static bool HasKprobePmu => Directory.Exists("/sys/bus/event_source/devices/kprobe");

    /// <summary>uprobes and uretprobes attach through this PMU (CONFIG_UPROBE_EVENTS).</summary>
    public static bool HasUprobePmu => Directory.Exists("/sys/bus/event_source/devices/uprobe");

    public static bool HasProgramType(ProgramType type) => ProgramTypes.GetOrAdd(type, static t =>
    {
        try
        {
            using var program = BpfProgram.Load(new ProgramSpec(t, [Instruction.Create(0xb7, Register.R0, Register.R0, 0, 0), Instruction.Create(0x95, Register.R0, Register.R0, 0, 0)], "ktap_probe"));
            return true;
        }
        catch (KernelException e) when (e.Errno is Errnos.EINVAL or Errnos.EPERM or Errnos.EACCES or Errnos.ENOTSUPP)
        {
            return false;
        }
    });

    public static bool HasMapType(MapType type) => MapTypes.GetOrAdd(type, static t =>
    {
        var spec = t switch
        {
            // A ring buffer's size is a power-of-two multiple of the page size; keys and values are 0.
            MapType.RingBuffer => new MapSpec(t, 0, 0, (uint)MemoryMapping.PageSize, "ktap_probe"),

            // Stack trace values are arrays of u64 addresses.
            MapType.StackTrace => new MapSpec(t, 4, 8 * 8, 1, "ktap_probe"),
            MapType.PerfEventArray => new MapSpec(t, 4, 4, 1, "ktap_probe"),
            _ => new MapSpec(t, 4, 8, 1, "ktap_probe"),
        };
        try
        {
            using var map = BpfMap.Create(spec);
            return true;
        }
        catch (KernelException e) when (e.Errno is Errnos.EINVAL or Errnos.EPERM or Errnos.ENOTSUPP)
        {
            return false;
        }
    });

    /// <summary>
    /// Whether programs of <paramref name="type"/> may call helper <paramref name="helper"/>: a
    /// call with zeroed arguments that the verifier refuses for its arguments still proves the
    /// helper exists; "unknown func" or "invalid func" proves it does not.
    /// </summary>
    public static bool HasHelper(ProgramType type, int helper) => Helpers.GetOrAdd((type, helper), static key =>
    {
        var instructions = new List<Instruction>();
        for (var register = Register.R1; register <= Register.R5; register++)
        {
            instructions.Add(Instruction.Create(0xb7, register, Register.R0, 0, 0));
        }

        instructions.Add(Instruction.Create(0x85, Register.R0, Register.R0, 0, key.Item2));
        instructions.Add(Instruction.Create(0xb7, Register.R0, Register.R0, 0, 0));
        instructions.Add(Instruction.Create(0x95, Register.R0, Register.R0, 0, 0));
        try
        {
            using var program = BpfProgram.Load(new ProgramSpec(key.Item1, instructions, "ktap_probe"));
            return true;
        }
        catch (VerifierException e)
        {
            return !e.Log.Contains("unknown func", StringComparison.Ordinal) && !e.Log.Contains("invalid func", StringComparison.Ordinal);
        }
        catch (KernelException)
        {
            return false;
        }
    });
}
