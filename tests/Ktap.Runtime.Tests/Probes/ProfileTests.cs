using Ktap.Compiler.Events;
using Ktap.Language.Semantics;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Tests.Probes;

public sealed class ProfileTests
{
    [Theory]
    [InlineData("profile-10ms", 10_000_000L)]
    [InlineData("profile-1s", 1_000_000_000L)]
    [InlineData("profile-99hz", 10_101_010L)]
    public void A_profile_block_is_one_cpu_clock(string spec, long interval)
    {
        var script = $"{spec} {{ }}";
        var resolved = Scripts.Resolve(script);
        var target = Assert.Single(resolved.Targets);
        Assert.Equal((spec, ContextKind.PerfEvent), (target.Target.ProbeName, target.Target.Kind));
        Assert.Empty(target.Target.Arguments);
        Assert.Empty(target.Target.Fields);
        Assert.Equal(new CpuClockAttach(interval), target.Attach);
        Assert.Equal(resolved.Probe.Span, target.Span);
    }

    [Fact]
    public void Tick_and_trace_end_have_nothing_to_resolve()
    {
        var probes = Scripts.Bind("tick-1s { } trace_end { }").Probes;
        Assert.All(probes, p => Assert.Throws<ArgumentException>(() => Scripts.Machine.Resolve(p)));
    }

    [Fact]
    public void ResolveAll_takes_the_trace_and_profile_blocks_in_order()
    {
        var resolver = Scripts.WithKallsyms("ffffffff816b89f0 T vfs_read\n");
        var script = Scripts.Bind("tick-1s { } trace probe:vfs_read { } trace_end { } profile-1ms { }");
        var resolved = resolver.ResolveAll(script);
        Assert.Equal([FunctionKind.Trace, FunctionKind.Profile], resolved.Select(r => r.Probe.Kind));
        Assert.IsType<KprobeAttach>(Assert.Single(resolved[0].Targets).Attach);
        Assert.IsType<CpuClockAttach>(Assert.Single(resolved[1].Targets).Attach);
    }
}
