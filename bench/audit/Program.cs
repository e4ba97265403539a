using System.Globalization;
using Ktap.Bench.Audit;

// What ktap's audit data costs (doc/auditing.md): the BTF func and line info every program
// carries and the frozen ktap_src map bound to it. Two parts:
//   start-up  loading each handler of a script without line info, then with it, and publishing
//             the session's ktap_src map; the median extra time against the 5 ms target
//   per event the same handler loaded twice, with line info and the map and without either,
//             attached in turn to syscalls:sys_enter_getppid while this process calls
//             getppid(); the kernel's run counts and run times (BPF_ENABLE_STATS, held only
//             while measuring) of each, and the workload's wall time per call
// Usage: AuditBench [--runs N] [--rounds N] [--calls N]
var runs = 30;
var rounds = 10;
var calls = 300_000;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : 0;
    switch (args[i])
    {
        case "--runs":
            runs = value;
            i++;
            break;
        case "--rounds":
            rounds = value;
            i++;
            break;
        case "--calls":
            calls = value;
            i++;
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: AuditBench [--runs N] [--rounds N] [--calls N]");
            return 2;
    }
}

Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {Environment.ProcessorCount} CPUs");
var startupOk = StartupCost.Run(runs);
Console.WriteLine();
var perEventOk = PerEventCost.Run(rounds, calls);
return startupOk && perEventOk ? 0 : 1;
