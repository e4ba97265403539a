namespace Ktap.Bpf.Asm;

/// <summary>
/// A position in a program under construction. It is defined before it is marked, so code can
/// jump forward to it; <see cref="ProgramBuilder.Build"/> turns each use into an offset.
/// </summary>
public readonly record struct Label
{
    internal Label(ProgramBuilder owner, int id)
    {
        Owner = owner;
        Id = id;
    }

    /// <summary>Labels are numbered from 0 in the order their builder defined them.</summary>
    public int Id { get; }

    internal ProgramBuilder? Owner { get; }

    public override string ToString() => $"L{Id}";
}

/// <summary>The output of <see cref="ProgramBuilder.Build"/>.</summary>
/// <param name="Instructions">The program, every jump and call offset resolved.</param>
/// <param name="Tags">
/// One entry per instruction slot (both slots of a 64-bit immediate load): the
/// <see cref="ProgramBuilder.Tag"/> in force when the instruction was emitted.
/// </param>
/// <param name="FunctionStarts">
/// Where each function begins, in order: 0 for the main program, then every target of a
/// bpf-to-bpf call or function reference (what BTF func_info needs, one record per function).
/// </param>
public sealed record AssembledProgram(
    IReadOnlyList<Instruction> Instructions, IReadOnlyList<int> Tags, IReadOnlyList<int> FunctionStarts);

/// <summary>
/// Appends instructions, resolves jumps and calls to labels, and keeps a caller-defined tag
/// (a source position, for a compiler's line table) beside every instruction. The same calls
/// always build the same program.
/// </summary>
public sealed class ProgramBuilder
{
    private const int Unmarked = -1;

    private readonly List<Instruction> instructions = [];
    private readonly List<int> tags = [];
    private readonly List<int> labelPositions = [];
    private readonly List<Fixup> fixups = [];

    private enum FixupKind
    {
        /// <summary>A jump: the 16-bit offset field.</summary>
        Offset,

        /// <summary>A bpf-to-bpf call or function address: the 32-bit immediate, which the verifier limits as it does jumps.</summary>
        Immediate,
    }

    /// <summary>Tagged onto every instruction emitted from now on (0 until set).</summary>
    public int Tag { get; set; }

    /// <summary>Instruction slots emitted so far: the index the next instruction will have.</summary>
    public int Count => instructions.Count;

    public Label DefineLabel()
    {
        labelPositions.Add(Unmarked);
        return new Label(this, labelPositions.Count - 1);
    }

    /// <summary>Binds <paramref name="label"/> to the next instruction to be emitted.</summary>
    /// <exception cref="InvalidOperationException">The label is already marked.</exception>
    public void MarkLabel(Label label)
    {
        var id = Check(label);
        if (labelPositions[id] != Unmarked)
        {
            throw new InvalidOperationException($"label {label} is already marked at instruction {labelPositions[id]}");
        }

        labelPositions[id] = instructions.Count;
    }

    /// <summary>Defines a label and marks it here: the target of a backward jump.</summary>
    public Label MarkNewLabel()
    {
        var label = DefineLabel();
        MarkLabel(label);
        return label;
    }

    public void Emit(Instruction instruction)
    {
        instructions.Add(instruction);
        tags.Add(Tag);
    }

    /// <summary>Appends several instructions, such as the two slots of a 64-bit immediate load.</summary>
    public void Emit(params ReadOnlySpan<Instruction> sequence)
    {
        foreach (var instruction in sequence)
        {
            Emit(instruction);
        }
    }

    /// <summary><c>if dst op imm goto label</c>, comparing 64 bits.</summary>
    public void Jump(JumpOperation operation, Register destination, int immediate, Label target) =>
        EmitFixup(Instructions.Jump(operation, destination, immediate, 0), target, FixupKind.Offset);

    /// <summary><c>if dst op src goto label</c>, comparing 64 bits.</summary>
    public void Jump(JumpOperation operation, Register destination, Register source, Label target) =>
        EmitFixup(Instructions.Jump(operation, destination, source, 0), target, FixupKind.Offset);

