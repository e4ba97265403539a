using Ktap.Bpf.Tracing;
using Ktap.Bpf.Tracing.Output;

namespace Ktap.Bpf.Tests.Tracing.Output;

public sealed class TraceRecordRendererTests
{
    // Linux 6.18's events/sched/sched_switch/format.
    private const string SchedSwitch = """
        name: sched_switch
        ID: 354
        format:
        	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
        	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
        	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
        	field:int common_pid;	offset:4;	size:4;	signed:1;

        	field:char prev_comm[16];	offset:8;	size:16;	signed:0;
        	field:pid_t prev_pid;	offset:24;	size:4;	signed:1;
        	field:int prev_prio;	offset:28;	size:4;	signed:1;
        	field:long prev_state;	offset:32;	size:8;	signed:1;
        	field:char next_comm[16];	offset:40;	size:16;	signed:0;
        	field:pid_t next_pid;	offset:56;	size:4;	signed:1;
        	field:int next_prio;	offset:60;	size:4;	signed:1;

        print fmt: "prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d next_prio=%d", REC->prev_comm, REC->prev_pid, REC->prev_prio, (REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1)) ? __print_flags(REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1), "|", { 0x00000001, "S" }, { 0x00000002, "D" }, { 0x00000004, "T" }, { 0x00000008, "t" }, { 0x00000010, "X" }, { 0x00000020, "Z" }, { 0x00000040, "P" }, { 0x00000080, "I" }) : "R", REC->prev_state & (((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) ? "+" : "", REC->next_comm, REC->next_pid, REC->next_prio
        """;

    [Theory]
    [InlineData(0x01L, "S")]
    [InlineData(0x00L, "R")]
    [InlineData(0x100L, "R+")]
    [InlineData(0x81L, "S|I")]
    public void SchedSwitchRendersAsTheTraceFileShowsIt(long state, string shown)
    {
        var record = new RecordBuilder(64)
            .Text(8, "bash").U32(24, 8077).U32(28, 120).U64(32, (ulong)state)
            .Text(40, "swapper/1").U32(56, 0).U32(60, 120)
            .Build();
        var renderer = new TraceRecordRenderer(EventFormat.Parse(SchedSwitch));
        Assert.Empty(renderer.Unsupported);
        Assert.True(renderer.PrintsEventName);
        var expected = $"prev_comm=bash prev_pid=8077 prev_prio=120 prev_state={shown} ==> next_comm=swapper/1 next_pid=0 next_prio=120";
        Assert.Equal(expected, renderer.Render(record));
        Assert.Equal("sched_switch: " + expected, renderer.RenderLine(record));
    }

    [Fact]
    public void SyscallEventsPrintAsPrintSyscallEnterAndExitDo()
    {
        // The print formats say "dfd: 0x%08lx, ..." and "0x%lx": the trace file does not use them.
        var enter = TestEvent.Named(
            "sys_enter_openat",
            "\"dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx\", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), ((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))",
            "int __syscall_nr;8;4;1", "int dfd;16;8;0", "const char * filename;24;8;0", "int flags;32;8;0", "umode_t mode;40;8;0");
        var record = new RecordBuilder(48).U32(8, 257).U64(16, 0xffffff9c).U64(24, 0x7ffc12345678).U64(32, 9).U64(40, 0x1b6).Build();
        var renderer = new TraceRecordRenderer(enter);
        Assert.False(renderer.PrintsEventName);
        Assert.Equal("sys_openat(dfd: 0xffffff9c, filename: 0x7ffc12345678, flags: 9, mode: 0x1b6)", renderer.Render(record));
        Assert.Equal(renderer.Render(record), renderer.RenderLine(record));

        var exit = TestEvent.Named("sys_exit_openat", "\"0x%lx\", REC->ret", "int __syscall_nr;8;4;1", "long ret;16;8;1");
        var failed = new RecordBuilder(24).U64(16, unchecked((ulong)-2L)).Build();
        Assert.Equal("sys_openat -> 0xfffffffffffffffe", new TraceRecordRenderer(exit).Render(failed));

        var none = TestEvent.Named("sys_enter_getpid", "\"\"", "int __syscall_nr;8;4;1");
        Assert.Equal("sys_getpid()", new TraceRecordRenderer(none).Render(new byte[16]));
    }

