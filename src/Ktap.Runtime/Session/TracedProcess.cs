using Ktap.Bpf.Sys;

namespace Ktap.Runtime.Session;

/// <summary>
/// The process a session traces alone: <c>-p PID</c> (a running process) or <c>-- CMD</c> (a
/// command started held before its exec, released once every probe is attached, followed into
/// its children). Handlers run only there, and the session ends when it does.
/// </summary>
public sealed class TracedProcess : IDisposable
{
    /// <summary>How long a held command may take to start (a fresh ktap process) and block.</summary>
    private static readonly TimeSpan HoldTimeout = TimeSpan.FromSeconds(10);

    private readonly HeldProcess? held;
    private readonly ProcessDescriptor process;

    private TracedProcess(ProcessDescriptor process, HeldProcess? held, string description)
    {
        this.process = process;
        this.held = held;
        Description = description;
    }

    public int Pid => process.Pid;

    /// <summary>Turns readable when the process has ended.</summary>
    public KernelHandle Handle => process.Handle;

    /// <summary>A command ktap started: its children are traced too, and ktap reaps it.</summary>
    public bool IsCommand => held is not null;

    /// <summary>What it is, for -v: <c>process 1234</c> or <c>command ls (process 1234)</c>.</summary>
    public string Description { get; }

    /// <summary>A running process, by its id.</summary>
    /// <exception cref="KernelException">ESRCH: there is none; EINVAL: the id is a thread's, not a process's.</exception>
    public static TracedProcess Existing(int pid) => new(ProcessDescriptor.Open(pid), null, $"process {pid}");

    /// <summary>Starts <paramref name="program"/> (a path) held before its exec, <paramref name="arguments"/> its argv.</summary>
    public static TracedProcess Command(string program, IReadOnlyList<string> arguments)
    {
        var held = HeldProcess.Start(program, arguments);
        return new TracedProcess(held.Process, held, $"command {arguments[0]} (process {held.Pid})");
    }

    /// <summary>For a command: waits until it is held at its exec, so nothing it does before shows in the trace.</summary>
    public void WaitUntilHeld() => held?.WaitUntilHeld(HoldTimeout);

    /// <summary>For a command: lets it exec and run.</summary>
    public void Start() => held?.Release();

    /// <summary>For a command that has ended: how, reaping it; null for one still running or not ktap's.</summary>
    public ProcessExit? TryReap() => held is null ? null : process.TryReap();

    /// <summary>A command never released exits without running.</summary>
    public void Dispose()
    {
        if (held is not null)
        {
            held.Dispose();
        }
        else
        {
            process.Dispose();
        }
    }
}
