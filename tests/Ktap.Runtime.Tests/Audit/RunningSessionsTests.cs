using System.Text;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using Ktap.Runtime.Audit;
using Ktap.Runtime.Probes;
using Ktap.Runtime.Session;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Runtime.Tests.Audit;

/// <summary>
/// A prepared script leaves its source in the kernel, and <see cref="RunningSessions"/> finds it
/// there from the program list alone, and nothing else. Other ktap sessions and other tracers may
/// run on the machine meanwhile: every check looks only at this process's programs.
/// </summary>
public sealed class RunningSessionsTests
{
    private static readonly ScriptOrigin Origin = new("ktap test", "/tmp/t.kp", ["-q", "/tmp/t.kp", "5"]);

    [KernelFact]
    public void APreparedScriptIsFoundWithItsSourceProgramsAndProbes()
    {
        // Bytes that are not UTF-8 (0xe9 alone) and a comment in UTF-8: the source is kept as bytes.
        var source = Encoding.UTF8.GetBytes("# naïve ✓\nvar n = 0\ntrace syscalls:sys_enter_getppid { n += 1 }\ntrace syscalls:sys_enter_getpgi?, sched:sched_process_free { }\n")
            .Concat("# caf\xe9\n"u8.ToArray()).ToArray();
        using (var prepared = Prepare(source))
        {
            var ids = prepared.Handlers.Select(h => h.Program.GetInfo().Id).ToList();
            var session = Assert.Single(Mine());
            Assert.Equal(source, session.Record.Source);
            Assert.Equal((Origin.KtapVersion, Origin.ScriptPath), (session.Record.KtapVersion, session.Record.ScriptPath));
            Assert.Equal(Origin.Arguments, session.Record.Arguments);
            Assert.InRange(session.Record.StartTime, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow);
            Assert.Equal(ids, session.Programs.Select(p => p.Info.Id));
            Assert.Equal(["ktap_trace_0", "ktap_trace_1"], session.Programs.Select(p => p.Info.Name));
            Assert.Equal(["syscalls:sys_enter_getppid"], session.Programs[0].Probes);
            Assert.Equal(["syscalls:sys_enter_getpgid", "sched:sched_process_free"], session.Programs[1].Probes);
        }

        Assert.Empty(Mine());
    }

    [KernelFact]
    public void AScriptLargerThanOneChunkReadsBackWhole()
    {
        var comment = string.Concat(Enumerable.Range(0, 3000).Select(i => $"# line {i} of a long comment that makes the script large\n"));
        var source = Encoding.UTF8.GetBytes(comment + "trace syscalls:sys_enter_getppid { }\n");
        Assert.True(source.Length > 2 * SourceMap.ChunkSize);
        using var prepared = Prepare(source);
        var session = Assert.Single(Mine());
        Assert.Equal(source, session.Record.Source);
        using var map = SourceMapOf(prepared.Handlers[0].Program);
        Assert.Equal((uint)SourceMap.ChunkSize, map.ValueSize);
        Assert.InRange(map.Spec.MaxEntries, 3u, 4u);
        Assert.True(map.IsFrozen);
        Assert.True(map.Spec.Flags.HasFlag(MapFlags.ReadOnlyProgram));
    }

    [KernelFact]
    public void AProgramOfAnotherToolIsNeverTakenForKtaps()
    {
        using var bare = Foreign("ktap_trace_0");
        using var listedElsewhere = Foreign("ktap_trace_0");
        using var unfrozen = Foreign("ktap_trace_0");
        using var garbage = Foreign("ktap_trace_0");
        using var renamed = Foreign("other_trace_0");
        using var genuine = Foreign("ktap_trace_0");

        // A valid record in the right map, which lists another program id.
        SourceMap.Publish(Record(999_999_999, "ktap_trace_0"), [listedElsewhere]);

        // The right record, but the map was never frozen: its bytes could change under a reader.
        using (var map = SourceMapLike(Record(Id(unfrozen), "ktap_trace_0").Encode()))
        {
            unfrozen.BindMap(map.Handle);
        }

        using (var map = SourceMapLike(new byte[256]))
        {
            map.Freeze();
            garbage.BindMap(map.Handle);
        }

        // Listed under its id, but its name does not start with ktap_.
        SourceMap.Publish(Record(Id(renamed), "other_trace_0"), [renamed]);

        // The control: what ktap itself does, which is found.
        SourceMap.Publish(Record(Id(genuine), "ktap_trace_0"), [genuine]);
        Assert.Equal([Id(genuine)], Mine().SelectMany(s => s.Programs).Select(p => p.Info.Id));
    }

    [KernelFact]
    public void AForeignProgramBoundToASessionsMapIsNotPartOfTheSession()
    {
        using var prepared = Prepare("trace syscalls:sys_enter_getppid { }\n"u8.ToArray());
        using var intruder = Foreign("ktap_trace_0");
        using (var map = SourceMapOf(prepared.Handlers[0].Program))
        {
            intruder.BindMap(map.Handle);
        }

        var session = Assert.Single(Mine());
        Assert.Equal([Id(prepared.Handlers[0].Program)], session.Programs.Select(p => p.Info.Id));
    }

    private static PreparedScript Prepare(byte[] source)
    {
        var bag = new DiagnosticBag();
        var typed = TypeChecker.Check(Binder.Bind(Parser.Parse(SourceText.FromBytes("t.kp", source), bag), bag), bag);
        Assert.True(bag.Items.Count == 0, string.Join("\n", bag.Items));
        return PreparedScript.Prepare(typed, new ProbeResolver(), Origin);
    }

    /// <summary>The sessions of this process: others may be running on the machine.</summary>
    private static List<RunningSession> Mine() => [.. RunningSessions.Find().Where(s => s.Record.ProcessId == Environment.ProcessId)];

    private static SessionRecord Record(uint id, string name) =>
        new("ktap test", "-e", Environment.ProcessId, DateTimeOffset.UtcNow, [], [new PublishedProgram(id, name, [])], "trace a:b { }"u8.ToArray());

    private static BpfProgram Foreign(string name) =>
        BpfProgram.Load(new ProgramSpec(ProgramType.Tracepoint, [Mov64(Bpf.Asm.Register.R0, 0), Exit()], name));

    private static uint Id(BpfProgram program) => program.GetInfo().Id;

    /// <summary>A map shaped as ktap_src, holding <paramref name="bytes"/>, not frozen.</summary>
    private static BpfMap SourceMapLike(byte[] bytes)
    {
        var value = new byte[(bytes.Length + 7) & ~7];
        bytes.CopyTo(value, 0);
        var map = BpfMap.Create(new MapSpec(MapType.Array, 4, (uint)value.Length, 1, SourceMap.Name) { Flags = MapFlags.ReadOnlyProgram });
        map.Update(BitConverter.GetBytes(0), value);
        return map;
    }

    private static BpfMap SourceMapOf(BpfProgram program)
    {
        foreach (var id in program.GetInfo().MapIds)
        {
            var map = BpfMap.FromId(id, readOnly: true);
            if (map.Spec.Name == SourceMap.Name)
            {
                return map;
            }

            map.Dispose();
        }

        throw new InvalidOperationException("the program has no ktap_src map");
    }
}
