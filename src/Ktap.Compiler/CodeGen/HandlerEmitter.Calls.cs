using Ktap.Bpf.Asm;
using Ktap.Compiler.Types;
using Ktap.Language.Semantics;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>Calls: built-ins, and script functions inlined into the handler.</summary>
internal sealed partial class HandlerEmitter
{

    private void EmitExpressionStatement(BoundExpression expression)
    {
        if (expression is not BoundCall call)
        {
            EmitEffects(expression);
            return;
        }

        switch (call.Callee)
        {
            case BoundBuiltin { Builtin.Function: BuiltinFunction.Print }:
                EmitOutput(call, OutputKind.Print, null, call.Arguments);
                return;
            case BoundBuiltin { Builtin.Function: BuiltinFunction.Printf } when call.Arguments[0] is BoundString format:
                EmitOutput(call, OutputKind.Printf, format.Value, call.Arguments.Skip(1).ToList());
                return;
            case BoundBuiltin { Builtin.Function: BuiltinFunction.Printf }:
                throw Unsupported(call.Arguments[0].Span, "a printf format that is not a string literal");
            case BoundBuiltin { Builtin.Function: BuiltinFunction.Exit }:
                EmitOutput(call, OutputKind.Exit, null, []);
                JumpTo(exitLabel);
                return;
            case BoundBuiltin { Builtin.Function: BuiltinFunction.Delete }:
                EmitTableClear(call.Arguments[0]);
                return;
            case BoundBuiltin:
                EmitEffects(call);
                return;
            default:
                EmitInlineCall(call);
                return;
        }
    }

    private void EmitCallValue(BoundCall call, Register destination, Func<Label> nilTarget)
    {
        switch (call.Callee)
        {
            case BoundBuiltin { Builtin.Function: var function }:
                EmitBuiltinValue(call, function, destination);
                return;
            default:
            {
                var result = EmitInlineCall(call);
                EmitLoadSlot(result, destination, nilTarget);
                return;
            }
        }
    }

    private void EmitBuiltinValue(BoundCall call, BuiltinFunction function, Register destination)
    {
        switch (function)
        {
            case BuiltinFunction.GettimeofdayNs or BuiltinFunction.GettimeofdayUs or BuiltinFunction.GettimeofdayMs or BuiltinFunction.GettimeofdayS:
                // No helper reads the wall clock: boot time plus the offset the ktap process measured at start.
                builder.Emit(Call(HelperFunction.KtimeGetBootNs));
                builder.Emit(Mov64(destination, Register.R0));
                LoadData(Register.R1, ScriptCompiler.RealtimeOffsetOffset);
                builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Register.R1, 0));
                builder.Emit(Alu64(AluOperation.Add, destination, Register.R1));
                var divisor = function switch
                {
                    BuiltinFunction.GettimeofdayUs => 1_000,
                    BuiltinFunction.GettimeofdayMs => 1_000_000,
                    BuiltinFunction.GettimeofdayS => 1_000_000_000,
                    _ => 1,
                };
                if (divisor != 1)
                {
                    builder.Emit(Alu64(AluOperation.Div, destination, divisor));
                }

