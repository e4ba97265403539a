using Ktap.Bpf.Asm;
using Ktap.Compiler.Types;
using Ktap.Language.Semantics;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>Statements: locals, assignments, <c>+=</c>, control flow, inlined returns.</summary>
internal sealed partial class HandlerEmitter
{
    private void EmitBlock(BoundBlock block)
    {
        var mark = stackDepth;
        foreach (var statement in block.Statements)
        {
            EmitStatement(statement);
        }

        ReleaseStack(mark);
    }

    private void EmitStatement(BoundStatement statement)
    {
        SetSpan(statement.Span);
        var mark = stackDepth;
        switch (statement)
        {
            case BoundLocalDeclaration s:
                for (var i = 0; i < s.Variables.Count; i++)
                {
                    var slot = DeclareLocal(s.Variables[i]);
                    mark = stackDepth;
                    if (i < s.Values.Count)
                    {
                        StoreLocal(slot, s.Values[i]);
                    }
                    else
                    {
                        SetNil(slot);
                    }

                    ReleaseStack(mark);
                }

                // Values beyond the variables are evaluated for their effects.
                foreach (var extra in s.Values.Skip(s.Variables.Count))
                {
                    EmitEffects(extra);
                }

                return;
            case BoundAssignment s:
                EmitAssignment(s);
                break;
            case BoundIncrement s:
                EmitIncrement(s);
                break;
            case BoundAggregate s:
                EmitAggregate(s);
                break;
            case BoundExpressionStatement s:
                EmitExpressionStatement(s.Expression);
                break;
            case BoundIf s:
                EmitIf(s);
                break;
            case BoundWhile s:
                EmitLoop(s.Condition, s.Body, conditionFirst: true, s.Span);
                break;
            case BoundRepeat s:
                EmitLoop(s.Condition, s.Body, conditionFirst: false, s.Span);
                break;
            case BoundNumericFor s:
                EmitNumericFor(s);
                break;
            case BoundForIn s:
                EmitForIn(s);
                break;
            case BoundBreak:
                builder.Ja(loops.Peek().Break);
                break;
            case BoundReturn s:
                EmitReturn(s);
                break;
            case BoundBlockStatement s:
                EmitBlock(s.Body);
                break;
            default:
                throw Unsupported(statement.Span, "this statement");
        }

        ReleaseStack(mark);
    }

    private LocalSlot DeclareLocal(VariableSymbol variable)
    {
        var type = LocalType(variable);
        if (type.Kind is TypeKind.Table or TypeKind.Unknown && !nullableLocals.Contains(variable))
        {
            throw Unsupported(variable.Declaration, $"a local '{variable.Name}' of type {type}");
        }

        var size = type.Kind == TypeKind.String ? stringCapacities.GetValueOrDefault(variable, ValueEncoding.Align(StringLength)) : ValueEncoding.SizeOf(type, StringLength);
        var offset = Allocate(size);
        var presence = nullableLocals.Contains(variable) ? Allocate(8) : (short)0;
        var slot = new LocalSlot(offset, presence, type, size);
        locals[variable] = slot;
        return slot;
    }

    /// <summary>A local's type; one the type checker could not decide takes that of an event field stored into it (this target's).</summary>
    private KtapType LocalType(VariableSymbol variable)
    {
        var type = typed.TypeOf(variable);
        if (type.Kind != TypeKind.Unknown)
        {
            return type;
        }

        var field = typed.KernelFunctions.SelectMany(NullableLocals.Stores)
            .FirstOrDefault(s => s.Variable == variable && s.Value is BoundEventField or BoundProbeVariable { Variable: >= Language.Syntax.ProbeVariable.Arg0 and <= Language.Syntax.ProbeVariable.Arg9 }).Value;
        return field is null ? type : TypeOf(field);
    }

    private LocalSlot SlotOf(VariableSymbol variable) =>
        locals.TryGetValue(variable, out var slot) ? slot : throw new InvalidOperationException($"no slot for '{variable.Name}'");

    /// <summary>Stores <paramref name="value"/> into a local, setting or clearing its presence word.</summary>
    private void StoreLocal(LocalSlot slot, BoundExpression value)
    {
        var isNil = builder.DefineLabel();
        var done = builder.DefineLabel();
        if (slot.Type.Kind == TypeKind.String)
        {
            EmitStringInto(value, slot.Offset, slot.Size, isNil);
        }
        else if (slot.Type.Kind is TypeKind.Number or TypeKind.Boolean or TypeKind.Stack or TypeKind.Address)
        {
            var register = Acquire(value.Span);
            EmitNumber(value, register, isNil);
            builder.Emit(Store(MemorySize.DoubleWord, Frame, slot.Offset, register));
            Release(register);
        }
        else
        {
            // Only nil is ever stored in it.
            EmitEffects(value);
            builder.Ja(isNil);
        }

        if (slot.Presence != 0)
        {
            builder.Emit(Store(MemorySize.DoubleWord, Frame, slot.Presence, 1));
            builder.Ja(done);
            builder.MarkLabel(isNil);
            SetNil(slot);
        }
        else
        {
            builder.Ja(done);
            builder.MarkLabel(isNil);
            builder.Ja(ErrorLabel("a nil value where kernel code needs a value", value.Span));
        }

        builder.MarkLabel(done);
    }

