using Ktap.Bpf.Sys;
using Ktap.Bpf.Tracing;

namespace Ktap.Bpf.Tests.Tracing;

public sealed class TraceFsTests
{
    [KernelFact]
    public void EnsureMountedGivesATraceFsTheMountTableShows()
    {
        var root = TraceFs.EnsureMounted();
        Assert.Equal(root, TraceFs.Find());
        Assert.Contains(MountInfo.Read(), m => m.FileSystemType == "tracefs" && m.MountPoint == root);
        Assert.True(File.Exists(Path.Combine(root, "events", "syscalls", "sys_enter_openat", "id")));
    }

    [KernelFact]
    public void EnsureMountedMountsTraceFsWhereNoneIs()
    {
        NamespaceCalls.InPrivateMountNamespace(() =>
        {
            // Take away every tracefs (and debugfs, whose tracing/ would automount one) from
            // this thread's namespace, innermost first, as on a fresh machine.
            foreach (var mount in MountInfo.Read().Where(m => m.FileSystemType is "tracefs" or "debugfs").Reverse())
            {
                Assert.Equal(0, NamespaceCalls.Unmount(mount.MountPoint, NamespaceCalls.MntDetach));
            }

            Assert.Null(TraceFs.Find());

            var root = TraceFs.EnsureMounted();

            Assert.Equal(TraceFs.DefaultMountPoint, root);
            Assert.Equal(root, TraceFs.Find());
            Assert.Single(MountInfo.Read(), m => m.FileSystemType == "tracefs");
            var format = EventFormat.Parse(File.ReadAllText(Path.Combine(root, "events", "sched", "sched_switch", "format")));
            Assert.Equal("sched_switch", format.Name);

            // A second call finds it and mounts nothing more.
            Assert.Equal(root, TraceFs.EnsureMounted());
            Assert.Single(MountInfo.Read(), m => m.FileSystemType == "tracefs");

            // Mounting elsewhere works too; the standard place still wins.
            var elsewhere = Directory.CreateTempSubdirectory("ktap-tracefs-").FullName;
            try
            {
                Assert.Equal(elsewhere, TraceFs.Mount(elsewhere + "/"));
                Assert.Equal(2, MountInfo.Read().Count(m => m.FileSystemType == "tracefs"));
                Assert.Equal(TraceFs.DefaultMountPoint, TraceFs.Find());
                Assert.Equal(0, NamespaceCalls.Unmount(elsewhere, 0));
            }
            finally
            {
                Directory.Delete(elsewhere);
            }
        });
    }

    [KernelFact]
    public void MountFailureNamesTheCallAndTheTarget()
    {
        NamespaceCalls.InPrivateMountNamespace(() =>
        {
            var error = Assert.ThrowsAny<KernelException>(() => TraceFs.Mount("/no/such/directory"));
            Assert.Equal(Errnos.ENOENT, error.Errno);
            Assert.Contains("mount(tracefs)", error.Message, StringComparison.Ordinal);
            Assert.Contains("/no/such/directory", error.Message, StringComparison.Ordinal);
        });
    }
}
