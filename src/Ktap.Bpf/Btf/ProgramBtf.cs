using System.Text;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Btf;

/// <summary>
/// A program's debug info, built (<see cref="ProgramBtfBuilder"/>) but not yet in the kernel:
/// the BTF blob and the raw func_info (8-byte) and line_info (16-byte) record arrays.
/// </summary>
public sealed unsafe record ProgramBtf(byte[] Blob, byte[] FuncInfo, int FuncInfoCount, byte[] LineInfo, int LineInfoCount)
{
    /// <summary>BTF logs longer than this are cut (the kernel reports ENOSPC).</summary>
    private const int MaxLogSize = 16 * 1024 * 1024;

    /// <summary>
    /// BPF_BTF_LOADs the blob and returns what <see cref="ProgramSpec.DebugInfo"/> takes. The
    /// caller owns the BTF handle: once the program is loaded it holds its own reference, and the
    /// handle can be disposed.
    /// </summary>
    /// <exception cref="KernelException">The kernel refused the BTF; the message carries its log.</exception>
    public ProgramDebugInfo Load() => new(LoadBtf(Blob), FuncInfo, FuncInfoCount, LineInfo, LineInfoCount);

    internal static KernelHandle LoadBtf(byte[] blob)
    {
        fixed (byte* pointer = blob)
        {
            var attribute = new BtfLoadAttr { Btf = (ulong)pointer, BtfSize = (uint)blob.Length };
            var fd = BpfSyscall.TryInvoke(BpfCommand.BtfLoad, ref attribute, out var errno);
            if (fd >= 0)
            {
                return new KernelHandle(fd);
            }

            // Like program loads: no log on the way that works (with one the kernel writes a line
            // per type), so a failure loads again with a log to say why.
            if (errno is not (Errnos.EINVAL or Errnos.E2BIG or Errnos.ENOSPC or Errnos.EACCES))
            {
                throw new KernelException(BpfSyscall.CallName(BpfCommand.BtfLoad), errno);
            }

            for (var size = 1 << 16; ; size *= 4)
            {
                var log = new byte[size];
                fixed (byte* logPointer = log)
                {
                    attribute.BtfLogBuf = (ulong)logPointer;
                    attribute.BtfLogSize = (uint)size;
                    attribute.BtfLogLevel = 1;
                    fd = BpfSyscall.TryInvoke(BpfCommand.BtfLoad, ref attribute, out errno);
                    attribute.BtfLogBuf = 0;
                }

                if (fd >= 0)
                {
                    // Refused without a log, accepted with one: nothing to explain, keep it.
                    return new KernelHandle(fd);
                }

                if (errno == Errnos.ENOSPC && size < MaxLogSize)
                {
                    continue;
                }

                var end = Array.IndexOf(log, (byte)0);
                var text = Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end).Trim();
                throw new KernelException(BpfSyscall.CallName(BpfCommand.BtfLoad), errno, text.Length > 0 ? "BTF log:\n" + text : null);
            }
        }
    }
}
