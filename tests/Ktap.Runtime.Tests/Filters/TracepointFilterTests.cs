using System.Globalization;
using Ktap.Bpf.Events;
using Ktap.Bpf.Tracing;
using Ktap.Compiler.Events;
using Ktap.Compiler.Filters;

namespace Ktap.Runtime.Tests.Filters;

/// <summary>
/// Filters compiled into tracepoint programs that count events in a map, attached to real
/// tracepoints while a child process makes a known list of system calls. Filters that are not
/// about other processes start with <c>common_pid == CHILD</c> (written <c>PID</c> below), so the
/// count is exact whatever else runs on the machine.
/// </summary>
public sealed class TracepointFilterTests
{
    private const string Seeks = "seek 7 0 5 seek 8 1 3 seek 9 2 2 seek 1 3 4";

    private static readonly Lazy<TraceEventCatalog> Catalog = new(TraceEventCatalog.Open);

    [KernelTheory]
    [InlineData("offset == 7", 5)]
    [InlineData("offset != 7", 9)]
    [InlineData("offset < 8", 9)]
    [InlineData("offset <= 8", 12)]
    [InlineData("offset > 8", 2)]
    [InlineData("offset >= 8", 5)]
    [InlineData("whence & 2", 6)]
    [InlineData("!(whence & 2)", 8)]
    [InlineData("whence & 1 && offset != 1", 3)]
    [InlineData("offset == 7 || whence == 3", 9)]
    [InlineData("!(offset == 7 || whence == 3)", 5)]
    [InlineData("(offset == 8 || offset == 9) && whence >= 2", 2)]
    [InlineData("offset == 0x7 || offset == 011", 7)]
    public void IntegerFieldsOfSysEnterLseek(string filter, int expected) =>
        Assert.Equal(expected, Count("syscalls:sys_enter_lseek", $"common_pid == PID && ({filter})", Seeks));

    [KernelTheory]
    [InlineData("ret < 0", 3)]
    [InlineData("ret == -9", 3)]
    [InlineData("ret >= 0", 14)]
    [InlineData("ret <= -10", 0)]
    [InlineData("ret & 0x8000000000000000", 3)]
    [InlineData("!(ret & 0x8000000000000000)", 14)]
    [InlineData("ret == 0xfffffffffffffff7", 3)]
    public void ASignedReturnValueOfSysExitLseek(string filter, int expected) =>
        Assert.Equal(expected, Count("syscalls:sys_exit_lseek", $"common_pid == PID && {filter}", Seeks + " badseek 3"));

    [KernelTheory]
    [InlineData("newcomm == \"ktap-a\"", 2)]
    [InlineData("newcomm != \"ktap-a\"", 8)]
    [InlineData("newcomm ~ \"ktap-*\"", 5)]
    [InlineData("newcomm ~ \"*-b\"", 3)]
    [InlineData("newcomm ~ \"*tap*\"", 6)]
    [InlineData("newcomm ~ \"!*tap*\"", 4)]
    [InlineData("newcomm == \"ktap-\"", 0)]
    [InlineData("oldcomm == \"workload\"", 1)]
    [InlineData("oldcomm == \"ktap-a\"", 2)]
    [InlineData("oldcomm ~ \"*ktap*\" && newcomm ~ \"*ktap*\"", 5)]
    [InlineData("pid == PID", 10)]
    [InlineData("oom_score_adj > 100", 4)]
    [InlineData("oom_score_adj < 0", 0)]
    [InlineData("oom_score_adj >= -1", 10)]
    public void CharArrayFieldsOfTaskRename(string filter, int expected) =>
        Assert.Equal(
            expected,
            Count("task:task_rename", $"common_pid == PID && {filter}", "name ktap-a 2 name ktap-b 3 name x-ktap 1 oom 500 name other 4"));

    [KernelTheory]
    [InlineData("comm == \"ktap-c\"", 4)]
    [InlineData("comm != \"ktap-c\"", 2)]
    [InlineData("comm ~ \"*-d\"", 2)]
    [InlineData("COMM ~ \"ktap*\"", 6)]
    [InlineData("comm ~ \"*ap-*\" && offset == 6", 2)]
    public void TheCurrentTasksComm(string filter, int expected) =>
        Assert.Equal(
            expected, Count("syscalls:sys_enter_lseek", $"common_pid == PID && {filter}", "name ktap-c 1 seek 5 0 4 name ktap-d 1 seek 6 0 2"));

