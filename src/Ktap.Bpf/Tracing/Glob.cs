namespace Ktap.Bpf.Tracing;

/// <summary>
/// Shell-style wildcards as perf uses them for event names (tools/perf/util/string.c,
/// strglobmatch): <c>*</c> any run of characters, <c>?</c> one character, <c>[abc]</c>,
/// <c>[a-z]</c> and <c>[!a-z]</c> one character of (or not of) a class, <c>\</c> quotes the next
/// character. Matching is case-sensitive and covers the whole text.
/// </summary>
public static class Glob
{
    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny("*?[\\") >= 0;

    /// <exception cref="ArgumentException">A <c>[</c> is never closed.</exception>
    public static bool IsMatch(string pattern, string text)
    {
        // Iterative with one backtrack point: the last '*' seen and where its match would
        // resume. Linear in practice, and never exponential.
        int p = 0, t = 0, starPattern = -1, starText = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starPattern = ++p;
                starText = t;
                continue;
            }

            var next = p < pattern.Length ? MatchOne(pattern, p, text[t]) : -1;
            if (next >= 0)
            {
                p = next;
                t++;
                continue;
            }

            if (starPattern < 0)
            {
                return false;
            }

            p = starPattern;
            t = ++starText;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Matches one pattern element at <paramref name="p"/> against <paramref name="c"/>; returns the index after the element, or -1.</summary>
    private static int MatchOne(string pattern, int p, char c)
    {
        switch (pattern[p])
        {
            case '?':
                return p + 1;
            case '\\' when p + 1 < pattern.Length:
                return pattern[p + 1] == c ? p + 2 : -1;
            case '[':
                return MatchClass(pattern, p, c);
            default:
                return pattern[p] == c ? p + 1 : -1;
        }
    }

    private static int MatchClass(string pattern, int open, char c)
    {
        var i = open + 1;
        var negate = i < pattern.Length && pattern[i] == '!';
        if (negate)
        {
            i++;
        }

        var matched = false;
        var first = true;

        // A ']' right after '[' or '[!' is a member, not the end.
        while (i < pattern.Length && (pattern[i] != ']' || first))
        {
            first = false;
            var low = pattern[i];
            if (low == '\\' && i + 1 < pattern.Length)
            {
                low = pattern[++i];
            }

            var high = low;
            if (i + 2 < pattern.Length && pattern[i + 1] == '-' && pattern[i + 2] != ']')
            {
                high = pattern[i + 2];
                i += 2;
            }

            matched |= c >= low && c <= high;
            i++;
        }

        if (i >= pattern.Length)
        {
            throw new ArgumentException($"unterminated character class in '{pattern}'", nameof(pattern));
        }

        return matched != negate ? i + 1 : -1;
    }
}
