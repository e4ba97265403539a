using Ktap.Bpf.Maps;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.RingBuffer;

/// <summary>Called with each record; the span is only valid during the call.</summary>
public delegate void RecordHandler(ReadOnlySpan<byte> record);

/// <summary>
/// Consumes a BPF ring buffer map (kernel/bpf/ringbuf.c) through shared memory: the consumer
/// position page is mapped read-write, the producer position page and the data read-only. The
/// kernel maps the data area twice in a row, so a record that wraps around the end is still
/// contiguous in our view.
/// </summary>
public sealed unsafe class RingBufferReader : IDisposable
{
    /// <summary>Header bit 31: the producer has reserved the record and not yet committed it.</summary>
    private const uint BusyBit = 1u << 31;

    /// <summary>Header bit 30: the producer discarded the record; skip it.</summary>
    private const uint DiscardBit = 1u << 30;

    private const int HeaderSize = 8;

    private readonly MemoryMapping consumer;
    private readonly MemoryMapping producer;
    private readonly ulong mask;

    public RingBufferReader(BpfMap map)
    {
        if (map.Spec.Type != MapType.RingBuffer)
        {
            throw new ArgumentException($"map '{map.Spec.Name}' is not a ring buffer", nameof(map));
        }

        Map = map;
        var page = (nuint)MemoryMapping.PageSize;
        var size = map.Spec.MaxEntries;
        mask = size - 1;
        consumer = MemoryMapping.Map(map.Handle, page, MemoryMapping.ProtRead | MemoryMapping.ProtWrite, 0);

        // Mapping the producer page writable is refused (EPERM): it belongs to the kernel.
        producer = MemoryMapping.Map(map.Handle, page + (2 * (nuint)size), MemoryMapping.ProtRead, (long)page);
    }

    public BpfMap Map { get; }

    private ulong* ConsumerPosition => (ulong*)consumer.Pointer;

    private ulong* ProducerPosition => (ulong*)producer.Pointer;

    private byte* Data => producer.Pointer + MemoryMapping.PageSize;

    /// <summary>Hands every committed record to <paramref name="handler"/>, in order; returns how many.</summary>
    public int Consume(RecordHandler handler) => Consume(handler, int.MaxValue, untilNow: false);

    /// <summary>
    /// Hands committed records to <paramref name="handler"/>, in order, up to
    /// <paramref name="limit"/> of them (a consumer under a flood of records must stop to do
    /// other work); returns how many.
    /// </summary>
    public int Consume(RecordHandler handler, int limit) => Consume(handler, limit, untilNow: false);

    /// <summary>
    /// Hands <paramref name="handler"/> the records committed when the call starts, not those
    /// that come while it runs (which, under a flood, would never end); returns how many.
    /// </summary>
    public int ConsumeCommitted(RecordHandler handler) => Consume(handler, int.MaxValue, untilNow: true);

    private int Consume(RecordHandler handler, int limit, bool untilNow)
    {
        var count = 0;
        var consumerPosition = Volatile.Read(ref *ConsumerPosition);
        while (true)
        {
            // Acquire: the records up to the producer position are fully written.
            var producerPosition = Volatile.Read(ref *ProducerPosition);
            if (consumerPosition >= producerPosition)
            {
                return count;
            }

            while (consumerPosition < producerPosition)
            {
                if (count >= limit)
                {
                    return count;
                }

                var header = Data + (consumerPosition & mask);
                var length = Volatile.Read(ref *(uint*)header);
                if ((length & BusyBit) != 0)
                {
                    // Reserved but not committed yet: records after it must wait their turn.
                    return count;
                }

                var size = length & ~(BusyBit | DiscardBit);
                if ((length & DiscardBit) == 0)
                {
                    handler(new ReadOnlySpan<byte>(header + HeaderSize, (int)size));
                    count++;
                }

                consumerPosition += (HeaderSize + size + 7) & ~7u;

                // Release: the kernel may reuse the space once it sees the new position.
                Volatile.Write(ref *ConsumerPosition, consumerPosition);
            }

            if (untilNow)
            {
                return count;
            }
        }
    }

    /// <summary>Bytes committed and not yet consumed.</summary>
    public ulong Pending => Volatile.Read(ref *ProducerPosition) - Volatile.Read(ref *ConsumerPosition);

    public void Dispose()
    {
        consumer.Dispose();
        producer.Dispose();
    }
}
