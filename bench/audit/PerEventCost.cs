using System.Diagnostics;
using System.Runtime.InteropServices;
using Ktap.Bpf.Events;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;
using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using Ktap.Runtime.Audit;
using Ktap.Runtime.Probes;
using Ktap.Runtime.Session;

namespace Ktap.Bench.Audit;

/// <summary>
/// The per-event cost of the audit data: one handler prepared as ktap prepares it (line info,
/// ktap_src bound) and the same linked instructions loaded bare, attached in turn (the order
/// alternates by round) to syscalls:sys_enter_getppid while this process calls getppid(). The
/// kernel's instructions of both are compared first: identical instructions can only differ by
/// noise.
/// </summary>
internal static partial class PerEventCost
{
    public const string Script = "var n = {}\ntrace syscalls:sys_enter_getppid { n[execname] += 1 }\n";

    public static bool Run(int rounds, int calls)
    {
        var diagnostics = new DiagnosticBag();
        var bound = Binder.Bind(Parser.Parse(new SourceText("audit.kp", Script), diagnostics), diagnostics);
        var typed = TypeChecker.Check(bound, diagnostics);
        using var prepared = PreparedScript.Prepare(typed, new ProbeResolver(), new ScriptOrigin("ktap bench", "-e", []));
        var loaded = prepared.Handlers.Single();
        var tracepoint = (TracepointAttach)loaded.Targets.Single().Attach;
        using var bare = BpfProgram.Load(new ProgramSpec(
            loaded.Handler.ProgramType, loaded.Handler.Link(index => prepared.Kernel.Map(index).Handle.Fd), loaded.Handler.Name));

        var withInfo = loaded.Program.GetInfo();
        var bareInfo = bare.GetInfo();
        var same = loaded.Program.GetTranslatedInstructions().SequenceEqual(bare.GetTranslatedInstructions());
        Console.WriteLine($"per event: {Script.Split('\n')[1]}");
        Console.WriteLine($"  with audit data: program {withInfo.Id}, {withInfo.LineInfoCount} line records, maps {string.Join(",", withInfo.MapIds)}");
        Console.WriteLine($"  bare:            program {bareInfo.Id}, {bareInfo.LineInfoCount} line records, maps {string.Join(",", bareInfo.MapIds)}");
        Console.WriteLine($"  instructions the kernel runs: {(same ? "identical" : "DIFFERENT")} ({withInfo.XlatedLength / 8} slots)");

        var wallNone = new List<double>();
        var runsWith = new List<double>();
        var runsBare = new List<double>();
        var wallWith = new List<double>();
        var wallBare = new List<double>();
        ulong countedWith = 0, countedBare = 0;

        // Counted only while this descriptor is open; kernel.bpf_stats_enabled is not touched.
        using (BpfStats.Enable())
        {
            Workload(calls / 10);
            for (var round = 0; round < rounds; round++)
            {
                wallNone.Add(Workload(calls));
                foreach (var withAudit in round % 2 == 0 ? new[] { true, false } : [false, true])
                {
                    var program = withAudit ? loaded.Program : bare;
                    var (perRun, wall, runs) = Measure(program, tracepoint, calls);
                    (withAudit ? runsWith : runsBare).Add(perRun);
                    (withAudit ? wallWith : wallBare).Add(wall);
                    if (withAudit)
                    {
                        countedWith += runs;
                    }
                    else
                    {
                        countedBare += runs;
                    }
                }
            }
        }

        var none = StartupCost.Median(wallNone);
        Console.WriteLine($"  {rounds} rounds of {calls} getppid() calls; medians:");
        Console.WriteLine($"  {"",-18}{"runs counted",14}{"ns/run (kernel)",17}{"ns/call (wall)",16}{"added ns/call",15}");
        Console.WriteLine($"  {"nothing attached",-18}{"",14}{"",17}{none,16:0.0}{"",15}");
        Row("with audit data", countedWith, runsWith, wallWith, none);
        Row("bare", countedBare, runsBare, wallBare, none);
        var difference = StartupCost.Median(runsWith) - StartupCost.Median(runsBare);
        Console.WriteLine($"  difference in the kernel's run time: {difference:+0.0;-0.0} ns/run ({difference / StartupCost.Median(runsBare):+0.0%;-0.0%})");
        return same;
    }

    private static void Row(string name, ulong counted, List<double> perRun, List<double> wall, double none) =>
        Console.WriteLine($"  {name,-18}{counted,14}{StartupCost.Median(perRun),17:0.0}{StartupCost.Median(wall),16:0.0}{StartupCost.Median(wall) - none,15:0.0}");

    /// <summary>Attaches, runs the workload, detaches: the program's ns per run by the kernel's count, the workload's wall ns per call, and the runs counted.</summary>
    private static (double PerRun, double Wall, ulong Runs) Measure(BpfProgram program, TracepointAttach tracepoint, int calls)
    {
        using var link = PerfEvents.OpenTracepoint(tracepoint.Id, tracepoint.ToString()).Attach(program);
        var before = program.GetInfo();
        var wall = Workload(calls);
        var after = program.GetInfo();
        var runs = after.RunCount - before.RunCount;
        return ((after.RunTimeNanoseconds - before.RunTimeNanoseconds) / (double)Math.Max(1, runs), wall, runs);
    }

    /// <summary>getppid() <paramref name="calls"/> times: ns per call.</summary>
    private static double Workload(int calls)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            GetParentProcessId();
        }

        return clock.Elapsed.TotalNanoseconds / calls;
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();
}