    private void SetNil(LocalSlot slot)
    {
        if (slot.Presence != 0)
        {
            builder.Emit(Store(MemorySize.DoubleWord, Frame, slot.Presence, 0));
        }
    }

    private void EmitLoadSlot(LocalSlot slot, Register destination, Func<Label> nilTarget)
    {
        if (slot.Presence != 0)
        {
            builder.Emit(Load(MemorySize.DoubleWord, destination, Frame, slot.Presence));
            builder.Jump(JumpOperation.Jeq, destination, 0, nilTarget());
        }

        if (slot.Type.Kind is TypeKind.Number or TypeKind.Boolean or TypeKind.Stack or TypeKind.Address)
        {
            builder.Emit(Load(MemorySize.DoubleWord, destination, Frame, slot.Offset));
        }
        else
        {
            builder.Ja(nilTarget());
        }
    }

    private void EmitAssignment(BoundAssignment assignment)
    {
        if (assignment.Targets.Count == 1)
        {
            EmitStore(assignment.Targets[0], assignment.Values.Count > 0 ? assignment.Values[0] : null);
            foreach (var extra in assignment.Values.Skip(1))
            {
                EmitEffects(extra);
            }

            return;
        }

        // 'a, b = b, a': every value is evaluated before any target is written.
        var copies = new List<(BoundExpression Target, LocalSlot? Copy)>();
        for (var i = 0; i < assignment.Targets.Count; i++)
        {
            if (i >= assignment.Values.Count)
            {
                copies.Add((assignment.Targets[i], null));
                continue;
            }

            var value = assignment.Values[i];
            var type = TypeOf(value);
            var size = type.Kind == TypeKind.String ? BufferSizeOf(value) : 8;
            var copy = new LocalSlot(Allocate(size), Allocate(8), type, size);
            StoreLocal(copy, value);
            copies.Add((assignment.Targets[i], copy));
        }

        foreach (var (target, copy) in copies)
        {
            EmitStore(target, copy is null ? null : new BoundSlot(copy, target.Span));
        }
    }

    /// <summary>Stores a value (null: nil) into a local, a shared variable or a table element.</summary>
    private void EmitStore(BoundExpression target, BoundExpression? value)
    {
        value ??= new BoundNil(target.Span);
        switch (target)
        {
            case BoundLocal local:
                StoreLocal(SlotOf(local.Variable), value);
                return;
            case BoundUpvalue { Variable.IsTopLevel: true } upvalue when script.GlobalOf(upvalue.Variable) is { } global:
                EmitStoreGlobal(global, value);
                return;
            case BoundIndex index:
                EmitTableStore(index, value);
                return;
            default:
                throw Unsupported(target.Span, $"assigning to '{SourceOf(target)}'");
        }
    }

    private void EmitIncrement(BoundIncrement increment)
    {
        switch (increment.Target)
        {
            case BoundLocal local:
            {
                var slot = SlotOf(local.Variable);
                var register = Acquire(increment.Span);
                EmitLoadSlot(slot, register, () => ErrorLabel("'+=' on a variable that holds nil: give it a number first", increment.Span));
                WithOperand(increment.Value, register, r => builder.Emit(Alu64(AluOperation.Add, register, r)));
                builder.Emit(Store(MemorySize.DoubleWord, Frame, slot.Offset, register));
                Release(register);
                return;
            }

            case BoundUpvalue { Variable.IsTopLevel: true } upvalue when script.GlobalOf(upvalue.Variable) is { } global:
                EmitGlobalIncrement(global, increment);
                return;
            case BoundIndex index:
                EmitTableIncrement(index, increment.Value);
                return;
            default:
                throw Unsupported(increment.Span, $"'+=' on '{SourceOf(increment.Target)}'");
        }
    }

