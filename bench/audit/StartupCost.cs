using Ktap.Bench.Compile;
using Ktap.Bpf.Programs;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Events;
using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using Ktap.Runtime.Audit;
using Ktap.Runtime.Kernel;
using Ktap.Runtime.Probes;
using Ktap.Runtime.Session;

namespace Ktap.Bench.Audit;

/// <summary>
/// What the audit data adds to a start: every handler of a script loaded as ktap loads it
/// (<see cref="KernelScript.Load"/>: BTF built and loaded, the kernel checking the line info
/// against the program) against the same instructions loaded bare, plus publishing the
/// session's ktap_src map (create, write, freeze, bind to each program). Handlers are compiled
/// for raw tracepoints, so no tracefs is read and nothing is attached.
/// </summary>
internal static class StartupCost
{
    private const double TargetMs = 5;

    public static bool Run(int runs)
    {
        Console.WriteLine($"start-up: extra time of line info and the ktap_src map, median of {runs} runs (after 5 warm-up); thread CPU time, then the extra in wall time");
        Console.WriteLine($"{"script",-28}{"handlers",9}{"bare load",12}{"with lines",12}{"publish",10}{"extra",10}{"(wall)",10}{"/handler",10}");
        var ok = true;
        // The target is for scripts of the size users keep in a file; the 1000-line one, with
        // 111 distinct handlers, shows how the cost grows (per handler) and is not judged.
        foreach (var (name, text, judged) in new[]
        {
            ("one-liner (per-event case)", PerEventCost.Script, true),
            ("200-line generated script", ScriptGenerator.Generate(200), true),
            ("1000-line generated script", ScriptGenerator.Generate(1000), false),
        })
        {
            ok &= Measure(name, text, runs, judged);
        }

        return ok;
    }

    private static bool Measure(string name, string text, int runs, bool judged)
    {
        var typed = Compile(text);
        var compiler = new ScriptCompiler(typed);
        var handlers = new List<(CompiledHandler Handler, ResolvedTarget Target)>();
        foreach (var probe in typed.Bound.Probes.Where(p => p.Kind == FunctionKind.Trace))
        {
            foreach (var spec in probe.Specs)
            {
                var colon = spec.Text.IndexOf(':', StringComparison.Ordinal);
                var target = new ResolvedTarget(
                    ProbeTarget.RawTracepoint(spec.Text), new TracepointAttach(spec.Text[..colon], spec.Text[(colon + 1)..], 0), spec.Span, []);
                handlers.Add((compiler.Compile(probe, target.Target), target));
            }
        }

        var origin = new ScriptOrigin("ktap bench", "/bench/audit.kp", ["/bench/audit.kp"]);
        var bare = new List<(double, double)>();
        var lines = new List<(double, double)>();
        var publish = new List<(double, double)>();
        for (var run = 0; run < runs + 5; run++)
        {
            using var kernel = KernelScript.Create(compiler);

            // Bare and with lines take turns going first, so neither always meets a cold cache.
            List<LoadedHandler> loaded = [];
            (double, double) bareTime = default, linesTime = default;
            foreach (var withLines in run % 2 == 0 ? new[] { false, true } : [true, false])
            {
                if (withLines)
                {
                    linesTime = ThreadClock.Time(() => loaded = [.. handlers.Select(h => new LoadedHandler(h.Handler, kernel.Load(h.Handler), [h.Target]))]);
                }
                else
                {
                    List<BpfProgram> plain = [];
                    bareTime = ThreadClock.Time(() => plain = [.. handlers.Select(h => BpfProgram.Load(new ProgramSpec(
                        h.Handler.ProgramType, h.Handler.Link(index => kernel.Map(index).Handle.Fd), h.Handler.Name)))]);
                    plain.ForEach(p => p.Dispose());
                }
            }

            var publishTime = ThreadClock.Time(() => SessionPublisher.Publish(origin, typed.Bound.Source, loaded));
            if (run >= 5)
            {
                bare.Add(bareTime);
                lines.Add(linesTime);
                publish.Add(publishTime);
            }
        }

        // Judged on CPU time, what the work costs; the wall time on a busy machine adds the wait for a CPU.
        var extraCpu = Median(lines, cpu: true) - Median(bare, cpu: true) + Median(publish, cpu: true);
        var extraWall = Median(lines, cpu: false) - Median(bare, cpu: false) + Median(publish, cpu: false);
        var verdict = judged ? $"<= {TargetMs:0} ms  {(extraCpu <= TargetMs ? "ok" : "MISSED")}" : "(not judged)";
        Console.WriteLine(
            $"{name,-28}{handlers.Count,9}{Median(bare, true),9:0.00} ms{Median(lines, true),9:0.00} ms{Median(publish, true),7:0.00} ms" +
            $"{extraCpu,7:0.00} ms{extraWall,7:0.00} ms{extraCpu * 1000 / handlers.Count,7:0} us   {verdict}");
        return !judged || extraCpu <= TargetMs;
    }

    private static double Median(List<(double Wall, double Cpu)> times, bool cpu) => Median([.. times.Select(t => cpu ? t.Cpu : t.Wall)]);

    private static TypedScript Compile(string text)
    {
        var diagnostics = new DiagnosticBag();
        var bound = Binder.Bind(Parser.Parse(new SourceText("audit.kp", text), diagnostics), diagnostics);
        var typed = TypeChecker.Check(bound, diagnostics);
        return diagnostics.HasErrors
            ? throw new InvalidOperationException("the bench script does not compile:\n" + string.Join("\n", diagnostics.Sorted()))
            : typed;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
