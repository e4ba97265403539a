using Ktap.Language.Syntax;

namespace Ktap.Compiler.Filters;

/// <summary>
/// A filter the parser refuses: <see cref="Exception.Message"/> is one line, <see cref="Span"/>
/// the offending token in the script. The caller reports it (KT1107, invalid filter).
/// </summary>
public sealed class FilterException(string message, TextSpan span) : Exception(message)
{
    public TextSpan Span { get; } = span;
}
