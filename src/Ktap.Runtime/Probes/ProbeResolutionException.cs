using Ktap.Language.Syntax;

namespace Ktap.Runtime.Probes;

/// <summary>
/// An event spec names nothing that exists, or something ktap cannot probe. <see cref="Span"/>
/// is the spec (or the part of it at fault, such as one fetch arg); the message is one line,
/// printed as <c>FILE:LINE:COL: error: MESSAGE</c>.
/// </summary>
public sealed class ProbeResolutionException(TextSpan span, string message) : Exception(message)
{
    public TextSpan Span { get; } = span;
}
