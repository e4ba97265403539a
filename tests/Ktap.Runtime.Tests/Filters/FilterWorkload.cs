using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ktap.Runtime.Tests.Filters;

/// <summary>
/// A C program, compiled once, that prints "ready", waits for a line on stdin, then makes exactly
/// the system calls its arguments list and exits with _exit: no stdio, so no stray lseek or
/// write from the C library at exit.
/// <list type="bullet">
/// <item><c>seek OFFSET WHENCE COUNT</c>: lseek on an open /dev/null;</item>
/// <item><c>badseek COUNT</c>: lseek on fd -1 (EBADF);</item>
/// <item><c>name NAME COUNT</c>: prctl(PR_SET_NAME) (task:task_rename);</item>
/// <item><c>oom VALUE</c>: writes /proc/self/oom_score_adj;</item>
/// <item><c>open PATH COUNT</c>: openat(AT_FDCWD, PATH) and close (AT_FDCWD passed as a long, so
/// the record's 8-byte <c>dfd</c> holds -100, not an int's zero-extended bits);</item>
/// <item><c>exec PATH COUNT</c>: fork, execv(PATH) in the child, wait.</item>
/// </list>
/// </summary>
internal sealed class FilterWorkload : IDisposable
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <fcntl.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/prctl.h>
        #include <sys/syscall.h>
        #include <sys/wait.h>
        #include <unistd.h>

        int main(int argc, char **argv)
        {
            char line[16];
            long fd = open("/dev/null", O_RDONLY);
            if (fd < 0 || write(1, "ready\n", 6) != 6 || read(0, line, sizeof line) <= 0)
                _exit(2);
            for (int i = 1; i < argc;) {
                const char *verb = argv[i++];
                if (!strcmp(verb, "seek")) {
                    long offset = strtol(argv[i], 0, 0), whence = strtol(argv[i + 1], 0, 0);
                    for (int n = atoi(argv[i + 2]); n > 0; n--)
                        syscall(SYS_lseek, fd, offset, whence);
                    i += 3;
                } else if (!strcmp(verb, "badseek")) {
                    for (int n = atoi(argv[i]); n > 0; n--)
                        syscall(SYS_lseek, -1L, 0L, 0L);
                    i += 1;
                } else if (!strcmp(verb, "name")) {
                    for (int n = atoi(argv[i + 1]); n > 0; n--)
                        prctl(PR_SET_NAME, argv[i], 0, 0, 0);
                    i += 2;
                } else if (!strcmp(verb, "oom")) {
                    int oom = open("/proc/self/oom_score_adj", O_WRONLY);
                    if (oom < 0 || write(oom, argv[i], strlen(argv[i])) < 0)
                        _exit(3);
                    close(oom);
                    i += 1;
                } else if (!strcmp(verb, "open")) {
                    for (int n = atoi(argv[i + 1]); n > 0; n--) {
                        long opened = syscall(SYS_openat, (long)AT_FDCWD, argv[i], (long)O_RDONLY);
                        if (opened < 0)
                            _exit(4);
                        close((int)opened);
                    }
                    i += 2;
                } else if (!strcmp(verb, "exec")) {
                    for (int n = atoi(argv[i + 1]); n > 0; n--) {
                        pid_t child = fork();
                        if (child == 0) {
                            execl(argv[i], argv[i], (char *)0);
                            _exit(127);
                        }
                        int status;
                        if (child < 0 || waitpid(child, &status, 0) != child || status != 0)
                            _exit(5);
                    }
                    i += 2;
                } else {
                    _exit(6);
                }
            }
            _exit(0);
        }
        """;

    private static readonly Lazy<string> Binary = new(Compile);

    private readonly Process process;

    private FilterWorkload(Process process) => this.process = process;

    public int Pid => process.Id;

    /// <summary>Starts the program and waits for its "ready": attach probes after this.</summary>
    public static FilterWorkload Start(string actions)
    {
        var start = new ProcessStartInfo(Binary.Value)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in actions.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(argument);
        }

        var workload = new FilterWorkload(Process.Start(start)!);
        Assert.Equal("ready", workload.process.StandardOutput.ReadLine());
        return workload;
    }

    /// <summary>Lets the program make its calls and waits for it to exit.</summary>
    public void Go()
    {
        process.StandardInput.WriteLine("go");
        process.StandardInput.Flush();
        Assert.True(process.WaitForExit(30_000), "the workload did not finish");
        Assert.Equal(0, process.ExitCode);
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

    private static string Compile()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Source)))[..16];
        var directory = Path.Combine(Path.GetTempPath(), "ktap-tests", "filters-" + hash);
        var binary = Path.Combine(directory, "workload");
        if (File.Exists(binary))
        {
            return binary;
        }

        Directory.CreateDirectory(directory);
        var sourcePath = Path.Combine(directory, "workload.c");
        File.WriteAllText(sourcePath, Source);
        var temporary = binary + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        using var cc = Process.Start(new ProcessStartInfo("cc", ["-O1", "-Wall", "-o", temporary, sourcePath])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var errors = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        Assert.True(cc.ExitCode == 0, "cc failed:\n" + errors);
        File.Move(temporary, binary, overwrite: true);
        return binary;
    }
}
