namespace Ktap.Runtime.Tests;

/// <summary>
/// A test that needs the real kernel as root. Outside root it is skipped with the reason; in CI
/// (CI=true) it always runs, so a CI machine without the rights fails loudly instead of going
/// green on skipped tests.
/// </summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        if (KernelTest.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <inheritdoc cref="KernelFactAttribute"/>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute()
    {
        if (KernelTest.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

internal static class KernelTest
{
    /// <summary>Why kernel tests cannot run here, or null when they must.</summary>
    public static string? SkipReason =>
        Environment.GetEnvironmentVariable("CI") is "true" or "1" || IsRoot()
            ? null
            : "needs root (CAP_BPF, CAP_PERFMON): run the tests as root";

    private static bool IsRoot() => File.ReadAllLines("/proc/self/status")
        .FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?
        .Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..];
}
