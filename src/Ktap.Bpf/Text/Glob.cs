using System.Numerics;
using System.Text;

namespace Ktap.Bpf.Text;

/// <summary>
/// Shell-style wildcards as perf uses them for event and symbol names (<c>sched:sched_*</c>,
/// <c>vfs_*</c>, <c>sys_?etuid</c>, <c>tcp_[rs]*</c>): <c>*</c> any run of characters,
/// <c>?</c> one character, <c>[abc]</c>, <c>[a-z]</c> and <c>[!a-z]</c> (or <c>[^a-z]</c>) one of
/// or none of a set (a <c>]</c> first in the set is a member), <c>\x</c> the character x itself,
/// in a set too. A <c>[</c> never closed is an ordinary character, as in the shell. Matching is
/// case-sensitive and covers the whole text.
/// </summary>
/// <remarks>
/// Strings match character by character; byte spans match UTF-8 bytes, so that a symbol name is
/// never turned into a string just to be compared (symbol names are ASCII, and outside ASCII
/// <c>?</c> matches one byte rather than one character).
/// <para>
/// An instance is a compiled pattern, for matching one pattern against a whole symbol table.
/// The usual patterns are literals and stars only (<c>vfs_*</c>, <c>*sendmsg*</c>): those match
/// as a prefix, a suffix and vectorized searches for the parts between, in order, which is
/// exact because a star can always stretch to the leftmost place the next part fits.
/// </para>
/// </remarks>
public sealed class Glob
{
    private readonly byte[] pattern;
    private readonly byte[][]? parts;

    public Glob(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Pattern = pattern;
        this.pattern = Encoding.UTF8.GetBytes(pattern);
        if (pattern.AsSpan().IndexOfAny("?[\\") < 0)
        {
            parts = [.. pattern.Split('*').Select(Encoding.UTF8.GetBytes)];
        }
    }

    public string Pattern { get; }

    /// <summary>Whether <paramref name="name"/> (UTF-8) matches the whole pattern.</summary>
    public bool IsMatch(ReadOnlySpan<byte> name)
    {
        if (parts is null)
        {
            return IsMatch(pattern, name);
        }

        if (parts.Length == 1)
        {
            return name.SequenceEqual(parts[0]);
        }

        // Stars between: the first part is a prefix, the last a suffix, the rest in order between.
        var first = parts[0];
        var last = parts[^1];
        if (name.Length < first.Length + last.Length || !name.StartsWith(first) || !name.EndsWith(last))
        {
            return false;
        }

        var rest = name[first.Length..^last.Length];
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var at = rest.IndexOf(parts[i]);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + parts[i].Length)..];
        }

        return true;
    }

    public override string ToString() => Pattern;

    /// <summary>Whether <paramref name="pattern"/> has any wildcard, or is a plain name.</summary>
    public static bool HasWildcards(ReadOnlySpan<char> pattern) => pattern.IndexOfAny("*?[\\") >= 0;

    /// <summary>Whether <paramref name="text"/> matches the whole of <paramref name="pattern"/>.</summary>
    public static bool IsMatch(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(text);
        return Match(pattern.AsSpan(), text.AsSpan());
    }

    /// <summary>Whether <paramref name="name"/> matches the whole of <paramref name="pattern"/>, both UTF-8.</summary>
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> name) => Match(pattern, name);

    private static bool Match<T>(ReadOnlySpan<T> pattern, ReadOnlySpan<T> text)
        where T : unmanaged, IBinaryInteger<T>
    {
        // Iterative matching that remembers only the last star: when a later element fails, the
        // last star takes one more character and matching resumes after it. Earlier stars never
        // need to be revisited, so the cost is O(pattern x text) at worst and linear in practice.
        var star = T.CreateTruncating('*');
        var p = 0;
        var t = 0;
        var starPattern = -1;
        var starText = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                if (pattern[p] == star)
                {
                    p++;
                    starPattern = p;
                    starText = t;
                    continue;
                }

                var width = MatchOne(pattern, p, text[t]);
                if (width > 0)
                {
                    p += width;
                    t++;
                    continue;
                }
            }

            if (starPattern < 0)
            {
                return false;
            }

            p = starPattern;
            t = ++starText;
        }

        while (p < pattern.Length && pattern[p] == star)
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>
    /// Matches the single element of <paramref name="pattern"/> at <paramref name="p"/> (not a
    /// star) against one character: the number of pattern characters the element spans when it
    /// matches, 0 when it does not.
    /// </summary>
    private static int MatchOne<T>(ReadOnlySpan<T> pattern, int p, T c)
        where T : unmanaged, IBinaryInteger<T>
    {
        var element = pattern[p];
        if (element == T.CreateTruncating('?'))
        {
            return 1;
        }

        if (element == T.CreateTruncating('\\') && p + 1 < pattern.Length)
        {
            return pattern[p + 1] == c ? 2 : 0;
        }

        if (element == T.CreateTruncating('['))
        {
            var end = ClassEnd(pattern, p);
            if (end < 0)
            {
                // An unclosed bracket is an ordinary character, as in the shell.
                return c == element ? 1 : 0;
            }

            return InClass(pattern[(p + 1)..end], c) ? end - p + 1 : 0;
        }

        return element == c ? 1 : 0;
    }

    private static bool IsNegation<T>(T c)
        where T : unmanaged, IBinaryInteger<T> =>
        c == T.CreateTruncating('!') || c == T.CreateTruncating('^');

    /// <summary>The index of the <c>]</c> closing the class that opens at <paramref name="open"/>, or -1.</summary>
    private static int ClassEnd<T>(ReadOnlySpan<T> pattern, int open)
        where T : unmanaged, IBinaryInteger<T>
    {
        var close = T.CreateTruncating(']');
        var escape = T.CreateTruncating('\\');
        var i = open + 1;
        if (i < pattern.Length && IsNegation(pattern[i]))
        {
            i++;
        }

        // A ']' first in the set is a member, not the end ("[]a]").
        if (i < pattern.Length && pattern[i] == close)
        {
            i++;
        }

        for (; i < pattern.Length; i++)
        {
            if (pattern[i] == escape && i + 1 < pattern.Length)
            {
                i++;
            }
            else if (pattern[i] == close)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool InClass<T>(ReadOnlySpan<T> set, T c)
        where T : unmanaged, IBinaryInteger<T>
    {
        var negated = set.Length > 0 && IsNegation(set[0]);
        if (negated)
        {
            set = set[1..];
        }

        var escape = T.CreateTruncating('\\');
        var dash = T.CreateTruncating('-');
        var found = false;
        for (var i = 0; i < set.Length; i++)
        {
            var low = set[i];
            if (low == escape && i + 1 < set.Length)
            {
                low = set[++i];
            }

            if (i + 2 < set.Length && set[i + 1] == dash)
            {
                found |= c >= low && c <= set[i + 2];
                i += 2;
            }
            else
            {
                found |= low == c;
            }
        }

        return found != negated;
    }
}
