using Ktap.Language.Syntax;

namespace Ktap.Runtime.Probes;

/// <summary>
/// A <c>probe:</c> spec taken apart: <c>probe:FUNCTION[%return] [FETCHARGS]</c> for the kernel,
/// <c>probe:BINARY:FUNCTION</c> or <c>probe:BINARY:0xOFFSET</c> (then <c>%return</c> and fetch
/// args likewise) for user space. Kernel symbols never hold a ':', so a colon means a binary;
/// the last colon splits, so a path may hold one.
/// </summary>
internal sealed record ProbeLocation(
    EventSpecSyntax Spec, string? Binary, TextSpan BinarySpan, string Function, TextSpan FunctionSpan, bool IsReturn,
    IReadOnlyList<SpecToken> FetchArgs)
{
    public const string Prefix = "probe:";
    private const string ReturnSuffix = "%return";

    public static ProbeLocation Parse(EventSpecSyntax spec)
    {
        var tokens = SpecToken.Split(spec, Prefix.Length);
        if (tokens.Count == 0 || tokens[0].Span.Start != spec.Span.Start + Prefix.Length)
        {
            throw new ProbeResolutionException(spec.Span, $"expected a function right after 'probe:', as probe:vfs_read or probe:/bin/bash:readline");
        }

        var where = tokens[0];
        var text = where.Text;
        var isReturn = text.EndsWith(ReturnSuffix, StringComparison.Ordinal);
        if (isReturn)
        {
            text = text[..^ReturnSuffix.Length];
        }

        var percent = text.IndexOf('%', StringComparison.Ordinal);
        if (percent >= 0)
        {
            throw new ProbeResolutionException(
                new TextSpan(where.Span.Start + percent, text.Length - percent),
                $"unknown suffix '{text[percent..]}' in '{where.Text}': the only one is %return");
        }

        var start = where.Span.Start;
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            if (text.Contains('/', StringComparison.Ordinal))
            {
                throw new ProbeResolutionException(where.Span, $"'{text}' needs a function: probe:{text}:FUNCTION or probe:{text}:0xOFFSET");
            }

            if (text.Length == 0)
            {
                throw new ProbeResolutionException(where.Span, "expected a function before %return");
            }

            return new ProbeLocation(spec, null, default, text, new TextSpan(start, text.Length), isReturn, tokens[1..]);
        }

        var binary = text[..colon];
        var function = text[(colon + 1)..];
        if (binary.Length == 0 || function.Length == 0)
        {
            throw new ProbeResolutionException(where.Span, $"'{where.Text}' is not a user probe: write probe:/path/bin:FUNCTION or probe:/path/bin:0xOFFSET");
        }

        return new ProbeLocation(
            spec, binary, new TextSpan(start, colon), function, new TextSpan(start + colon + 1, function.Length), isReturn, tokens[1..]);
    }
}
