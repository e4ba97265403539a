using System.Diagnostics;
using System.Globalization;
using Ktap.Bpf.Asm;
using Ktap.Bpf.Events;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Tests.Events;

public sealed class CpuClockTests
{
    [KernelTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void CpuClockSamplesEveryCpuAtTheAskedRate(bool byFrequency)
    {
        // 99 Hz, or its period: 10,101,010 ns.
        var sampleRate = byFrequency ? SampleRate.Hertz(99) : SampleRate.Period(1_000_000_000 / 99);
        var cpus = Cpus.Online();
        using var counters = CounterMap.Create(Cpus.PossibleCount);
        var code = new ProbeAssembly()
            .Call(HelperFunction.GetSmpProcessorId)
            .AddToSlot(counters.Fd, 0, keyRegister: Register.R0)
            .ReturnZero()
            .Build();
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.PerfEvent, code, "ktap_t_profile"));
        using (var events = PerfEvents.OpenCpuClock(sampleRate))
        {
            Assert.Equal(cpus, events.Select(e => e.Cpu));
            Assert.All(events, e => Assert.Equal(-1, e.Pid));
        }

        // cpu-clock fires on idle CPUs too: each CPU sees ~99 a second. But the kernel skips a
        // sample's program when the timer interrupts another tracing program on that CPU
        // (bpf_overflow_handler checks bpf_prog_active), so another tool's busy tracepoint
        // program costs samples here; a quiet second among three attempts is asked for.
        var attempts = new List<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var perSecond = Measure(sampleRate, program, counters, cpus);
            attempts.Add(string.Join(", ", perSecond.Select(r => r.ToString("F1", CultureInfo.InvariantCulture))));
            Assert.All(perSecond, rate => Assert.True(rate <= 110, $"{rate:F1} samples a second at 99 Hz"));
            if (perSecond.All(rate => rate >= 85))
            {
                return;
            }
        }

        Assert.Fail($"samples a second on each CPU, three attempts: {string.Join("; ", attempts)}");
    }

    [Fact]
    public void SampleRateSaysWhatItIs()
    {
        Assert.True(SampleRate.Hertz(99).IsFrequency);
        Assert.False(SampleRate.Period(1000).IsFrequency);
        Assert.Equal("99 Hz", SampleRate.Hertz(99).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => SampleRate.Hertz(0));
    }

    /// <summary>Samples a second on each CPU, with the program attached for about a second.</summary>
    private static double[] Measure(SampleRate sampleRate, BpfProgram program, CounterMap counters, int[] cpus)
    {
        var before = cpus.Select(cpu => counters.Read((uint)cpu)).ToArray();
        var clock = Stopwatch.StartNew();

        // An idle vCPU of this VM takes few timer samples (0 to 34 a second measured on a halted
        // CPU 1), so every CPU is kept busy: the rate under test is the running CPU's.
        var spinners = cpus.Select(cpu => Process.Start(new ProcessStartInfo("taskset", ["-c", cpu.ToString(CultureInfo.InvariantCulture), "sh", "-c", "while :; do :; done"]))!).ToList();
        try
        {
            // The links own the events: disposing them detaches and closes everything.
            using (var links = PerfEvents.OpenCpuClock(sampleRate).Attach(program))
            {
                Thread.Sleep(1000);
            }
        }
        finally
        {
            foreach (var spinner in spinners)
            {
                spinner.Kill();
                spinner.WaitForExit();
                spinner.Dispose();
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return cpus.Select((cpu, i) => (counters.Read((uint)cpu) - before[i]) / seconds).ToArray();
    }
}
