namespace Ktap.Bpf.Sys;

/// <summary>
/// An <c>mmap</c> of a kernel object's memory, unmapped on dispose (a process's mappings,
/// as <c>/proc/PID/maps</c> lists them, are <see cref="Symbols.ProcessMapping"/>).
/// </summary>
public sealed unsafe class MemoryMapping : IDisposable
{
    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    private const int MapShared = 1;

    private nint address;

    private MemoryMapping(nint address, nuint length)
    {
        this.address = address;
        Length = length;
    }

    public static int PageSize { get; } = Libc.GetPageSize();

    public byte* Pointer => (byte*)address;

    public nuint Length { get; }

    public static MemoryMapping Map(KernelHandle handle, nuint length, int protection, long offset)
    {
        var address = Libc.Mmap(0, length, protection, MapShared, handle.Fd, offset);
        return address == -1 ? throw new KernelException("mmap", Libc.LastErrno) : new MemoryMapping(address, length);
    }

    public Span<byte> AsSpan() => new((void*)address, checked((int)Length));

    public void Dispose()
    {
        if (address != 0)
        {
            Libc.Munmap(address, Length);
            address = 0;
        }
    }
}
