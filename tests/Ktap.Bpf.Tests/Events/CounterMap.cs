using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Tests.Events;

/// <summary>An array map of u64 counters, made and read with raw bpf(2) calls.</summary>
internal sealed unsafe class CounterMap : IDisposable
{
    private const uint ArrayMapType = 2;

    private CounterMap(KernelHandle handle, int entries)
    {
        Handle = handle;
        Entries = entries;
    }

    public KernelHandle Handle { get; }

    public int Fd => Handle.Fd;

    public int Entries { get; }

    public static CounterMap Create(int entries)
    {
        var attribute = new MapCreateAttr { MapType = ArrayMapType, KeySize = 4, ValueSize = 8, MaxEntries = (uint)entries };
        ObjectName.Write("ktap_t_events", attribute.MapName);
        return new CounterMap(new KernelHandle(BpfSyscall.Invoke(BpfCommand.MapCreate, ref attribute)), entries);
    }

    public ulong Read(uint key)
    {
        ulong value = 0;
        var attribute = new MapElemAttr { MapFd = (uint)Fd, Key = (ulong)(&key), Value = (ulong)(&value) };
        BpfSyscall.Invoke(BpfCommand.MapLookupElem, ref attribute);
        return value;
    }

    public void Dispose() => Handle.Dispose();
}
