using Ktap.Bpf.Events;
using Ktap.Bpf.Programs;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Session;

/// <summary>
/// Every attachment of a session. Each is a file descriptor (a BPF link or a perf event), so
/// whatever way ktap ends, SIGKILL included, the kernel detaches it (DESIGN §3).
/// </summary>
internal sealed class Attachments : IDisposable
{
    private readonly List<IDisposable> links = [];

    public int Count => links.Count;

    /// <exception cref="Bpf.Sys.KernelException">The kernel refused; the message names the event.</exception>
    public void Attach(BpfProgram program, AttachPoint point)
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
            {
                var events = PerfEvents.OpenCpuClock(SampleRate.Period((ulong)c.IntervalNanoseconds));
                links.Add(events.Attach(program));
                break;
            }

            default:
                throw new ArgumentException($"unknown attach point {point}", nameof(point));
        }
    }

    /// <summary>Detaches everything: after this no handler runs.</summary>
    public void Dispose()
    {
        foreach (var link in links)
        {
            link.Dispose();
        }

        links.Clear();
    }
}
