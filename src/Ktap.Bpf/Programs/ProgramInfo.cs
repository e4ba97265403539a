using System.Runtime.InteropServices;

namespace Ktap.Bpf.Programs;

/// <summary>uapi <c>struct bpf_prog_info</c>, up to the members ktap reads.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ProgInfoNative
{
    public uint Type;
    public uint Id;
    public fixed byte Tag[8];
    public uint JitedProgLen;
    public uint XlatedProgLen;
    public ulong JitedProgInsns;
    public ulong XlatedProgInsns;
    public ulong LoadTime;
    public uint CreatedByUid;
    public uint NrMapIds;
    public ulong MapIds;
    public fixed byte Name[16];
    public uint Ifindex;
    public uint GplCompatible;
    public ulong NetnsDev;
    public ulong NetnsIno;
    public uint NrJitedKsyms;
    public uint NrJitedFuncLens;
    public ulong JitedKsyms;
    public ulong JitedFuncLens;
    public uint BtfId;
    public uint FuncInfoRecSize;
    public ulong FuncInfo;
    public uint NrFuncInfo;
    public uint NrLineInfo;
    public ulong LineInfo;
    public ulong JitedLineInfo;
    public uint NrJitedLineInfo;
    public uint LineInfoRecSize;
    public uint JitedLineInfoRecSize;
    public uint NrProgTags;
    public ulong ProgTags;
    public ulong RunTimeNs;
    public ulong RunCnt;
    public ulong RecursionMisses;
    public uint VerifiedInsns;
    public uint AttachBtfObjId;
    public uint AttachBtfId;
}

/// <summary>What the kernel reports about a loaded program.</summary>
/// <param name="RunTimeNanoseconds">Total run time; the kernel counts it only while stats are enabled (kernel.bpf_stats_enabled).</param>
public sealed record ProgramInfo(
    uint Id,
    ProgramType Type,
    string Name,
    IReadOnlyList<uint> MapIds,
    uint BtfId,
    uint LineInfoCount,
    uint XlatedLength,
    uint VerifiedInstructions,
    ulong RunCount,
    ulong RunTimeNanoseconds,
    ulong LoadTime,
    uint CreatedByUid);
