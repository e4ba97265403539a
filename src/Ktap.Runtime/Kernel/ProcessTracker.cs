using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Tracing;
using Ktap.Compiler.CodeGen;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Runtime.Kernel;

/// <summary>
/// Keeps the process map of <c>-- CMD</c> (<see cref="ProcessScope"/>) current, so handlers run
/// in the command and everything it starts, from its exec on:
/// <list type="bullet">
/// <item>the held process is entered as <see cref="ProcessScope.Held"/>; a program on the raw
/// tracepoint <c>task_rename</c> marks it <see cref="ProcessScope.Traced"/> when it execs the
/// command: begin_new_exec renames the task after de_thread and before the new program runs or
/// sched_process_exec fires, so every event of the command is traced, its exec included, and
/// nothing of ktap's held child (the end of its read, the exec call, its runtime's threads dying
/// in de_thread). The held child renames nothing once it blocks;</item>
/// <item>a program on the tracepoint <c>sched:sched_process_fork</c> enters the child of every
/// traced task. kernel_clone fires it in the parent before the child first runs
/// (wake_up_new_task comes after), so a child is in the map before it can do anything;</item>
/// <item>a program on the raw tracepoint <c>sched_process_exit</c> removes each task that ends.</item>
/// </list>
/// </summary>
/// <remarks>
/// Raw tracepoints where no argument is needed: detaching one defers its cleanup to RCU
/// callbacks, where closing a tracepoint's last perf event waits for grace periods
/// (tracepoint_synchronize_unregister), tens of milliseconds at every exit. The fork program reads
/// child_pid from the event's record (its offset from the tracefs format), which needs no kernel
/// BTF; on the raw tracepoint it would read task_struct at an offset only BTF knows.
///
/// A new thread is entered too (its id is never a process id, so it costs an entry, nothing
/// else) and removed when it ends. A process is removed when its main thread ends: if that thread
/// calls pthread_exit while others go on, their events are no longer traced.
/// </remarks>
public sealed class ProcessTracker : IDisposable
{
    public static readonly TraceEventName ForkEvent = new("sched", "sched_process_fork");

    /// <summary>The raw tracepoint the exec program attaches to: exec renames the task (__set_task_comm).</summary>
    public const string ExecTracepoint = "task_rename";

    /// <summary>The raw tracepoint the exit program attaches to.</summary>
    public const string ExitTracepoint = "sched_process_exit";

    private const string ForkName = "ktap_fork";
    private const string ExecName = "ktap_exec";
    private const string ExitName = "ktap_exit";

    private readonly List<BpfProgram> programs;

    private ProcessTracker(List<BpfProgram> programs) => this.programs = programs;

    /// <summary>For <see cref="ForkEvent"/>.</summary>
    public BpfProgram Fork => programs[0];

    /// <summary>For the raw tracepoint <see cref="ExecTracepoint"/>.</summary>
    public BpfProgram Exec => programs[1];

    /// <summary>For the raw tracepoint <see cref="ExitTracepoint"/>.</summary>
    public BpfProgram Exit => programs[2];

    /// <summary>Each program, its name and where it attaches, as <c>ktap --ps</c> shows them.</summary>
    public IEnumerable<(BpfProgram Program, string Name, string Probe)> Programs =>
        [(Fork, ForkName, ForkEvent.ToString()), (Exec, ExecName, "raw_tracepoint:" + ExecTracepoint), (Exit, ExitName, "raw_tracepoint:" + ExitTracepoint)];

