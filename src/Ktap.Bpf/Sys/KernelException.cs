namespace Ktap.Bpf.Sys;

/// <summary>
/// A system call failed. The message names the call and the errno; a program load also carries
/// the verifier's log.
/// </summary>
public class KernelException : Exception
{
    public KernelException(string call, int errno, string? detail = null)
        : base(Describe(call, errno, detail))
    {
        Call = call;
        Errno = errno;
    }

    /// <summary>The call that failed, as <c>bpf(BPF_PROG_LOAD)</c> or <c>perf_event_open</c>.</summary>
    public string Call { get; }

    public int Errno { get; }

    /// <summary>The errno's symbolic name, as <c>EPERM</c>.</summary>
    public string ErrnoName => Errnos.Name(Errno);

    private static string Describe(string call, int errno, string? detail) =>
        $"{call} failed: {Errnos.Name(errno)} ({Errnos.Describe(errno)}){(detail is null ? string.Empty : ": " + detail)}";
}

/// <summary>The verifier refused a program. <see cref="Log"/> is what it said.</summary>
public sealed class VerifierException(int errno, string log)
    : KernelException("bpf(BPF_PROG_LOAD)", errno, LastLine(log))
{
    public string Log { get; } = log;

    /// <summary>
    /// The verifier's reason: its last line, above the statistics it appends at every level
    /// ("processed N insns ...", "verification time ...", "stack depth ...").
    /// </summary>
    private static string? LastLine(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var reason = lines.LastOrDefault(l => !l.StartsWith("processed ", StringComparison.Ordinal)
            && !l.StartsWith("verification time", StringComparison.Ordinal)
            && !l.StartsWith("stack depth", StringComparison.Ordinal));
        return reason ?? lines.LastOrDefault();
    }
}
