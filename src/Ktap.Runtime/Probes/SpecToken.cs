using Ktap.Language.Syntax;

namespace Ktap.Runtime.Probes;

/// <summary>A white-space separated word of an event spec and where it is in the source.</summary>
internal readonly record struct SpecToken(string Text, TextSpan Span)
{
    /// <summary>The words of <paramref name="spec"/>, each with its own span (the spec's text is the source's).</summary>
    public static List<SpecToken> Split(EventSpecSyntax spec, int from = 0)
    {
        var tokens = new List<SpecToken>();
        var text = spec.Text;
        var i = from;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                tokens.Add(new SpecToken(text[start..i], new TextSpan(spec.Span.Start + start, i - start)));
            }
        }

        return tokens;
    }
}
