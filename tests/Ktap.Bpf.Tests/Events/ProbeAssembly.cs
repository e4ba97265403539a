using Ktap.Bpf.Asm;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Events;

/// <summary>
/// A fluent <see cref="ProgramBuilder"/> for the probe tests' small programs: named forward
/// labels and a map counter increment, with no dependency on the compiler.
/// </summary>
internal sealed class ProbeAssembly
{
    private readonly ProgramBuilder builder = new();
    private readonly Dictionary<string, Label> labels = [];

    public ProbeAssembly Emit(params ReadOnlySpan<Instruction> instructions)
    {
        builder.Emit(instructions);
        return this;
    }

    public ProbeAssembly Call(HelperFunction helper) => Emit(Instructions.Call(helper));

    /// <summary>A conditional jump with an immediate to a label, defined before or after.</summary>
    public ProbeAssembly JumpImm(JumpOperation operation, Register dst, int immediate, string label)
    {
        builder.Jump(operation, dst, immediate, LabelNamed(label));
        return this;
    }

    public ProbeAssembly Label(string name)
    {
        builder.MarkLabel(LabelNamed(name));
        return this;
    }

    /// <summary>
    /// <c>map[key] += addend</c> (an atomic add: programs run on several CPUs at once), with the
    /// key an immediate or, if <paramref name="keyRegister"/> is given, that register's low 32
    /// bits. Clobbers r0-r5; keep <paramref name="addend"/> in r6-r9.
    /// </summary>
    public ProbeAssembly AddToSlot(int mapFd, int key, Register? addend = null, Register? keyRegister = null)
    {
        var skip = builder.DefineLabel();
        Emit(keyRegister is { } k ? Store(MemorySize.Word, Register.R10, -4, k) : Store(MemorySize.Word, Register.R10, -4, key));
        Emit(Mov64(Register.R2, Register.R10), Alu64(AluOperation.Add, Register.R2, -4));
        Emit(LoadMapFd(Register.R1, mapFd)).Call(HelperFunction.MapLookupElem);

        // map_lookup_elem may return NULL; the verifier insists on the check.
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, skip);
        if (addend is { } a)
        {
            Emit(AtomicAdd(MemorySize.DoubleWord, Register.R0, 0, a));
        }
        else
        {
            Emit(Mov64(Register.R1, 1), AtomicAdd(MemorySize.DoubleWord, Register.R0, 0, Register.R1));
        }

        builder.MarkLabel(skip);
        return this;
    }

    /// <summary><c>r0 = 0; exit</c>.</summary>
    public ProbeAssembly ReturnZero() => Emit(Mov64(Register.R0, 0), Exit());

    public IReadOnlyList<Instruction> Build() => builder.Build().Instructions;

    private Label LabelNamed(string name)
    {
        if (!labels.TryGetValue(name, out var label))
        {
            label = labels[name] = builder.DefineLabel();
        }

        return label;
    }
}
