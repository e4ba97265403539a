using System.Runtime.InteropServices;

namespace Ktap.Bpf.Maps;

/// <summary>uapi <c>struct bpf_map_info</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MapInfoNative
{
    public uint Type;
    public uint Id;
    public uint KeySize;
    public uint ValueSize;
    public uint MaxEntries;
    public uint MapFlags;
    public fixed byte Name[16];
    public uint Ifindex;
    public uint BtfVmlinuxValueTypeId;
    public ulong NetnsDev;
    public ulong NetnsIno;
    public uint BtfId;
    public uint BtfKeyTypeId;
    public uint BtfValueTypeId;
    public uint BtfVmlinuxId;
    public ulong MapExtra;
}
