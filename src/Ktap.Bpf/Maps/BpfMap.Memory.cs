using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Maps;

public sealed partial class BpfMap
{
    /// <summary>
    /// Maps a <see cref="MapFlags.Mmapable"/> array into this process: reads and writes through the
    /// span are the map's values, with no syscall. Value slots are <see cref="ValueSize"/> rounded
    /// up to 8 bytes.
    /// </summary>
    public MemoryMapping MapMemory(bool writable = true)
    {
        if (Spec.Type != MapType.Array || !Spec.Flags.HasFlag(MapFlags.Mmapable))
        {
            throw new InvalidOperationException($"map '{Spec.Name}' is not an mmapable array");
        }

        var bytes = (nuint)(((Spec.ValueSize + 7) & ~7u) * Spec.MaxEntries);
        var pages = (bytes + (nuint)MemoryMapping.PageSize - 1) / (nuint)MemoryMapping.PageSize * (nuint)MemoryMapping.PageSize;
        var protection = MemoryMapping.ProtRead | (writable ? MemoryMapping.ProtWrite : 0);
        return MemoryMapping.Map(Handle, pages, protection, 0);
    }
}