    /// <summary><c>if wdst op imm goto label</c>, comparing 32 bits.</summary>
    public void Jump32(JumpOperation operation, Register destination, int immediate, Label target) =>
        EmitFixup(Instructions.Jump32(operation, destination, immediate, 0), target, FixupKind.Offset);

    /// <summary><c>if wdst op wsrc goto label</c>, comparing 32 bits.</summary>
    public void Jump32(JumpOperation operation, Register destination, Register source, Label target) =>
        EmitFixup(Instructions.Jump32(operation, destination, source, 0), target, FixupKind.Offset);

    /// <summary><c>goto label</c>.</summary>
    public void Ja(Label target) => EmitFixup(Instructions.Ja(0), target, FixupKind.Offset);

    /// <summary>
    /// <c>may_goto target</c> (kernel 6.9): falls through until the kernel's per-program loop
    /// budget runs out, then jumps. With one on a loop's back edge the verifier treats the loop as
    /// bounded and converges its states instead of walking every iteration.
    /// </summary>
    public void MayGoto(Label target) =>
        EmitFixup(Instruction.Create(OpCodes.Jump(InstructionClass.Jmp, JumpOperation.Jcond, OperandSource.Immediate), Register.R0, (Register)PseudoSource.MayGoto, 0, 0), target, FixupKind.Offset);

    /// <summary>
    /// A bpf-to-bpf call to the function at <paramref name="function"/>. Functions follow the
    /// main program's last <c>exit</c>: the verifier rejects code that falls through into one.
    /// </summary>
    public void CallFunction(Label function) => EmitFixup(Instructions.CallFunction(0), function, FixupKind.Immediate);

    /// <summary><c>dst = &amp;function</c>, a callback for <c>bpf_loop</c> or <c>bpf_for_each_map_elem</c>.</summary>
    public void LoadFunction(Register destination, Label function)
    {
        var pair = Instructions.LoadFunction(destination, 0);
        EmitFixup(pair[0], function, FixupKind.Immediate);
        Emit(pair[1]);
    }

    /// <summary>Resolves every label use into an offset; the builder can go on and build again.</summary>
    /// <exception cref="InvalidOperationException">A used label was never marked, or lies where no offset reaches.</exception>
    public AssembledProgram Build()
    {
        var program = instructions.ToArray();
        var functions = new SortedSet<int> { 0 };
        foreach (var fixup in fixups)
        {
            var target = labelPositions[fixup.Label.Id];
            if (target == Unmarked)
            {
                throw new InvalidOperationException($"label {fixup.Label} is used by instruction {fixup.Index} but never marked");
            }

            if (target >= program.Length)
            {
                throw new InvalidOperationException(
                    $"label {fixup.Label} (used by instruction {fixup.Index}) is marked after the last instruction");
            }

            // Offsets count from the instruction after the jump, as the CPU's pc does.
            var distance = target - fixup.Index - 1;
            if (fixup.Kind == FixupKind.Offset)
            {
                if (distance is < short.MinValue or > short.MaxValue)
                {
                    throw new InvalidOperationException(
                        $"the jump at instruction {fixup.Index} to label {fixup.Label} spans {distance} instructions;"
                        + " a jump offset holds 16 bits");
                }

                program[fixup.Index] = program[fixup.Index] with { Offset = (short)distance };
            }
            else
            {
                program[fixup.Index] = program[fixup.Index] with { Immediate = distance };
                functions.Add(target);
            }
        }

        return new AssembledProgram(program, tags.ToArray(), functions.ToArray());
    }

    private void EmitFixup(Instruction instruction, Label target, FixupKind kind)
    {
        Check(target);
        fixups.Add(new Fixup(instructions.Count, target, kind));
        Emit(instruction);
    }

    private int Check(Label label) =>
        ReferenceEquals(label.Owner, this)
            ? label.Id
            : throw new ArgumentException($"label {label} belongs to another builder (or was not made by DefineLabel)", nameof(label));

    private readonly record struct Fixup(int Index, Label Label, FixupKind Kind);
}
