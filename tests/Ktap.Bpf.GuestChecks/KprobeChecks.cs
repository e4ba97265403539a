using System.Runtime.InteropServices;
using Ktap.Bpf.Asm;
using Ktap.Bpf.Events;
using Ktap.Bpf.Links;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;

namespace Ktap.Bpf.GuestChecks;

/// <summary>kprobes on the getpid system call, which this process can call an exact number of times.</summary>
internal static partial class KprobeChecks
{
    /// <summary>The x86-64 entry of getpid(2) on the Debian 6.1 kernel.</summary>
    private const string Function = "__x64_sys_getpid";

    /// <summary>pt_regs->ax on x86-64: the return value at a kretprobe.</summary>
    private const short ReturnValueOffset = 80;

    public static string? KprobeCountsCalls()
    {
        using var counters = Counters();
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.Kprobe, CountCalls(counters, Environment.ProcessId, addReturnValue: false), "ktap_guest_kp"));
        using (Link.AttachPerfEvent(program, PerfEvents.OpenKprobe(Function)))
        {
            CallGetpid(25);
        }

        return Expect(counters, 0, 25);
    }

    public static string? KretprobeSeesReturnValues()
    {
        using var counters = Counters();
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.Kprobe, CountCalls(counters, Environment.ProcessId, addReturnValue: true), "ktap_guest_krp"));
        using (Link.AttachPerfEvent(program, PerfEvents.OpenKprobe(Function, isReturn: true)))
        {
            CallGetpid(10);
        }

        return Expect(counters, 0, 10) ?? Expect(counters, 1, 10L * Environment.ProcessId);
    }

    public static string? DisposingDetaches()
    {
        using var counters = Counters();
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.Kprobe, CountCalls(counters, Environment.ProcessId, addReturnValue: false), "ktap_guest_det"));
        using (Link.AttachPerfEvent(program, PerfEvents.OpenKprobe(Function)))
        {
            CallGetpid(5);
        }

        CallGetpid(5);
        return Expect(counters, 0, 5);
    }

    private static BpfMap Counters() => BpfMap.Create(new MapSpec(MapType.Array, 4, 8, 2, "ktap_guest_cnt"));

    private static string? Expect(BpfMap counters, int key, long expected) =>
        counters.TryLookup(key, out long actual) && actual == expected ? null : $"counter {key} is {actual}, expected {expected}";

    private static void CallGetpid(int times)
    {
        for (var i = 0; i < times; i++)
        {
            GetPid();
        }
    }

    [LibraryImport("libc", EntryPoint = "getpid")]
    private static partial int GetPid();

    /// <summary>
    /// If the current process is <paramref name="pid"/>: counters[0] += 1 and, for a kretprobe,
    /// counters[1] += the return value. Atomic adds: the probe may fire on both CPUs at once.
    /// </summary>
    private static Instruction[] CountCalls(BpfMap counters, int pid, bool addReturnValue)
    {
        var code = new List<Instruction>
        {
            Instruction.Create(0xbf, Register.R6, Register.R1, 0, 0),
            Instruction.Create(0x85, Register.R0, Register.R0, 0, 14),
            Instruction.Create(0x77, Register.R0, Register.R0, 0, 32),
        };
        var body = new List<Instruction>();
        body.AddRange(AddToCounter(counters, 0, null));
        if (addReturnValue)
        {
            body.AddRange(AddToCounter(counters, 1, ReturnValueOffset));
        }

        // if (pid_tgid >> 32 != pid) skip the body.
        code.Add(Instruction.Create(0x55, Register.R0, Register.R0, (short)body.Count, pid));
        code.AddRange(body);
        code.Add(Instruction.Create(0xb7, Register.R0, Register.R0, 0, 0));
        code.Add(Instruction.Create(0x95, Register.R0, Register.R0, 0, 0));
        return [.. code];
    }

    /// <summary>counters[key] += 1, or += the u64 at ctx+offset.</summary>
    private static Instruction[] AddToCounter(BpfMap counters, int key, short? contextOffset) =>
    [
        Instruction.Create(0x62, Register.R10, Register.R0, -4, key),
        Instruction.Create(0xbf, Register.R2, Register.R10, 0, 0),
        Instruction.Create(0x07, Register.R2, Register.R0, 0, -4),
        Instruction.Create(0x18, Register.R1, Register.R1, 0, counters.Handle.Fd),
        new Instruction(0, 0, 0, 0),
        Instruction.Create(0x85, Register.R0, Register.R0, 0, 1),
        Instruction.Create(0x15, Register.R0, Register.R0, 2, 0),
        contextOffset is { } offset
            ? Instruction.Create(0x79, Register.R1, Register.R6, offset, 0)
            : Instruction.Create(0xb7, Register.R1, Register.R0, 0, 1),
        Instruction.Create(0xdb, Register.R0, Register.R1, 0, 0),
    ];
}
