using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Ktap.Bpf.Text;

namespace Ktap.Bpf.Tests.Text;

public sealed class GlobTests
{
    [Theory]
    [InlineData("sys_enter_open*", "sys_enter_openat", true)]
    [InlineData("sys_enter_open*", "sys_enter_open", true)]
    [InlineData("sys_enter_open*", "sys_exit_openat", false)]
    [InlineData("*", "", true)]
    [InlineData("*", "anything", true)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("sched_*_exec", "sched_process_exec", true)]
    [InlineData("sched_*_exec", "sched_process_exit", false)]
    [InlineData("?ched", "sched", true)]
    [InlineData("?ched", "ched", false)]
    [InlineData("sys_[ex]*", "sys_enter_read", true)]
    [InlineData("sys_[ex]*", "sys_exit_read", true)]
    [InlineData("sys_e[!n]*", "sys_exit_read", true)]
    [InlineData("sys_e[!n]*", "sys_enter_read", false)]
    [InlineData("irq_[a-h]*", "irq_handler_entry", true)]
    [InlineData("irq_[a-h]*", "irq_work", false)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "axb", false)]
    [InlineData("[]]x", "]x", true)]
    [InlineData("[\\]]x", "]x", true)]
    [InlineData("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    [InlineData("**open**", "sys_enter_openat", true)]
    public void MatchesLikePerf(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Glob.IsMatch(pattern, text));
        Assert.Equal(expected, new Glob(pattern).IsMatch(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void UnterminatedClassIsAnOrdinaryBracket()
    {
        Assert.False(Glob.IsMatch("sys_[abc", "sys_a"));
        Assert.True(Glob.IsMatch("sys_[abc", "sys_[abc"));
    }

    [Fact]
    public void KnowsPlainNamesFromPatterns()
    {
        Assert.False(Glob.HasWildcards("sys_enter_openat"));
        Assert.True(Glob.HasWildcards("sys_enter_*"));
        Assert.True(Glob.HasWildcards("sys_enter_open?t"));
        Assert.True(Glob.HasWildcards("sys_[ab]"));
    }

    [Theory]
    [InlineData("vfs_*", "vfs_read", true)]
    [InlineData("vfs_*", "vfs_", true)]
    [InlineData("vfs_*", "do_vfs_read", false)]
    [InlineData("*read", "vfs_read", true)]
    [InlineData("*_re*d", "vfs_read", true)]
    [InlineData("sys_?etuid", "sys_setuid", true)]
    [InlineData("sys_?etuid", "sys_etuid", false)]
    [InlineData("tcp_[rs]*", "tcp_sendmsg", true)]
    [InlineData("tcp_[rs]*", "tcp_close", false)]
    [InlineData("tcp_[!rs]*", "tcp_close", true)]
    [InlineData("tcp_[^rs]*", "tcp_recvmsg", false)]
    [InlineData("x[a-c]y", "xby", true)]
    [InlineData("x[a-c]y", "xdy", false)]
    [InlineData("x[]]y", "x]y", true)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "axb", false)]
    [InlineData("open[", "open[", true)]
    [InlineData("*", "", true)]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("a**b", "ab", true)]
    [InlineData("*.cold", "tcp_sendmsg.cold", true)]
    public void Matches_like_the_shell(string pattern, string name, bool expected)
    {
        Assert.Equal(expected, Glob.IsMatch(pattern, name));
        Assert.Equal(expected, new Glob(pattern).IsMatch(Encoding.UTF8.GetBytes(name)));
    }

    [Theory]
    [InlineData("a*a", "a", false)]
    [InlineData("a*a", "aa", true)]
    [InlineData("*ab*ab*", "abab", true)]
    [InlineData("*ab*ab*", "aba", false)]
    [InlineData("x*", "x", true)]
    [InlineData("*x", "x", true)]
    [InlineData("**", "", true)]
    public void Literal_parts_match_in_order_without_overlapping(string pattern, string name, bool expected)
    {
        Assert.Equal(expected, new Glob(pattern).IsMatch(Encoding.UTF8.GetBytes(name)));
        Assert.Equal(expected, Glob.IsMatch(pattern, name));
    }

    [Theory]
    [InlineData("vfs_read", false)]
    [InlineData("vfs_*", true)]
    [InlineData("sys_?etuid", true)]
    [InlineData("tcp_[rs]*", true)]
    public void Tells_a_glob_from_a_name(string pattern, bool expected) =>
        Assert.Equal(expected, Glob.HasWildcards(pattern));

    /// <summary>Against a regular expression built from the same pattern, over a small alphabet that makes collisions likely.</summary>
    [Fact]
    public void Agrees_with_a_regular_expression()
    {
        // Half the patterns are literals and stars only, which take the compiled fast path.
        var element = Gen.Frequency(
            (4, Gen.OneOf(Gen.Const("a"), Gen.Const("b"), Gen.Const("ab"), Gen.Const("*"))),
            (1, Gen.OneOf(Gen.Const("?"), Gen.Const("[ab]"), Gen.Const("[!a]"))));
        var patterns = element.Array[0, 7].Select(parts => string.Concat(parts));
        var names = Gen.Char["ab_"].Array[0, 10].Select(chars => new string(chars));
        Gen.Select(patterns, names).Sample(
            (pattern, name) =>
            {
                var expected = ToRegex(pattern).IsMatch(name);
                var bytes = Encoding.UTF8.GetBytes(name);
                return Glob.IsMatch(Encoding.UTF8.GetBytes(pattern), bytes) == expected
                    && new Glob(pattern).IsMatch(bytes) == expected;
            },
            iter: 20_000);
    }

    private static Regex ToRegex(string pattern)
    {
        var text = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '*':
                    text.Append(".*");
                    break;
                case '?':
                    text.Append('.');
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i);
                    var set = pattern[(i + 1)..end];
                    text.Append('[').Append(set.StartsWith('!') ? "^" + set[1..] : set).Append(']');
                    i = end;
                    break;
                default:
                    text.Append(Regex.Escape(pattern[i].ToString()));
                    break;
            }
        }

        return new Regex(text.Append('$').ToString(), RegexOptions.Singleline);
    }
}
