using System.Collections;
using Ktap.Bpf.Links;
using Ktap.Bpf.Programs;

namespace Ktap.Bpf.Events;

/// <summary>
/// The perf events of one probe that needs a descriptor per CPU (sampling timers). Disposing
/// closes them all.
/// </summary>
public sealed class PerfEventSet : IReadOnlyList<PerfEvent>, IDisposable
{
    private readonly List<PerfEvent> events;

    public PerfEventSet(IEnumerable<PerfEvent> events) => this.events = [.. events];

    public int Count => events.Count;

    public PerfEvent this[int index] => events[index];

    /// <summary>
    /// Attaches <paramref name="program"/> to every event and enables them; the links own the
    /// events from then on. On a failure, what was attached is detached again.
    /// </summary>
    public LinkSet Attach(BpfProgram program, ulong cookie = 0, AttachMode mode = AttachMode.Auto)
    {
        var links = new List<Link>(events.Count);
        try
        {
            foreach (var perfEvent in events)
            {
                links.Add(Link.AttachPerfEvent(program, perfEvent, cookie, mode));
            }
        }
        catch
        {
            foreach (var link in links)
            {
                link.Dispose();
            }

            throw;
        }

        return new LinkSet(links);
    }

    public void Dispose()
    {
        foreach (var perfEvent in events)
        {
            perfEvent.Dispose();
        }
    }

    public IEnumerator<PerfEvent> GetEnumerator() => events.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
