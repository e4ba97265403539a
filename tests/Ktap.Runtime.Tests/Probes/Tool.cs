using System.Diagnostics;

namespace Ktap.Runtime.Tests.Probes;

/// <summary>Runs the tools the tests build with and check against (cc, nm, readelf); a copy of Ktap.Bpf.Tests' helper.</summary>
internal static class Tool
{
    /// <summary>A name on PATH.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs <paramref name="name"/> and returns its standard output; throws with its errors when it fails.</summary>
    public static string Run(string name, params string[] arguments)
    {
        var path = Find(name) ?? throw new InvalidOperationException($"the tests need '{name}' on PATH");
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
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{name} {string.Join(' ', arguments)} exited with {process.ExitCode}: {errors.Result}");
    }
}
