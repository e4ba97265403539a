namespace Ktap.Bpf.Asm;

/// <summary>
/// Removes instructions no path reaches. The verifier refuses a program with one ("unreachable
/// insn N", check_cfg in kernel/bpf/verifier.c), and a code generator that emits structured
/// code (a jump after a branch that always leaves) makes them naturally.
/// </summary>
public static class UnreachableCode
{
    /// <summary>The program without unreachable instructions, every jump and call offset, tag and function start renumbered.</summary>
    /// <param name="program">A built program.</param>
    /// <param name="newIndex">For each old slot, its new index (a dropped 'ja +0': the next kept one's), or -1 when unreachable.</param>
    public static AssembledProgram Remove(AssembledProgram program, out int[] newIndex)
    {
        var instructions = program.Instructions;
        var reachable = Reachable(instructions, program.FunctionStarts);
        // A 'ja +0' goes where execution goes anyway: drop it, and send jumps to it onward.
        var keep = new bool[instructions.Count];
        for (var i = 0; i < instructions.Count; i++)
        {
            keep[i] = reachable[i] && !(instructions[i].OpCode == OpCodes.Ja && instructions[i].Offset == 0);
        }

        var map = new int[instructions.Count];
        var next = 0;
        for (var i = 0; i < instructions.Count; i++)
        {
            map[i] = keep[i] ? next++ : -1;
        }

        // A jump to a dropped 'ja +0' lands on the next instruction kept.
        var onward = next;
        for (var i = instructions.Count - 1; i >= 0; i--)
        {
            if (keep[i])
            {
                onward = map[i];
            }
            else if (reachable[i])
            {
                map[i] = onward;
            }
        }

        newIndex = map;

        var kept = new List<Instruction>(next);
        var tags = new List<int>(next);
        for (var i = 0; i < instructions.Count; i++)
        {
            if (!keep[i])
            {
                continue;
            }

            var instruction = instructions[i];
            if (JumpTarget(instructions, i) is { } target)
            {
                // A function's address (ld_imm64 with BPF_PSEUDO_FUNC) counts from its first slot, as a call does.
                var distance = map[target] - map[i] - 1;
                instruction = IsCall(instruction) || instruction.IsLoadImm64
                    ? instruction with { Immediate = distance }
                    : instruction with { Offset = checked((short)distance) };
            }

            kept.Add(instruction);
            tags.Add(program.Tags[i]);
        }

        var starts = program.FunctionStarts.Select(s => map[s]).ToArray();
        return new AssembledProgram(kept, tags, starts);
    }

    private static bool[] Reachable(IReadOnlyList<Instruction> instructions, IReadOnlyList<int> starts)
    {
        var reachable = new bool[instructions.Count];
        var pending = new Stack<int>(starts);
        while (pending.TryPop(out var i))
        {
            if (i >= instructions.Count || reachable[i])
            {
                continue;
            }

            reachable[i] = true;
            var instruction = instructions[i];
            if (instruction.IsLoadImm64)
            {
                reachable[i + 1] = true;
                pending.Push(i + 2);
                continue;
            }

            var @class = instruction.Class;
            if (@class is not (InstructionClass.Jmp or InstructionClass.Jmp32))
            {
                pending.Push(i + 1);
                continue;
            }

            var operation = (JumpOperation)OpCodes.OperationOf(instruction.OpCode);
            if (operation == JumpOperation.Exit)
            {
                continue;
            }

            if (JumpTarget(instructions, i) is { } target)
            {
                pending.Push(target);
            }

            // 'ja' always leaves; a call returns; any other jump may fall through.
            if (!(operation == JumpOperation.Ja && @class == InstructionClass.Jmp))
            {
                pending.Push(i + 1);
            }
        }

        return reachable;
    }

    private static bool IsCall(Instruction instruction) =>
        instruction.Class == InstructionClass.Jmp && (JumpOperation)OpCodes.OperationOf(instruction.OpCode) == JumpOperation.Call;

    /// <summary>Where a jump, or a bpf-to-bpf call (BPF_PSEUDO_CALL), at <paramref name="i"/> goes; null for anything else.</summary>
    private static int? JumpTarget(IReadOnlyList<Instruction> instructions, int i)
    {
        var instruction = instructions[i];
        if (instruction.IsLoadImm64)
        {
            return (byte)instruction.Source == PseudoSource.Function ? i + 1 + instruction.Immediate : null;
        }

        if (instruction.Class is not (InstructionClass.Jmp or InstructionClass.Jmp32))
        {
            return null;
        }

        var operation = (JumpOperation)OpCodes.OperationOf(instruction.OpCode);
        return operation switch
        {
            JumpOperation.Exit => null,
            JumpOperation.Call => (byte)instruction.Source == PseudoSource.Call ? i + 1 + instruction.Immediate : null,
            _ => i + 1 + instruction.Offset,
        };
    }
}
