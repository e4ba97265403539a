using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Ktap.Bench.ParseBind;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

// Times Parser.Parse + Binder.Bind on a generated script: the first (cold) run, then the median
// of many after a warm-up. Usage: ParseBind [--lines N] [--runs N] [--warmup N] [--print]
const double targetMs = 20;

var lines = 1000;
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
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: ParseBind [--lines N] [--runs N] [--warmup N] [--print]");
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
var (cold, diagnostics) = ParseAndBind(text);
if (diagnostics.HasErrors)
{
    Console.Error.WriteLine($"the generated script must compile cleanly, but it has {diagnostics.Items.Count} diagnostics:");
    foreach (var diagnostic in diagnostics.Sorted())
    {
        Console.Error.Write(DiagnosticPrinter.Render(diagnostic));
    }

    return 2;
}

for (var i = 0; i < warmup; i++)
{
    ParseAndBind(text);
}

var times = new double[runs];
for (var i = 0; i < runs; i++)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    times[i] = ParseAndBind(text).Milliseconds;
}

Array.Sort(times);
var median = runs % 2 == 1 ? times[runs / 2] : (times[(runs / 2) - 1] + times[runs / 2]) / 2;
var p90 = times[Math.Min(runs - 1, (int)Math.Ceiling(runs * 0.9) - 1)];
var mode = RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT";

Console.WriteLine($"parse+bind of a generated script: {lines} lines, {text.Length:N0} characters ({mode})");
Console.WriteLine($"{"",-22}{"time",10}   target");
Row("first run (cold)", cold, targetMs);
Row($"median of {runs}", median, targetMs);
Row($"p90 of {runs}", p90, double.NaN);
Row("fastest", times[0], double.NaN);
if (RuntimeFeature.IsDynamicCodeSupported)
{
    Console.WriteLine("(on the JIT the cold run includes compiling the front end; bin/ktap is NativeAOT: try --aot)");
}

return median <= targetMs ? 0 : 1;

static (double Milliseconds, DiagnosticBag Diagnostics) ParseAndBind(string text)
{
    var clock = Stopwatch.StartNew();
    var diagnostics = new DiagnosticBag();
    var script = Parser.Parse(new SourceText("bench.kp", text), diagnostics);
    Binder.Bind(script, diagnostics);
    clock.Stop();
    return (clock.Elapsed.TotalMilliseconds, diagnostics);
}

static void Row(string name, double ms, double target)
{
    var verdict = double.IsNaN(target) ? string.Empty : $"<= {target:0} ms  {(ms <= target ? "ok" : "MISSED")}";
    Console.WriteLine($"{name,-22}{ms,7:0.00} ms   {verdict}");
}
