using Ktap.Bpf.Tracing;

namespace Ktap.Bpf.Tests.Tracing;

public sealed class NameSuggestionsTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "abc", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("openat", "opneat", 1)]
    [InlineData("sys_enter_openat", "sys_enter_open", 2)]
    public void DistanceCountsEditsAndSwaps(string a, string b, int expected)
    {
        Assert.Equal(expected, NameSuggestions.Distance(a, b));
        Assert.Equal(expected, NameSuggestions.Distance(b, a));
    }

    [Fact]
    public void DistanceStopsPastTheLimit() =>
        Assert.Equal(3, NameSuggestions.Distance("completely", "different", limit: 2));

    [Fact]
    public void NearestComesFirstAndFarOnesAreLeftOut()
    {
        string[] names = ["sys_enter_openat", "sys_enter_open", "sys_exit_openat", "sched_switch"];
        var nearest = NameSuggestions.Nearest("sys_enter_opnat", names);
        Assert.Equal(["sys_enter_openat", "sys_enter_open", "sys_exit_openat"], nearest);
        Assert.Empty(NameSuggestions.Nearest("xyz", names));
    }
}
