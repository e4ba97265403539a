using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;

namespace Ktap.Bpf.Tests;

/// <summary>The answers this machine's kernel gives (shared/reference/kernel-matrix.md).</summary>
public sealed class KernelFeaturesTests
{
    [KernelFact]
    public void ProgramTypesKtapNeedsAreThere()
    {
        Assert.True(KernelFeatures.HasProgramType(ProgramType.Tracepoint));
        Assert.True(KernelFeatures.HasProgramType(ProgramType.RawTracepoint));
        Assert.True(KernelFeatures.HasProgramType(ProgramType.PerfEvent));
        Assert.True(KernelFeatures.HasProgramType(ProgramType.Kprobe));
        Assert.False(KernelFeatures.HasProgramType((ProgramType)999));
    }

    [KernelFact]
    public void MapTypesKtapNeedsAreThere()
    {
        foreach (var type in Enum.GetValues<MapType>())
        {
            Assert.True(KernelFeatures.HasMapType(type), $"{type} missing");
        }

        Assert.False(KernelFeatures.HasMapType((MapType)999));
    }

    [KernelFact]
    public void HelpersAreToldApartFromUnknownOnes()
    {
        Assert.True(KernelFeatures.HasHelper(ProgramType.RawTracepoint, 14), "bpf_get_current_pid_tgid");
        Assert.True(KernelFeatures.HasHelper(ProgramType.RawTracepoint, 130), "bpf_ringbuf_output");
        Assert.False(KernelFeatures.HasHelper(ProgramType.RawTracepoint, 100_000), "a helper number no kernel has");
    }

    [KernelFact]
    public void ProbePmusMatchWhatSysfsSays()
    {
        Assert.True(KernelFeatures.HasUprobePmu);
        Assert.Equal(File.Exists("/sys/bus/event_source/devices/kprobe/type"), KernelFeatures.HasKprobePmu);
    }
}
