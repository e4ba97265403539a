using Ktap.Bpf.Asm;
using Ktap.Compiler.Types;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// What walks a table in kernel code, through bpf_for_each_map_elem (Linux 5.13): <c>pairs</c>
/// loops, <c>len(t)</c> and <c>delete(t)</c>. A callback is a function of its own, emitted after
/// the handler (a program's functions follow its main body), with the state the emitter had at
/// the loop.
/// </summary>
internal sealed partial class HandlerEmitter
{
    private readonly Queue<PendingCallback> pendingCallbacks = new();
    private Label? countCallback;
    private Label? clearCallback;
    private int maxCallbackNesting;

    /// <summary>Does the handler, or a function it calls, loop with <c>pairs</c>?</summary>
    private bool HasCallbacks() => ReachableFunctions().Any(f => BoundWalker.Statements(f.Body).Any(s => s is BoundForIn));

    /// <summary>
    /// <c>for (k, v in pairs(t)) { body }</c>: the body runs in a callback that copies the
    /// element into k and v. <c>break</c> ends the iteration (the callback returns 1); a jump out
    /// of the loop (<c>return</c>, <c>exit()</c>, a runtime error) escapes (<see cref="JumpTo"/>).
    /// </summary>
    private void EmitForIn(BoundForIn loop)
    {
        if (loop.Iterator is not { Callee: BoundBuiltin { Builtin.Function: BuiltinFunction.Pairs }, Arguments: [var tableExpression, ..] })
        {
            throw Unsupported(loop.Iterator.Span, $"'{SourceOf(loop.Iterator)}' as an iterator (kernel code loops over pairs(t))");
        }

        var table = TableNamed(tableExpression);
        var key = DeclareElementLocal(loop.Key, table.KeyType, table.KeySize);
        var value = loop.Value is null ? null : DeclareElementLocal(loop.Value, table.ValueType, table.ValueSize);
        var escapeSlot = Allocate(8);
        builder.Emit(Store(MemorySize.DoubleWord, Frame, escapeSlot, 0));
        HideLoopVariables(loop.Body);

        var callback = NewCallback(escapeSlot);
        callback.EscapeTargets.Add(exitLabel);
        if (inlines.TryPeek(out var inline))
        {
            callback.EscapeTargets.Add(inline.Return);
        }

        var savedLocals = new Dictionary<VariableSymbol, LocalSlot>(locals);
        var savedInlines = inlines.Reverse().ToArray();
        var depth = stackDepth;
        var entry = Defer(callback, loop.Span, () =>
        {
            locals = savedLocals;
            inlines.Clear();
            foreach (var context in savedInlines)
            {
                inlines.Push(context);
            }

            stackDepth = depth;
            EmitElementCopy(table, key, value);
            loops.Push(new LoopContext(callback.Stop));
            EmitBlock(loop.Body);
            loops.Pop();
        });

        SetSpan(loop.Iterator.Span);
        EmitForEach(table, entry, current.RealStack);
        EmitEscapeDispatch(callback);
    }

    /// <summary>A loop variable of <c>pairs</c>, as big as the table's keys or values; a table nothing gave a type holds numbers.</summary>
    private LocalSlot DeclareElementLocal(VariableSymbol variable, KtapType elementType, int elementSize)
    {
        var type = typed.TypeOf(variable) is { Kind: not TypeKind.Unknown } known ? known
            : elementType.Kind == TypeKind.Unknown ? KtapType.Number : elementType;
        var size = type.Kind == TypeKind.String ? elementSize : 8;
        var slot = new LocalSlot(Allocate(size), nullableLocals.Contains(variable) ? Allocate(8) : (short)0, type, size);
        locals[variable] = slot;
        return slot;
    }

    /// <summary>The callback's prologue: its frame register, then the element into the loop's variables (R2: key, R3: value).</summary>
    private void EmitElementCopy(TableLayout table, LocalSlot key, LocalSlot? value)
    {
        var (keyPointer, valuePointer) = (Register.R2, Register.R3);
        if (frameKind == FrameKind.Stack)
        {
            builder.Emit(Mov64(Frame, Register.R4));
        }
        else
        {
            // The lookup clobbers R1-R5: the element's pointers wait in callee-saved registers.
            (keyPointer, valuePointer) = (Register.R7, Register.R8);
            builder.Emit(Mov64(Register.R7, Register.R2));
            builder.Emit(Mov64(Register.R8, Register.R3));
            builder.Emit(Mov64(current.RealStack, Register.R4));
            EmitScratchFrame(Frame, current.Stop);
        }

        EmitCopyElementPart(keyPointer, table.KeySize, key);
        if (value is not null)
        {
            EmitCopyElementPart(valuePointer, table.ValueSize, value);
        }
    }

