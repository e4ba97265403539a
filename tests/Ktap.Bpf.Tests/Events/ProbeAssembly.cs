using Ktap.Bpf.Asm;

namespace Ktap.Bpf.Tests.Events;

/// <summary>
/// A few hand-assembled instructions with forward labels, by raw opcode
/// (Documentation/bpf/standardization/instruction-set.rst), so these tests depend on neither the
/// assembler nor the compiler.
/// </summary>
internal sealed class ProbeAssembly
{
    private readonly List<Instruction> code = [];
    private readonly Dictionary<string, int> labels = [];
    private readonly List<(int Index, string Label)> jumps = [];

    public ProbeAssembly Op(byte opCode, Register dst, Register src = Register.R0, short offset = 0, int immediate = 0)
    {
        code.Add(Instruction.Create(opCode, dst, src, offset, immediate));
        return this;
    }

    public ProbeAssembly MovImm(Register dst, int immediate) => Op(0xb7, dst, immediate: immediate);

    public ProbeAssembly MovReg(Register dst, Register src) => Op(0xbf, dst, src);

    public ProbeAssembly Call(int helper) => Op(0x85, Register.R0, immediate: helper);

    /// <summary><c>dst = *(u64 *)(src + offset)</c>.</summary>
    public ProbeAssembly LoadDw(Register dst, Register src, short offset) => Op(0x79, dst, src, offset);

    /// <summary><c>*(u32 *)(r10 + offset) = src</c>.</summary>
    public ProbeAssembly StoreWord(short offset, Register src) => Op(0x63, Register.R10, src, offset);

    /// <summary><c>*(u32 *)(r10 + offset) = immediate</c>.</summary>
    public ProbeAssembly StoreWordImm(short offset, int immediate) => Op(0x62, Register.R10, offset: offset, immediate: immediate);

    /// <summary><c>lddw dst, map</c> with src 1 (BPF_PSEUDO_MAP_FD): two instruction slots.</summary>
    public ProbeAssembly LoadMap(Register dst, int fd)
    {
        code.Add(Instruction.Create(0x18, dst, Register.R1, 0, fd));
        code.Add(new Instruction(0, 0, 0, 0));
        return this;
    }

    /// <summary>A conditional jump with an immediate (0x15 jeq, 0x55 jne) to a label defined later.</summary>
    public ProbeAssembly JumpImm(byte opCode, Register dst, int immediate, string label)
    {
        jumps.Add((code.Count, label));
        return Op(opCode, dst, immediate: immediate);
    }

    public ProbeAssembly Label(string name)
    {
        labels[name] = code.Count;
        return this;
    }

    /// <summary>
    /// <c>map[key] += addend</c> (an atomic add: programs run on several CPUs at once), with the
    /// key an immediate or, if <paramref name="keyRegister"/> is given, that register's low 32
    /// bits. Clobbers r0-r5; keep <paramref name="addend"/> in r6-r9.
    /// </summary>
    public ProbeAssembly AddToSlot(int mapFd, int key, Register? addend = null, Register? keyRegister = null)
    {
        var skip = $"skip{code.Count}";
        if (keyRegister is { } k)
        {
            StoreWord(-4, k);
        }
        else
        {
            StoreWordImm(-4, key);
        }

        MovReg(Register.R2, Register.R10).Op(0x07, Register.R2, immediate: -4);
        LoadMap(Register.R1, mapFd).Call(1);

        // map_lookup_elem may return NULL; the verifier insists on the check.
        JumpImm(0x15, Register.R0, 0, skip);
        if (addend is { } a)
        {
            Op(0xdb, Register.R0, a);
        }
        else
        {
            MovImm(Register.R1, 1).Op(0xdb, Register.R0, Register.R1);
        }

        return Label(skip);
    }

    /// <summary><c>r0 = 0; exit</c>.</summary>
    public ProbeAssembly ReturnZero() => MovImm(Register.R0, 0).Op(0x95, Register.R0);

    public IReadOnlyList<Instruction> Build()
    {
        var result = code.ToArray();
        foreach (var (index, label) in jumps)
        {
            var old = result[index];
            result[index] = old with { Offset = checked((short)(labels[label] - index - 1)) };
        }

        return result;
    }
}
