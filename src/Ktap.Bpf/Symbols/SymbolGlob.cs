using System.Text;

namespace Ktap.Bpf.Symbols;

/// <summary>
/// Shell-style wildcards over symbol names, as probe specifications write them
/// (<c>vfs_*</c>, <c>sys_?etuid</c>, <c>tcp_[rs]*</c>): <c>*</c> any run of characters,
/// <c>?</c> one character, <c>[abc]</c>, <c>[a-z]</c> and <c>[!a-z]</c> (or <c>[^a-z]</c>) one of
/// or none of a set, <c>\x</c> the character x itself. Matching works on UTF-8 bytes so that a
/// name is never turned into a string just to be compared; symbol names are ASCII, and outside
/// ASCII <c>?</c> matches one byte rather than one character.
/// </summary>
/// <remarks>
/// An instance is a compiled pattern, for matching one pattern against a whole symbol table.
/// The usual patterns are literals and stars only (<c>vfs_*</c>, <c>*sendmsg*</c>): those match
/// as a prefix, a suffix and vectorized searches for the parts between, in order, which is
/// exact because a star can always stretch to the leftmost place the next part fits.
/// </remarks>
public sealed class SymbolGlob
{
    private readonly byte[] pattern;
    private readonly byte[][]? parts;

    public SymbolGlob(string pattern)
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

    /// <summary>Whether <paramref name="name"/> matches the whole pattern.</summary>
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

    /// <summary>Whether <paramref name="name"/> matches the whole of <paramref name="pattern"/>.</summary>
    public static bool IsMatch(string pattern, string name) =>
        IsMatch(Encoding.UTF8.GetBytes(pattern), Encoding.UTF8.GetBytes(name));

    /// <inheritdoc cref="IsMatch(string, string)"/>
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> name)
    {
        // Iterative matching that remembers only the last star: when a later element fails, the
        // last star takes one more byte and matching resumes after it. Earlier stars never need
        // to be revisited, so the cost is O(pattern x name) at worst and linear in practice.
        var p = 0;
        var n = 0;
        var starPattern = -1;
        var starName = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length)
            {
                if (pattern[p] == '*')
                {
                    p++;
                    starPattern = p;
                    starName = n;
                    continue;
                }

                var width = MatchOne(pattern, p, name[n]);
                if (width > 0)
                {
                    p += width;
                    n++;
                    continue;
                }
            }

            if (starPattern < 0)
            {
                return false;
            }

            p = starPattern;
            n = ++starName;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>
    /// Matches the single element of <paramref name="pattern"/> at <paramref name="p"/> (not a
    /// star) against one byte: the number of pattern bytes the element spans when it matches,
    /// 0 when it does not.
    /// </summary>
    private static int MatchOne(ReadOnlySpan<byte> pattern, int p, byte c)
    {
        switch (pattern[p])
        {
            case (byte)'?':
                return 1;
            case (byte)'\\' when p + 1 < pattern.Length:
                return pattern[p + 1] == c ? 2 : 0;
            case (byte)'[':
                var end = ClassEnd(pattern, p);
                if (end < 0)
                {
                    // An unclosed bracket is an ordinary character, as in the shell.
                    return c == '[' ? 1 : 0;
                }

                return InClass(pattern[(p + 1)..end], c) ? end - p + 1 : 0;
            default:
                return pattern[p] == c ? 1 : 0;
        }
    }

    /// <summary>The index of the <c>]</c> closing the class that opens at <paramref name="open"/>, or -1.</summary>
    private static int ClassEnd(ReadOnlySpan<byte> pattern, int open)
    {
        var i = open + 1;
        if (i < pattern.Length && pattern[i] is (byte)'!' or (byte)'^')
        {
            i++;
        }

        // A ']' first in the set is a member, not the end ("[]a]").
        if (i < pattern.Length && pattern[i] == ']')
        {
            i++;
        }

        var close = pattern[i..].IndexOf((byte)']');
        return close < 0 ? -1 : i + close;
    }

    private static bool InClass(ReadOnlySpan<byte> set, byte c)
    {
        var negated = set.Length > 0 && set[0] is (byte)'!' or (byte)'^';
        if (negated)
        {
            set = set[1..];
        }

        var found = false;
        for (var i = 0; i < set.Length; i++)
        {
            if (i + 2 < set.Length && set[i + 1] == '-')
            {
                if (c >= set[i] && c <= set[i + 2])
                {
                    found = true;
                }

                i += 2;
            }
            else if (set[i] == c)
            {
                found = true;
            }
        }

        return found != negated;
    }
}
