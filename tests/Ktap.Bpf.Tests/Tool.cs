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

    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs <paramref name="name"/> and returns its standard output; throws with its errors when it fails.</summary>
    public static string Run(string name, params string[] arguments)
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
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{name} {string.Join(' ', arguments)} exited with {process.ExitCode}: {errors.Result}");
        }

        return output;
    }
}
