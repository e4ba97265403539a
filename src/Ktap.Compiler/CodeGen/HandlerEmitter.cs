using Ktap.Bpf.Asm;
using Ktap.Bpf.Programs;
using Ktap.Compiler.Events;
using Ktap.Compiler.Filters;
using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>Where a local of kernel code lives: its value and, when it can be nil, a presence word (0: none).</summary>
/// <param name="Size">Bytes of the value: 8, or a string buffer's size.</param>
internal sealed record LocalSlot(short Offset, short Presence, KtapType Type, int Size);

/// <summary>
/// Compiles one handler for one target into one eBPF program. Conventions, kept everywhere:
/// R6 holds the context (R1 at entry); expression values live in the callee-saved R7–R9, which
/// helper calls leave alone; R0–R5 are scratch between two helper calls; locals, strings and
/// record staging live in the handler's frame, addressed from <see cref="Frame"/>: the 512-byte
/// stack below R10, or, when that is not enough, a per-CPU scratch map (<see cref="FrameKind"/>).
/// Functions a handler calls are inlined (kernel code is never recursive, KT2001); the bodies of
/// <c>pairs</c> loops become callbacks of bpf_for_each_map_elem that work in the handler's frame.
/// </summary>
internal sealed partial class HandlerEmitter
{
    /// <summary>The verifier's limit on the stacks of a program's call chain (MAX_BPF_STACK).</summary>
    private const int MaxStack = 512;

    private readonly ScriptCompiler script;
    private readonly TypedScript typed;
    private readonly BoundProbe probe;
    private readonly ProbeTarget target;
    private readonly FrameKind frameKind;
    private readonly ProgramBuilder builder = new();
    private readonly List<MapRelocation> relocations = [];
    private readonly List<TextSpan> tagSpans = [default];
    private readonly HashSet<VariableSymbol> nullableLocals;
    private readonly Register[] tempRegisters;
    private readonly bool[] tempInUse;
    private readonly Stack<LoopContext> loops = new();
    private readonly Stack<InlineContext> inlines = new();
    private readonly Label exitLabel;
    private readonly FilterExpression? filter;
    private Dictionary<VariableSymbol, LocalSlot> locals = [];
    private Dictionary<VariableSymbol, int> stringCapacities = [];
    private int stackDepth;
    private int maxStackDepth;

    /// <summary>A register known to hold Frame + Offset while a key is built.</summary>
    private (short Offset, Register Register)? addressHint;

    public HandlerEmitter(ScriptCompiler script, BoundProbe probe, ProbeTarget target, FilterExpression? filter, FrameKind frameKind)
    {
        this.filter = filter;
        this.script = script;
        this.frameKind = frameKind;
        typed = script.Typed;
        this.probe = probe;
        this.target = target;
        nullableLocals = script.NullableLocals;
        stringCapacities = StringCapacities();

        // The scratch frame's address takes R9 for the whole handler.
        tempRegisters = frameKind == FrameKind.Stack ? [Register.R7, Register.R8, Register.R9] : [Register.R7, Register.R8];
        tempInUse = new bool[tempRegisters.Length];
        exitLabel = builder.DefineLabel();
        main = new Subprogram(frameKind == FrameKind.Stack ? Register.R10 : Register.R9, Register.R10);
        current = main;
        labelOwner[exitLabel] = main;
    }

    private int StringLength => script.Options.StringLength;

