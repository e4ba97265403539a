using System.Runtime.InteropServices;
using System.Text;

namespace Ktap.Bpf.Sys;

/// <summary>
/// A program started but held just before its <c>execve</c>, so a tracer can attach everything
/// and then let it run: what <c>ktap -- CMD</c> traces from its first instruction. A .NET process
/// cannot fork and run code in the child, so the held process is this executable run again
/// (<c>/proc/self/exe</c> with <see cref="ChildFlag"/>): it blocks reading a pipe on descriptor
/// 3, and execs the program when a byte arrives, or exits when the pipe closes without one (the
/// tracer gave up or died, however it died).
/// </summary>
public sealed unsafe class HeldProcess : IDisposable
{
    /// <summary>The first argument that makes this executable the held child (<see cref="RunChild"/>).</summary>
    public const string ChildFlag = "--exec-held";

    /// <summary>The descriptor the held child reads its go-ahead from.</summary>
    private const int GoFd = 3;

    private const int SetDescriptorFlags = 2;
    private const int CloseOnExecFlag = 1;
    private const int PipeCloseOnExec = 0x80000;

    /// <summary>The status of a held child that could not exec its program, as a shell's.</summary>
    private const int CannotRun = 127;

    private KernelHandle? go;

    private HeldProcess(ProcessDescriptor process, KernelHandle go)
    {
        Process = process;
        this.go = go;
    }

    public ProcessDescriptor Process { get; }

    public int Pid => Process.Pid;

    /// <summary>
    /// The program <paramref name="command"/> names: a path if it has a '/', else the first
    /// executable file of that name in PATH, as a shell finds it; null if there is none.
    /// </summary>
    public static string? FindProgram(string command)
    {
        if (command.Length == 0)
        {
            return null;
        }

        if (command.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(command) ? Path.GetFullPath(command) : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        return path.Split(':')
            .Select(directory => Path.Combine(directory.Length == 0 ? "." : directory, command))
            .Where(IsExecutable)
            .Select(Path.GetFullPath)
            .FirstOrDefault();
    }

    /// <summary>Starts <paramref name="program"/> (a path) held before its exec, with <paramref name="arguments"/> as its argv.</summary>
    /// <exception cref="KernelException">The held child could not be started.</exception>
    public static HeldProcess Start(string program, IReadOnlyList<string> arguments)
    {
        var fds = stackalloc int[2];
        if (Libc.Pipe2(fds, PipeCloseOnExec) != 0)
        {
            throw new KernelException("pipe2", Libc.LastErrno);
        }

        using var read = new KernelHandle(fds[0]);
        var write = new KernelHandle(fds[1]);
        try
        {
            // dup2 onto 3 clears close-on-exec there only: the child keeps the read end, not the write end.
            var pid = ProcessSpawn.Start("/proc/self/exe", ["ktap", ChildFlag, program, .. arguments], [(read.Fd, GoFd)]);
            return new HeldProcess(ProcessDescriptor.Open(pid), write);
        }
        catch
        {
            write.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits until the child blocks reading its go-ahead, so that nothing it does before its exec
    /// happens once probes are attached: only that read's return and the exec itself do.
    /// </summary>
    /// <exception cref="InvalidOperationException">The child ended, or did not get there in <paramref name="timeout"/>.</exception>
    public void WaitUntilHeld(TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var syscall = $"/proc/{Pid}/syscall";
        var expected = $"{ReadSyscallNumber} 0x{GoFd:x} ";
        while (true)
        {
            if (Process.TryReap() is { } exit)
            {
                throw new InvalidOperationException($"the held process ended ({exit}) before it could run the command");
            }

            // While a task sleeps in a system call, the file holds its number and arguments.
            if (File.ReadAllText(syscall).StartsWith(expected, StringComparison.Ordinal))
            {
                return;
            }

            if (Environment.TickCount64 > deadline)
            {
                throw new InvalidOperationException($"the held process did not get ready in {timeout.TotalSeconds:0} s");
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>Lets the child exec its program.</summary>
    public void Release()
    {
        var handle = go ?? throw new InvalidOperationException("the held process was already released or abandoned");
        byte one = 1;
        if (Libc.Write(handle.Fd, &one, 1) != 1)
        {
            throw new KernelException("write (releasing the held process)", Libc.LastErrno);
        }

        handle.Dispose();
        go = null;
    }

    /// <summary>Closes the go-ahead without a byte: a child not yet released exits without running its program.</summary>
    public void Dispose()
    {
        go?.Dispose();
        go = null;
        Process.Dispose();
    }

    /// <summary>
    /// The held child (<c>ktap --exec-held PROGRAM ARGV0 ARGS...</c>): blocks reading descriptor
    /// 3, then execs. Returns only with an exit status, when it cannot run the program.
    /// </summary>
    public static int RunChild(IReadOnlyList<string> args)
    {
        if (args.Count < 3 || args[0] != ChildFlag)
        {
            return CannotRun;
        }

        var program = Encoding.UTF8.GetBytes(args[1] + "\0");
        var argv = args.Skip(2).Select(a => Encoding.UTF8.GetBytes(a + "\0")).ToArray();
        var handles = argv.Select(a => GCHandle.Alloc(a, GCHandleType.Pinned)).ToArray();
        var pointers = new nint[argv.Length + 1];
        for (var i = 0; i < argv.Length; i++)
        {
            pointers[i] = handles[i].AddrOfPinnedObject();
        }

        fixed (byte* programPointer = program)
        fixed (nint* argvPointer = pointers)
        {
            Libc.Fcntl(GoFd, SetDescriptorFlags, CloseOnExecFlag);
            byte go;
            nint read;
            do
            {
                read = Libc.Read(GoFd, &go, 1);
            }
            while (read < 0 && Libc.LastErrno == Errnos.EINTR);

            if (read != 1)
            {
                // The tracer closed the pipe without releasing us: it gave up, or died.
                return 1;
            }

            Libc.Execv(programPointer, (byte**)argvPointer);
            var message = Encoding.UTF8.GetBytes($"ktap: cannot run '{args[1]}': {Errnos.Describe(Libc.LastErrno)}\n");
            fixed (byte* text = message)
            {
                Libc.Write(2, text, (nuint)message.Length);
            }

            return CannotRun;
        }
    }

    /// <summary>read(2)'s number, as <c>/proc/PID/syscall</c> shows it.</summary>
    private static int ReadSyscallNumber => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0,
        Architecture.Arm64 => 63,
        var other => throw new PlatformNotSupportedException($"ktap knows read's system call number on x64 and arm64, not {other}"),
    };

    /// <summary>A file (not a directory) this process may execute: access(2) with X_OK.</summary>
    private static bool IsExecutable(string path) => File.Exists(path) && Libc.Access(path, 1) == 0;
}
