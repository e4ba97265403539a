using Ktap.Language.Syntax;

namespace Ktap.Interpreter;

/// <summary>
/// A runtime error in user-side code. It stops the script (trace_end is skipped, as in ktap);
/// the command prints <c>error: MESSAGE (FILE:LINE)</c> and exits with 1.
/// </summary>
public sealed class RuntimeError(string message, SourceText source, TextSpan span) : Exception(message)
{
    public SourceText Script { get; } = source;

    public TextSpan Span { get; } = span;

    public int Line => Script.GetLineColumn(Span.Start).Line;

    /// <summary><c>error: MESSAGE (FILE:LINE)</c>.</summary>
    public string Render() => $"error: {Message} ({Script.Name}:{Line})";
}

/// <summary>Thrown by <c>exit()</c>: ends the running code; trace_end still runs.</summary>
public sealed class ExitRequest : Exception
{
    public ExitRequest()
        : base("exit() was called")
    {
    }
}
