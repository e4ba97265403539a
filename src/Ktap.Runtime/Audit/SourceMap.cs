using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;

namespace Ktap.Runtime.Audit;

/// <summary>
/// The <c>ktap_src</c> map (DESIGN §4): a session's <see cref="SessionRecord"/> in an array map
/// that programs may only read (BPF_F_RDONLY_PROG) and that is frozen before any program runs,
/// so nobody, ktap included, can change it afterwards. It is bound to every program of the
/// session (BPF_PROG_BIND_MAP, Linux 5.10): the kernel keeps it exactly as long as one of them
/// lives, and lists it among each program's map ids, which is how <see cref="RunningSessions"/>
/// finds it from the kernel's program list alone. No instruction refers to it, so it costs
/// nothing per event.
/// </summary>
/// <remarks>
/// Layout: the record's bytes cut into chunks, one per array element (key 0, 1, ...), the last
/// one padded with zeros. A script of up to 64 KiB (nearly all) is one element exactly as large
/// as it, rounded up to 8; a larger one takes 64 KiB elements. One value would do up to the
/// kernel's limit of KMALLOC_MAX_SIZE (array_map_alloc_check: 4 MiB on x86-64), but chunks have
/// no limit and keep every copy the kernel makes (the lookup's kvmalloc) small.
/// </remarks>
internal static class SourceMap
{
    public const string Name = "ktap_src";

    /// <summary>The largest element: records longer than this are split.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>A reader refuses a map larger than this: a foreign map with ktap's name must not make it allocate without bound.</summary>
    private const long MaxReadSize = 256L * 1024 * 1024;

    /// <summary>Creates the map, writes the record, freezes it and binds it to each program; ktap keeps no descriptor of its own.</summary>
    public static void Publish(SessionRecord record, IEnumerable<BpfProgram> programs)
    {
        var bytes = record.Encode();
        var valueSize = Math.Min((bytes.Length + 7) & ~7, ChunkSize);
        var entries = (bytes.Length + valueSize - 1) / valueSize;
        using var map = BpfMap.Create(new MapSpec(MapType.Array, 4, (uint)valueSize, (uint)entries, Name) { Flags = MapFlags.ReadOnlyProgram });
        var chunk = new byte[valueSize];
        for (var i = 0; i < entries; i++)
        {
            Array.Clear(chunk);
            bytes.AsSpan(i * valueSize, Math.Min(valueSize, bytes.Length - (i * valueSize))).CopyTo(chunk);
            map.Update(BitConverter.GetBytes(i), chunk);
        }

        map.Freeze();
        foreach (var program in programs)
        {
            program.BindMap(map.Handle);
        }
    }

    /// <summary>
    /// The record in map <paramref name="mapId"/>, or null when that map is not a ktap_src map:
    /// another name or shape, not frozen, not a record, or a record whose lengths do not fill its
    /// chunks exactly (the last one padded with zeros). Null too when the map is gone meanwhile.
    /// </summary>
    public static SessionRecord? TryRead(uint mapId)
    {
        BpfMap map;
        try
        {
            map = BpfMap.FromId(mapId, readOnly: true);
        }
        catch (KernelException e) when (e.Errno == Errnos.ENOENT)
        {
            return null;
        }

        using (map)
        {
            var spec = map.Spec;
            var valueSize = (int)spec.ValueSize;
            var capacity = (long)spec.ValueSize * spec.MaxEntries;
            if (spec.Name != Name || spec.Type != MapType.Array || spec.KeySize != 4 || !spec.Flags.HasFlag(MapFlags.ReadOnlyProgram)
                || valueSize < 32 || capacity > MaxReadSize || !map.IsFrozen)
            {
                return null;
            }

            var bytes = new byte[capacity];
            if (!map.TryLookup(BitConverter.GetBytes(0), bytes.AsSpan(0, valueSize))
                || SessionRecord.EncodedLength(bytes) is not { } used || used > capacity || used <= capacity - valueSize)
            {
                return null;
            }

            for (var i = 1; i < spec.MaxEntries; i++)
            {
                if (!map.TryLookup(BitConverter.GetBytes(i), bytes.AsSpan(i * valueSize, valueSize)))
                {
                    return null;
                }
            }

            return bytes.AsSpan(used).ContainsAnyExcept((byte)0) ? null : SessionRecord.Decode(bytes);
        }
    }
}
