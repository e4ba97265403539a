using System.Runtime.InteropServices;

namespace Ktap.Bpf.Maps;

public sealed unsafe partial class BpfMap
{
    /// <summary>Looks up a value of an unmanaged type (not for per-CPU maps: see <see cref="LookupPerCpu{TKey, TValue}"/>).</summary>
    public bool TryLookup<TKey, TValue>(TKey key, out TValue value)
        where TKey : unmanaged
        where TValue : unmanaged
    {
        value = default;
        return TryLookup(AsBytes(ref key), MemoryMarshal.AsBytes(new Span<TValue>(ref value)));
    }

    public void Update<TKey, TValue>(TKey key, TValue value, UpdateMode mode = UpdateMode.Any)
        where TKey : unmanaged
        where TValue : unmanaged =>
        Update(AsBytes(ref key), MemoryMarshal.AsBytes(new Span<TValue>(ref value)), mode);

    public bool Delete<TKey>(TKey key)
        where TKey : unmanaged => Delete(AsBytes(ref key));

    /// <summary>A per-CPU map's value on every possible CPU; null when the key is absent.</summary>
    public TValue[]? LookupPerCpu<TKey, TValue>(TKey key)
        where TKey : unmanaged
        where TValue : unmanaged
    {
        var buffer = new byte[LookupSize];
        if (!TryLookup(AsBytes(ref key), buffer))
        {
            return null;
        }

        var values = new TValue[Sys.Cpus.PossibleCount];
        for (var cpu = 0; cpu < values.Length; cpu++)
        {
            values[cpu] = MemoryMarshal.Read<TValue>(buffer.AsSpan(cpu * PerCpuStride));
        }

        return values;
    }

    /// <summary>A per-CPU counter summed over the CPUs (0 when absent).</summary>
    public long SumPerCpu<TKey>(TKey key)
        where TKey : unmanaged => LookupPerCpu<TKey, long>(key)?.Sum() ?? 0;

    private static ReadOnlySpan<byte> AsBytes<T>(ref T value)
        where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(ref value));
}
