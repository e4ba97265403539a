using Ktap.Bpf.Asm;
using Ktap.Bpf.Programs;
using Ktap.Compiler.Events;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// A 64-bit immediate load that names a map: the session writes the map's descriptor into
/// <see cref="Instruction"/>'s immediate before loading (the kernel's ld_imm64 with
/// BPF_PSEUDO_MAP_FD or BPF_PSEUDO_MAP_VALUE in the source register).
/// </summary>
public sealed record MapRelocation(int Instruction, int MapIndex);

/// <summary>One handler compiled for one probe target: the program, its maps and its line table.</summary>
/// <param name="Spans">For every instruction slot, the source span it was emitted for (the line table).</param>
public sealed record CompiledHandler(
    BoundProbe Probe,
    ProbeTarget Target,
    ProgramType ProgramType,
    string Name,
    IReadOnlyList<Instruction> Instructions,
    IReadOnlyList<MapRelocation> Relocations,
    IReadOnlyList<TextSpan> Spans,
    IReadOnlyList<int> FunctionStarts)
{
    /// <summary>Bytes of the script's per-CPU scratch map this handler's frame takes; 0 when its frame is the stack.</summary>
    public int ScratchSize { get; init; }

    /// <summary>The instructions with every map descriptor filled in, ready to load.</summary>
    public Instruction[] Link(Func<int, int> mapDescriptor)
    {
        var linked = Instructions.ToArray();
        foreach (var relocation in Relocations)
        {
            linked[relocation.Instruction] = linked[relocation.Instruction] with { Immediate = mapDescriptor(relocation.MapIndex) };
        }

        return linked;
    }
}
