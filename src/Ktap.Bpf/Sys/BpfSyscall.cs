using System.Runtime.InteropServices;

namespace Ktap.Bpf.Sys;

/// <summary><c>bpf(2)</c> and <c>perf_event_open(2)</c>, which libc does not wrap.</summary>
public static unsafe class BpfSyscall
{
    private static readonly (long Bpf, long PerfEventOpen) Numbers = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => (321, 298),
        Architecture.Arm64 => (280, 241),
        var other => throw new PlatformNotSupportedException($"ktap knows the bpf syscall numbers of x64 and arm64, not {other}"),
    };

    /// <summary>Runs a command; returns its result (a new descriptor for commands that make one).</summary>
    /// <exception cref="KernelException">The call failed; the message names the command and errno.</exception>
    public static int Invoke<T>(BpfCommand command, ref T attribute)
        where T : unmanaged
    {
        var result = TryInvoke(command, ref attribute, out var errno);
        return result >= 0 ? result : throw new KernelException(CallName(command), errno);
    }

    /// <summary>Runs a command; a failure returns -1 and its errno instead of throwing.</summary>
    public static int TryInvoke<T>(BpfCommand command, ref T attribute, out int errno)
        where T : unmanaged
    {
        fixed (T* pointer = &attribute)
        {
            while (true)
            {
                var result = Libc.Syscall(Numbers.Bpf, (nint)command, (nint)pointer, sizeof(T), 0, 0);
                errno = result < 0 ? Libc.LastErrno : 0;

                // A signal can interrupt a long verification; the kernel asks us to try again.
                if (result < 0 && errno is Errnos.EINTR or Errnos.EAGAIN && command == BpfCommand.ProgLoad)
                {
                    continue;
                }

                return (int)result;
            }
        }
    }

    /// <summary><c>perf_event_open(attr, pid, cpu, group_fd, flags)</c>; returns the new descriptor or -1 and the errno.</summary>
    public static int TryPerfEventOpen(void* attribute, int pid, int cpu, int groupFd, ulong flags, out int errno)
    {
        var result = Libc.Syscall(Numbers.PerfEventOpen, (nint)attribute, pid, cpu, groupFd, (nint)flags);
        errno = result < 0 ? Libc.LastErrno : 0;
        return (int)result;
    }

    public static string CallName(BpfCommand command) => $"bpf(BPF_{ToUpperSnake(command.ToString())})";

    private static string ToUpperSnake(string name)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && builder.Length > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(c));
        }

        return builder.ToString();
    }
}
