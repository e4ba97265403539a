using System.Text;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Programs;

/// <summary>A loaded eBPF program. Disposing it closes ktap's reference; attachments hold their own.</summary>
public sealed unsafe class BpfProgram : IDisposable
{
    /// <summary>Verifier logs larger than this are cut (the kernel reports ENOSPC).</summary>
    private const int MaxLogSize = 16 * 1024 * 1024;

    private BpfProgram(KernelHandle handle, string verifierLog)
    {
        Handle = handle;
        VerifierLog = verifierLog;
    }

    public KernelHandle Handle { get; }

    /// <summary>What the verifier said, when the spec asked for a log level.</summary>
    public string VerifierLog { get; }

    /// <exception cref="VerifierException">The verifier refused the program; its log explains why.</exception>
    /// <exception cref="KernelException">The load failed for another reason.</exception>
    public static BpfProgram Load(ProgramSpec spec)
    {
        var instructions = spec.Instructions.Select(i => i.Encode()).ToArray();
        var license = Encoding.ASCII.GetBytes(spec.License + "\0");
        fixed (ulong* insns = instructions)
        fixed (byte* licensePointer = license)
        fixed (byte* funcInfo = spec.DebugInfo?.FuncInfo)
        fixed (byte* lineInfo = spec.DebugInfo?.LineInfo)
        {
            var attribute = new ProgLoadAttr
            {
                ProgType = (uint)spec.Type,
                InsnCnt = (uint)instructions.Length,
                Insns = (ulong)insns,
                License = (ulong)licensePointer,
                ExpectedAttachType = (uint)spec.ExpectedAttachType,
                ProgFlags = spec.Flags,
            };
            ObjectName.Write(spec.Name, attribute.ProgName);
            if (spec.DebugInfo is { } debug)
            {
                attribute.ProgBtfFd = (uint)debug.Btf.Fd;
                attribute.FuncInfoRecSize = 8;
                attribute.FuncInfo = (ulong)funcInfo;
                attribute.FuncInfoCnt = (uint)debug.FuncInfoCount;
                attribute.LineInfoRecSize = 16;
                attribute.LineInfo = (ulong)lineInfo;
                attribute.LineInfoCnt = (uint)debug.LineInfoCount;
            }

            if (spec.LogLevel == 0)
            {
                var fd = BpfSyscall.TryInvoke(BpfCommand.ProgLoad, ref attribute, out var errno);
                if (fd >= 0)
                {
                    return new BpfProgram(new KernelHandle(fd), string.Empty);
                }

                // Loads run without a log (it costs time); a failure runs again to say why.
                if (errno is not (Errnos.EACCES or Errnos.EINVAL or Errnos.ENOSPC or Errnos.E2BIG))
                {
                    throw new KernelException(BpfSyscall.CallName(BpfCommand.ProgLoad), errno);
                }
            }

            return LoadWithLog(ref attribute, Math.Max(1, spec.LogLevel));
        }
    }

    private static BpfProgram LoadWithLog(ref ProgLoadAttr attribute, uint level)
    {
        var size = 1 << 16;
        while (true)
        {
            var log = new byte[size];
            fixed (byte* logPointer = log)
            {
                attribute.LogLevel = level;
                attribute.LogSize = (uint)size;
                attribute.LogBuf = (ulong)logPointer;
                var fd = BpfSyscall.TryInvoke(BpfCommand.ProgLoad, ref attribute, out var errno);
                attribute.LogBuf = 0;
                var text = CString(log);
                if (fd >= 0)
                {
                    return new BpfProgram(new KernelHandle(fd), text);
                }

                // ENOSPC: the log did not fit; a bigger buffer gets the whole story.
                if (errno == Errnos.ENOSPC && size < MaxLogSize)
                {
                    size *= 4;
                    continue;
                }

                throw text.Length > 0 ? new VerifierException(errno, text) : new KernelException(BpfSyscall.CallName(BpfCommand.ProgLoad), errno);
            }
        }
    }