                return;
            case BuiltinFunction.Stack:
                EmitStack(call, destination);
                return;
            case BuiltinFunction.Ipof:
                // An address the ktap process shows as its function's name: in the kernel, just the number.
                EmitNumber(call.Arguments[0], destination, null, "bad argument #1 to 'ipof' (number expected, got nil)");
                return;
            case BuiltinFunction.InInterrupt:
                EmitInInterrupt(call, destination);
                return;
            case BuiltinFunction.Len when TypeOf(call.Arguments[0]).Kind == TypeKind.Table:
                EmitTableCount(call.Arguments[0], destination);
                return;
            case BuiltinFunction.Len:
                EmitStringLength(call.Arguments[0], destination);
                return;
            default:
                throw Unsupported(call.Span, $"{Builtins.QualifiedName(((BoundBuiltin)call.Callee).Builtin)}()");
        }
    }

    /// <summary>
    /// <c>in_interrupt()</c> as the kernel's own macro: the interrupt bits of this CPU's preempt
    /// count, non-zero in NMI, hard IRQ and soft IRQ context (and where soft IRQs are disabled).
    /// </summary>
    private void EmitInInterrupt(BoundCall call, Register destination)
    {
        var count = PreemptCount.OfThisKernel() ?? throw new KernelCompileException(
            Language.Diagnostics.DiagnosticCode.NotInKernel, call.Span,
            "in_interrupt() needs the preempt count, and this kernel does not show per-CPU variables to BPF programs (kallsyms lists none: CONFIG_KALLSYMS_ALL is off)");
        builder.Emit(Wide(Register.R1, PseudoSource.BtfId, count.VariableId, 0));
        builder.Emit(Call(HelperFunction.ThisCpuPtr));
        builder.Emit(Load(MemorySize.Word, destination, Register.R0, (short)count.Offset));
        builder.Emit(Alu64(AluOperation.And, destination, PreemptCount.InterruptMask));
    }

    /// <summary>The buffer a function's string result needs: the largest string it returns.</summary>
    private int ReturnBufferSize(FunctionSymbol function) =>
        BoundWalker.Statements(function.Body).OfType<BoundReturn>().Where(r => r.Value is not null).Select(r => BufferSizeOf(r.Value!)).DefaultIfEmpty(8).Max();

    /// <summary>
    /// Inlines a call of a script function: its parameters become fresh locals, <c>return</c>
    /// stores into the result slot and jumps past the body. Kernel code is never recursive
    /// (KT2001), so inlining always ends.
    /// </summary>
    private LocalSlot EmitInlineCall(BoundCall call)
    {
        var function = NullableLocals.CalledFunction(call)
            ?? throw Unsupported(call.Span, $"calling '{SourceOf(call.Callee)}' (kernel code calls functions declared with 'function NAME')");
        var returnType = typed.ReturnType(function);
        var resultType = returnType.Kind == TypeKind.Unknown ? KtapType.Number : returnType;
        var resultSize = resultType.Kind == TypeKind.String ? ReturnBufferSize(function) : 8;
        var result = new LocalSlot(Allocate(resultSize), Allocate(8), resultType, resultSize);
        SetNil(result);

        // Arguments first, into slots of their own: an argument may inline this same function,
        // which would reuse the parameters' names for its own slots.
        var arguments = new List<LocalSlot?>();
        for (var i = 0; i < function.Parameters.Count; i++)
        {
            if (i < call.Arguments.Count)
            {
                var type = typed.TypeOf(function.Parameters[i]);
                var size = type.Kind == TypeKind.String ? BufferSizeOf(call.Arguments[i]) : 8;
                var copy = new LocalSlot(Allocate(size), Allocate(8), type, size);
                StoreLocal(copy, call.Arguments[i]);
                arguments.Add(copy);
            }
            else
            {
                arguments.Add(null);
            }
        }

        foreach (var extra in call.Arguments.Skip(function.Parameters.Count))
        {
            EmitEffects(extra);
        }

        for (var i = 0; i < function.Parameters.Count; i++)
        {
            var parameter = DeclareLocal(function.Parameters[i]);
            if (arguments[i] is { } argument)
            {
                StoreLocal(parameter, new BoundSlot(argument, call.Span));
            }
            else
            {
                SetNil(parameter);
            }
        }

        var returned = builder.DefineLabel();
        labelOwner[returned] = current;
        inlines.Push(new InlineContext(function, returned, result));
        var savedLoops = loops.ToArray();
        loops.Clear();
        EmitBlock(function.Body);
        foreach (var loop in savedLoops.Reverse())
        {
            loops.Push(loop);
        }

        inlines.Pop();
        builder.Ja(returned);
        builder.MarkLabel(returned);
        return result;
    }
}
