using System.Diagnostics;

namespace Ktap.Bpf.Tests;

/// <summary>Runs the tools the tests build with and check against (cc, bpftool, nm, readelf, strip, ldconfig).</summary>
internal static class Tool
{
    private static readonly Dictionary<string, string> InstallHints = new(StringComparer.Ordinal)
    {
        ["cc"] = " (Debian: apt-get install gcc)",
        ["bpftool"] = " (Debian: apt-get install bpftool)",
    };

    /// <summary>A name on PATH, or a path (with a '/') as it is.</summary>
    public static string? Find(string name) => name.Contains('/', StringComparison.Ordinal)
        ? (File.Exists(name) ? name : null)
        : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs <paramref name="name"/> and returns its standard output; throws with its errors when it fails.</summary>
    public static string Run(string name, params string[] arguments)
    {
        var (status, output, errors) = RunForStatus(name, arguments);
        return status == 0
            ? output
            : throw new InvalidOperationException($"{name} {string.Join(' ', arguments)} exited with {status}: {errors}");
    }

    /// <summary>Runs <paramref name="name"/> to the end, for a caller to whom its exit status is a result.</summary>
    public static (int Status, string Output, string Errors) RunForStatus(string name, params string[] arguments)
    {
        var path = Find(name)
            ?? throw new InvalidOperationException($"the tests need '{name}' on PATH{InstallHints.GetValueOrDefault(name)}");
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The oracles' output is parsed: keep it in the C locale.
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, errors.Result);
    }
}