    /// <summary>The handler, or null when its frame does not fit the stack and <see cref="FrameKind.Stack"/> was asked for.</summary>
    public CompiledHandler? Emit(string name)
    {
        SetSpan(probe.Span);
        var needsContext = filter is not null || UsesContext();
        var hasCallbacks = HasCallbacks();

        // R1 is the context at entry; helpers clobber it, R6 keeps it (callee-saved).
        if (needsContext)
        {
            builder.Emit(Mov64(Register.R6, Register.R1));
        }

        EmitScope();
        if (filter is not null)
        {
            SetSpan(probe.Filter!.Span);

            // The filter addresses the stack from R10: on a scratch frame it gets the real stack's bytes below the context's spill slot and the scratch key.
            var mark = stackDepth;
            var area = frameKind == FrameKind.Stack ? Allocate(FilterEmitter.StackSize) : (short)(ScratchKeySlot - FilterEmitter.StackSize);
            FilterEmitter.Emit(builder, filter, exitLabel, area);
            ReleaseStack(mark);
            SetSpan(probe.Span);
        }

        if (needsContext && hasCallbacks)
        {
            // Callbacks reach the context through the handler's stack: a spilled pointer keeps its type.
            if (frameKind == FrameKind.Stack)
            {
                Allocate(8);
            }

            builder.Emit(Store(MemorySize.DoubleWord, Register.R10, ContextSpillSlot, Register.R6));
        }

        if (frameKind == FrameKind.Scratch)
        {
            EmitScratchFrame(Register.R9, exitLabel);
        }

        EmitBlock(probe.Handler.Body);
        SetSpan(probe.Span);
        builder.MarkLabel(exitLabel);
        builder.Emit(Mov64(Register.R0, 0));
        builder.Emit(Exit());
        EmitErrorStubs();
        EmitCallbacks();

        if (frameKind == FrameKind.Stack && StackNeeded() > MaxStack)
        {
            return null;
        }

        if (maxStackDepth > MaxScratchFrame)
        {
            throw new KernelCompileException(
                DiagnosticCode.NotInKernel, probe.Span,
                $"this handler needs {maxStackDepth} bytes for its locals and strings, and a kernel handler can have {MaxScratchFrame}: use fewer or shorter strings (--strlen)");
        }

        var assembled = PatchFrameSize(builder.Build());
        assembled = UnreachableCode.Remove(assembled, out var newIndex);
        var linked = relocations.Where(r => newIndex[r.Instruction] >= 0).Select(r => r with { Instruction = newIndex[r.Instruction] }).ToArray();
        var spans = assembled.Tags.Select(t => tagSpans[t]).ToArray();
        var scratch = frameKind == FrameKind.Scratch ? FrameSize : 0;
        return new CompiledHandler(probe, target, ProgramTypeOf(target.Kind), name, assembled.Instructions, linked, spans, assembled.FunctionStarts) { ScratchSize = scratch };
    }

    /// <summary>
    /// The stack the verifier counts for the deepest call chain (check_max_stack_depth): the
    /// handler's frame, plus each nested callback's, rounded as the interpreter rounds them
    /// (32 bytes, at least one unit per frame), the stricter of its two roundings.
    /// </summary>
    private int StackNeeded() => ((maxStackDepth + 31) & ~31) + (32 * maxCallbackNesting);

    /// <summary>Does the handler, or a function it calls, read the context (argN, args.NAME, stack(), argstr)?</summary>
    private bool UsesContext() =>
        ReachableFunctions().SelectMany(f => BoundWalker.Expressions(f.Body)).Any(e => e
            is BoundEventField
            or BoundProbeVariable { Variable: (>= ProbeVariable.Arg0 and <= ProbeVariable.Arg9) or ProbeVariable.Argstr }
            or BoundCall { Callee: BoundBuiltin { Builtin.Function: BuiltinFunction.Stack } });

    private static ProgramType ProgramTypeOf(ContextKind kind) => kind switch
    {
        ContextKind.Tracepoint => ProgramType.Tracepoint,
        ContextKind.RawTracepoint => ProgramType.RawTracepoint,
        ContextKind.Registers => ProgramType.Kprobe,
        _ => ProgramType.PerfEvent,
    };

    /// <summary>Tags the instructions emitted from now on with <paramref name="span"/> (the line table).</summary>
    private void SetSpan(TextSpan span)
    {
        builder.Tag = tagSpans.Count;
        tagSpans.Add(span);
    }

    // ---- Maps and the data map ----------------------------------------------------------

    private void LoadMap(Register destination, int mapIndex)
    {
        relocations.Add(new MapRelocation(builder.Count, mapIndex));
        builder.Emit(LoadMapFd(destination, 0));
    }

    /// <summary><c>destination = &amp;data[offset]</c>: the data map is a one-entry array, so its value has a fixed address.</summary>
    private void LoadData(Register destination, int offset)
    {
        relocations.Add(new MapRelocation(builder.Count, script.DataMapIndex));
        builder.Emit(LoadMapValue(destination, 0, offset));
    }

    // ---- Runtime errors -----------------------------------------------------------------

    /// <summary>The label that counts <paramref name="message"/> at <paramref name="span"/> and ends the handler.</summary>
    /// <remarks>Each subprogram has its own stubs: a jump cannot leave the function it is in.</remarks>
    private Label ErrorLabel(string message, TextSpan span)
    {
        var site = script.ErrorSiteFor(message, span);
        if (!current.ErrorStubs.TryGetValue(site, out var label))
        {
            label = builder.DefineLabel();
            current.ErrorStubs[site] = label;
        }

        return label;
    }

