using System.Buffers.Binary;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;
using Ktap.Compiler.CodeGen;
using Ktap.Runtime.Output;

namespace Ktap.Runtime.Kernel;

/// <summary>
/// The kernel objects of one compiled script: its maps, created once, and the handler programs
/// loaded against them. The data map is memory-mapped, so the ktap process reads and writes
/// shared variables and counters without a system call.
/// </summary>
public sealed class KernelScript : IDisposable
{
    private readonly BpfMap[] maps;
    private readonly MemoryMapping dataMemory;
    private readonly List<BpfProgram> programs = [];

    private KernelScript(ScriptCompiler compiler, BpfMap[] maps)
    {
        Compiler = compiler;
        this.maps = maps;
        dataMemory = maps[compiler.DataMapIndex].MapMemory();
        var stackMaps = compiler.Maps.Where(m => m.Role == MapRole.Stacks).ToDictionary(m => m.StackDepth, m => maps[m.Index]);
        Stacks = new KernelSymbolizer(depth => stackMaps.GetValueOrDefault(depth));
        BinaryPrimitives.WriteInt64LittleEndian(Data[ScriptCompiler.OneOffset..], 1);
        BinaryPrimitives.WriteInt64LittleEndian(Data[ScriptCompiler.RealtimeOffsetOffset..], Clocks.RealtimeMinusBoottime());
    }

    public ScriptCompiler Compiler { get; }

    public IReadOnlyList<BpfProgram> Programs => programs;

    /// <summary>Reads <c>stack()</c> values back from the script's stack trace maps.</summary>
    public KernelSymbolizer Stacks { get; }

    /// <summary>The data map's value: shared variables and counters.</summary>
    public unsafe Span<byte> Data => new(dataMemory.Pointer, Compiler.DataSize);

    /// <summary>Creates every map the compiled handlers use. Compile every handler first: the data map's size depends on them.</summary>
    public static KernelScript Create(ScriptCompiler compiler)
    {
        var layouts = compiler.Maps;
        var maps = new BpfMap[layouts.Count];
        try
        {
            foreach (var layout in layouts)
            {
                maps[layout.Index] = BpfMap.Create(layout.Spec);
            }

            return new KernelScript(compiler, maps);
        }
        catch
        {
            foreach (var map in maps)
            {
                map?.Dispose();
            }

            throw;
        }
    }

    public BpfMap Map(int index) => maps[index];

    public long Counter(int offset) => Volatile.Read(ref System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(Data[offset..])[0]);

    /// <summary>
    /// Loads a handler with its maps linked in, and with BTF func and line info that hold the
    /// script's own lines (DESIGN §4).
    /// </summary>
    /// <exception cref="HandlerRejectedException">The verifier refused it; the exception names the script line.</exception>
    public BpfProgram Load(CompiledHandler handler, uint logLevel = 0)
    {
        var source = Compiler.Typed.Bound.Source;
        var instructions = handler.Link(index => maps[index].Handle.Fd);

        // The program takes its own reference to the BTF object (check_btf_info stores it in
        // prog->aux->btf, put when the program is freed): ours can go once the load returns.
        var debugInfo = HandlerDebugInfo.Build(handler, source).Load();
        using var btf = debugInfo.Btf;
        var spec = new ProgramSpec(handler.ProgramType, instructions, handler.Name) { LogLevel = logLevel, DebugInfo = debugInfo };
        BpfProgram program;
        try
        {
            program = LoadExplained(spec);
        }
        catch (VerifierException refusal)
        {
            throw new HandlerRejectedException(handler, source, refusal);
        }

        programs.Add(program);
        return program;
    }

    /// <summary>
    /// <see cref="BpfProgram.Load"/>, and once more with a log after ENOMEM or EFAULT. When the
    /// verifier gives up on too many pending branches ("The sequence of 8193 jumps is too
    /// complex.", push_stack in kernel/bpf/verifier.c) it fails with EFAULT after a conditional
    /// jump and ENOMEM after a may_goto (Linux 6.18), and BpfProgram.Load only asks for the log
    /// after EACCES, EINVAL, ENOSPC or E2BIG. A real shortage of memory, or a bad pointer, fails
    /// again as a KernelException.
    /// </summary>
    private static BpfProgram LoadExplained(ProgramSpec spec)
    {
        try
        {
            return BpfProgram.Load(spec);
        }
        catch (KernelException e) when (e is not VerifierException && e.Errno is (Errnos.ENOMEM or Errnos.EFAULT) && spec.LogLevel == 0)
        {
            return BpfProgram.Load(spec with { LogLevel = 1 });
        }
    }

    public void Dispose()
    {
        foreach (var program in programs)
        {
            program.Dispose();
        }

        dataMemory.Dispose();
        foreach (var map in maps)
        {
            map.Dispose();
        }
    }
}
