namespace Ktap.Cli.Tests;

/// <summary>The ranges a script case's expected output may hold (tests/scripts/README.md).</summary>
public sealed class ExpectedTextTests
{
    [Theory]
    [InlineData("a 1\n", "a 1\n", true)]
    [InlineData("a 1\n", "a 1", false)]
    [InlineData("pid {1..100} end\n", "pid 42 end\n", true)]
    [InlineData("pid {1..100} end\n", "pid 101 end\n", false)]
    [InlineData("pid {1..100} end\n", "pid x end\n", false)]
    [InlineData("t {-5..-1}.\n", "t -3.\n", true)]
    [InlineData("bar {@0..3}\n", "bar @@\n", true)]
    [InlineData("bar {@0..3}\n", "bar \n", true)]
    [InlineData("bar {@0..3}\n", "bar @@@@\n", false)]
    [InlineData("{1..2} {3..4}\n", "2 3\n", true)]
    [InlineData("{1..2} {3..4}\n", "2 3\n\n", false)]
    [InlineData("(x) [y] {1..9}*\n", "(x) [y] 5*\n", true)]
    [InlineData("pid {1..99999} comm\n", "pid     123 comm\n", true)]
    [InlineData("n|{1..999}\n", "n|12     \n", true)]
    [InlineData("a {1..9} b\n", "a 5b\n", false)]
    public void RangesMatchTheirValuesAndEverythingElseExactly(string expected, string actual, bool matches) =>
        Assert.Equal(matches, ExpectedText.Matches(expected, actual));
}
