using System.Diagnostics;
using System.Text;

namespace Ktap.Bpf.Tests.Btf;

/// <summary>Runs bpftool, the kernel tree's own BTF and program inspector, as the independent witness.</summary>
internal static class Bpftool
{
    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("bpftool")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("bpftool is not installed (Debian: apt-get install bpftool); the BTF tests check against it", e);
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0
                ? output
                : throw new InvalidOperationException($"bpftool {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}");
        }
    }
}
