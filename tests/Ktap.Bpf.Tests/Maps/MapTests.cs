using System.Buffers.Binary;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Tests.Maps;

public sealed class MapTests
{
    [KernelFact]
    public void HashMapStoresLooksUpDeletesAndIterates()
    {
        using var map = BpfMap.Create(new MapSpec(MapType.Hash, 8, 8, 1024, "ktap_t_hash"));
        for (long i = 0; i < 300; i++)
        {
            map.Update(i, i * 10);
        }

        Assert.True(map.TryLookup(7L, out long seven));
        Assert.Equal(70, seven);
        Assert.True(map.Delete(7L));
        Assert.False(map.Delete(7L));
        Assert.False(map.TryLookup(7L, out long _));

        var keys = map.Keys().Select(k => BinaryPrimitives.ReadInt64LittleEndian(k)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 300).Where(i => i != 7).Select(i => (long)i), keys);

        var entries = map.Entries().ToDictionary(e => BinaryPrimitives.ReadInt64LittleEndian(e.Key), e => BinaryPrimitives.ReadInt64LittleEndian(e.Value));
        Assert.Equal(299, entries.Count);
        Assert.All(entries, e => Assert.Equal(e.Key * 10, e.Value));
    }

    [KernelFact]
    public void UpdateModesAreHonoured()
    {
        using var map = BpfMap.Create(new MapSpec(MapType.Hash, 4, 4, 16, "ktap_t_modes"));
        map.Update(1, 1, UpdateMode.NoExist);
        var exists = Assert.Throws<KernelException>(() => map.Update(1, 2, UpdateMode.NoExist));
        Assert.Equal(Errnos.EEXIST, exists.Errno);
        var missing = Assert.Throws<KernelException>(() => map.Update(2, 2, UpdateMode.Exist));
        Assert.Equal(Errnos.ENOENT, missing.Errno);
        Assert.Contains("bpf(BPF_MAP_UPDATE_ELEM) failed: ENOENT", missing.Message, StringComparison.Ordinal);
    }

    [KernelFact]
    public void LruHashEvictsTheOldest()
    {
        using var map = BpfMap.Create(new MapSpec(MapType.LruHash, 4, 4, 64, "ktap_t_lru"));
        for (var i = 0; i < 1000; i++)
        {
            map.Update(i, i);
        }

        Assert.True(map.TryLookup(999, out int newest));
        Assert.Equal(999, newest);
        Assert.False(map.TryLookup(0, out int _));
        Assert.True(map.Keys().Count <= 64 + Cpus.PossibleCount * 64);
    }

    [KernelFact]
    public void PerCpuValuesAreReadPerCpuAndSummed()
    {
        using var map = BpfMap.Create(new MapSpec(MapType.PerCpuHash, 4, 8, 16, "ktap_t_pcpu"));
        var values = new byte[map.LookupSize];
        for (var cpu = 0; cpu < Cpus.PossibleCount; cpu++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(values.AsSpan(cpu * map.PerCpuStride), cpu + 1);
        }

        map.Update(BitConverter.GetBytes(5), values);
        Assert.Equal(Enumerable.Range(1, Cpus.PossibleCount).Select(v => (long)v), map.LookupPerCpu<int, long>(5)!);
        Assert.Equal(Enumerable.Range(1, Cpus.PossibleCount).Sum(), map.SumPerCpu(5));
        Assert.Null(map.LookupPerCpu<int, long>(6));
    }

    [KernelFact]
    public void ArrayBatchLookupAndMmap()
    {
        using var map = BpfMap.Create(new MapSpec(MapType.Array, 4, 8, 512, "ktap_t_mmap") { Flags = MapFlags.Mmapable });
        using (var memory = map.MapMemory())
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(memory.AsSpan());
            for (var i = 0; i < 512; i++)
            {
                words[i] = i * 3;
            }
        }

        Assert.True(map.TryLookup(100, out long hundred));
        Assert.Equal(300, hundred);
        var entries = map.Entries();
        Assert.Equal(512, entries.Count);
        Assert.All(entries, e => Assert.Equal(BitConverter.ToInt32(e.Key) * 3L, BitConverter.ToInt64(e.Value)));
    }

    [KernelFact]
    public void FrozenMapsRefuseUserUpdates()
    {
        using var map = BpfMap.Create(new MapSpec(MapType.Array, 4, 16, 1, "ktap_src") { Flags = MapFlags.ReadOnlyProgram });
        map.Update(BitConverter.GetBytes(0), "script source!!!"u8);
        Assert.False(map.IsFrozen);
        map.Freeze();
        Assert.True(map.IsFrozen);
        var refused = Assert.Throws<KernelException>(() => map.Update(BitConverter.GetBytes(0), new byte[16]));
        Assert.Equal(Errnos.EPERM, refused.Errno);
        var value = new byte[16];
        Assert.True(map.TryLookup(BitConverter.GetBytes(0), value));
        Assert.Equal("script source!!!"u8.ToArray(), value);
    }

    [KernelFact]
    public void MapsAreFoundAgainByIdWithTheirName()
    {
        using var map = BpfMap.Create(new MapSpec(MapType.Hash, 4, 8, 10, "ktap_t_byid"));
        var info = map.GetInfo();
        Assert.Equal(("ktap_t_byid", MapType.Hash, 4u, 8u, 10u), (info.Name, info.Type, info.KeySize, info.ValueSize, info.MaxEntries));
        using var again = BpfMap.FromId(info.Id);
        again.Update(1, 42L);
        Assert.True(map.TryLookup(1, out long value));
        Assert.Equal(42, value);
    }

    [KernelFact]
    public void AReadOnlyDescriptorReadsButCannotWrite()
    {
        using var map = BpfMap.Create(new MapSpec(MapType.Array, 4, 8, 1, "ktap_t_ro"));
        map.Update(0, 42L);
        using var reader = BpfMap.FromId(map.GetInfo().Id, readOnly: true);
        Assert.True(reader.TryLookup(0, out long value));
        Assert.Equal(42, value);
        var refused = Assert.Throws<KernelException>(() => reader.Update(0, 1L));
        Assert.Equal(Errnos.EPERM, refused.Errno);
    }

    [Fact]
    public void InvalidNamesAreRefusedBeforeTheKernelSeesThem()
    {
        var error = Assert.Throws<ArgumentException>(() => BpfMap.Create(new MapSpec(MapType.Hash, 4, 4, 1, "a-name-with-dashes")));
        Assert.Contains("not a valid BPF object name", error.Message, StringComparison.Ordinal);
    }
}
