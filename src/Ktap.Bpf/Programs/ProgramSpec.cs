using Ktap.Bpf.Asm;

namespace Ktap.Bpf.Programs;

/// <summary>Everything a program load needs.</summary>
/// <param name="Name">At most 15 characters of <c>[A-Za-z0-9_.]</c> (the kernel's rule for object names).</param>
/// <param name="LogLevel">0 for no log (a failed load is retried with level 1 to explain itself), 1 or 2 for the verifier's trace, 4 for its statistics.</param>
public sealed record ProgramSpec(ProgramType Type, IReadOnlyList<Instruction> Instructions, string Name = "", string License = "GPL")
{
    public AttachType ExpectedAttachType { get; init; }

    public uint LogLevel { get; init; }

    /// <summary>BTF with the program's FUNC types and line strings, and its records (see Btf/).</summary>
    public ProgramDebugInfo? DebugInfo { get; init; }

    public uint Flags { get; init; }
}

/// <summary>
/// A program's BTF func_info and line_info: <paramref name="Btf"/> is a loaded BTF object,
/// <paramref name="FuncInfo"/> and <paramref name="LineInfo"/> the raw record arrays
/// (<c>struct bpf_func_info</c> is 8 bytes, <c>struct bpf_line_info</c> 16).
/// </summary>
public sealed record ProgramDebugInfo(Sys.KernelHandle Btf, byte[] FuncInfo, int FuncInfoCount, byte[] LineInfo, int LineInfoCount);
