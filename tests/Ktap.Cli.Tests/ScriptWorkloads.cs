using Ktap.Cli.Tests.Tracing;

namespace Ktap.Cli.Tests;

/// <summary>
/// The workloads of tracing cases: every <c>tests/scripts/workloads/*.c</c>, compiled (static)
/// once per test run. A case's <c>.args</c> names them as <c>{workloads}/NAME</c>.
/// </summary>
internal static class ScriptWorkloads
{
    public const string Token = "{workloads}";

    private static readonly Lazy<string> Built = new(Build);

    public static string Directory => Built.Value;

    /// <summary>The words with <see cref="Token"/> made the folder of the built workloads.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> words) => [.. words.Select(Expand)];

    /// <summary>The text with <see cref="Token"/> made the folder of the built workloads (built only when it is there).</summary>
    public static string Expand(string text) =>
        text.Contains(Token, StringComparison.Ordinal) ? text.Replace(Token, Directory, StringComparison.Ordinal) : text;

    private static string Build()
    {
        var output = Path.Combine(Path.GetTempPath(), $"ktap-tests-{Environment.ProcessId}", "workloads");
        foreach (var source in System.IO.Directory.GetFiles(Path.Combine(RepoPaths.Scripts, "workloads"), "*.c"))
        {
            var binary = Workloads.Compile(source, Path.Combine(output, Path.GetFileNameWithoutExtension(source)));

            // On the disk before any case runs: a direct read of a file with dirty pages writes
            // them back first, from the reader (kt_work bio reads its own file).
            using var written = new FileStream(binary, FileMode.Open, FileAccess.ReadWrite);
            written.Flush(flushToDisk: true);
        }

        return output;
    }
}
