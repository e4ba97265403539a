using System.Buffers.Binary;
using Ktap.Bpf.Tracing;
using Ktap.Bpf.Tracing.Output;

namespace Ktap.Runtime.Output;

/// <summary>
/// <c>argstr</c>: the tracepoint records handlers copy, rendered as a line of the kernel's
/// <c>trace</c> file without its header columns (<c>sched_switch: prev_comm=...</c>, or
/// <c>sys_openat(dfd: ...)</c> for a system call). The handler writes the event's id and the length
/// of its copy where the record's common header would be; each event's renderer is built when its
/// first record comes.
/// </summary>
public sealed class EventRecordRenderer(IEnumerable<EventFormat> formats)
{
    private readonly Dictionary<int, EventFormat> formats = formats.DistinctBy(f => f.Id).ToDictionary(f => f.Id);
    private readonly Dictionary<int, TraceRecordRenderer> renderers = [];

    /// <param name="copy">The copy a handler made: the event's id and the bytes copied (two u32) over the common header, then the record.</param>
    public string Render(ReadOnlySpan<byte> copy)
    {
        var id = BinaryPrimitives.ReadInt32LittleEndian(copy);
        var record = copy[..Math.Clamp(BinaryPrimitives.ReadInt32LittleEndian(copy[4..]), 8, copy.Length)];
        if (!renderers.TryGetValue(id, out var renderer))
        {
            if (!formats.TryGetValue(id, out var format))
            {
                return $"[event {id} without a format]";
            }

            renderer = TraceRecordRenderer.ForRunningKernel(format);
            renderers[id] = renderer;
        }

        return renderer.RenderLine(record);
    }
}
