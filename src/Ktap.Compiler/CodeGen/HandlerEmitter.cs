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
/// record staging live in the 512-byte stack frame below R10. Functions a handler calls are
/// inlined (kernel code is never recursive, KT2001).
/// </summary>
internal sealed partial class HandlerEmitter
{
    /// <summary>The verifier's limit on a program's stack (MAX_BPF_STACK).</summary>
    private const int MaxStack = 512;

    private static readonly Register[] TempRegisters = [Register.R7, Register.R8, Register.R9];

    private readonly ScriptCompiler script;
    private readonly TypedScript typed;
    private readonly BoundProbe probe;
    private readonly ProbeTarget target;
    private readonly ProgramBuilder builder = new();
    private readonly List<MapRelocation> relocations = [];
    private readonly List<TextSpan> tagSpans = [default];
    private readonly Dictionary<ErrorSite, Label> errorStubs = [];
    private readonly Dictionary<VariableSymbol, LocalSlot> locals = [];
    private readonly HashSet<VariableSymbol> nullableLocals;
    private Dictionary<VariableSymbol, int> stringCapacities = [];
    private readonly bool[] tempInUse = new bool[TempRegisters.Length];
    private readonly Stack<LoopContext> loops = new();
    private readonly Stack<InlineContext> inlines = new();
    private readonly Label exitLabel;
    private int stackDepth;

    /// <summary>A register known to hold R10 + Offset while a key is built.</summary>
    private (short Offset, Register Register)? addressHint;
    private int maxStackDepth;

    private readonly FilterExpression? filter;

    public HandlerEmitter(ScriptCompiler script, BoundProbe probe, ProbeTarget target, FilterExpression? filter)
    {
        this.filter = filter;
        this.script = script;
        typed = script.Typed;
        this.probe = probe;
        this.target = target;
        nullableLocals = script.NullableLocals;
        stringCapacities = StringCapacities();
        exitLabel = builder.DefineLabel();
    }

    private int StringLength => script.Options.StringLength;

    public CompiledHandler Emit(string name)
    {
        SetSpan(probe.Span);

        // R1 is the context at entry; helpers clobber it, R6 keeps it (callee-saved).
        if (filter is not null || UsesContext())
        {
            builder.Emit(Mov64(Register.R6, Register.R1));
        }

        EmitScope();
        if (filter is not null)
        {
            SetSpan(probe.Filter!.Span);
            var mark = stackDepth;
            var area = Allocate(FilterEmitter.StackSize);
            FilterEmitter.Emit(builder, filter, exitLabel, area);
            ReleaseStack(mark);
        }

        EmitBlock(probe.Handler.Body);
        SetSpan(probe.Span);
        builder.MarkLabel(exitLabel);
        builder.Emit(Mov64(Register.R0, 0));
        builder.Emit(Exit());
        EmitErrorStubs();

        if (maxStackDepth > MaxStack)
        {
            throw new KernelCompileException(
                DiagnosticCode.NotInKernel, probe.Span,
                $"this handler needs {maxStackDepth} bytes of stack and the kernel gives a BPF program {MaxStack}: use fewer or shorter strings (--strlen)");
        }

        var assembled = UnreachableCode.Remove(builder.Build(), out var newIndex);
        var linked = relocations.Where(r => newIndex[r.Instruction] >= 0).Select(r => r with { Instruction = newIndex[r.Instruction] }).ToArray();
        var spans = assembled.Tags.Select(t => tagSpans[t]).ToArray();
        return new CompiledHandler(probe, target, ProgramTypeOf(target.Kind), name, assembled.Instructions, linked, spans, assembled.FunctionStarts);
    }

    /// <summary>Does the handler, or a function it calls, read the context (argN, args.NAME)?</summary>
    private bool UsesContext()
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

        return functions.SelectMany(f => BoundWalker.Expressions(f.Body)).Any(e =>
            e is BoundEventField or BoundProbeVariable { Variable: >= ProbeVariable.Arg0 and <= ProbeVariable.Arg9 });
    }

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
    private Label ErrorLabel(string message, TextSpan span)
    {
        var site = script.ErrorSiteFor(message, span);
        if (!errorStubs.TryGetValue(site, out var label))
        {
            label = builder.DefineLabel();
            errorStubs[site] = label;
        }

        return label;
    }

    private void EmitErrorStubs()
    {
        foreach (var (site, label) in errorStubs)
        {
            SetSpan(site.Span);
            builder.MarkLabel(label);
            EmitCount(site.CounterOffset);
            builder.Ja(exitLabel);
        }
    }

    /// <summary>Adds one to the data map's counter at <paramref name="offset"/>; any CPU may count at once.</summary>
    private void EmitCount(int offset)
    {
        LoadData(Register.R1, offset);
        builder.Emit(Mov64(Register.R2, 1));
        builder.Emit(AtomicAdd(MemorySize.DoubleWord, Register.R1, 0, Register.R2));
    }

    // ---- Registers and the stack frame --------------------------------------------------

    /// <summary>A callee-saved register for a value, or null when all three hold one.</summary>
    private Register? TryAcquire()
    {
        for (var i = 0; i < TempRegisters.Length; i++)
        {
            if (!tempInUse[i])
            {
                tempInUse[i] = true;
                return TempRegisters[i];
            }
        }

        return null;
    }

    private Register Acquire(TextSpan span) =>
        TryAcquire() ?? throw new KernelCompileException(DiagnosticCode.NotInKernel, span, "this expression nests too deeply for a kernel handler: split it with local variables");

    private void Release(Register register) => tempInUse[Array.IndexOf(TempRegisters, register)] = false;

    /// <summary>Reserves <paramref name="size"/> bytes of stack (8-byte aligned) and returns their offset from R10.</summary>
    private short Allocate(int size)
    {
        stackDepth += ValueEncoding.Align(size);
        maxStackDepth = Math.Max(maxStackDepth, stackDepth);
        return (short)-Math.Min(stackDepth, short.MaxValue);
    }

    /// <summary>Frees every stack allocation made after <paramref name="mark"/> (a value of <see cref="stackDepth"/>).</summary>
    private void ReleaseStack(int mark) => stackDepth = mark;

    private void StackAddress(Register destination, short offset)
    {
        if (addressHint is { } hint && hint.Offset == offset && hint.Register != destination)
        {
            builder.Emit(Mov64(destination, hint.Register));
            return;
        }

        builder.Emit(Mov64(destination, Register.R10));
        builder.Emit(Alu64(AluOperation.Add, destination, offset));
    }

    private KtapType TypeOf(BoundExpression expression) => expression is BoundSlot slot ? slot.Slot.Type : typed.TypeOf(expression);

    private KernelCompileException Unsupported(TextSpan span, string what) =>
        new(DiagnosticCode.NotInKernel, span, $"{what} cannot run in kernel code yet");

    private sealed record LoopContext(Label Break);

    /// <summary>An inlined call: where <c>return</c> stores its value and jumps to.</summary>
    private sealed record InlineContext(FunctionSymbol Function, Label Return, LocalSlot? Result);
}
