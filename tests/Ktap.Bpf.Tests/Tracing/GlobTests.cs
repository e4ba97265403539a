using Ktap.Bpf.Tracing;

namespace Ktap.Bpf.Tests.Tracing;

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
    [InlineData("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    [InlineData("**open**", "sys_enter_openat", true)]
    public void MatchesLikePerf(string pattern, string text, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, text));

    [Fact]
    public void UnterminatedClassIsAnError() =>
        Assert.Throws<ArgumentException>(() => Glob.IsMatch("sys_[abc", "sys_a"));

    [Fact]
    public void KnowsPlainNamesFromPatterns()
    {
        Assert.False(Glob.HasWildcards("sys_enter_openat"));
        Assert.True(Glob.HasWildcards("sys_enter_*"));
        Assert.True(Glob.HasWildcards("sys_enter_open?t"));
        Assert.True(Glob.HasWildcards("sys_[ab]"));
    }
}
