namespace Ktap.Bpf.Tracing;

/// <summary>No trace event has this name; <see cref="Suggestions"/> are the nearest that exist.</summary>
public sealed class UnknownTraceEventException(string name, IReadOnlyList<string> suggestions)
    : Exception(Describe(name, suggestions))
{
    /// <summary>The name as it was asked for.</summary>
    public string Name { get; } = name;

    public IReadOnlyList<string> Suggestions { get; } = suggestions;

    private static string Describe(string name, IReadOnlyList<string> suggestions) =>
        suggestions.Count == 0
            ? $"unknown tracepoint '{name}'"
            : $"unknown tracepoint '{name}'; did you mean {string.Join(" or ", suggestions.Select(s => $"'{s}'"))}?";
}
