using System.Globalization;
using Ktap.Bpf.Asm;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Tests.Asm;

/// <summary>
/// The two sides of the comparison: bpftool's <c>prog dump xlated</c> of a loaded program, and our
/// disassembly of the same translated instructions, named the way bpftool names calls.
/// </summary>
internal static unsafe class XlatedDump
{
    /// <summary>What bpftool prints, exactly.</summary>
    public static string Bpftool(uint programId) =>
        Tool.Run("bpftool", "prog", "dump", "xlated", "id", programId.ToString(CultureInfo.InvariantCulture));

    /// <summary>Our text for the program as the kernel holds it.</summary>
    public static string Ours(BpfProgram program)
    {
        var instructions = program.GetTranslatedInstructions().Select(Instruction.Decode).ToArray();
        // Read afresh: the program's own functions entered kallsyms when it was loaded.
        var symbols = ReadKallsyms();
        var callBase = symbols.First(s => s.Value == "__bpf_call_base").Key;
        var options = DisassemblyOptions.ForTranslated(callBase, JitedFunctions(program), a => symbols.GetValueOrDefault(a));
        return Disassembler.Disassemble(instructions, options);
    }

    /// <summary>bpf_prog_info.jited_ksyms: where each of the program's functions starts in the JIT image.</summary>
    private static ulong[] JitedFunctions(BpfProgram program)
    {
        var info = Info(program, default);
        var addresses = new ulong[info.NrJitedKsyms];
        fixed (ulong* pointer = addresses)
        {
            Info(program, new ProgInfoNative { NrJitedKsyms = (uint)addresses.Length, JitedKsyms = (ulong)pointer });
        }

        return addresses;
    }

    private static ProgInfoNative Info(BpfProgram program, ProgInfoNative request)
    {
        var info = request;
        var attribute = new GetInfoAttr { BpfFd = (uint)program.Handle.Fd, InfoLen = (uint)sizeof(ProgInfoNative), Info = (ulong)&info };
        BpfSyscall.Invoke(BpfCommand.ObjGetInfoByFd, ref attribute);
        return info;
    }

    /// <summary>
    /// Address to name, as bpftool reads /proc/kallsyms: zero addresses (kptr_restrict) are
    /// dropped; where several names share an address the first one is kept.
    /// </summary>
    private static Dictionary<ulong, string> ReadKallsyms()
    {
        var symbols = new Dictionary<ulong, string>();
        foreach (var line in File.ReadLines("/proc/kallsyms"))
        {
            var fields = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 3 && ulong.TryParse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address) && address != 0)
            {
                var name = fields[2].Split('\t')[0];
                symbols.TryAdd(address, name);
            }
        }

        return symbols.ContainsValue("__bpf_call_base")
            ? symbols
            : throw new InvalidOperationException("/proc/kallsyms hides addresses (kernel.kptr_restrict); run as root");
    }
}
