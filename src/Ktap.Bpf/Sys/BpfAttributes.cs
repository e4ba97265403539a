using System.Runtime.InteropServices;

namespace Ktap.Bpf.Sys;

// One struct per bpf(2) command: the members of the uapi 'union bpf_attr' that command reads,
// in order. The kernel accepts an attr shorter than its own and requires any tail it does not
// know to be zero, so each struct stops at the last member ktap sets. Pointers are ulongs.

[StructLayout(LayoutKind.Sequential)]
public unsafe struct MapCreateAttr
{
    public uint MapType;
    public uint KeySize;
    public uint ValueSize;
    public uint MaxEntries;
    public uint MapFlags;
    public uint InnerMapFd;
    public uint NumaNode;
    public fixed byte MapName[16];
    public uint MapIfindex;
    public uint BtfFd;
    public uint BtfKeyTypeId;
    public uint BtfValueTypeId;
    public uint BtfVmlinuxValueTypeId;
    public ulong MapExtra;
}

[StructLayout(LayoutKind.Sequential)]
public struct MapElemAttr
{
    public uint MapFd;
    private readonly uint padding;
    public ulong Key;

    /// <summary>The value, or the next key for <see cref="BpfCommand.MapGetNextKey"/>.</summary>
    public ulong Value;
    public ulong Flags;
}

[StructLayout(LayoutKind.Sequential)]
public struct MapBatchAttr
{
    public ulong InBatch;
    public ulong OutBatch;
    public ulong Keys;
    public ulong Values;
    public uint Count;
    public uint MapFd;
    public ulong ElemFlags;
    public ulong Flags;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct ProgLoadAttr
{
    public uint ProgType;
    public uint InsnCnt;
    public ulong Insns;
    public ulong License;
    public uint LogLevel;
    public uint LogSize;
    public ulong LogBuf;
    public uint KernVersion;
    public uint ProgFlags;
    public fixed byte ProgName[16];
    public uint ProgIfindex;
    public uint ExpectedAttachType;
    public uint ProgBtfFd;
    public uint FuncInfoRecSize;
    public ulong FuncInfo;
    public uint FuncInfoCnt;
    public uint LineInfoRecSize;
    public ulong LineInfo;
    public uint LineInfoCnt;
    public uint AttachBtfId;
    public uint AttachProgFd;
    public uint CoreReloCnt;
    public ulong FdArray;
    public ulong CoreRelos;
    public uint CoreReloRecSize;
    public uint LogTrueSize;
}

[StructLayout(LayoutKind.Sequential)]
public struct ProgTestRunAttr
{
    public uint ProgFd;
    public uint Retval;
    public uint DataSizeIn;
    public uint DataSizeOut;
    public ulong DataIn;
    public ulong DataOut;
    public uint Repeat;
    public uint Duration;
    public uint CtxSizeIn;
    public uint CtxSizeOut;
    public ulong CtxIn;
    public ulong CtxOut;
    public uint Flags;
    public uint Cpu;
}

[StructLayout(LayoutKind.Sequential)]
public struct GetInfoAttr
{
    public uint BpfFd;
    public uint InfoLen;
    public ulong Info;
}

/// <summary>For the GET_FD_BY_ID and GET_NEXT_ID commands.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct IdAttr
{
    /// <summary>The id to open, or the id to start after.</summary>
    public uint Id;
    public uint NextId;
    public uint OpenFlags;
}

[StructLayout(LayoutKind.Sequential)]
public struct RawTracepointOpenAttr
{
    public ulong Name;
    public uint ProgFd;
}

[StructLayout(LayoutKind.Sequential)]
public struct BtfLoadAttr
{
    public ulong Btf;
    public ulong BtfLogBuf;
    public uint BtfSize;
    public uint BtfLogSize;
    public uint BtfLogLevel;
}

[StructLayout(LayoutKind.Sequential)]
public struct LinkCreateAttr
{
    public uint ProgFd;
    public uint TargetFd;
    public uint AttachType;
    public uint Flags;

    /// <summary>For a perf event link: the cookie <c>bpf_get_attach_cookie</c> returns.</summary>
    public ulong PerfEventCookie;
}

[StructLayout(LayoutKind.Sequential)]
public struct ProgBindMapAttr
{
    public uint ProgFd;
    public uint MapFd;
    public uint Flags;
}

[StructLayout(LayoutKind.Sequential)]
public struct MapFdAttr
{
    public uint MapFd;
}
