using System.Diagnostics;
using System.Text;
using Ktap.Bpf.Tracing;
using Ktap.Bpf.Tracing.Output;
using Xunit.Abstractions;

namespace Ktap.Bpf.Tests.Tracing.Output;

public sealed class TraceRecordRendererKernelTests(ITestOutputHelper output)
{
    /// <summary>Events the workload below makes sure fire, and that must then render as the kernel does.</summary>
    private static readonly string[] RequiredEvents =
    [
        "sched:sched_switch",            // __print_flags inside ?: of a masked field, char arrays
        "sched:sched_wakeup",            // %03d
        "sched:sched_process_exec",      // __get_str
        "sched:sched_process_fork",
        "signal:signal_generate",
        "syscalls:sys_enter_openat",     // print_syscall_enter(), not the print format
        "syscalls:sys_exit_openat",      // print_syscall_exit()
        "raw_syscalls:sys_enter",        // REC->args[i]
        "timer:hrtimer_start",           // %ps, __print_symbolic of enum names only BTF knows
        "kmem:kmalloc",                  // %pS, a long __print_flags of gfp_t casts
    ];

    /// <summary>Events compared whenever they fire (interrupts, I/O and IPIs depend on the machine).</summary>
    private static readonly string[] OptionalEvents =
    [
        "sched:sched_waking",
        "timer:hrtimer_expire_entry",
        "timer:timer_start",             // %ps, arithmetic, __print_flags of a masked value
        "irq:irq_handler_entry",         // __get_str
        "workqueue:workqueue_queue_work",
        "block:block_rq_issue",          // __print_symbolic of enum names, __get_str
        "block:block_rq_complete",
        "writeback:writeback_dirty_inode", // __print_flags of enum names only BTF knows
        "ipi:ipi_send_cpu",              // %pS of a symbol and of NULL
    ];

    /// <summary>Subsystems whose events fire often, on any machine, without flooding the buffers.</summary>
    private static readonly string[] BusySubsystems =
    [
        "sched", "timer", "irq", "workqueue", "writeback", "block", "ext4", "jbd2", "filemap", "signal", "task",
        "ipi", "cgroup", "x86_fpu", "csd", "iomap", "readahead", "oom", "vmscan", "pagemap", "mmap", "rseq",
        "exceptions", "kmem", "percpu", "migrate", "compaction", "huge_memory", "printk", "power", "notifier",
    ];

    /// <summary>
    /// Slack between the trace buffer's timestamp and the program's bpf_ktime_get_ns() for one
    /// hit: both probes run back to back from the tracepoint, usually within a few microseconds
    /// (at most ~120 seen, with an interrupt in between).
    /// </summary>
    private const long ToleranceMicroseconds = 250;

    [KernelFact]
    public void RecordsRenderAsTheTraceFileShowsThem()
    {
        var catalog = TraceEventCatalog.Open();
        var names = RequiredEvents.Concat(OptionalEvents).Select(TraceEventName.Parse).ToList();
        var matched = CompareWithTraceFile(catalog, names);
        for (var i = 0; i < RequiredEvents.Length; i++)
        {
            Assert.True(matched[i] > 0, $"no {names[i]} record was compared: the workload did not make one");
        }
    }

    [KernelFact]
    public void EventsOfBusySubsystemsRenderAsTheTraceFileShowsThem()
    {
        // Every event of these subsystems that the workload or the machine fires meanwhile:
        // many more print formats, each compared wherever a record comes.
        // Detaching a perf tracepoint waits for an RCU grace period (perf_trace_event_unreg()),
        // tens of milliseconds each: only the events that fire get a program.
        var catalog = TraceEventCatalog.Open();
        var names = FiringEvents(BusySubsystems
            .SelectMany(s => catalog.Match(s + ":*"))
            .Where(n => TraceRecordRenderer.ForRunningKernel(catalog.GetFormat(n)).Unsupported.Count == 0)
            .ToList());
        Assert.True(names.Count >= 30, $"only {names.Count} events fired");
        var matched = CompareWithTraceFile(catalog, names);
        Assert.True(matched.Count(m => m > 0) >= 30, $"only {matched.Count(m => m > 0)} events were compared");
    }

