using Ktap.Bpf.Maps;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// The process map of <c>-p PID</c> and <c>-- CMD</c>: a hash whose keys are the thread group
/// ids (u32) of the processes handlers run in; values are unused. The ktap process fills it
/// (the traced process, and for <c>-- CMD</c> a tracker that adds each child as it forks).
/// </summary>
public static class ProcessScope
{
    /// <summary>Processes and threads traced at once before a fork is lost.</summary>
    public const int Capacity = 65536;

    public const int KeySize = 4;

    public const int ValueSize = 4;

    /// <summary>Not preallocated: a session usually traces a handful of processes, not 65,536.</summary>
    public static MapSpec MapSpec => new(MapType.Hash, KeySize, ValueSize, Capacity, "ktap_pids") { Flags = MapFlags.NoPrealloc };
}
