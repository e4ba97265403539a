using Ktap.Bpf.Events;
using Ktap.Bpf.Links;
using Ktap.Bpf.Programs;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Session;

/// <summary>
/// Every attachment of a session. Each is a file descriptor (a BPF link or a perf event), so
/// whatever way ktap ends, SIGKILL included, the kernel detaches it (DESIGN §3).
/// </summary>
/// <remarks>
/// Detaching costs RCU grace periods in the kernel, tens of milliseconds each:
/// perf_event_detach_bpf_prog calls synchronize_rcu_tasks_trace, and closing the last perf event
/// of a tracepoint calls tracepoint_synchronize_unregister under event_mutex. Links closed from
/// several threads at once share their grace periods; perf events close one after the other
/// whatever we do. So the programs go first, in parallel (<see cref="Detach"/>), and the session
/// prints its last output before the perf events close (<see cref="Dispose"/>).
/// </remarks>
internal sealed class Attachments : IDisposable
{
    /// <summary>Threads that close descriptors at once: enough to share grace periods, few enough to start quickly.</summary>
    private const int CloseThreads = 32;

    private readonly List<Link> links = [];

    public int Count => links.Count;

    /// <param name="cpu">With <c>-C</c>: the one CPU a sampling event opens on.</param>
    /// <exception cref="Bpf.Sys.KernelException">The kernel refused; the message names the event.</exception>
    public void Attach(BpfProgram program, AttachPoint point, int? cpu = null)
    {
        switch (point)
        {
            case TracepointAttach t:
                links.Add(PerfEvents.OpenTracepoint(t.Id, $"{t.Subsystem}:{t.Event}").Attach(program));
                break;
            case KprobeAttach k:
                links.Add(PerfEvents.OpenKprobe(k.Symbol, 0, k.IsReturn).Attach(program));
                break;
            case UprobeAttach u:
                links.Add(PerfEvents.OpenUprobe(u.Path, u.Offset, u.IsReturn, -1, u.SemaphoreOffset ?? 0).Attach(program));
                break;
            case CpuClockAttach c:
                links.AddRange(PerfEvents.OpenCpuClock(SampleRate.Period((ulong)c.IntervalNanoseconds), cpu ?? -1).Attach(program));
                break;
            default:
                throw new ArgumentException($"unknown attach point {point}", nameof(point));
        }
    }

    /// <summary>Attaches <paramref name="program"/> (a RawTracepoint program) to the raw tracepoint <paramref name="name"/>.</summary>
    public void AttachRawTracepoint(BpfProgram program, string name) => links.Add(Link.AttachRawTracepoint(program, name));

    /// <summary>Detaches every program: after this no handler runs. The perf events stay open until <see cref="Dispose"/>.</summary>
    public void Detach() => InParallel(links, link => link.Detach());

    /// <summary>Detaches everything and closes every perf event.</summary>
    public void Dispose()
    {
        InParallel(links, link => link.Dispose());
        links.Clear();
    }

    private static void InParallel(List<Link> items, Action<Link> action)
    {
        if (items.Count <= 1)
        {
            items.ForEach(action);
            return;
        }

        var next = -1;
        var threads = Enumerable.Range(0, Math.Min(CloseThreads, items.Count))
            .Select(_ => new Thread(
                () =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < items.Count)
                    {
                        action(items[i]);
                    }
                },
                64 * 1024))
            .ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }
}
