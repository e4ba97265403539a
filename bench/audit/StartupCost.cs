using System.Diagnostics;
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
        Console.WriteLine($"start-up: extra time of line info and the ktap_src map, median of {runs} runs (after 5 warm-up)");
        Console.WriteLine($"{"script",-28}{"handlers",9}{"bare load",12}{"with lines",12}{"publish",10}{"extra",10}");
        var ok = true;
        foreach (var (name, text) in new[]
        {
            ("one-liner (per-event case)", PerEventCost.Script),
            ("200-line generated script", ScriptGenerator.Generate(200)),
            ("1000-line generated script", ScriptGenerator.Generate(1000)),
        })
        {
            ok &= Measure(name, text, runs);
        }

        return ok;
    }

    private static bool Measure(string name, string text, int runs)
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
        var bare = new List<double>();
        var lines = new List<double>();
        var publish = new List<double>();
        for (var run = 0; run < runs + 5; run++)
        {
            using var kernel = KernelScript.Create(compiler);

            // Bare and with lines take turns going first, so neither always meets a cold cache.
            List<LoadedHandler> loaded = [];
            double bareMs = 0, linesMs = 0;
            foreach (var withLines in run % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var clock = Stopwatch.StartNew();
                if (withLines)
                {
                    loaded = [.. handlers.Select(h => new LoadedHandler(h.Handler, kernel.Load(h.Handler), [h.Target]))];
                    linesMs = clock.Elapsed.TotalMilliseconds;
                }
                else
                {
                    var plain = handlers.Select(h => BpfProgram.Load(new ProgramSpec(
                        h.Handler.ProgramType, h.Handler.Link(index => kernel.Map(index).Handle.Fd), h.Handler.Name))).ToList();
                    bareMs = clock.Elapsed.TotalMilliseconds;
                    plain.ForEach(p => p.Dispose());
                }
            }

            var publishClock = Stopwatch.StartNew();
            SessionPublisher.Publish(origin, typed.Bound.Source, loaded);
            var publishMs = publishClock.Elapsed.TotalMilliseconds;
            if (run >= 5)
            {
                bare.Add(bareMs);
                lines.Add(linesMs);
                publish.Add(publishMs);
            }
        }

        var extra = Median(lines) - Median(bare) + Median(publish);
        var verdict = extra <= TargetMs ? "ok" : "MISSED";
        Console.WriteLine($"{name,-28}{handlers.Count,9}{Median(bare),9:0.00} ms{Median(lines),9:0.00} ms{Median(publish),7:0.00} ms{extra,7:0.00} ms   <= {TargetMs:0} ms  {verdict}");
        return extra <= TargetMs;
    }

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
