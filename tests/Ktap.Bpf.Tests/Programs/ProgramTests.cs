using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Programs;

public sealed class ProgramTests
{
    /// <summary>BPF_F_TEST_RUN_ON_CPU: run the test on the CPU given, not the caller's.</summary>
    private const uint OnCpu = 1;

    [KernelFact]
    public void RawTracepointProgramRunsUnderTestRunAndSeesItsContext()
    {
        // r0 = ctx->args[0] + ctx->args[1]
        Instruction[] program =
        [
            Load(MemorySize.DoubleWord, Register.R0, Register.R1, 0),
            Load(MemorySize.DoubleWord, Register.R2, Register.R1, 8),
            Alu64(AluOperation.Add, Register.R0, Register.R2),
            Exit(),
        ];
        using var loaded = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, program, "ktap_t_sum"));
        var context = new byte[16];
        BitConverter.TryWriteBytes(context.AsSpan(0), 40L);
        BitConverter.TryWriteBytes(context.AsSpan(8), 2L);
        Assert.Equal(42u, loaded.TestRun(context));
    }

    [KernelFact]
    public void PerCpuCountersSumWhatEachCpuCounted()
    {
        using var counters = BpfMap.Create(new MapSpec(MapType.PerCpuArray, 4, 8, 1, "ktap_t_count"));
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, IncrementKeyZero(counters), "ktap_t_inc"));
        var runs = new[] { 7, 3 };
        var cpus = Cpus.Online();
        for (var i = 0; i < Math.Min(cpus.Length, runs.Length); i++)
        {
            for (var n = 0; n < runs[i]; n++)
            {
                program.TestRun(new byte[8], OnCpu, (uint)cpus[i]);
            }
        }

        var perCpu = counters.LookupPerCpu<int, long>(0)!;
        for (var i = 0; i < Math.Min(cpus.Length, runs.Length); i++)
        {
            Assert.Equal(runs[i], perCpu[cpus[i]]);
        }

        Assert.Equal(runs.Take(cpus.Length).Sum(), counters.SumPerCpu(0));
    }

    [KernelFact]
    public void InfoReportsNameTypeAndBoundMaps()
    {
        using var counters = BpfMap.Create(new MapSpec(MapType.PerCpuArray, 4, 8, 1, "ktap_t_count"));
        using var source = BpfMap.Create(new MapSpec(MapType.Array, 4, 64, 1, "ktap_t_src"));
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, IncrementKeyZero(counters), "ktap_t_info"));
        program.BindMap(source.Handle);
        var info = program.GetInfo();
        Assert.Equal(("ktap_t_info", ProgramType.RawTracepoint), (info.Name, info.Type));
        Assert.Equal(new[] { counters.GetInfo().Id, source.GetInfo().Id }.Order(), info.MapIds.Order());
        Assert.Contains(info.Id, BpfProgram.AllIds());
        Assert.Equal(info.Id, program.Id);

        using var again = BpfProgram.FromId(info.Id);
        Assert.Equal(info.Id, again.GetInfo().Id);
        // The verifier rewrites programs (it inlines this per-CPU array lookup), so only the
        // untouched start is compared.
        var translated = program.GetTranslatedInstructions();
        Assert.True(translated.Length >= IncrementKeyZero(counters).Length);
        Assert.Equal(IncrementKeyZero(counters)[..3].Select(i => i.Encode()), translated[..3]);
    }

    [KernelFact]
    public void ARefusedProgramCarriesTheVerifierLog()
    {
        // Reads r2 before anything wrote it.
        Instruction[] program = [Mov64(Register.R0, Register.R2), Exit()];
        var refused = Assert.Throws<VerifierException>(() => BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, program, "ktap_t_bad")));
        Assert.Equal(Errnos.EACCES, refused.Errno);
        Assert.Contains("R2 !read_ok", refused.Log, StringComparison.Ordinal);
        Assert.Contains("bpf(BPF_PROG_LOAD) failed: EACCES", refused.Message, StringComparison.Ordinal);

        // The message carries the reason, not the statistics the verifier prints after it.
        Assert.EndsWith("R2 !read_ok", refused.Message, StringComparison.Ordinal);
    }

    [KernelFact]
    public void AskedForLogsComeBackWithTheProgram()
    {
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, [Mov64(Register.R0, 0), Exit()], "ktap_t_log") { LogLevel = 4 });
        Assert.Contains("processed 2 insns", program.VerifierLog, StringComparison.Ordinal);
    }

    /// <summary><c>counters[0] += 1</c>, the per-CPU way: a plain read, add and store.</summary>
    private static Instruction[] IncrementKeyZero(BpfMap counters) =>
    [
        Store(MemorySize.Word, Register.R10, -4, 0),
        Mov64(Register.R2, Register.R10),
        Alu64(AluOperation.Add, Register.R2, -4),
        .. LoadMapFd(Register.R1, counters.Handle.Fd),
        Call(HelperFunction.MapLookupElem),
        Jump(JumpOperation.Jeq, Register.R0, 0, 3),
        Load(MemorySize.DoubleWord, Register.R1, Register.R0, 0),
        Alu64(AluOperation.Add, Register.R1, 1),
        Store(MemorySize.DoubleWord, Register.R0, 0, Register.R1),
        Mov64(Register.R0, 0),
        Exit(),
    ];
}
