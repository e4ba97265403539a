using System.Runtime.InteropServices;

namespace Ktap.Bpf.Tests.Tracing;

/// <summary>What the tests need to give one thread a mount namespace of its own.</summary>
internal static partial class NamespaceCalls
{
    public const int CloneNewNs = 0x00020000;
    public const nuint MsRec = 0x4000;
    public const nuint MsPrivate = 0x40000;
    public const int MntDetach = 2;

    /// <summary>
    /// unshare(2) affects the calling thread only (a mount namespace hangs off the task, not the
    /// process), so a dedicated thread can leave the test host's namespace alone.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string? source, string target, string? fileSystemType, nuint flags, nint data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unmount(string target, int flags);

    /// <summary>Runs <paramref name="action"/> on a new thread in a new, private mount namespace; rethrows what it throws.</summary>
    public static void InPrivateMountNamespace(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Assert.True(Unshare(CloneNewNs) == 0, $"unshare: errno {Marshal.GetLastPInvokeError()}");

                // Private, so nothing done here propagates back to the host's mounts.
                Assert.True(Mount(null, "/", null, MsRec | MsPrivate, 0) == 0, $"mount --make-rprivate: errno {Marshal.GetLastPInvokeError()}");
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new AggregateException("in a private mount namespace", failure);
        }
    }
}