    private void EmitErrorStubs()
    {
        foreach (var (site, label) in current.ErrorStubs)
        {
            SetSpan(site.Span);
            builder.MarkLabel(label);
            EmitCount(site.CounterOffset);
            JumpTo(exitLabel);
        }
    }

    /// <summary>Adds one to the data map's counter at <paramref name="offset"/>; any CPU may count at once.</summary>
    private void EmitCount(int offset)
    {
        LoadData(Register.R1, offset);
        builder.Emit(Mov64(Register.R2, 1));
        builder.Emit(AtomicAdd(MemorySize.DoubleWord, Register.R1, 0, Register.R2));
    }

    // ---- Registers and the frame --------------------------------------------------------

    /// <summary>A callee-saved register for a value, or null when all of them hold one.</summary>
    private Register? TryAcquire()
    {
        for (var i = 0; i < tempRegisters.Length; i++)
        {
            if (!tempInUse[i])
            {
                tempInUse[i] = true;
                return tempRegisters[i];
            }
        }

        return null;
    }

    /// <summary>A callee-saved register to keep an address in, when one more stays free for evaluating a key.</summary>
    private Register? TryAcquireSpare() => tempInUse.Count(used => !used) >= 2 ? TryAcquire() : null;

    private Register Acquire(TextSpan span) =>
        TryAcquire() ?? throw new KernelCompileException(DiagnosticCode.NotInKernel, span, "this expression nests too deeply for a kernel handler: split it with local variables");

    private void Release(Register register) => tempInUse[Array.IndexOf(tempRegisters, register)] = false;

    /// <summary>Reserves <paramref name="size"/> bytes of the frame (8-byte aligned) and returns their offset from <see cref="Frame"/>.</summary>
    private short Allocate(int size)
    {
        stackDepth += ValueEncoding.Align(size);
        maxStackDepth = Math.Max(maxStackDepth, stackDepth);
        return (short)-Math.Min(stackDepth, MaxScratchFrame);
    }

    /// <summary>Frees every allocation made after <paramref name="mark"/> (a value of <see cref="stackDepth"/>).</summary>
    private void ReleaseStack(int mark) => stackDepth = mark;

    private void StackAddress(Register destination, short offset)
    {
        if (addressHint is { } hint && hint.Offset == offset && hint.Register != destination)
        {
            builder.Emit(Mov64(destination, hint.Register));
            return;
        }

        builder.Emit(Mov64(destination, Frame));
        builder.Emit(Alu64(AluOperation.Add, destination, offset));
    }

    private static KtapType TypeOf(ContextField field) => field.Kind is FieldKind.CharArray or FieldKind.DataLocString ? KtapType.String : KtapType.Number;

    /// <summary>
    /// An expression's type; an event value (<c>args.NAME</c>, <c>argN</c>) the type checker had
    /// no targets for (<c>-d</c>) or whose targets disagree has none from it, and takes its
    /// field's for this target: a string for <c>char[]</c> and <c>__data_loc</c>, else a number.
    /// </summary>
    private KtapType TypeOf(BoundExpression expression) => expression switch
    {
        BoundSlot slot => slot.Slot.Type,
        BoundLocal local when locals.TryGetValue(local.Variable, out var slot) => slot.Type,
        BoundEventField field when typed.TypeOf(field).Kind == TypeKind.Unknown && target.FindField(field.Field) is { } layout => TypeOf(layout),
        BoundProbeVariable { Variable: >= ProbeVariable.Arg0 and <= ProbeVariable.Arg9 } argument when typed.TypeOf(argument).Kind == TypeKind.Unknown =>
            ArgumentOrNull(argument) is { } layout ? TypeOf(layout) : KtapType.Number,
        _ => typed.TypeOf(expression),
    };

    private KernelCompileException Unsupported(TextSpan span, string what) =>
        new(DiagnosticCode.NotInKernel, span, $"{what} cannot run in kernel code yet");

    private sealed record LoopContext(Label Break);

    /// <summary>An inlined call: where <c>return</c> stores its value and jumps to.</summary>
    private sealed record InlineContext(FunctionSymbol Function, Label Return, LocalSlot? Result);
}
