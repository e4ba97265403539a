using Ktap.Language.Syntax;

namespace Ktap.Compiler.Filters;

/// <summary>The values on the right of a filter predicate: integers and string patterns.</summary>
internal static class FilterLiterals
{
    /// <summary>
    /// The longest pattern: the kernel takes 255 bytes; we read a user string one byte past the
    /// pattern and its NUL to tell "abc" from "abcd", and the filter's stack area holds 256.
    /// </summary>
    public const int MaxPatternLength = 254;

    /// <summary>
    /// An integer as the kernel's <c>kstrtoll</c>/<c>kstrtoull</c> read it with base 0: decimal,
    /// <c>0x</c> hex, <c>0</c> octal, an optional leading '-'. It must fit the subject in two's
    /// complement, either signed or unsigned (-128..255 for one byte), and is returned normalised
    /// as <see cref="IntegerPredicate.Value"/> describes. Unlike the kernel we take a negative
    /// value for an unsigned field: every syscall argument is "unsigned" in its tracepoint format,
    /// and <c>dfd == -100</c> (AT_FDCWD) should work.
    /// </summary>
    public static long ParseInteger(FilterToken token, FilterSubject subject)
    {
        var text = token.Text;
        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        var (radix, body) = digits switch
        {
            ['0', 'x' or 'X', ..] => (16, digits[2..]),
            ['0', _, ..] => (8, digits[1..]),
            _ => (10, digits),
        };
        if (body.Length == 0 || !TryAccumulate(body, radix, out var magnitude))
        {
            throw new FilterException($"malformed number '{text}'", token.Span);
        }

        if (magnitude > ulong.MaxValue)
        {
            throw new FilterException($"{text} is out of range: filter values have 64 bits", token.Span);
        }

        var bits = subject.Size * 8;
        var value = negative ? -(Int128)magnitude : magnitude;
        if (value < -((Int128)1 << (bits - 1)) || value > ((Int128)1 << bits) - 1)
        {
            throw new FilterException(
                $"{text} does not fit in '{subject.Name}' ({subject.Size} byte{(subject.Size == 1 ? "" : "s")})", token.Span);
        }

        var raw = (ulong)(value & ulong.MaxValue);
        if (bits == 64)
        {
            return (long)raw;
        }

        var truncated = raw & ((1UL << bits) - 1);
        return subject.IsSigned ? (long)(truncated << (64 - bits)) >> (64 - bits) : (long)truncated;
    }

    /// <summary>
    /// The pattern of <c>FIELD ~ "GLOB"</c>. The kernel (filter_parse_regex) does a leading '!'
    /// as "does not match", and a '*' at the start, the end or both as suffix, prefix and
    /// substring tests; anything else with '*', '?', '[' or '\' goes to its full glob matcher.
    /// ktap does the first four in the compiled filter and refuses the rest, which would need a
    /// backtracking matcher the verifier has to walk: write them as several <c>~</c> joined with
    /// <c>&amp;&amp;</c>/<c>||</c>. Two details differ from the kernel, where it is plainly
    /// accidental: a suffix test on a <c>char[]</c> field looks at the end of the string, not of
    /// the array, and a pattern that starts with a digit is a glob like any other.
    /// </summary>
    public static (StringMatch Match, string Pattern, bool Negated) ParseGlob(FilterToken token)
    {
        var text = token.Text;
        var negated = text.StartsWith('!');
        var glob = negated ? text[1..] : text;
        var leading = glob.StartsWith('*');
        var trailing = glob.Length > 1 && glob.EndsWith('*');
        var core = glob[(leading ? 1 : 0)..(trailing ? glob.Length - 1 : glob.Length)];
        var special = core.IndexOfAny(['*', '?', '[', '\\']);
        if (special >= 0)
        {
            var at = token.Span.Start + 1 + (negated ? 1 : 0) + (leading ? 1 : 0) + special;
            throw new FilterException(
                $"unsupported glob '{text}': '*' may only start or end the pattern, and '?', '[' and '\\' are not supported",
                new TextSpan(at, 1));
        }

        var match = (leading, trailing) switch
        {
            (true, true) => StringMatch.Contains,
            (true, false) => StringMatch.Suffix,
            (false, true) => StringMatch.Prefix,
            _ => StringMatch.Exact,
        };
        return (match, CheckPattern(token, core), negated);
    }

    /// <summary>A string compared with <c>==</c> or <c>!=</c>: every byte literal, '*' included.</summary>
    public static string CheckPattern(FilterToken token, string pattern)
    {
        if (pattern.Length > MaxPatternLength)
        {
            throw new FilterException($"string too long: {pattern.Length} bytes (at most {MaxPatternLength})", token.Span);
        }

        var nul = pattern.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
        {
            throw new FilterException("a string in a filter cannot hold a NUL byte", token.Span);
        }

        return pattern;
    }

    /// <summary>False on a digit the radix lacks; past 64 bits the value sticks just above ulong.MaxValue.</summary>
    private static bool TryAccumulate(string digits, int radix, out Int128 value)
    {
        var tooBig = (Int128)ulong.MaxValue + 1;
        value = 0;
        foreach (var c in digits)
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (digit >= radix)
            {
                return false;
            }

            value = Int128.Min((value * radix) + digit, tooBig);
        }

        return true;
    }
}
