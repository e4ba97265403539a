using Ktap.Language.Syntax;

namespace Ktap.Language.Diagnostics;

/// <summary>A compile-time error with a stable code (see doc/diagnostics.md).</summary>
public sealed record Diagnostic(DiagnosticCode Code, string Message, SourceText Source, TextSpan Span)
{
    public (int Line, int Column) Location => Source.GetLineColumn(Span.Start);

    /// <summary><c>FILE:LINE:COL: error KTnnnn: message</c>.</summary>
    public override string ToString()
    {
        var (line, column) = Location;
        return $"{Source.Name}:{line}:{column}: error {Code.Id()}: {Message}";
    }
}
