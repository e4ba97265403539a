using System.Runtime.InteropServices;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Tests.Events;

public sealed class PerfEventAttrTests
{
    [Fact]
    public void LayoutIsTheKernelsVersion8()
    {
        // include/uapi/linux/perf_event.h: PERF_ATTR_SIZE_VER8 and the offsets of the members ktap sets.
        Assert.Equal(136, Marshal.SizeOf<PerfEventAttr>());
        Assert.Equal(PerfEventAttr.CurrentSize, (uint)Marshal.SizeOf<PerfEventAttr>());
        Assert.Equal(8, Offset(nameof(PerfEventAttr.Config)));
        Assert.Equal(16, Offset(nameof(PerfEventAttr.SamplePeriodOrFrequency)));
        Assert.Equal(24, Offset(nameof(PerfEventAttr.SampleType)));
        Assert.Equal(40, Offset(nameof(PerfEventAttr.Flags)));
        Assert.Equal(48, Offset(nameof(PerfEventAttr.WakeupEvents)));
        Assert.Equal(56, Offset(nameof(PerfEventAttr.Config1)));
        Assert.Equal(64, Offset(nameof(PerfEventAttr.Config2)));
        Assert.Equal(92, Offset(nameof(PerfEventAttr.ClockId)));
        Assert.Equal(108, Offset(nameof(PerfEventAttr.SampleMaxStack)));
        Assert.Equal(120, Offset(nameof(PerfEventAttr.SigData)));
        Assert.Equal(128, Offset(nameof(PerfEventAttr.Config3)));
    }

    [Fact]
    public void FlagBitsSitWhereTheKernelsBitFieldsDo()
    {
        Assert.Equal(1UL, (ulong)PerfEventFlags.Disabled);
        Assert.Equal(1UL << 10, (ulong)PerfEventFlags.Freq);
        Assert.Equal(1UL << 37, (ulong)PerfEventFlags.SigTrap);
    }

    private static int Offset(string field) => (int)Marshal.OffsetOf<PerfEventAttr>(field);
}