    private void EmitIf(BoundIf statement)
    {
        var end = builder.DefineLabel();
        foreach (var clause in statement.Clauses)
        {
            var next = builder.DefineLabel();
            SetSpan(clause.Condition.Span);
            EmitJumpIf(clause.Condition, false, next);
            EmitBlock(clause.Body);
            builder.Ja(end);
            builder.MarkLabel(next);
        }

        if (statement.Else is not null)
        {
            EmitBlock(statement.Else);
        }

        builder.Ja(end);
        builder.MarkLabel(end);
    }

    /// <summary>
    /// <c>while</c> and <c>repeat</c>. Each iteration counts itself and stops the handler with
    /// ktap's error after <see cref="CompilerOptions.LoopLimit"/>; the may_goto on the back edge
    /// lets the verifier accept the loop without walking every iteration (kernel 6.9).
    /// </summary>
    private void EmitLoop(BoundExpression condition, BoundBlock body, bool conditionFirst, Language.Syntax.TextSpan span)
    {
        var counter = Allocate(8);
        builder.Emit(Mov64(Register.R1, 0));
        EmitOpaque(Register.R1);
        builder.Emit(Store(MemorySize.DoubleWord, Frame, counter, Register.R1));
        var exit = builder.DefineLabel();
        HideLoopVariables(body);
        var head = builder.MarkNewLabel();
        if (conditionFirst)
        {
            SetSpan(condition.Span);
            EmitJumpIf(condition, false, exit);
        }

        EmitIterationCount(counter, span);

        loops.Push(new LoopContext(exit));
        if (conditionFirst)
        {
            EmitBlock(body);
        }
        else
        {
            // 'until' sees the body's locals: they stay allocated until the condition is read.
            var mark = stackDepth;
            foreach (var statement in body.Statements)
            {
                EmitStatement(statement);
            }

            SetSpan(condition.Span);
            EmitJumpIf(condition, true, exit);
            ReleaseStack(mark);
        }

        loops.Pop();
        builder.Ja(head);
        builder.MarkLabel(exit);
    }

    /// <summary>
    /// Adds 0 in a way the verifier cannot see through (1 read from the data map, minus 1).
    /// A loop whose counters the verifier knows exactly has a different state on every
    /// iteration: it must walk them all, and branches decided by known values mark the counters
    /// precise, which stops may_goto's widening (widen_imprecise_scalars) from merging them.
    /// Unknown counters let the loop converge after a few iterations.
    /// </summary>
    private void EmitOpaque(Register register)
    {
        LoadData(Register.R5, ScriptCompiler.OneOffset);
        builder.Emit(Load(MemorySize.DoubleWord, Register.R5, Register.R5, 0));
        builder.Emit(Alu64(AluOperation.Add, register, Register.R5));
        builder.Emit(Alu64(AluOperation.Sub, register, 1));
    }

