using Ktap.Bpf.Asm;
using Ktap.Language.Semantics;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>Where a handler keeps its locals, strings, keys and records.</summary>
internal enum FrameKind
{
    /// <summary>The program's 512-byte stack, below R10.</summary>
    Stack,

    /// <summary>
    /// This CPU's element of a per-CPU array (the script's scratch map), when the stack is too
    /// small. Handlers never interrupt one another on a CPU: tracepoint, kprobe, uprobe and
    /// perf event programs all run under the per-CPU bpf_prog_active count (trace_call_bpf,
    /// bpf_overflow_handler), which skips a program while another runs there.
    /// </summary>
    Scratch,
}

/// <summary>The frame, the subprograms of a handler, and jumps between them.</summary>
internal sealed partial class HandlerEmitter
{
    /// <summary>Offsets from a frame register are 16-bit: the largest frame a scratch map can hold.</summary>
    private const int MaxScratchFrame = short.MaxValue;

    /// <summary>On the handler's real stack: the context pointer, for callbacks to reload (first slot below R10).</summary>
    private const short ContextSpillSlot = -8;

    /// <summary>On the handler's real stack with a scratch frame: the u32 key 0 of the scratch map.</summary>
    private const short ScratchKeySlot = -16;

    private readonly Subprogram main;
    private readonly Dictionary<Label, Subprogram> labelOwner = [];

    /// <summary>Instructions that add the frame's size to the scratch element's address, patched once the size is known.</summary>
    private readonly List<int> frameSizeSlots = [];
    private Subprogram current;

    /// <summary>The register locals are addressed from: R10, or a scratch element's end.</summary>
    private Register Frame => current.Frame;

    /// <summary>The bytes of the handler's frame, rounded to words.</summary>
    private int FrameSize => ValueEncoding.Align(maxStackDepth);

    /// <summary>The register that holds the context pointer: R6 in the handler, reloaded from its spill slot in a callback.</summary>
    private Register ContextRegister(Register scratch)
    {
        if (current == main)
        {
            return Register.R6;
        }

        builder.Emit(Load(MemorySize.DoubleWord, scratch, current.RealStack, ContextSpillSlot));
        return scratch;
    }

    /// <summary>
    /// <paramref name="frame"/> = the end of this CPU's scratch element (locals sit below it, as on
    /// the stack). The lookup's key is the real stack's u32 at <see cref="ScratchKeySlot"/>; a
    /// missing element (never, for an array) jumps to <paramref name="onMissing"/>.
    /// </summary>
    private void EmitScratchFrame(Register frame, Label onMissing)
    {
        if (current == main)
        {
            builder.Emit(Store(MemorySize.Word, Register.R10, ScratchKeySlot, 0));
        }

        LoadMap(Register.R1, script.ScratchMapIndex);
        builder.Emit(Mov64(Register.R2, current.RealStack));
        builder.Emit(Alu64(AluOperation.Add, Register.R2, ScratchKeySlot));
        builder.Emit(Call(HelperFunction.MapLookupElem));
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, onMissing);
        builder.Emit(Mov64(frame, Register.R0));
        frameSizeSlots.Add(builder.Count);
        builder.Emit(Alu64(AluOperation.Add, frame, 0));
    }

    private AssembledProgram PatchFrameSize(AssembledProgram program)
    {
        if (frameSizeSlots.Count == 0)
        {
            return program;
        }

        var instructions = program.Instructions.ToArray();
        foreach (var slot in frameSizeSlots)
        {
            instructions[slot] = instructions[slot] with { Immediate = FrameSize };
        }

        return program with { Instructions = instructions };
    }

    /// <summary>
    /// <c>goto target</c>, from any subprogram. A jump cannot leave its function, so a callback
    /// escapes instead: it writes the target's code into its escape slot and stops the
    /// iteration; the code after bpf_for_each_map_elem jumps on (<see cref="EmitEscapeDispatch"/>).
    /// </summary>
    private void JumpTo(Label target)
    {
        if (!labelOwner.TryGetValue(target, out var owner) || owner == current)
        {
            builder.Ja(target);
            return;
        }

        var code = current.EscapeTargets.IndexOf(target);
        if (code < 0)
        {
            throw new InvalidOperationException($"no escape from a callback to {target}");
        }

        builder.Emit(Store(MemorySize.DoubleWord, Frame, current.EscapeSlot, code + 1));
        builder.Ja(current.Stop);
    }

    /// <summary>After a callback has run: jumps on to where it escaped to, if it did.</summary>
    private void EmitEscapeDispatch(Subprogram callback)
    {
        if (callback.EscapeTargets.Count == 0)
        {
            return;
        }

        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Frame, callback.EscapeSlot));
        for (var i = 0; i < callback.EscapeTargets.Count; i++)
        {
            var next = builder.DefineLabel();
            builder.Jump(JumpOperation.Jne, Register.R1, i + 1, next);
            JumpTo(callback.EscapeTargets[i]);
            builder.MarkLabel(next);
        }
    }

    /// <summary>Every function a handler runs: itself and what it calls, transitively.</summary>
    private HashSet<FunctionSymbol> ReachableFunctions()
    {
        var functions = new HashSet<FunctionSymbol>();
        var pending = new Stack<FunctionSymbol>([probe.Handler]);
        while (pending.TryPop(out var function))
        {
            if (functions.Add(function))
            {
                foreach (var callee in function.Callees)
                {
                    pending.Push(callee);
                }
            }
        }

        return functions;
    }

    /// <summary>
    /// One eBPF function of the program: the handler, or a callback of bpf_for_each_map_elem.
    /// Callbacks work in the handler's frame: they get the handler's real stack pointer as
    /// their context argument and address its locals from there (a pointer into a caller's
    /// stack may be read and written by the callee, and a spilled pointer keeps its type).
    /// </summary>
    /// <param name="frame">The register locals are addressed from.</param>
    /// <param name="realStack">The register that holds the handler's R10.</param>
    private sealed class Subprogram(Register frame, Register realStack, int nesting = 0)
    {
        public Register Frame { get; } = frame;

        public Register RealStack { get; } = realStack;

        /// <summary>Callbacks between this function and the handler: the verifier adds up their stacks.</summary>
        public int Nesting { get; } = nesting;

        public Dictionary<ErrorSite, Label> ErrorStubs { get; } = [];

        /// <summary>A callback's <c>return 1</c>: ends the iteration.</summary>
        public Label Stop { get; init; }

        /// <summary>A callback's word in the frame that says where it escaped to (0: nowhere).</summary>
        public short EscapeSlot { get; init; }

        /// <summary>The labels outside a callback it may jump to; code i + 1 in <see cref="EscapeSlot"/> names the i-th.</summary>
        public List<Label> EscapeTargets { get; } = [];
    }
}
