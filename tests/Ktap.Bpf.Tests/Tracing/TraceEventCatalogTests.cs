using Ktap.Bpf.Tracing;

namespace Ktap.Bpf.Tests.Tracing;

public sealed class TraceEventCatalogTests
{
    private static readonly Lazy<TraceEventCatalog> Catalog = new(TraceEventCatalog.Open);

    [KernelFact]
    public void ListsEveryEventSorted()
    {
        var events = Catalog.Value.Events;
        Assert.True(events.Count > 1000, $"only {events.Count} events");
        Assert.Equal(events.Order(), events);
        Assert.Contains(new TraceEventName("sched", "sched_switch"), events);
        Assert.True(Catalog.Value.Exists(new("syscalls", "sys_enter_openat")));
        Assert.False(Catalog.Value.Exists(new("syscalls", "sys_enter_nothing")));
    }

    [KernelFact]
    public void GlobMatchesLikePerf()
    {
        var opens = Catalog.Value.Match("syscalls:sys_enter_open*");
        Assert.Contains(new TraceEventName("syscalls", "sys_enter_openat"), opens);
        Assert.Contains(new TraceEventName("syscalls", "sys_enter_openat2"), opens);
        Assert.All(opens, e => Assert.Equal("syscalls", e.Subsystem));
        Assert.All(opens, e => Assert.StartsWith("sys_enter_open", e.Event, StringComparison.Ordinal));
        Assert.DoesNotContain(new TraceEventName("syscalls", "sys_exit_openat"), opens);

        Assert.Equal([new TraceEventName("sched", "sched_switch")], Catalog.Value.Match("sched:sched_switch"));
        Assert.Equal([new TraceEventName("sched", "sched_switch")], Catalog.Value.Match("*:sched_switch"));
        Assert.Equal([new TraceEventName("syscalls", "sys_enter_openat")], Catalog.Value.Match("sys_enter_openat"));
        Assert.Equal(2, Catalog.Value.Match("syscalls:sys_[ex]*_openat").Count);
        Assert.Empty(Catalog.Value.Match("sched:no_such_event*"));
    }

    [KernelFact]
    public void SuggestsTheNearestNames()
    {
        Assert.Equal("syscalls:sys_enter_openat", Catalog.Value.Suggest("syscalls:sys_enter_opnat")[0]);
        Assert.Equal("sched:sched_switch", Catalog.Value.Suggest("sched:sched_swich")[0]);
        Assert.Contains("sched:sched_switch", Catalog.Value.Suggest("sched_swtich"));
        Assert.Empty(Catalog.Value.Suggest("zzzzzzzzzzzz:qqqqqqqqqqqqqq"));
    }

    [KernelFact]
    public void UnknownEventSaysWhatWasMeant()
    {
        var error = Assert.Throws<UnknownTraceEventException>(() => Catalog.Value.GetFormat(new("syscalls", "sys_enter_opnat")));
        Assert.Equal("syscalls:sys_enter_opnat", error.Name);
        Assert.Equal("syscalls:sys_enter_openat", error.Suggestions[0]);
        Assert.Contains("did you mean 'syscalls:sys_enter_openat'", error.Message, StringComparison.Ordinal);
        Assert.Throws<UnknownTraceEventException>(() => Catalog.Value.GetId(new("sched", "nope")));
    }

    [KernelFact]
    public void NamesCannotLeaveTheEventsDirectory()
    {
        Assert.False(Catalog.Value.Exists(new("..", "..")));
        Assert.Throws<UnknownTraceEventException>(() => Catalog.Value.GetFormat(new("..", "events")));
        Assert.Throws<UnknownTraceEventException>(() => Catalog.Value.GetId(new("sched/../sched", "sched_switch")));
    }

    [Fact]
    public void NamesParseAndPrintAsPerfWritesThem()
    {
        Assert.Equal(new TraceEventName("syscalls", "sys_enter_openat"), TraceEventName.Parse("syscalls:sys_enter_openat"));
        Assert.Equal(new TraceEventName("sched", "sched_switch"), TraceEventName.Parse("sched/sched_switch"));
        Assert.Equal("sched:sched_switch", new TraceEventName("sched", "sched_switch").ToString());
        Assert.False(TraceEventName.TryParse("sched_switch", out _));
        Assert.False(TraceEventName.TryParse(":x", out _));
        Assert.Throws<FormatException>(() => TraceEventName.Parse("x:"));
    }
}