    /// <summary>Opens a program loaded by anyone, by its id.</summary>
    public static BpfProgram FromId(uint id)
    {
        var attribute = new IdAttr { Id = id };
        return new BpfProgram(new KernelHandle(BpfSyscall.Invoke(BpfCommand.ProgGetFdById, ref attribute)), string.Empty);
    }

    /// <summary>The ids of every program loaded on the machine, in order.</summary>
    /// <exception cref="KernelException">The kernel would not tell (EPERM without CAP_SYS_ADMIN).</exception>
    public static IEnumerable<uint> AllIds()
    {
        var attribute = new IdAttr();
        int errno;
        while (BpfSyscall.TryInvoke(BpfCommand.ProgGetNextId, ref attribute, out errno) >= 0)
        {
            yield return attribute.NextId;
            attribute.Id = attribute.NextId;
        }

        // ENOENT: no program after the last one. Anything else is not the end of the list.
        if (errno != Errnos.ENOENT)
        {
            throw new KernelException(BpfSyscall.CallName(BpfCommand.ProgGetNextId), errno);
        }
    }

    /// <summary>The kernel's id of the program: one OBJ_GET_INFO_BY_FD, where <see cref="GetInfo"/> takes two for a program with maps.</summary>
    public uint Id => ReadInfo(default).Id;

    public ProgramInfo GetInfo()
    {
        var info = ReadInfo(default);
        var mapIds = new uint[info.NrMapIds];
        if (mapIds.Length > 0)
        {
            fixed (uint* ids = mapIds)
            {
                info = ReadInfo(new ProgInfoNative { NrMapIds = (uint)mapIds.Length, MapIds = (ulong)ids });
            }
        }

        return new ProgramInfo(
            info.Id,
            (ProgramType)info.Type,
            ObjectName.Read(info.Name),
            mapIds,
            info.BtfId,
            info.NrLineInfo,
            info.XlatedProgLen,
            info.VerifiedInsns,
            info.RunCnt,
            info.RunTimeNs,
            info.LoadTime,
            info.CreatedByUid);
    }

    /// <summary>The instructions as the kernel holds them after verification (what bpftool's <c>dump xlated</c> shows).</summary>
    public ulong[] GetTranslatedInstructions()
    {
        var length = ReadInfo(default).XlatedProgLen;
        var words = new ulong[length / 8];
        fixed (ulong* pointer = words)
        {
            ReadInfo(new ProgInfoNative { XlatedProgLen = length, XlatedProgInsns = (ulong)pointer });
        }

        return words;
    }

    /// <summary>Ties a map's life to the program's (BPF_PROG_BIND_MAP): the map lives while the program does.</summary>
    public void BindMap(KernelHandle map)
    {
        var attribute = new ProgBindMapAttr { ProgFd = (uint)Handle.Fd, MapFd = (uint)map.Fd };
        BpfSyscall.Invoke(BpfCommand.ProgBindMap, ref attribute);
    }

    /// <summary>BPF_PROG_TEST_RUN with a context (raw tracepoints: the arguments as u64s); returns R0.</summary>
    public uint TestRun(ReadOnlySpan<byte> context, uint flags = 0, uint cpu = 0)
    {
        fixed (byte* ctx = context)
        {
            var attribute = new ProgTestRunAttr
            {
                ProgFd = (uint)Handle.Fd,
                CtxIn = context.IsEmpty ? 0 : (ulong)ctx,
                CtxSizeIn = (uint)context.Length,
                Flags = flags,
                Cpu = cpu,
            };
            BpfSyscall.Invoke(BpfCommand.ProgTestRun, ref attribute);
            return attribute.Retval;
        }
    }

    public void Dispose() => Handle.Dispose();

    private ProgInfoNative ReadInfo(ProgInfoNative request)
    {
        var info = request;
        var attribute = new GetInfoAttr { BpfFd = (uint)Handle.Fd, InfoLen = (uint)sizeof(ProgInfoNative), Info = (ulong)(&info) };
        BpfSyscall.Invoke(BpfCommand.ObjGetInfoByFd, ref attribute);
        return info;
    }

    private static string CString(byte[] bytes)
    {
        var end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
    }
}
