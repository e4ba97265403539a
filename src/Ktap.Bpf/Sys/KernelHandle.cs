using Microsoft.Win32.SafeHandles;

namespace Ktap.Bpf.Sys;

/// <summary>
/// A file descriptor for a kernel object (map, program, link, BTF, perf event, epoll). Closing it
/// drops the reference; the kernel frees the object when the last one goes, so nothing outlives
/// the process, however it ends.
/// </summary>
public sealed class KernelHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public KernelHandle(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>The descriptor number, for attribute structs; valid while this handle lives.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
