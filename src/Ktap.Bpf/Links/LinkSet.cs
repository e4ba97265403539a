using System.Collections;

namespace Ktap.Bpf.Links;

/// <summary>The links of one program on several perf events (a sampling timer on each CPU). Disposing detaches them all.</summary>
public sealed class LinkSet(IEnumerable<Link> links) : IReadOnlyList<Link>, IDisposable
{
    private readonly List<Link> links = [.. links];

    public int Count => links.Count;

    public Link this[int index] => links[index];

    public void Dispose()
    {
        foreach (var link in links)
        {
            link.Dispose();
        }
    }

    public IEnumerator<Link> GetEnumerator() => links.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
