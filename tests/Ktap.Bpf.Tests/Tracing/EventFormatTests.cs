using Ktap.Bpf.Tracing;

namespace Ktap.Bpf.Tests.Tracing;

public sealed class EventFormatTests
{
    // Linux 6.18's events/sched/sched_process_exec/format, with a made-up __rel_loc field added.
    private const string ProcessExec = """
        name: sched_process_exec
        ID: 365
        format:
        	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
        	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
        	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
        	field:int common_pid;	offset:4;	size:4;	signed:1;

        	field:__data_loc char[] filename;	offset:8;	size:4;	signed:0;
        	field:pid_t pid;	offset:12;	size:4;	signed:1;
        	field:pid_t old_pid;	offset:16;	size:4;	signed:1;
        	field:__rel_loc u8[] blob;	offset:20;	size:4;	signed:0;
        	field:u8 addr[ADDR_LEN];	offset:24;	size:6;	signed:0;
        	field:const char *const * argv;	offset:32;	size:8;	signed:0;

        print fmt: "filename=%s pid=%d old_pid=%d", __get_str(filename), REC->pid, REC->old_pid
        """;

    private static readonly Lazy<TraceEventCatalog> Catalog = new(TraceEventCatalog.Open);

    [Fact]
    public void ParsesNameIdFieldsAndPrintFormat()
    {
        var format = EventFormat.Parse(ProcessExec);
        Assert.Equal("sched_process_exec", format.Name);
        Assert.Equal(365, format.Id);
        Assert.Equal(10, format.Fields.Count);
        Assert.Equal(4, format.Fields.Count(f => f.IsCommon));
        Assert.Equal(["filename", "pid", "old_pid", "blob", "addr", "argv"], format.EventFields.Select(f => f.Name));
        Assert.Equal("filename=%s pid=%d old_pid=%d", format.PrintFormatString);
        Assert.Equal(["__get_str(filename)", "REC->pid", "REC->old_pid"], format.PrintArguments);
        Assert.StartsWith("\"filename=%s", format.PrintFormat, StringComparison.Ordinal);
        Assert.Equal(40, format.FixedSize);
    }

    [Fact]
    public void DataLocAndRelLocFieldsAreDynamicArrays()
    {
        var format = EventFormat.Parse(ProcessExec);
        var filename = format.Field("filename")!;
        Assert.Equal(FieldStorage.DataLoc, filename.Storage);
        Assert.Equal("__data_loc char[]", filename.Type);
        Assert.Equal("__data_loc char[] filename", filename.Declaration);
        Assert.Equal("char", filename.ElementType);
        Assert.True(filename.IsArray);
        Assert.True(filename.IsString);
        Assert.Null(filename.ArrayLength);
        Assert.Equal((8, 4), (filename.Offset, filename.Size));

        var blob = format.Field("blob")!;
        Assert.Equal(FieldStorage.RelLoc, blob.Storage);
        Assert.Equal("u8", blob.ElementType);
        Assert.False(blob.IsString);
    }

    [Fact]
    public void ArrayLengthFollowsFromTheSizeWhenTheKernelWritesAMacro()
    {
        var addr = EventFormat.Parse(ProcessExec).Field("addr")!;
        Assert.Equal("u8[ADDR_LEN]", addr.Type);
        Assert.Equal(6, addr.ArrayLength);
    }

    [Fact]
    public void PointerToPointerKeepsItsWholeType()
    {
        var argv = EventFormat.Parse(ProcessExec).Field("argv")!;
        Assert.Equal("const char *const *", argv.Type);
        Assert.True(argv.IsPointer);
        Assert.False(argv.IsArray);
    }

    [Fact]
    public void TextWithoutANameIsRefused() =>
        Assert.Throws<FormatException>(() => EventFormat.Parse("ID: 3\nformat:\n"));

    [KernelFact]
    public void SysEnterOpenatHasTheSyscallLayout()
    {
        var format = Catalog.Value.GetFormat(new("syscalls", "sys_enter_openat"));
        Assert.Equal(Catalog.Value.GetId(new("syscalls", "sys_enter_openat")), format.Id);
        Assert.True(format.Id > 0);

        Assert.Equal(["common_type", "common_flags", "common_preempt_count", "common_pid"], format.Fields.Where(f => f.IsCommon).Select(f => f.Name));
        var nr = format.Field("__syscall_nr")!;
        Assert.Equal(("int", 8, 4, true), (nr.Type, nr.Offset, nr.Size, nr.IsSigned));
        var dfd = format.Field("dfd")!;
        Assert.Equal((16, 8), (dfd.Offset, dfd.Size));
        var filename = format.Field("filename")!;
        Assert.Equal(("const char *", "const char * filename", 24, 8), (filename.Type, filename.Declaration, filename.Offset, filename.Size));
        Assert.True(filename.IsPointer);
        Assert.False(filename.IsString);
        Assert.Equal(32, format.Field("flags")!.Offset);
        Assert.Equal(40, format.Field("mode")!.Offset);
        Assert.Equal(["__syscall_nr", "dfd", "filename", "flags", "mode"], format.EventFields.Select(f => f.Name));
        Assert.Contains("filename: 0x%08lx", format.PrintFormatString, StringComparison.Ordinal);
        Assert.Equal(4, format.PrintArguments.Count);
    }

    [KernelFact]
    public void SchedSwitchHasCommArrays()
    {
        var format = Catalog.Value.GetFormat(new("sched", "sched_switch"));
        var comm = format.Field("prev_comm")!;
        Assert.Equal(("char prev_comm[16]", "char[16]", "char"), (comm.Declaration, comm.Type, comm.ElementType));
        Assert.True(comm.IsArray);
        Assert.True(comm.IsString);
        Assert.Equal(16, comm.ArrayLength);
        Assert.Equal((8, 16), (comm.Offset, comm.Size));
        Assert.Equal(FieldStorage.Inline, comm.Storage);
        Assert.True(format.Field("prev_pid")!.IsSigned);
        Assert.Equal("REC->prev_comm", format.PrintArguments[0]);
    }

    [KernelFact]
    public void SchedProcessExecHasADataLocFilename()
    {
        var filename = Catalog.Value.GetFormat(new("sched", "sched_process_exec")).Field("filename")!;
        Assert.Equal(FieldStorage.DataLoc, filename.Storage);
        Assert.Equal("__data_loc char[] filename", filename.Declaration);
        Assert.True(filename.IsString);
        Assert.Equal(4, filename.Size);
    }

    [KernelFact]
    public void EveryEventFormatOnThisKernelParses()
    {
        var catalog = Catalog.Value;
        var parsed = 0;
        foreach (var name in catalog.Events)
        {
            var format = catalog.GetFormat(name);
            Assert.Equal(name.Event, format.Name);
            Assert.Equal(4, format.Fields.Count(f => f.IsCommon));
            foreach (var field in format.Fields)
            {
                // Only a trailing flexible array (ftrace:print's "char buf[]") takes no room.
                var flexible = field is { IsArray: true, ArrayLength: null, Storage: FieldStorage.Inline };
                Assert.True((field.Size > 0 || flexible) && field.Offset >= 0, $"{name}.{field.Name}");
                if (field.Storage != FieldStorage.Inline)
                {
                    Assert.Equal(4, field.Size);
                }

                if (field is { ArrayLength: { } length } && field.Storage == FieldStorage.Inline)
                {
                    Assert.Equal(0, field.Size % length);
                }
            }

            parsed++;
        }

        Assert.True(parsed > 1000, $"only {parsed} events");
    }
}
