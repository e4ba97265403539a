using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Ktap.Bench.Compile;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Events;
using Ktap.Compiler.Filters;
using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

// Times compiling a generated script end to end, no kernel: Parser.Parse, Binder.Bind,
// TypeChecker.Check, then ScriptCompiler.Compile of every trace handler for a raw tracepoint
// of its event's name. The first (cold) run, then the median of many after a warm-up.
// Usage: CompileBench [--lines N] [--runs N] [--warmup N] [--print]
const double targetMs = 30;

var lines = 200;
var runs = 50;
var warmup = 20;
var printScript = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--lines":
            lines = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--runs":
            runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--warmup":
            warmup = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--print":
            printScript = true;
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: CompileBench [--lines N] [--runs N] [--warmup N] [--print]");
            return 2;
    }
}

var text = ScriptGenerator.Generate(lines);
if (printScript)
{
    Console.Write(text);
    return 0;
}

// The first run pays for everything a real ktap start pays for once (code loading, JIT when
// not NativeAOT, first allocations): it is the number a user sees.
Compilation cold;
try
{
    cold = CompileScript(text);
}
catch (KernelCompileException e)
{
    Console.Error.WriteLine($"the generated script must compile for the kernel, but line {LineOf(text, e.Span.Start)}: {e.Message}");
    return 2;
}
catch (FilterException e)
{
    Console.Error.WriteLine($"the generated script's filters must compile, but line {LineOf(text, e.Span.Start)}: {e.Message}");
    return 2;
}

if (cold.Diagnostics.HasErrors)
{
    Console.Error.WriteLine($"the generated script must compile cleanly, but it has {cold.Diagnostics.Items.Count} diagnostics:");
    foreach (var diagnostic in cold.Diagnostics.Sorted())
    {
        Console.Error.Write(DiagnosticPrinter.Render(diagnostic));
    }

    return 2;
}

for (var i = 0; i < warmup; i++)
{
    CompileScript(text);
}

var totals = new double[runs];
var frontEnds = new double[runs];
var codeGens = new double[runs];
for (var i = 0; i < runs; i++)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var run = CompileScript(text);
    totals[i] = run.Milliseconds;
    frontEnds[i] = run.FrontEndMilliseconds;
    codeGens[i] = run.Milliseconds - run.FrontEndMilliseconds;
}

var median = Median(totals);
var p90 = totals.Order().ElementAt(Math.Min(runs - 1, (int)Math.Ceiling(runs * 0.9) - 1));
var mode = RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT";

Console.WriteLine($"compile of a generated script: {lines} lines, {text.Length:N0} characters, "
    + $"{cold.Handlers} trace handlers, {cold.Slots:N0} instruction slots ({mode})");
Console.WriteLine($"{"",-30}{"time",10}   target");
Row("first run (cold)", cold.Milliseconds, targetMs);
Row("  of which parse+bind+check", cold.FrontEndMilliseconds, double.NaN);
Row("  of which code generation", cold.Milliseconds - cold.FrontEndMilliseconds, double.NaN);
Row($"median of {runs}", median, targetMs);
Row("  parse+bind+check, median", Median(frontEnds), double.NaN);
Row("  code generation, median", Median(codeGens), double.NaN);
Row($"p90 of {runs}", p90, double.NaN);
Row("fastest", totals.Min(), double.NaN);
if (RuntimeFeature.IsDynamicCodeSupported)
{
    Console.WriteLine("(on the JIT the cold run includes compiling the compiler; bin/ktap is NativeAOT: try --aot)");
}

return median <= targetMs ? 0 : 1;

static Compilation CompileScript(string text)
{
    var clock = Stopwatch.StartNew();
    var diagnostics = new DiagnosticBag();
    var syntax = Parser.Parse(new SourceText("bench.kp", text), diagnostics);
    var bound = Binder.Bind(syntax, diagnostics);
    if (diagnostics.HasErrors)
    {
        return new Compilation(clock.Elapsed.TotalMilliseconds, clock.Elapsed.TotalMilliseconds, diagnostics, 0, 0);
    }

    var typed = TypeChecker.Check(bound, diagnostics);
    var frontEnd = clock.Elapsed.TotalMilliseconds;
    var handlers = 0;
    var slots = 0;
    if (!diagnostics.HasErrors)
    {
        var compiler = new ScriptCompiler(typed);
        foreach (var probe in bound.Probes.Where(p => p.Kind == FunctionKind.Trace))
        {
            foreach (var spec in probe.Specs)
            {
                var handler = compiler.Compile(probe, ProbeTarget.RawTracepoint(spec.Text));
                handlers++;
                slots += handler.Instructions.Count;
            }
        }

        // Final once every handler is compiled: what the session creates.
        _ = compiler.Maps;
    }

    clock.Stop();
    return new Compilation(clock.Elapsed.TotalMilliseconds, frontEnd, diagnostics, handlers, slots);
}

static int LineOf(string text, int position) => text.AsSpan(0, position).Count('\n') + 1;

static double Median(double[] values)
{
    var sorted = values.Order().ToArray();
    var n = sorted.Length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
}

static void Row(string name, double ms, double target)
{
    var verdict = double.IsNaN(target) ? string.Empty : $"<= {target:0} ms  {(ms <= target ? "ok" : "MISSED")}";
    Console.WriteLine($"{name,-30}{ms,7:0.00} ms   {verdict}");
}

/// <summary>One end-to-end compile: its wall time, the front end's share, and what it made.</summary>
internal sealed record Compilation(double Milliseconds, double FrontEndMilliseconds, DiagnosticBag Diagnostics, int Handlers, int Slots);
