using System.Runtime.InteropServices;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Maps;

/// <summary>
/// A BPF map. Keys and values are raw bytes (the typed helpers read unmanaged structs); per-CPU
/// maps hold one value per possible CPU, each padded to 8 bytes.
/// </summary>
public sealed unsafe partial class BpfMap : IDisposable
{
    private BpfMap(KernelHandle handle, MapSpec spec)
    {
        Handle = handle;
        Spec = spec;
    }

    public KernelHandle Handle { get; }

    public MapSpec Spec { get; }

    public uint KeySize => Spec.KeySize;

    public uint ValueSize => Spec.ValueSize;

    /// <summary>Bytes one lookup returns: the value, or for per-CPU maps one 8-byte-aligned slot per possible CPU.</summary>
    public int LookupSize => Spec.IsPerCpu ? PerCpuStride * Cpus.PossibleCount : (int)Spec.ValueSize;

    /// <summary>The kernel rounds each per-CPU value up to 8 bytes (kernel/bpf/syscall.c, bpf_map_value_size).</summary>
    public int PerCpuStride => (int)((Spec.ValueSize + 7) & ~7u);

    public static BpfMap Create(MapSpec spec)
    {
        var attribute = new MapCreateAttr
        {
            MapType = (uint)spec.Type,
            KeySize = spec.KeySize,
            ValueSize = spec.ValueSize,
            MaxEntries = spec.MaxEntries,
            MapFlags = (uint)spec.Flags,
        };
        ObjectName.Write(spec.Name, attribute.MapName);
        return new BpfMap(new KernelHandle(BpfSyscall.Invoke(BpfCommand.MapCreate, ref attribute)), spec);
    }

    /// <summary>Opens a map anyone created, by id.</summary>
    /// <param name="readOnly">Ask for a descriptor that can only read (BPF_F_RDONLY): enough to look, and all a frozen map allows anyway.</param>
    public static BpfMap FromId(uint id, bool readOnly = false)
    {
        var attribute = new IdAttr { Id = id, OpenFlags = readOnly ? (uint)MapFlags.ReadOnly : 0 };
        var handle = new KernelHandle(BpfSyscall.Invoke(BpfCommand.MapGetFdById, ref attribute));
        var info = ReadInfo(handle);
        var spec = new MapSpec((MapType)info.Type, info.KeySize, info.ValueSize, info.MaxEntries, ObjectName.Read(info.Name)) { Flags = (MapFlags)info.MapFlags };
        return new BpfMap(handle, spec);
    }

    public MapInfo GetInfo()
    {
        var info = ReadInfo(Handle);
        return new MapInfo(info.Id, (MapType)info.Type, ObjectName.Read(info.Name), info.KeySize, info.ValueSize, info.MaxEntries, (MapFlags)info.MapFlags);
    }