    [Fact]
    public void WhatCannotBeReproducedIsListedAndRenderedAsAPlaceholder()
    {
        var format = TestEvent.Format(
            "\"a=%d %s b=%d c=%llu d=%p\", REC->a, mc_event_error_type(REC->a), ({ static const char *s[] = { \"x\" }; s[0]; }), jiffies - REC->a, REC->a",
            "int a;8;4;1");
        var renderer = new TraceRecordRenderer(format);
        Assert.Equal(
            ["mc_event_error_type()", "cannot parse ({ static const char *s[] = { \"x\" }; ...", "jiffies"],
            renderer.Unsupported);
        Assert.Equal(
            "a=5 [unsupported: mc_event_error_type()] b=[unsupported: cannot parse ({ static const char *s[] = { \"x\" }; ...] c=[unsupported: jiffies] d=0000000000000005",
            renderer.Render(new RecordBuilder(12).U32(8, 5).Build()));
    }

    [Fact]
    public void ConversionsThatReadKernelMemoryAreListed()
    {
        // rcu_utilization prints a string the kernel keeps; %pd a dentry. A NULL is still "(null)".
        var format = TestEvent.Format(
            "\"%s %pd %s %*pbl\", REC->s, REC->dentry, (const char *)REC->s, 8, REC->s",
            "const char * s;8;8;0", "struct dentry * dentry;16;8;0");
        var renderer = new TraceRecordRenderer(format);
        Assert.Equal(["%s of REC->s", "%pd"], renderer.Unsupported);
        Assert.Equal("(null) (null) (null) (null)", renderer.Render(new byte[24]));
        Assert.Equal(
            "[unsupported: string at 0xffffffff82000000] [unsupported: %pd] [unsupported: string at 0xffffffff82000000] [unsupported: kernel memory]",
            renderer.Render(new RecordBuilder(24).U64(8, 0xffffffff82000000).U64(16, 0xffff888100000000).Build()));
    }

    [Fact]
    public void ShortRecordsAndWildDataLocationsRenderWithoutThrowing()
    {
        var format = TestEvent.Format(
            "\"name=%s len=%u cpus=%s hex=%s first=%d\", __get_str(name), __get_dynamic_array_len(name), __get_cpumask(name), __print_hex(__get_dynamic_array(name), __get_dynamic_array_len(name)), __get_str(name)[0]",
            "__data_loc char[] name;8;4;0");
        var renderer = new TraceRecordRenderer(format);

        // The location points far past the end of the record, and claims 0xffff bytes.
        var wild = new RecordBuilder(16).DataLoc(8, 0xfff0, 0xffff).Build();
        var outside = "[unsupported: pointer outside the record]";
        Assert.Equal($"name={outside} len=65535 cpus={outside} hex={outside} first={outside}", renderer.Render(wild));
        Assert.Equal("name= len=0 cpus= hex= first=0", renderer.Render(new byte[16]));
        Assert.Equal($"name= len=0 cpus= hex= first={outside}", renderer.Render([]));

        // Text as Latin-1: every byte one char, none lost.
        var latin = new RecordBuilder(24).DataLoc(8, 12, 4).Bytes(12, 0xe9, 0xff, 0x01, 0).Build();
        Assert.StartsWith("name=\u00e9\u00ff\u0001 len=4", renderer.Render(latin), StringComparison.Ordinal);
    }

    [Fact]
    public void RenderersAreSafeToShareBetweenThreads()
    {
        var renderer = new TraceRecordRenderer(EventFormat.Parse(SchedSwitch));
        var results = Enumerable.Range(0, 64).AsParallel().Select(i =>
        {
            var record = new RecordBuilder(64).Text(8, "t" + i).U32(24, (uint)i).U64(32, 1).Build();
            return (i, renderer.Render(record));
        }).ToList();
        Assert.All(results, r => Assert.StartsWith($"prev_comm=t{r.i} prev_pid={r.i} prev_prio=0 prev_state=S ", r.Item2, StringComparison.Ordinal));
    }
}
