using Ktap.Language.Syntax;

namespace Ktap.Language.Diagnostics;

/// <summary>Collects the diagnostics of one compilation, at most <see cref="Limit"/> of them.</summary>
public sealed class DiagnosticBag
{
    /// <summary>Past this many errors the rest are noise: stop collecting.</summary>
    public const int Limit = 20;

    private readonly List<Diagnostic> items = [];

    public IReadOnlyList<Diagnostic> Items => items;

    public bool HasErrors => items.Count > 0;

    public bool IsFull => items.Count >= Limit;

    public void Report(DiagnosticCode code, SourceText source, TextSpan span, string message)
    {
        if (!IsFull)
        {
            items.Add(new Diagnostic(code, message, source, span));
        }
    }

    /// <summary>The diagnostics ordered by position, as they are printed.</summary>
    public IReadOnlyList<Diagnostic> Sorted() => [.. items.OrderBy(d => d.Span.Start)];
}