    /// <summary>Reads a key's value into <paramref name="value"/> (<see cref="LookupSize"/> bytes); false when the key is absent.</summary>
    public bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckSizes(key, value.Length);
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var attribute = new MapElemAttr { MapFd = (uint)Handle.Fd, Key = (ulong)k, Value = (ulong)v };
            return Succeeded(BpfCommand.MapLookupElem, ref attribute, Errnos.ENOENT);
        }
    }

    public void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, UpdateMode mode = UpdateMode.Any)
    {
        CheckSizes(key, value.Length);
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var attribute = new MapElemAttr { MapFd = (uint)Handle.Fd, Key = (ulong)k, Value = (ulong)v, Flags = (ulong)mode };
            BpfSyscall.Invoke(BpfCommand.MapUpdateElem, ref attribute);
        }
    }

    /// <summary>Deletes a key; false when it was absent.</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        fixed (byte* k = key)
        {
            var attribute = new MapElemAttr { MapFd = (uint)Handle.Fd, Key = (ulong)k };
            return Succeeded(BpfCommand.MapDeleteElem, ref attribute, Errnos.ENOENT);
        }
    }

    /// <summary>Every key, by BPF_MAP_GET_NEXT_KEY. Keys deleted meanwhile may end the walk early, as the kernel documents.</summary>
    public List<byte[]> Keys()
    {
        var keys = new List<byte[]>();
        var current = new byte[KeySize];
        var next = new byte[KeySize];
        var first = true;
        while (true)
        {
            fixed (byte* c = current)
            fixed (byte* n = next)
            {
                // A null key asks for the first one.
                var attribute = new MapElemAttr { MapFd = (uint)Handle.Fd, Key = first ? 0 : (ulong)c, Value = (ulong)n };
                if (!Succeeded(BpfCommand.MapGetNextKey, ref attribute, Errnos.ENOENT))
                {
                    return keys;
                }
            }

            keys.Add((byte[])next.Clone());
            (current, next) = (next, current);
            first = false;
        }
    }

    /// <summary>
    /// Every entry. Uses BPF_MAP_LOOKUP_BATCH, a few syscalls for the whole map, and falls back to
    /// one lookup per key on kernels or map types without it.
    /// </summary>
    public List<(byte[] Key, byte[] Value)> Entries()
    {
        if (TryLookupBatch(out var entries))
        {
            return entries;
        }

        entries = [];
        var value = new byte[LookupSize];
        foreach (var key in Keys())
        {
            if (TryLookup(key, value))
            {
                entries.Add((key, (byte[])value.Clone()));
            }
        }

        return entries;
    }

    /// <summary>Makes the map read-only for user space from now on (programs may still write unless the map was made read-only for them).</summary>
    public void Freeze()
    {
        var attribute = new MapFdAttr { MapFd = (uint)Handle.Fd };
        BpfSyscall.Invoke(BpfCommand.MapFreeze, ref attribute);
    }

    /// <summary>
    /// Whether the map was frozen (<see cref="Freeze"/>): no one in user space can change it
    /// again. The kernel tells only through the descriptor's fdinfo ("frozen:", Linux 5.2,
    /// bpf_map_show_fdinfo in kernel/bpf/syscall.c); bpf_map_info has no such field.
    /// </summary>
    public bool IsFrozen =>
        File.ReadLines($"/proc/self/fdinfo/{Handle.Fd}").Any(line => line.StartsWith("frozen:", StringComparison.Ordinal) && line["frozen:".Length..].Trim() == "1");

    public void Dispose() => Handle.Dispose();

    private bool TryLookupBatch(out List<(byte[] Key, byte[] Value)> entries)
    {
        entries = [];
        const int batch = 256;
        var keys = new byte[batch * KeySize];
        var values = new byte[batch * LookupSize];

        // The batch cursor is opaque; the kernel's hash maps use a u32 bucket index, arrays the key.
        var cursor = new byte[Math.Max(8, (int)KeySize)];
        var first = true;
        while (true)
        {
            fixed (byte* k = keys)
            fixed (byte* v = values)
            fixed (byte* c = cursor)
            {
                var attribute = new MapBatchAttr
                {
                    InBatch = first ? 0 : (ulong)c,
                    OutBatch = (ulong)c,
                    Keys = (ulong)k,
                    Values = (ulong)v,
                    Count = batch,
                    MapFd = (uint)Handle.Fd,
                };
                var result = BpfSyscall.TryInvoke(BpfCommand.MapLookupBatch, ref attribute, out var errno);
                if (result < 0 && errno != Errnos.ENOENT)
                {
                    if (first && errno is Errnos.EINVAL or Errnos.ENOTSUPP or Errnos.EOPNOTSUPP)
                    {
                        return false;
                    }

                    throw new KernelException(BpfSyscall.CallName(BpfCommand.MapLookupBatch), errno);
                }

                for (var i = 0; i < attribute.Count; i++)
                {
                    entries.Add((keys.AsSpan(i * (int)KeySize, (int)KeySize).ToArray(), values.AsSpan(i * LookupSize, LookupSize).ToArray()));
                }

                // ENOENT marks the end of the map, with the last entries in this batch.
                if (result < 0)
                {
                    return true;
                }
            }

            first = false;
        }
    }

    private bool Succeeded(BpfCommand command, ref MapElemAttr attribute, int absentErrno)
    {
        if (BpfSyscall.TryInvoke(command, ref attribute, out var errno) >= 0)
        {
            return true;
        }

        return errno == absentErrno ? false : throw new KernelException(BpfSyscall.CallName(command), errno);
    }

    private void CheckSizes(ReadOnlySpan<byte> key, int valueLength)
    {
        if (key.Length != KeySize || valueLength != LookupSize)
        {
            throw new ArgumentException($"map '{Spec.Name}' takes {KeySize}-byte keys and {LookupSize}-byte values, not {key.Length} and {valueLength}");
        }
    }

    private static MapInfoNative ReadInfo(KernelHandle handle)
    {
        var info = default(MapInfoNative);
        var attribute = new GetInfoAttr { BpfFd = (uint)handle.Fd, InfoLen = (uint)sizeof(MapInfoNative), Info = (ulong)(&info) };
        BpfSyscall.Invoke(BpfCommand.ObjGetInfoByFd, ref attribute);
        return info;
    }
}