    /// <summary>
    /// Makes the numbers a loop changes unknown to the verifier before the loop starts (see
    /// <see cref="EmitOpaque"/>): a counter the verifier tracks exactly, compared in the loop
    /// ('until (i &gt; n)'), is marked precise and keeps every iteration's state distinct.
    /// </summary>
    private void HideLoopVariables(BoundBlock body)
    {
        var changed = BoundWalker.Statements(body).SelectMany(statement => statement switch
        {
            BoundAssignment a => a.Targets,
            BoundIncrement i => [i.Target],
            _ => [],
        }).OfType<BoundLocal>().Select(l => l.Variable).Distinct();
        foreach (var variable in changed)
        {
            if (locals.TryGetValue(variable, out var slot) && slot.Type.Kind == TypeKind.Number)
            {
                builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Frame, slot.Offset));
                EmitOpaque(Register.R1);
                builder.Emit(Store(MemorySize.DoubleWord, Frame, slot.Offset, Register.R1));
            }
        }
    }

    /// <summary>Counts one iteration in <paramref name="counter"/>; past the limit, or the kernel's own loop budget, the handler ends with an error.</summary>
    private void EmitIterationCount(short counter, Language.Syntax.TextSpan span)
    {
        var error = ErrorLabel("loop execute count exceeded", span);
        builder.MayGoto(error);
        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Frame, counter));
        builder.Emit(Alu64(AluOperation.Add, Register.R1, 1));
        builder.Emit(Store(MemorySize.DoubleWord, Frame, counter, Register.R1));
        builder.Jump(JumpOperation.Jgt, Register.R1, CompilerOptions.LoopLimit, error);
    }

    /// <summary>
    /// <c>for (i = first, last, step)</c> as the interpreter runs it: the iteration count is
    /// computed up front (unsigned), so a limit near the end of the 64-bit range cannot wrap.
    /// </summary>
    private void EmitNumericFor(BoundNumericFor loop)
    {
        var value = Allocate(8);
        var remaining = Allocate(8);
        var stepSlot = Allocate(8);
        var counter = Allocate(8);
        var exit = builder.DefineLabel();
        var first = Acquire(loop.Span);
        EmitNumber(loop.First, first, null, "'for' initial value must be a number, not nil");
        builder.Emit(Store(MemorySize.DoubleWord, Frame, value, first));
        var last = first;
        EmitNumber(loop.Last, last, null, "'for' limit must be a number, not nil");
        builder.Emit(Store(MemorySize.DoubleWord, Frame, remaining, last));
        if (loop.Step is null)
        {
            builder.Emit(Mov64(first, 1));
        }
        else
        {
            EmitNumber(loop.Step, first, null, "'for' step must be a number, not nil");
            builder.Jump(JumpOperation.Jeq, first, 0, ErrorLabel("'for' step is zero", loop.Step.Span));
        }

        builder.Emit(Store(MemorySize.DoubleWord, Frame, stepSlot, first));
        Release(first);

        // R1 = first, R2 = last, R3 = step; R4 = the span to cover, R3 its divisor.
        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Frame, value));
        builder.Emit(Load(MemorySize.DoubleWord, Register.R2, Frame, remaining));
        builder.Emit(Load(MemorySize.DoubleWord, Register.R3, Frame, stepSlot));
        var down = builder.DefineLabel();
        var divide = builder.DefineLabel();
        builder.Jump(JumpOperation.Jslt, Register.R3, 0, down);
        builder.Jump(JumpOperation.Jsgt, Register.R1, Register.R2, exit);
        builder.Emit(Mov64(Register.R4, Register.R2));
        builder.Emit(Alu64(AluOperation.Sub, Register.R4, Register.R1));
        builder.Ja(divide);
        builder.MarkLabel(down);
        builder.Jump(JumpOperation.Jslt, Register.R1, Register.R2, exit);
        builder.Emit(Mov64(Register.R4, Register.R1));
        builder.Emit(Alu64(AluOperation.Sub, Register.R4, Register.R2));
        builder.Emit(Neg64(Register.R3));
        builder.MarkLabel(divide);
        builder.Emit(Alu64(AluOperation.Div, Register.R4, Register.R3));
        EmitOpaque(Register.R4);
        builder.Emit(Store(MemorySize.DoubleWord, Frame, remaining, Register.R4));
        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Frame, value));
        EmitOpaque(Register.R1);
        builder.Emit(Store(MemorySize.DoubleWord, Frame, value, Register.R1));
        builder.Emit(Mov64(Register.R1, 0));
        EmitOpaque(Register.R1);
        builder.Emit(Store(MemorySize.DoubleWord, Frame, counter, Register.R1));

        var variable = DeclareLocal(loop.Variable);
        HideLoopVariables(loop.Body);
        var head = builder.MarkNewLabel();
        EmitIterationCount(counter, loop.Span);
        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Frame, value));
        builder.Emit(Store(MemorySize.DoubleWord, Frame, variable.Offset, Register.R1));
        if (variable.Presence != 0)
        {
            builder.Emit(Store(MemorySize.DoubleWord, Frame, variable.Presence, 1));
        }

        loops.Push(new LoopContext(exit));
        EmitBlock(loop.Body);
        loops.Pop();
        SetSpan(loop.Span);
        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Frame, remaining));
        builder.Jump(JumpOperation.Jeq, Register.R1, 0, exit);
        builder.Emit(Alu64(AluOperation.Sub, Register.R1, 1));
        builder.Emit(Store(MemorySize.DoubleWord, Frame, remaining, Register.R1));
        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Frame, value));
        builder.Emit(Load(MemorySize.DoubleWord, Register.R2, Frame, stepSlot));
        builder.Emit(Alu64(AluOperation.Add, Register.R1, Register.R2));
        builder.Emit(Store(MemorySize.DoubleWord, Frame, value, Register.R1));
        builder.Ja(head);
        builder.MarkLabel(exit);
    }

    private void EmitReturn(BoundReturn statement)
    {
        if (inlines.Count == 0)
        {
            if (statement.Value is not null)
            {
                EmitEffects(statement.Value);
            }

            JumpTo(exitLabel);
            return;
        }

        var context = inlines.Peek();
        if (context.Result is { } result)
        {
            if (statement.Value is null)
            {
                SetNil(result);
            }
            else
            {
                StoreLocal(result, statement.Value);
            }
        }
        else if (statement.Value is not null)
        {
            EmitEffects(statement.Value);
        }

        JumpTo(context.Return);
    }
}

/// <summary>A value already computed into a stack slot, standing where an expression is expected.</summary>
internal sealed record BoundSlot(LocalSlot Slot, Language.Syntax.TextSpan Span) : BoundExpression(Span);
