namespace Ktap.Cli.Tests.Tracing;

/// <summary>
/// A test that traces with the real kernel, as root. Outside root it is skipped with the
/// reason; in CI (CI=true) it always runs, so a machine without the rights fails loudly.
/// </summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        var isRoot = File.ReadAllLines("/proc/self/status")
            .FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?
            .Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..];
        if (!isRoot && Environment.GetEnvironmentVariable("CI") is not ("true" or "1"))
        {
            Skip = "needs root (CAP_BPF, CAP_PERFMON): run the tests as root";
        }
    }
}

/// <summary>Tracing tests run one at a time: each counts every openat on the machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    public const string Name = "kernel";
}
