using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Programs;

/// <summary>
/// Counts this process's descriptors, so nothing else may run meanwhile: tests running in
/// parallel open and close perf events and maps by the dozen, and their finalizers close what
/// they dropped when the loop below makes the GC run.
/// </summary>
[Collection(Name)]
public sealed class DescriptorLeakTests
{
    public const string Name = "descriptor counting";

    [KernelFact]
    public void ThousandsOfMapsAndProgramsLeaveNoDescriptorBehind()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Directory.GetFiles("/proc/self/fd").Length;
        for (var i = 0; i < 10_000; i++)
        {
            using var map = BpfMap.Create(new MapSpec(MapType.Array, 4, 8, 1, "ktap_t_leak"));
            using var program = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, [Mov64(Register.R0, 0), Exit()], "ktap_t_leak"));
        }

        // A leak would leave thousands; the test host's own threads may open or close a
        // descriptor or two meanwhile.
        Assert.InRange(Directory.GetFiles("/proc/self/fd").Length - before, -4, 4);
    }
}

/// <summary>Runs alone, after every test that runs in parallel.</summary>
[CollectionDefinition(DescriptorLeakTests.Name, DisableParallelization = true)]
public sealed class DescriptorCountingCollection;
