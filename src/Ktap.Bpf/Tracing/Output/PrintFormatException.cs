namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// A print format argument this parser cannot read. Thrown only while a renderer is built; the
/// renderer then prints a placeholder for that argument instead of failing the event.
/// </summary>
internal sealed class PrintFormatException(string message, int position) : Exception(message)
{
    /// <summary>Characters from the start of the argument text.</summary>
    public int Position { get; } = position;
}
