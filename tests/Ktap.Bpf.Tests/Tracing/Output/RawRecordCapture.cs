using System.Buffers.Binary;
using System.Diagnostics;
using Ktap.Bpf.Asm;
using Ktap.Bpf.Events;
using Ktap.Bpf.Links;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.RingBuffer;
using Ktap.Bpf.Sys;
using Ktap.Bpf.Tests.Events;
using Ktap.Bpf.Tracing;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Tracing.Output;

/// <summary>A raw record as a tracepoint program saw it, with when, where and for whom it fired.</summary>
internal sealed record CapturedRecord(int Event, long Nanoseconds, int Cpu, int Tid, byte[] Bytes);

/// <summary>
/// Copies the raw record of every hit of some tracepoints into a ring buffer: one Tracepoint
/// program per event, built with Ktap.Bpf.Asm, reserves <c>24 + size</c> bytes, writes
/// <c>bpf_ktime_get_ns()</c>, the CPU, the thread id and the event's index, then
/// <c>bpf_probe_read_kernel()</c>s <c>size</c> bytes from its context. A thread polls the ring
/// while the capture runs. Records the ring had no room for are counted.
/// </summary>
internal sealed class RawRecordCapture : IDisposable
{
    private const int HeaderSize = 24;
    private const uint RingSize = 64 << 20;

    /// <summary>
    /// BPF_RB_NO_WAKEUP: a wakeup is an irq_work, and its IPI is a traced event fired while this
    /// program runs, which the kernel then skips for this program (bpf_prog_active). The
    /// drainer polls instead.
    /// </summary>
    private const int NoWakeup = 1;

    private readonly BpfMap ring;
    private readonly CounterMap lost;
    private readonly List<BpfProgram> programs = [];
    private readonly List<Link> links = [];
    private readonly List<CapturedRecord> records = [];
    private readonly RingBufferReader reader;
    private readonly Thread drainer;
    private volatile bool stopping;
    private long keepFrom = long.MaxValue;
    private long keepUntil = long.MaxValue;

    public RawRecordCapture(TraceEventCatalog catalog, IReadOnlyList<(TraceEventName Name, int Size)> events)
    {
        ring = BpfMap.Create(new MapSpec(MapType.RingBuffer, 0, 0, RingSize, "ktap_t_raw"));
        lost = CounterMap.Create(1);
        reader = new RingBufferReader(ring);
        for (var i = 0; i < events.Count; i++)
        {
            programs.Add(BpfProgram.Load(new ProgramSpec(ProgramType.Tracepoint, CopyRecord(i, events[i].Size), "ktap_t_rawrec")));
        }

        drainer = new Thread(Drain) { IsBackground = true, Name = "ring drain" };
        drainer.Start();
        for (var i = 0; i < events.Count; i++)
        {
            links.Add(PerfEvents.OpenTracepoint(catalog, events[i].Name).Attach(programs[i]));
        }
    }

    public ulong Lost => lost.Read(0);

    /// <summary>
    /// Starts keeping records (as of now in CLOCK_MONOTONIC, bpf_ktime_get_ns()'s clock and
    /// Stopwatch's on Linux); records from before are dropped as they are drained. Loading and
    /// attaching hundreds of programs takes a while, and busy events would fill memory with
    /// records nobody compares.
    /// </summary>
    public void Record() => Volatile.Write(ref keepFrom, Stopwatch.GetTimestamp());

    /// <summary>Stops keeping records: those from after now are dropped (detaching takes a while too).</summary>
    public void Pause() => Volatile.Write(ref keepUntil, Stopwatch.GetTimestamp());

    /// <summary>Detaches the programs, drains what is left and returns every record.</summary>
    public IReadOnlyList<CapturedRecord> Stop()
    {
        foreach (var link in links)
        {
            link.Dispose();
        }

        links.Clear();
        stopping = true;
        drainer.Join();
        reader.Consume(Keep);
        return records;
    }

    /// <summary>How often the kernel skipped the programs because another BPF program was running on that CPU (bpf_prog_active).</summary>
    public unsafe ulong RecursionMisses()
    {
        ulong misses = 0;
        foreach (var program in programs)
        {
            var info = default(ProgInfoNative);
            var attribute = new GetInfoAttr { BpfFd = (uint)program.Handle.Fd, InfoLen = (uint)sizeof(ProgInfoNative), Info = (ulong)(&info) };
            BpfSyscall.Invoke(BpfCommand.ObjGetInfoByFd, ref attribute);
            misses += info.RecursionMisses;
        }

        return misses;
    }

    public void Dispose()
    {
        foreach (var link in links)
        {
            link.Dispose();
        }

        stopping = true;
        if (drainer.IsAlive)
        {
            drainer.Join();
        }

        foreach (var program in programs)
        {
            program.Dispose();
        }

        reader.Dispose();
        ring.Dispose();
        lost.Dispose();
    }

    private void Drain()
    {
        while (!stopping)
        {
            if (reader.Consume(Keep) == 0)
            {
                Thread.Sleep(1);
            }
        }
    }

    private void Keep(ReadOnlySpan<byte> record)
    {
        var nanoseconds = BinaryPrimitives.ReadInt64LittleEndian(record);
        if (nanoseconds >= Volatile.Read(ref keepFrom) && nanoseconds <= Volatile.Read(ref keepUntil))
        {
            records.Add(new CapturedRecord(
                BinaryPrimitives.ReadInt32LittleEndian(record[16..]),
                nanoseconds,
                BinaryPrimitives.ReadInt32LittleEndian(record[8..]),
                BinaryPrimitives.ReadInt32LittleEndian(record[12..]),
                record[HeaderSize..].ToArray()));
        }
    }

    private IReadOnlyList<Instruction> CopyRecord(int index, int size) => new ProbeAssembly()
        .Emit(Mov64(Register.R6, Register.R1))
        .Emit(LoadMapFd(Register.R1, ring.Handle.Fd))
        .Emit(Mov64(Register.R2, HeaderSize + size), Mov64(Register.R3, 0))
        .Call(HelperFunction.RingbufReserve)
        .JumpImm(JumpOperation.Jeq, Register.R0, 0, "full")
        .Emit(Mov64(Register.R7, Register.R0))
        .Call(HelperFunction.KtimeGetNs)
        .Emit(Store(MemorySize.DoubleWord, Register.R7, 0, Register.R0))
        .Call(HelperFunction.GetSmpProcessorId)
        .Emit(Store(MemorySize.Word, Register.R7, 8, Register.R0))
        .Call(HelperFunction.GetCurrentPidTgid)
        .Emit(Store(MemorySize.Word, Register.R7, 12, Register.R0))
        .Emit(Store(MemorySize.Word, Register.R7, 16, index), Store(MemorySize.Word, Register.R7, 20, size))
        .Emit(Mov64(Register.R1, Register.R7), Alu64(AluOperation.Add, Register.R1, HeaderSize))
        .Emit(Mov64(Register.R2, size), Mov64(Register.R3, Register.R6))
        .Call(HelperFunction.ProbeReadKernel)
        .Emit(Mov64(Register.R1, Register.R7), Mov64(Register.R2, NoWakeup))
        .Call(HelperFunction.RingbufSubmit)
        .ReturnZero()
        .Label("full")
        .AddToSlot(lost.Fd, 0)
        .ReturnZero()
        .Build();
}
