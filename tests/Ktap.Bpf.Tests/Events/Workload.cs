using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ktap.Bpf.Tests.Events;

/// <summary>
/// A small C program the tests compile with cc and run as a child. It starts up (the dynamic
/// loader's own opens and mmaps), prints "ready", and waits for a line on stdin before it does
/// its work, so a probe attached in between sees the work and nothing else.
/// </summary>
internal sealed class Workload : IDisposable
{
    private readonly Process process;

    private Workload(Process process) => this.process = process;

    public int Pid => process.Id;

    /// <summary>Compiles <paramref name="source"/> once per content (cached under the temp folder); returns the binary's path.</summary>
    public static string Compile(string source, string flags = "-O1")
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source + flags)))[..16];
        var directory = Path.Combine(Path.GetTempPath(), "ktap-tests", hash);
        var binary = Path.Combine(directory, "workload");
        if (File.Exists(binary))
        {
            return binary;
        }

        Directory.CreateDirectory(directory);
        var sourcePath = Path.Combine(directory, "workload.c");
        File.WriteAllText(sourcePath, source);
        var temporary = binary + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        Tool.Run("cc", [.. flags.Split(' ', StringSplitOptions.RemoveEmptyEntries), "-o", temporary, sourcePath]);
        File.Move(temporary, binary, overwrite: true);
        return binary;
    }

    public static Workload Start(string binary, params string[] arguments)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var workload = new Workload(process);
        var line = process.StandardOutput.ReadLine();
        Assert.Equal("ready", line);
        return workload;
    }

    /// <summary>Lets the child do its work and waits for it to end; returns the rest of its output.</summary>
    public string Go()
    {
        process.StandardInput.WriteLine("go");
        process.StandardInput.Flush();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), "the workload did not finish");
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }
}
