using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.RingBuffer;
using Ktap.Bpf.Sys;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.RingBuffer;

public sealed class RingBufferTests
{
    [KernelFact]
    public void EveryRecordArrivesInOrderAcrossWrapArounds()
    {
        // 4 KiB of ring, 16-byte records (8 header + 8 data): 10,000 records wrap many times.
        using var ring = BpfMap.Create(new MapSpec(MapType.RingBuffer, 0, 0, (uint)MemoryMapping.PageSize, "ktap_t_ring"));
        using var program = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, OutputFirstArgument(ring), "ktap_t_out"));
        using var reader = new RingBufferReader(ring);
        using var epoll = new Epoll();
        epoll.Add(ring.Handle, 7);

        var received = new List<long>();
        var context = new byte[8];
        for (long i = 0; i < 10_000; i++)
        {
            BitConverter.TryWriteBytes(context, i);
            Assert.Equal(0u, program.TestRun(context));
            if (i % 100 == 99)
            {
                Assert.Equal([7ul], epoll.Wait(1000));
                reader.Consume(record => received.Add(BitConverter.ToInt64(record)));
            }
        }

        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => (long)i), received);
        Assert.Equal(0ul, reader.Pending);
    }

    [KernelFact]
    public void WaitReturnsOnWakeWithNoRecords()
    {
        using var ring = BpfMap.Create(new MapSpec(MapType.RingBuffer, 0, 0, (uint)MemoryMapping.PageSize, "ktap_t_ring"));
        using var epoll = new Epoll();
        epoll.Add(ring.Handle, 1);
        var waiter = Task.Run(() => epoll.Wait(-1));
        Thread.Sleep(50);
        epoll.Wake();
        Assert.True(waiter.Wait(TimeSpan.FromSeconds(5)), "Wake did not end the wait");
        Assert.Empty(waiter.Result);
        Assert.Empty(epoll.Wait(0));
    }

    /// <summary>Sends ctx->args[0] as an 8-byte record with bpf_ringbuf_output; returns the helper's result.</summary>
    private static Instruction[] OutputFirstArgument(BpfMap ring) =>
    [
        Load(MemorySize.DoubleWord, Register.R6, Register.R1, 0),
        Store(MemorySize.DoubleWord, Register.R10, -8, Register.R6),
        .. LoadMapFd(Register.R1, ring.Handle.Fd),
        Mov64(Register.R2, Register.R10),
        Alu64(AluOperation.Add, Register.R2, -8),
        Mov64(Register.R3, 8),
        Mov64(Register.R4, 0),
        Call(HelperFunction.RingbufOutput),
        Exit(),
    ];
}
