using Ktap.Bpf;
using Ktap.Bpf.GuestChecks;

var checks = new (string Name, Func<string?> Run)[]
{
    ("the kprobe PMU is present", () => KernelFeatures.HasKprobePmu ? null : "no /sys/bus/event_source/devices/kprobe"),
    ("a kprobe counts exactly the calls of this process", KprobeChecks.KprobeCountsCalls),
    ("a kretprobe sees every return value", KprobeChecks.KretprobeSeesReturnValues),
    ("disposing a kprobe link detaches it", KprobeChecks.DisposingDetaches),
};

Console.WriteLine($"1..{checks.Length}");
var failures = 0;
for (var i = 0; i < checks.Length; i++)
{
    string? problem;
    try
    {
        problem = checks[i].Run();
    }
#pragma warning disable CA1031 // Each check reports its own failure; the others still run.
    catch (Exception e)
#pragma warning restore CA1031
    {
        problem = $"{e.GetType().Name}: {e.Message}";
    }

    Console.WriteLine(problem is null ? $"ok {i + 1} - {checks[i].Name}" : $"not ok {i + 1} - {checks[i].Name}: {problem}");
    failures += problem is null ? 0 : 1;
}

return failures;
