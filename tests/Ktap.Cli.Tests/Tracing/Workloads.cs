using System.Diagnostics;
using System.Globalization;

namespace Ktap.Cli.Tests.Tracing;

/// <summary>The programs the tracing tests trace, built once per test run from the C sources beside them.</summary>
internal static class Workloads
{
    private static readonly Lazy<string> OpenerPath = new(() => Build("kt_opener"));

    /// <summary><c>kt_opener READS [WRITES [FILE [wait]]]</c>: see kt_opener.c.</summary>
    public static string Opener => OpenerPath.Value;

    /// <summary>Runs kt_opener to its end.</summary>
    public static void Open(int reads, int writes = 0)
    {
        using var process = Process.Start(Opener, [Text(reads), Text(writes)])!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    public static string Text(int number) => number.ToString(CultureInfo.InvariantCulture);

    /// <summary>The children of every thread of process <paramref name="pid"/>.</summary>
    public static List<int> Children(int pid) =>
        [.. Directory.GetDirectories($"/proc/{pid}/task")
            .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(child => int.Parse(child, CultureInfo.InvariantCulture))];

    public static void Kill(int pid, int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Text(pid)])!;
        kill.WaitForExit();
    }

    private static string Build(string name) =>
        Compile(
            Path.Combine(RepoPaths.Root, "tests", "Ktap.Cli.Tests", "Tracing", name + ".c"),
            Path.Combine(Path.GetTempPath(), $"ktap-tests-{Environment.ProcessId}", name));

    /// <summary>Compiles a C program, linked statically so that the dynamic loader does nothing in it; returns <paramref name="output"/>.</summary>
    public static string Compile(string source, string output)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        using var cc = Process.Start(new ProcessStartInfo("cc", ["-O2", "-static", "-o", output, source]) { RedirectStandardError = true })!;
        var errors = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        return cc.ExitCode == 0 ? output : throw new InvalidOperationException($"cannot build the workload {source}: {errors}");
    }
}
