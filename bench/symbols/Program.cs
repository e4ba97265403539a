using System.Globalization;
using System.Runtime.CompilerServices;
using Ktap.Bench.Symbols;
using Ktap.Bpf.Symbols;

// Times Ktap.Bpf.Symbols. Each row: the first (cold) run, then the median of many after a
// warm-up, every run on a fresh table or file so lazily built indexes are paid each time. Beside
// the wall time, the median CPU time of the thread: on a busy machine it stays what the work
// costs while the wall time grows with the wait for a CPU. Targets are judged on wall time.
// Usage: SymbolsBench --elf PATH [--elf PATH ...] [--kallsyms PATH] [--runs N] [--warmup N]
const double elfTargetMs = 100;

var elves = new List<string>();
var kallsyms = KernelSymbols.DefaultPath;
var runs = 20;
var warmup = 3;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--elf":
            elves.Add(args[++i]);
            break;
        case "--kallsyms":
            kallsyms = args[++i];
            break;
        case "--runs":
            runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--warmup":
            warmup = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: SymbolsBench --elf PATH [--kallsyms PATH] [--runs N] [--warmup N]");
            return 2;
    }
}

var mode = RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT";
var bench = new Bench(runs, warmup);
var missed = false;

Console.WriteLine($"Ktap.Bpf.Symbols ({mode}); first run, then the median of {runs} after {warmup} warm-up runs");
Console.WriteLine();

var probe = KernelSymbols.Load(kallsyms);
Console.WriteLine($"{kallsyms}: {probe.Count:N0} symbols, {probe.Modules.Count} modules{(probe.AddressesHidden ? ", ADDRESSES HIDDEN (run as root)" : string.Empty)}");
bench.Header();
bench.Row("read the bytes only", () => File.ReadAllBytes(kallsyms).Length);
var bytes = File.ReadAllBytes(kallsyms);
bench.Row("Parse (bytes already read)", () => KernelSymbols.Parse(bytes, bytes.Length).Count);
bench.Row("Load (read+parse+sort)", () => KernelSymbols.Load(kallsyms).Count);
if (!probe.AddressesHidden && probe.Find("vfs_read") is { } vfsRead)
{
    bench.Row("Load + Lookup(vfs_read)", () => (int)((KernelSymbols.Load(kallsyms).Lookup("vfs_read") ?? 0) & 1));
    bench.Row("Load + Match(vfs_*)", () => KernelSymbols.Load(kallsyms).Match("vfs_*").Count);
    var addresses = RandomAddresses(probe, 100_000);
    var resolveMs = bench.Row("Resolve x100k", () => addresses.Sum(a => (long)(probe.Resolve(a)?.Offset ?? 0)) > 0 ? 1 : 0);
    Console.WriteLine($"{"",-36}= {resolveMs * 1e6 / addresses.Length:0} ns per address ({probe.Format(vfsRead.Address + 8)})");
}

foreach (var path in elves)
{
    Console.WriteLine();
    using (var info = ElfFile.Open(path))
    {
        var text = info.Sections.Where(s => (s.Flags & 4) != 0).Sum(s => (double)s.Size);
        Console.WriteLine(
            $"{path}: {new FileInfo(path).Length / 1e6:0.0} MB, {text / 1e6:0.0} MB of code, {info.FunctionCount:N0} functions " +
            $"({(info.HasSymbolTable ? ".symtab + .dynsym" : ".dynsym only")}, {info.UsdtProbes.Count} USDT probes)");
    }

    // A name and an address known to be in the file, picked once.
    string name;
    ulong address;
    using (var elf = ElfFile.Open(path))
    {
        var functions = elf.Functions.Where(f => f.Size > 16).ToList();
        var pick = functions[functions.Count * 2 / 3];
        (name, address) = (pick.Name, pick.Value + 7);
    }

    var glob = "*" + name[^6..^2] + "*";
    bench.Header();
    var scan = bench.Row("Open + all function symbols", () => Use(ElfFile.Open(path), e => e.FunctionCount), elfTargetMs);
    bench.Row("... + FindFunction (name index)", () => Use(ElfFile.Open(path), e => e.FindFunction(name) is null ? 0 : 1));
    bench.Row("... + ResolveFunction (by address)", () => Use(ElfFile.Open(path), e => e.ResolveFunction(address) is null ? 0 : 1));
    bench.Row($"... + MatchFunctions({glob})", () => Use(ElfFile.Open(path), e => e.MatchFunctions(glob).Count));
    var all = bench.Row(
        "... + all three",
        () => Use(ElfFile.Open(path), e => e.FindFunction(name) is null || e.ResolveFunction(address) is null ? 0 : e.MatchFunctions(glob).Count),
        elfTargetMs);
    missed |= scan > elfTargetMs || all > elfTargetMs;
}

Console.WriteLine();
Console.WriteLine("The ELF file is in the page cache after the first run; from a cold disk add its read time.");
if (RuntimeFeature.IsDynamicCodeSupported)
{
    Console.WriteLine("(on the JIT the first run includes compiling the code: try --aot for what bin/ktap pays)");
}

return missed ? 1 : 0;

static int Use(ElfFile elf, Func<ElfFile, int> use)
{
    using (elf)
    {
        return use(elf);
    }
}

static ulong[] RandomAddresses(KernelSymbols table, int count)
{
    var random = new Random(42);
    var functions = Enumerable.Range(0, table.Count).Select(i => table[i]).Where(s => s.IsFunction).ToArray();
    return [.. Enumerable.Range(0, count).Select(_ => functions[random.Next(functions.Length)].Address + (ulong)random.Next(64))];
}

namespace Ktap.Bench.Symbols
{
    internal sealed class Bench(int runs, int warmup)
    {
        public void Header() => Console.WriteLine($"{"",-36}{"first",9}{"median",11}{"cpu",11}   target");

        /// <summary>Times <paramref name="work"/>: prints the first run and the median, returns the median.</summary>
        public double Row(string name, Func<int> work, double target = double.NaN)
        {
            var sink = 0;
            var (first, _) = Time(work, ref sink);
            for (var i = 0; i < warmup; i++)
            {
                Time(work, ref sink);
            }

            var times = new double[runs];
            var cpuTimes = new double[runs];
            for (var i = 0; i < runs; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                (times[i], cpuTimes[i]) = Time(work, ref sink);
            }

            var median = Median(times);
            var verdict = double.IsNaN(target) ? string.Empty : $"<= {target:0} ms  {(median <= target ? "ok" : "MISSED")}";
            Console.WriteLine($"  {name,-34}{first,6:0.0} ms{median,8:0.0} ms{Median(cpuTimes),8:0.0} ms   {verdict}");
            GC.KeepAlive(sink);
            return median;
        }

        private static double Median(double[] values)
        {
            Array.Sort(values);
            var n = values.Length;
            return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
        }

        private static (double Wall, double Cpu) Time(Func<int> work, ref int sink)
        {
            var result = 0;
            var time = ThreadClock.Time(() => result = work());
            sink += result;
            return (time.WallMs, time.CpuMs);
        }
    }
}