    /// <summary>Loads the programs against <paramref name="processes"/>; the fork event's format gives where child_pid is.</summary>
    /// <exception cref="InvalidOperationException">The fork event has no child_pid field.</exception>
    public static ProcessTracker Load(BpfMap processes, EventFormat forkFormat)
    {
        var childPid = forkFormat.Field("child_pid") ?? throw new InvalidOperationException($"{ForkEvent} has no child_pid field: cannot follow the command's children");
        var programs = new List<BpfProgram>();
        try
        {
            programs.Add(BpfProgram.Load(new ProgramSpec(ProgramType.Tracepoint, ForkProgram(processes, (short)childPid.Offset), ForkName)));
            programs.Add(BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, ExecProgram(processes), ExecName)));
            programs.Add(BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, ExitProgram(processes), ExitName)));
            return new ProcessTracker(programs);
        }
        catch
        {
            programs.ForEach(p => p.Dispose());
            throw;
        }
    }

    /// <summary>Enters <paramref name="pid"/> in the map as <see cref="ProcessScope.Traced"/> or <see cref="ProcessScope.Held"/>.</summary>
    public static void Add(BpfMap processes, int pid, int state) => processes.Update(pid, state);

    public void Dispose() => programs.ForEach(p => p.Dispose());

    /// <summary>If the current task's process is traced, its new child is too.</summary>
    private static IReadOnlyList<Instruction> ForkProgram(BpfMap processes, short childPidOffset)
    {
        var builder = new ProgramBuilder();
        var done = builder.DefineLabel();
        builder.Emit(Mov64(Register.R6, Register.R1));
        LookUpCurrentProcess(builder, processes, done);
        builder.Emit(Instructions.Load(MemorySize.Word, Register.R1, Register.R0, 0));
        builder.Jump(JumpOperation.Jne, Register.R1, ProcessScope.Traced, done);
        builder.Emit(Instructions.Load(MemorySize.Word, Register.R1, Register.R6, childPidOffset));
        builder.Emit(Store(MemorySize.Word, Register.R10, -8, Register.R1));
        builder.Emit(Store(MemorySize.Word, Register.R10, -4, ProcessScope.Traced));
        builder.Emit(LoadMapFd(Register.R1, processes.Handle.Fd));
        builder.Emit(Mov64(Register.R2, Register.R10));
        builder.Emit(Alu64(AluOperation.Add, Register.R2, -8));
        builder.Emit(Mov64(Register.R3, Register.R10));
        builder.Emit(Alu64(AluOperation.Add, Register.R3, -4));
        builder.Emit(Mov64(Register.R4, (int)UpdateMode.Any));
        builder.Emit(Call(HelperFunction.MapUpdateElem));
        return Finish(builder, done);
    }

    /// <summary>A held process renamed by its exec has become the command: from here on it is traced.</summary>
    private static IReadOnlyList<Instruction> ExecProgram(BpfMap processes)
    {
        var builder = new ProgramBuilder();
        var done = builder.DefineLabel();
        LookUpCurrentProcess(builder, processes, done);
        builder.Emit(Store(MemorySize.Word, Register.R0, 0, ProcessScope.Traced));
        return Finish(builder, done);
    }

    /// <summary>The ending task (the current one) leaves the map: a thread id, or its process's when it is the main thread.</summary>
    private static IReadOnlyList<Instruction> ExitProgram(BpfMap processes)
    {
        var builder = new ProgramBuilder();
        builder.Emit(Call(HelperFunction.GetCurrentPidTgid));
        builder.Emit(Store(MemorySize.Word, Register.R10, -4, Register.R0));
        builder.Emit(LoadMapFd(Register.R1, processes.Handle.Fd));
        builder.Emit(Mov64(Register.R2, Register.R10));
        builder.Emit(Alu64(AluOperation.Add, Register.R2, -4));
        builder.Emit(Call(HelperFunction.MapDeleteElem));
        return Finish(builder, builder.DefineLabel());
    }

    /// <summary>R0 = the map's value for the current process (its thread group id, pid_tgid's upper half); to <paramref name="missing"/> when it has none.</summary>
    private static void LookUpCurrentProcess(ProgramBuilder builder, BpfMap processes, Label missing)
    {
        builder.Emit(Call(HelperFunction.GetCurrentPidTgid));
        builder.Emit(Alu64(AluOperation.Rsh, Register.R0, 32));
        builder.Emit(Store(MemorySize.Word, Register.R10, -4, Register.R0));
        builder.Emit(LoadMapFd(Register.R1, processes.Handle.Fd));
        builder.Emit(Mov64(Register.R2, Register.R10));
        builder.Emit(Alu64(AluOperation.Add, Register.R2, -4));
        builder.Emit(Call(HelperFunction.MapLookupElem));
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, missing);
    }

    private static IReadOnlyList<Instruction> Finish(ProgramBuilder builder, Label done)
    {
        builder.MarkLabel(done);
        builder.Emit(Mov64(Register.R0, 0));
        builder.Emit(Instructions.Exit());
        return builder.Build().Instructions;
    }
}
