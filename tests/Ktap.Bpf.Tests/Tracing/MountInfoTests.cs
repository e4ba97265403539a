using Ktap.Bpf.Tracing;

namespace Ktap.Bpf.Tests.Tracing;

public sealed class MountInfoTests
{
    private const string Sample = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
        45 23 0:12 / /sys/kernel/debug/tracing rw,nosuid,nodev,noexec,relatime shared:20 master:3 - tracefs tracefs rw
        46 23 0:12 /instances/x /mnt/with\040space rw,relatime - tracefs nodev rw
        not a mount line
        """;

    [Fact]
    public void ParsesOptionalFieldsAndEscapes()
    {
        var mounts = MountInfo.Parse(Sample);
        Assert.Equal(4, mounts.Count);
        Assert.Equal(new MountEntry(45, 23, "/", "/sys/kernel/debug/tracing", "rw,nosuid,nodev,noexec,relatime", "tracefs", "tracefs"), mounts[2]);
        Assert.Equal("/mnt/with space", mounts[3].MountPoint);
        Assert.Equal("/instances/x", mounts[3].Root);
    }

    [Fact]
    public void FindsWholeTraceFsMountsAndPrefersTheStandardPlace()
    {
        var mounts = MountInfo.Parse(Sample);
        Assert.Equal("/sys/kernel/debug/tracing", TraceFs.Find(mounts));
        var both = MountInfo.Parse(Sample + "\n47 23 0:12 / /sys/kernel/tracing rw - tracefs nodev rw\n");
        Assert.Equal(TraceFs.DefaultMountPoint, TraceFs.Find(both));
        Assert.Null(TraceFs.Find(MountInfo.Parse("22 27 0:21 / /proc rw,relatime - proc proc rw")));
    }
}
