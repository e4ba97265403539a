using Ktap.Bpf.Tracing;
using Ktap.Runtime.Listing;

namespace Ktap.Runtime.Tests.Listing;

/// <summary>ktap -lv on a tracepoint whose fields ktap cannot all read: each field says what a handler gets.</summary>
public sealed class TracepointFieldsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("ktap-list-tracefs-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void FieldsAfterOneKtapCannotReadHaveNoArgNumber()
    {
        var directory = Path.Combine(root, "events", "net", "thing");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "format"), """
            name: thing
            ID: 1001
            format:
            	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
            	field:int common_pid;	offset:4;	size:4;	signed:1;

            	field:const void * skaddr;	offset:8;	size:8;	signed:0;
            	field:__u8 saddr[4];	offset:16;	size:4;	signed:0;
            	field:char name[8];	offset:20;	size:8;	signed:1;

            print fmt: "x"
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        var output = new StringWriter();
        TracepointFields.Write(new TraceEventCatalog(root), new TraceEventName("net", "thing"), output);
        Assert.Equal(
            "    arg0  const void * skaddr\n" +
            "          __u8 saddr[4]  (field 'saddr' is __u8[4]: arrays of other than char are not supported yet)\n" +
            "          char name[8]\n" +
            "    common fields: unsigned short common_type, int common_pid\n",
            output.ToString().Replace("\r", string.Empty, StringComparison.Ordinal));
    }
}
