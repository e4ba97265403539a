using System.Diagnostics.CodeAnalysis;

namespace Ktap.Interpreter;

/// <summary>How a run of a probe handler ended.</summary>
public enum HandlerStatus
{
    /// <summary>The handler ran to its end or returned.</summary>
    Completed,

    /// <summary>The handler called <c>exit()</c>: the session stops, and trace_end still runs.</summary>
    Exited,

    /// <summary>A runtime error ended the handler; the session reports it (LANGUAGE.md §2).</summary>
    Failed,
}

/// <summary>
/// The result of <see cref="ScriptInterpreter.RunHandler"/>. A runtime error in a handler ends
/// that one run, not the script, so it comes back here instead of being thrown; what the handler
/// printed before it stays printed.
/// </summary>
public sealed record HandlerOutcome
{
    private HandlerOutcome(HandlerStatus status, RuntimeError? error)
    {
        Status = status;
        Error = error;
    }

    public static HandlerOutcome Completed { get; } = new(HandlerStatus.Completed, null);

    public static HandlerOutcome Exited { get; } = new(HandlerStatus.Exited, null);

    public HandlerStatus Status { get; }

    /// <summary>The error that ended the handler: set exactly when <see cref="Status"/> is <see cref="HandlerStatus.Failed"/>.</summary>
    public RuntimeError? Error { get; }

    [MemberNotNullWhen(true, nameof(Error))]
    public bool IsFailed => Status == HandlerStatus.Failed;

    public static HandlerOutcome Failed(RuntimeError error) => new(HandlerStatus.Failed, error);

    public override string ToString() => Error is null ? Status.ToString() : $"{Status}: {Error.Render()}";
}