    [KernelFact]
    public void EveryEventOfThisKernelRendersAZeroRecord()
    {
        var catalog = TraceEventCatalog.Open();
        var failures = new List<string>();
        var partial = new List<string>();
        var stopwatch = Stopwatch.StartNew();
        var count = 0;
        foreach (var name in catalog.Events)
        {
            EventFormat format;
            try
            {
                format = catalog.GetFormat(name);
            }
            catch (UnknownTraceEventException)
            {
                // An event removed (a module unloaded) since the list was read.
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                var renderer = TraceRecordRenderer.ForRunningKernel(format);
                var text = renderer.RenderLine(new byte[format.FixedSize]);
                Assert.NotNull(text);
                renderer.Render(Array.Empty<byte>());
                count++;
                if (renderer.Unsupported.Count > 0)
                {
                    partial.Add($"{name}: {string.Join(", ", renderer.Unsupported)}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"{name}: {e}");
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed > TimeSpan.FromSeconds(2))
            {
                failures.Add($"{name}: took {elapsed.TotalMilliseconds:F0} ms");
            }
        }

        output.WriteLine($"{count} events rendered in {stopwatch.ElapsedMilliseconds} ms; {partial.Count} with placeholders:");
        partial.ForEach(output.WriteLine);
        Assert.Empty(failures);
        Assert.True(count > 100, $"only {count} events: is tracefs complete?");
    }

    /// <summary>
    /// Enables the events in a trace instance of the test's own (unhashed pointers, the clock
    /// bpf_ktime_get_ns() reads), attaches a program copying each hit's raw record, turns the
    /// instance on for the workload only, then pairs every trace line with its record and checks
    /// that the record renders to the line's text. Returns how many matched, per event.
    /// </summary>
    private int[] CompareWithTraceFile(TraceEventCatalog catalog, IReadOnlyList<TraceEventName> names)
    {
        Assert.Equal(1_000_000_000, Stopwatch.Frequency);
        var formats = names.Select(catalog.GetFormat).ToList();
        var renderers = formats.Select(TraceRecordRenderer.ForRunningKernel).ToList();
        foreach (var renderer in renderers)
        {
            Assert.True(renderer.Unsupported.Count == 0, $"{renderer.Format.Name}: {string.Join(", ", renderer.Unsupported)}");
        }

        using var instance = TraceInstance.Create();
        instance.Write("tracing_on", "0");
        instance.Write("buffer_size_kb", "16384");
        instance.Write("trace_clock", "mono");
        instance.Write("options/hash-ptr", "0");
        foreach (var name in names)
        {
            instance.Enable(name);
        }

        // The instance records only while every program is attached, so each line has a record.
        List<CapturedRecord> records;
        ulong lost, misses;
        using (var capture = new RawRecordCapture(catalog, [.. names.Select((name, i) => (name, RecordSize(formats[i])))]))
        {
            capture.Record();
            instance.Write("tracing_on", "1");
            RunWorkload();
            instance.Write("tracing_on", "0");
            capture.Pause();
            records = [.. capture.Stop()];
            lost = capture.Lost;
            misses = capture.RecursionMisses();
        }

        var lines = TraceFileLine.Parse(instance.Read("trace"));

        // Pair each trace line with a record of the same event, CPU and thread at nearly the same
        // time. First every line whose record renders to exactly its text takes that record;
        // then a line left over with unused records near it is a mismatch (the renderer is
        // wrong), and one with none lost its record (the ring was full, or the kernel skipped
        // the program because another BPF program was running on that CPU).
        var candidates = records.ToLookup(r => (r.Event, r.Cpu, r.Tid));
        var used = new HashSet<CapturedRecord>(ReferenceEqualityComparer.Instance);
        var matched = new int[names.Count];
        var compared = lines
            .Select(line => (Line: line, Event: EventOf(line, renderers)))
            .Where(c => c.Event >= 0)
            .ToList();
        var leftOver = new List<(TraceFileLine Line, int Event)>();
        foreach (var (line, index) in compared)
        {
            var record = Near(candidates[(index, line.Cpu, line.Pid)], line, used)
                .FirstOrDefault(r => renderers[index].RenderLine(r.Bytes) == line.Text);
            if (record is null)
            {
                leftOver.Add((line, index));
                continue;
            }

            used.Add(record);
            matched[index]++;
        }

        var mismatches = new List<string>();
        var unmatched = new List<string>();
        foreach (var (line, index) in leftOver)
        {
            var near = Near(candidates[(index, line.Cpu, line.Pid)], line, used).ToList();
            if (near.Count == 0)
            {
                unmatched.Add($"[{line.Cpu}] {line.Pid} {line.Microseconds}: {line.Text}");
                continue;
            }

            used.Add(near[0]);
            mismatches.Add($"kernel:   {line.Text}\nrendered: {renderers[index].RenderLine(near[0].Bytes)}\nrecord:   {Convert.ToHexString(near[0].Bytes)}");
        }

        output.WriteLine(
            $"{compared.Count} trace lines compared ({lines.Count} in all), {records.Count} records, {unmatched.Count} lines without a record "
            + $"({lost} lost, {misses} skipped, {instance.Overruns()} overwritten in the trace buffer)");
        for (var i = 0; i < names.Count; i++)
        {
            output.WriteLine($"{names[i]}: {matched[i]} records rendered as the trace file shows them");
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} records render differently:\n{string.Join("\n\n", mismatches.Take(20))}");

        // A line without a record says nothing of the renderer (its record would have been left
        // over near it, a mismatch): the capture missed the hit. Besides the misses the kernel
        // counts, perf drops a hit that interrupts a perf event at the same level
        // (perf_swevent_get_recursion_context()), uncounted. Many would mean a broken capture.
        Assert.True(
            (ulong)unmatched.Count <= (ulong)(compared.Count / 50) + lost + misses,
            $"{unmatched.Count} of {compared.Count} trace lines have no captured record ({lost} lost, {misses} skipped):\n{string.Join("\n", unmatched.Take(20))}");
        return matched;
    }

    /// <summary>The events, of <paramref name="candidates"/>, that the workload makes fire.</summary>
    private static List<TraceEventName> FiringEvents(IReadOnlyList<TraceEventName> candidates)
    {
        using var instance = TraceInstance.Create();
        instance.Write("tracing_on", "0");
        foreach (var name in candidates)
        {
            instance.Enable(name);
        }

        instance.Write("tracing_on", "1");
        RunWorkload();
        instance.Write("tracing_on", "0");
        var fired = TraceFileLine.Parse(instance.Read("trace"))
            .Select(line => line.Text[..Math.Max(0, line.Text.IndexOf(": ", StringComparison.Ordinal))])
            .ToHashSet(StringComparer.Ordinal);
        return [.. candidates.Where(name => fired.Contains(name.Event))];
    }

    /// <summary>The unused records within the tolerance of the line's time, nearest first.</summary>
    private static IEnumerable<CapturedRecord> Near(IEnumerable<CapturedRecord> candidates, TraceFileLine line, HashSet<CapturedRecord> used) =>
        candidates
            .Where(r => !used.Contains(r) && Math.Abs((r.Nanoseconds / 1000) - line.Microseconds) <= ToleranceMicroseconds)
            .OrderBy(r => Math.Abs((r.Nanoseconds / 1000) - line.Microseconds));

    /// <summary>
    /// The index of the event a trace line shows, from how its text starts (<c>sched_switch: </c>,
    /// <c>sys_openat(</c>, <c>sys_openat -&gt; </c>); -1 for an event the test did not ask for.
    /// </summary>
    private static int EventOf(TraceFileLine line, IReadOnlyList<TraceRecordRenderer> renderers)
    {
        for (var i = 0; i < renderers.Count; i++)
        {
            var format = renderers[i].Format;
            var prefix = renderers[i].PrintsEventName
                ? format.Name + ": "
                : format.Name.StartsWith("sys_enter_", StringComparison.Ordinal)
                    ? "sys_" + format.Name["sys_enter_".Length..] + "("
                    : "sys_" + format.Name["sys_exit_".Length..] + " -> ";
            if (line.Text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Bytes to copy of a record: the fixed part, and room for dynamic data if the event has any.</summary>
    private static int RecordSize(EventFormat format)
    {
        var size = format.FixedSize + (format.Fields.Any(f => f.Storage != FieldStorage.Inline) ? 512 : 0);
        return (size + 7) & ~7;
    }

    /// <summary>
    /// Forks and execs, opens files, writes and syncs a file with direct I/O, sleeps (an hrtimer),
    /// and hops between CPUs: every required event fires, most optional ones too.
    /// </summary>
    private static void RunWorkload()
    {
        // Under the test's own folder: on a disk (for block and writeback events), unlike a tmpfs /tmp.
        var directory = Path.Combine(AppContext.BaseDirectory, $"ktap-render-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        try
        {
            var script = new StringBuilder()
                .Append("for i in 1 2 3 4 5; do cat /dev/null; done; ")
                .Append("dd if=/dev/zero of=data bs=4096 count=16 oflag=direct conv=fsync status=none; ")
                .Append("echo more >> data; sync; sleep 0.02; ")
                .Append("taskset -c 0 true; taskset -c 1 true 2>/dev/null; true")
                .ToString();
            var (status, _, errors) = Tool.RunForStatus("sh", "-c", $"cd '{directory}' && {{ {script}; }}");
            Assert.True(status == 0, $"the workload failed: {errors}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
