using Ktap.Compiler.Events;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Tests.Probes;

/// <summary>
/// Field shapes the running kernel may not have, in a tracefs the test writes: arrays of other
/// than char, <c>__rel_loc</c>, flexible arrays, events without an id. No root needed.
/// </summary>
public sealed class FakeTraceFsTests : IDisposable
{
    private const string Header = """
        format:
        	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
        	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
        	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
        	field:int common_pid;	offset:4;	size:4;	signed:1;

        """;

    private readonly string root = Path.Combine(Path.GetTempPath(), $"ktap-fake-tracefs-{Guid.NewGuid():N}");

    public FakeTraceFsTests()
    {
        Write("net", "inet_thing", 1001, """
            	field:const void * skaddr;	offset:8;	size:8;	signed:0;
            	field:__u16 sport;	offset:16;	size:2;	signed:0;
            	field:__u8 saddr[4];	offset:18;	size:4;	signed:0;
            	field:char name[8];	offset:22;	size:8;	signed:1;
            	field:__data_loc char[] dev;	offset:32;	size:4;	signed:0;
            	field:__data_loc unsigned int[] lengths;	offset:36;	size:4;	signed:0;
            	field:__rel_loc char[] rel;	offset:40;	size:4;	signed:0;
            	field:s8 delta;	offset:44;	size:1;	signed:1;
            	field:char buf[];	offset:45;	size:0;	signed:1;
            """);
        Write("net", "plain", 1002, "\tfield:long value;\toffset:8;\tsize:8;\tsigned:1;\n");
        Write("ftrace", "function", 1, "\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n", idFile: false);
        Write("ftrace", "print", 7, "\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:1;\n");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Arguments_stop_at_the_first_field_ktap_cannot_read()
    {
        var target = Scripts.Single("trace net:inet_thing { }", Scripts.WithTraceFs(root));

        // arg2 (saddr, u8[4]) has no context kind: arg3.. would otherwise mean other fields.
        Assert.Equal(
            [new ContextField("skaddr", 8, 8, FieldKind.Unsigned), new ContextField("sport", 16, 2, FieldKind.Unsigned)],
            target.Target.Arguments);

        // The fields that can be read are there by name, whatever their position.
        Assert.Equal(new ContextField("name", 22, 8, FieldKind.CharArray), target.Target.FindField("name"));
        Assert.Equal(new ContextField("dev", 32, 4, FieldKind.DataLocString), target.Target.FindField("dev"));
        Assert.Equal(new ContextField("delta", 44, 1, FieldKind.Signed), target.Target.FindField("delta"));
        Assert.Null(target.Target.FindField("saddr"));

        Assert.Equal(["saddr", "lengths", "rel", "buf"], target.Unsupported.Select(u => u.Name));
        Assert.Equal([2, 5, 6, 8], target.Unsupported.Select(u => u.ArgumentIndex ?? -1));
        Assert.Equal("field 'saddr' is __u8[4]: arrays of other than char are not supported yet", target.WhyUnsupported("arg2"));
        Assert.Equal(target.WhyUnsupported("saddr"), target.WhyUnsupported("arg2"));
        Assert.Contains("dynamic arrays of other than char", target.WhyUnsupported("lengths"));
        Assert.Contains("__rel_loc", target.WhyUnsupported("rel"));
        Assert.Contains("flexible array", target.WhyUnsupported("buf"));
        Assert.Null(target.WhyUnsupported("sport"));
    }

    [Fact]
    public void A_glob_leaves_out_events_without_an_id_and_ftraces_own()
    {
        // ftrace:print has an id file (as on Linux 6.18), but perf refuses ftrace's events.
        var targets = Scripts.Resolve("trace *:* { }", Scripts.WithTraceFs(root)).Targets;
        Assert.Equal(["inet_thing", "plain"], targets.Select(t => t.Target.ProbeName));
    }

    [Fact]
    public void An_event_without_an_id_named_alone_is_an_error()
    {
        var (message, at) = Scripts.Fails("trace ftrace:function { }", Scripts.WithTraceFs(root));
        Assert.StartsWith("perf cannot open tracepoint 'ftrace:function': it has no id file", message);
        Assert.Equal("ftrace:function", at);
        Assert.StartsWith("perf cannot open tracepoint 'ftrace:print'", Scripts.Fails("trace ftrace:print { }", Scripts.WithTraceFs(root)).Message);
    }

    [Fact]
    public void A_tracepoint_takes_no_arguments()
    {
        var (message, _) = Scripts.Fails("trace net:plain x=%di { }", Scripts.WithTraceFs(root));
        Assert.StartsWith("unexpected space in tracepoint 'net:plain x=%di'", message);
    }

    /// <summary>An event directory; ftrace's internal events have an ID line in their format but no id file.</summary>
    private void Write(string subsystem, string name, int id, string fields, bool idFile = true)
    {
        var directory = Path.Combine(root, "events", subsystem, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "format"), $"name: {name}\nID: {id}\n{Header}{fields}\nprint fmt: \"x\"\n");
        if (idFile)
        {
            File.WriteAllText(Path.Combine(directory, "id"), $"{id}\n");
        }
    }
}
