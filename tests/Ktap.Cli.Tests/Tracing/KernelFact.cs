namespace Ktap.Cli.Tests.Tracing;

/// <summary>
/// A test that traces with the real kernel, as root. Outside root it is skipped with the
/// reason; in CI (CI=true) it always runs, so a machine without the rights fails loudly.
/// </summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute() => Skip = KernelRights.SkipReason;
}

/// <summary>A theory that traces with the real kernel, as root (see <see cref="KernelFactAttribute"/>).</summary>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute() => Skip = KernelRights.SkipReason;
}

internal static class KernelRights
{
    /// <summary>Why a kernel test cannot run here, or null when it can (or must: CI).</summary>
    public static string? SkipReason
    {
        get
        {
            var isRoot = File.ReadAllLines("/proc/self/status")
                .FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?
                .Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..];
            return isRoot || Environment.GetEnvironmentVariable("CI") is "true" or "1"
                ? null
                : "needs root (CAP_BPF, CAP_PERFMON): run the tests as root";
        }
    }
}

/// <summary>Tracing tests run one at a time: each counts every openat on the machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    public const string Name = "kernel";
}
