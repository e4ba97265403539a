using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Tracing;
using Ktap.Compiler.CodeGen;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Runtime.Kernel;

/// <summary>
/// Keeps the process map of <c>-- CMD</c> (<see cref="ProcessScope"/>) current, so handlers run
/// in the command and everything it starts: a program on the tracepoint
/// <c>sched:sched_process_fork</c> adds the child of every traced task, one on the raw
/// tracepoint <c>sched_process_exit</c> removes each task that ends. kernel_clone fires
/// sched_process_fork in the parent before the child first runs (wake_up_new_task comes after),
/// so a child is in the map before it can do anything.
/// </summary>
/// <remarks>
/// The exit program needs no argument, so it is a raw tracepoint: detaching one defers its
/// cleanup to RCU callbacks, where closing a tracepoint's last perf event waits for grace periods
/// (tracepoint_synchronize_unregister), tens of milliseconds at every exit. The fork program
/// reads child_pid from the event's record (its offset from the tracefs format), which needs no
/// kernel BTF; as a raw tracepoint it would read task_struct at an offset only BTF knows.
/// </remarks>
/// <remarks>
/// A new thread is added too (its id is never a process id, so it costs an entry, nothing
/// else) and removed when it ends. A process is removed when its main thread ends: if that
/// thread calls pthread_exit while others go on, their events are no longer traced.
/// </remarks>
public sealed class ProcessTracker : IDisposable
{
    public static readonly TraceEventName ForkEvent = new("sched", "sched_process_fork");

    /// <summary>The raw tracepoint the exit program attaches to.</summary>
    public const string ExitTracepoint = "sched_process_exit";

    private ProcessTracker(BpfProgram fork, BpfProgram exit)
    {
        Fork = fork;
        Exit = exit;
    }

    /// <summary>For <see cref="ForkEvent"/>.</summary>
    public BpfProgram Fork { get; }

    /// <summary>For the raw tracepoint <see cref="ExitTracepoint"/>.</summary>
    public BpfProgram Exit { get; }

    /// <summary>Loads both programs against <paramref name="processes"/>; the fork event's format gives where child_pid is.</summary>
    /// <exception cref="InvalidOperationException">The fork event has no child_pid field.</exception>
    public static ProcessTracker Load(BpfMap processes, EventFormat forkFormat)
    {
        var childPid = forkFormat.Field("child_pid") ?? throw new InvalidOperationException($"{ForkEvent} has no child_pid field: cannot follow the command's children");
        var fork = BpfProgram.Load(new ProgramSpec(ProgramType.Tracepoint, ForkProgram(processes, (short)childPid.Offset), "ktap_fork"));
        try
        {
            return new ProcessTracker(fork, BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, ExitProgram(processes), "ktap_exit")));
        }
        catch
        {
            fork.Dispose();
            throw;
        }
    }

    /// <summary>Adds <paramref name="pid"/> to the map: handlers run in it from now on.</summary>
    public static void Add(BpfMap processes, int pid) => processes.Update(pid, pid);

    public void Dispose()
    {
        Fork.Dispose();
        Exit.Dispose();
    }

    /// <summary>If the current task's process is traced, its new child is too.</summary>
    private static IReadOnlyList<Instruction> ForkProgram(BpfMap processes, short childPidOffset)
    {
        var builder = new ProgramBuilder();
        var done = builder.DefineLabel();
        builder.Emit(Mov64(Register.R6, Register.R1));
        builder.Emit(Call(HelperFunction.GetCurrentPidTgid));
        builder.Emit(Alu64(AluOperation.Rsh, Register.R0, 32));
        builder.Emit(Store(MemorySize.Word, Register.R10, -4, Register.R0));
        builder.Emit(LoadMapFd(Register.R1, processes.Handle.Fd));
        builder.Emit(Mov64(Register.R2, Register.R10));
        builder.Emit(Alu64(AluOperation.Add, Register.R2, -4));
        builder.Emit(Call(HelperFunction.MapLookupElem));
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, done);
        builder.Emit(Instructions.Load(MemorySize.Word, Register.R1, Register.R6, childPidOffset));
        builder.Emit(Store(MemorySize.Word, Register.R10, -8, Register.R1));
        builder.Emit(LoadMapFd(Register.R1, processes.Handle.Fd));
        builder.Emit(Mov64(Register.R2, Register.R10));
        builder.Emit(Alu64(AluOperation.Add, Register.R2, -8));
        builder.Emit(Mov64(Register.R3, Register.R10));
        builder.Emit(Alu64(AluOperation.Add, Register.R3, -4));
        builder.Emit(Mov64(Register.R4, (int)UpdateMode.Any));
        builder.Emit(Call(HelperFunction.MapUpdateElem));
        builder.MarkLabel(done);
        builder.Emit(Mov64(Register.R0, 0));
        builder.Emit(Exit());
        return builder.Build().Instructions;
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
        builder.Emit(Mov64(Register.R0, 0));
        builder.Emit(Exit());
        return builder.Build().Instructions;
    }
}