    private void EmitCopyElementPart(Register source, int sourceSize, LocalSlot slot)
    {
        if (slot.Type.Kind == TypeKind.String)
        {
            EmitCopyTruncated(source, 0, sourceSize, slot.Offset, slot.Size);
        }
        else
        {
            builder.Emit(Load(MemorySize.DoubleWord, Register.R0, source, 0));
            builder.Emit(Store(MemorySize.DoubleWord, Frame, slot.Offset, Register.R0));
        }

        if (slot.Presence != 0)
        {
            builder.Emit(Store(MemorySize.DoubleWord, Frame, slot.Presence, 1));
        }
    }

    /// <summary><c>len(t)</c>: bpf_for_each_map_elem returns how many elements it visited, and this callback visits them all.</summary>
    private void EmitTableCount(BoundExpression tableExpression, Register destination)
    {
        var table = TableNamed(tableExpression);
        countCallback ??= Defer(NewCallback(0), tableExpression.Span, () => { });
        EmitForEach(table, countCallback.Value, null);
        builder.Emit(Mov64(destination, Register.R0));
    }

    /// <summary><c>delete(t)</c>: a callback deletes each element it visits (a hash map may lose its current element).</summary>
    private void EmitTableClear(BoundExpression tableExpression)
    {
        var table = TableNamed(tableExpression);
        clearCallback ??= Defer(NewCallback(0), tableExpression.Span, () =>
        {
            // R1 is the map and R2 the key: bpf_map_delete_elem's own arguments.
            builder.Emit(Call(HelperFunction.MapDeleteElem));
        });
        EmitForEach(table, clearCallback.Value, null);
    }

    /// <summary>bpf_for_each_map_elem(map, callback, context, 0). Clobbers R0-R5.</summary>
    private void EmitForEach(TableLayout table, Label callback, Register? context)
    {
        maxCallbackNesting = Math.Max(maxCallbackNesting, current.Nesting + 1);
        LoadMap(Register.R1, table.MapIndex);
        builder.LoadFunction(Register.R2, callback);
        builder.Emit(context is { } pointer ? Mov64(Register.R3, pointer) : Mov64(Register.R3, 0));
        builder.Emit(Mov64(Register.R4, 0));
        builder.Emit(Call(HelperFunction.ForEachMapElem));
    }

    private TableLayout TableNamed(BoundExpression expression) =>
        TableUsage.TopLevel(expression) is { } variable && script.TableOf(variable) is { } table
            ? table
            : throw Unsupported(expression.Span, $"walking '{SourceOf(expression)}' (kernel code walks top-level tables only)");

    private Subprogram NewCallback(short escapeSlot)
    {
        var callback = new Subprogram(Register.R6, frameKind == FrameKind.Stack ? Register.R6 : Register.R9, current.Nesting + 1)
        {
            Stop = builder.DefineLabel(),
            EscapeSlot = escapeSlot,
        };
        labelOwner[callback.Stop] = callback;
        return callback;
    }

    /// <summary>Queues a callback's body for <see cref="EmitCallbacks"/> and returns its entry.</summary>
    private Label Defer(Subprogram callback, TextSpan span, Action body)
    {
        var entry = builder.DefineLabel();
        pendingCallbacks.Enqueue(new PendingCallback(callback, entry, span, body));
        return entry;
    }

    /// <summary>
    /// Emits every queued callback after the handler: returns 0 to go on to the next element, 1
    /// (its Stop label) to end the iteration. A callback may queue more (a loop in a loop).
    /// </summary>
    private void EmitCallbacks()
    {
        while (pendingCallbacks.TryDequeue(out var pending))
        {
            current = pending.Callback;
            loops.Clear();
            Array.Clear(tempInUse);
            SetSpan(pending.Span);
            builder.MarkLabel(pending.Entry);
            pending.Body();
            SetSpan(pending.Span);
            builder.Emit(Mov64(Register.R0, 0));
            builder.Emit(Exit());
            builder.MarkLabel(current.Stop);
            builder.Emit(Mov64(Register.R0, 1));
            builder.Emit(Exit());
            EmitErrorStubs();
        }

        current = main;
    }

    private sealed record PendingCallback(Subprogram Callback, Label Entry, TextSpan Span, Action Body);
}
