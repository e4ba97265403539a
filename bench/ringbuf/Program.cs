using System.Diagnostics;
using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.RingBuffer;

// Fills a 64 MiB ring buffer with 32-byte records from a program (BPF_PROG_TEST_RUN of a loop
// of bpf_ringbuf_output), then times RingBufferReader.Consume over all of them: the consumer's
// speed alone, on one core, with the producer not running. Several rounds; the median counts.
const int recordSize = 32;
const int perRun = 512;
const uint ringSize = 64 << 20;
const double target = 5_000_000;
var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 7;

using var ring = BpfMap.Create(new MapSpec(MapType.RingBuffer, 0, 0, ringSize, "ktap_bench_ring"));
using var program = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, Producer(ring), "ktap_bench_out"));
using var reader = new RingBufferReader(ring);

// Each record takes its size plus an 8-byte header in the ring; stop short of full.
var runsToFill = (int)(ringSize / (recordSize + 8) / perRun) - 1;
var rates = new List<double>();
long checksum = 0;
for (var round = 0; round < rounds; round++)
{
    for (var run = 0; run < runsToFill; run++)
    {
        program.TestRun(new byte[8]);
    }

    var clock = Stopwatch.StartNew();
    var consumed = reader.Consume(record => checksum += record[0]);
    clock.Stop();
    if (consumed != runsToFill * perRun)
    {
        Console.Error.WriteLine($"ringbuf: expected {runsToFill * perRun} records, consumed {consumed}");
        return 2;
    }

    rates.Add(consumed / clock.Elapsed.TotalSeconds);
}

rates.Sort();
var median = rates[rates.Count / 2];
Console.WriteLine($"ring buffer consumption: {runsToFill * perRun} records of {recordSize} bytes per round, {rounds} rounds (checksum {checksum})");
Console.WriteLine($"  median   {median / 1e6,8:F2} M records/s   target >= {target / 1e6:F0} M/s   {(median >= target ? "ok" : "MISSED")}");
Console.WriteLine($"  slowest  {rates[0] / 1e6,8:F2} M records/s");
Console.WriteLine($"  fastest  {rates[^1] / 1e6,8:F2} M records/s");
return median >= target ? 0 : 1;

// for (i = 0; i < 512; i++) bpf_ringbuf_output(ring, &record, 32, 0), record[0] = i.
// The verifier walks the constant-bounded loop to its end, so it needs no loop helper.
static Instruction[] Producer(BpfMap ring) =>
[
    Instruction.Create(0xb7, Register.R6, Register.R0, 0, 0),
    Instruction.Create(0xb7, Register.R1, Register.R0, 0, 0),
    Instruction.Create(0x7b, Register.R10, Register.R1, -24, 0),
    Instruction.Create(0x7b, Register.R10, Register.R1, -16, 0),
    Instruction.Create(0x7b, Register.R10, Register.R1, -8, 0),
    Instruction.Create(0x7b, Register.R10, Register.R6, -32, 0),
    Instruction.Create(0x18, Register.R1, Register.R1, 0, ring.Handle.Fd),
    new Instruction(0, 0, 0, 0),
    Instruction.Create(0xbf, Register.R2, Register.R10, 0, 0),
    Instruction.Create(0x07, Register.R2, Register.R0, 0, -32),
    Instruction.Create(0xb7, Register.R3, Register.R0, 0, recordSize),
    Instruction.Create(0xb7, Register.R4, Register.R0, 0, 0),
    Instruction.Create(0x85, Register.R0, Register.R0, 0, 130),
    Instruction.Create(0x07, Register.R6, Register.R0, 0, 1),

    // if r6 < 512 goto the store at the loop's head (10 instructions back, counting this one).
    Instruction.Create(0xa5, Register.R6, Register.R0, -10, perRun),
    Instruction.Create(0xb7, Register.R0, Register.R0, 0, 0),
    Instruction.Create(0x95, Register.R0, Register.R0, 0, 0),
];
