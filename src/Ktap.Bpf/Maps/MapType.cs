namespace Ktap.Bpf.Maps;

/// <summary>The map types ktap uses (uapi <c>enum bpf_map_type</c>).</summary>
public enum MapType : uint
{
    Hash = 1,
    Array = 2,
    PerfEventArray = 4,
    PerCpuHash = 5,
    PerCpuArray = 6,
    StackTrace = 7,
    LruHash = 9,
    LruPerCpuHash = 10,
    RingBuffer = 27,
}

/// <summary>Map creation flags (uapi <c>BPF_F_*</c>).</summary>
[Flags]
public enum MapFlags : uint
{
    None = 0,

    /// <summary>Hash maps allocate entries on demand rather than all at creation.</summary>
    NoPrealloc = 1 << 0,

    /// <summary>User space may only read (the program writes).</summary>
    ReadOnly = 1 << 3,

    /// <summary>Programs may only read: with a freeze, a map whose contents nobody can change.</summary>
    ReadOnlyProgram = 1 << 7,

    /// <summary>An array user space can mmap, for global data shared without syscalls.</summary>
    Mmapable = 1 << 10,
}

/// <summary>How an update treats an existing key (uapi <c>BPF_ANY</c>, <c>BPF_NOEXIST</c>, <c>BPF_EXIST</c>).</summary>
public enum UpdateMode : ulong
{
    Any = 0,
    NoExist = 1,
    Exist = 2,
}

/// <summary>A map to create. A ring buffer's <see cref="MaxEntries"/> is its size in bytes: a power of two, a multiple of the page size.</summary>
public sealed record MapSpec(MapType Type, uint KeySize, uint ValueSize, uint MaxEntries, string Name = "")
{
    public MapFlags Flags { get; init; }

    public bool IsPerCpu => Type is MapType.PerCpuHash or MapType.PerCpuArray or MapType.LruPerCpuHash;
}

/// <summary>What the kernel reports about a map.</summary>
public sealed record MapInfo(uint Id, MapType Type, string Name, uint KeySize, uint ValueSize, uint MaxEntries, MapFlags Flags);