    [KernelTheory]
    [InlineData("filename.ustring == \"/dev/null\"", 3)]
    [InlineData("filename.ustring != \"/dev/null\"", 3)]
    [InlineData("filename.ustring ~ \"/dev/*\"", 6)]
    [InlineData("filename.ustring ~ \"*ro\"", 2)]
    [InlineData("filename.ustring ~ \"*ev/nu*\"", 3)]
    [InlineData("filename.ustring == \"/dev/nul\"", 0)]
    [InlineData("dfd == -100", 6)]
    public void UserStringsThroughSysEnterOpenat(string filter, int expected) =>
        Assert.Equal(
            expected, Count("syscalls:sys_enter_openat", $"common_pid == PID && {filter}", "open /dev/null 3 open /dev/zero 2 open /dev/full 1"));

    [KernelTheory]
    [InlineData("filename == \"DIR/alpha\"", 3)]
    [InlineData("filename ~ \"*/DIRNAME/beta\"", 2)]
    [InlineData("filename ~ \"DIR/*\"", 5)]
    [InlineData("filename ~ \"*DIRNAME*\"", 5)]
    [InlineData("filename != \"DIR/alpha\" && filename ~ \"DIR/*\"", 2)]
    [InlineData("filename == \"DIR/alph\" || filename == \"DIR/alphaa\"", 0)]
    public void DataLocStringsOfSchedProcessExec(string filter, int expected)
    {
        // Paths nobody else on the machine executes, so no pid filter is needed.
        var name = "ktap-exec-" + Guid.NewGuid().ToString("n")[..12];
        var directory = Path.Combine(Path.GetTempPath(), name);
        Directory.CreateDirectory(directory);
        try
        {
            File.CreateSymbolicLink(Path.Combine(directory, "alpha"), "/bin/true");
            File.CreateSymbolicLink(Path.Combine(directory, "beta"), "/bin/true");
            var text = filter.Replace("DIRNAME", name, StringComparison.Ordinal).Replace("DIR", directory, StringComparison.Ordinal);
            Assert.Equal(expected, Count("sched:sched_process_exec", text, $"exec {directory}/alpha 3 exec {directory}/beta 2"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [KernelFact]
    public void AnUnalignedFieldIsReadThroughTheStack()
    {
        // A made-up u32 at offset 13 of task_rename's record: bytes 1-4 of oldcomm, "tap-" in
        // "ktap-a" and "ktap-b". No real event has such a field, but packed records do.
        var real = FilterPrograms.Tracepoint(Catalog.Value, Name("task:task_rename"));
        var target = real with { Fields = [.. real.Fields, new ContextField("odd", 13, 4, FieldKind.Unsigned)] };
        Assert.Equal(
            5,
            Count("task:task_rename", "common_pid == PID && odd == 0x2d706174", "name ktap-a 2 name ktap-b 3 name x-ktap 1", target));
    }

    /// <summary>Runs the workload with a counting program for <paramref name="filter"/> on the tracepoint; returns the count.</summary>
    private static int Count(string tracepoint, string filter, string actions, ProbeTarget? target = null)
    {
        var name = Name(tracepoint);
        using var workload = FilterWorkload.Start(actions);
        var text = filter.Replace("PID", workload.Pid.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var parsed = FilterParser.Parse(text, 0, target ?? FilterPrograms.Tracepoint(Catalog.Value, name));
        using var counter = FilterPrograms.CreateCounter();
        using var program = FilterPrograms.LoadCounter(parsed, counter);
        using (PerfEvents.OpenTracepoint(Catalog.Value, name).Attach(program))
        {
            workload.Go();
        }

        return (int)FilterPrograms.Read(counter);
    }

    private static TraceEventName Name(string text) => new(text[..text.IndexOf(':')], text[(text.IndexOf(':') + 1)..]);
}
