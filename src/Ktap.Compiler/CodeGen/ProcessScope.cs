using Ktap.Bpf.Maps;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// The process map of <c>-p PID</c> and <c>-- CMD</c>: a hash whose keys are thread group ids
/// (u32) and values a state (u32): handlers run in a process whose state is <see cref="Traced"/>.
/// The ktap process fills it (the traced process, and for <c>-- CMD</c> a tracker that enters
/// each child as it forks and marks the command traced once it has exec'd).
/// </summary>
public static class ProcessScope
{
    /// <summary>ktap's held child of <c>-- CMD</c>, before it execs the command: not traced yet.</summary>
    public const int Held = 0;

    /// <summary>Handlers run here.</summary>
    public const int Traced = 1;

    /// <summary>Processes and threads traced at once before a fork is lost.</summary>
    public const int Capacity = 65536;

    public const int KeySize = 4;

    public const int ValueSize = 4;

    /// <summary>Not preallocated: a session usually traces a handful of processes, not 65,536.</summary>
    public static MapSpec MapSpec => new(MapType.Hash, KeySize, ValueSize, Capacity, "ktap_pids") { Flags = MapFlags.NoPrealloc };
}
