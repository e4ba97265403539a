using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.Types;

public sealed partial class TypeChecker
{
    /// <summary>Types an expression; in kernel code the term is recorded for <see cref="TypedScript"/>.</summary>
    private Term Type(BoundExpression expression)
    {
        var term = expression switch
        {
            BoundNil => PrimitiveTerm.Nil,
            BoundBoolean => PrimitiveTerm.Boolean,
            BoundNumber => PrimitiveTerm.Number,
            BoundString => PrimitiveTerm.String,
            BoundLocal e => TypeVariable(e.Variable, e.Span),
            BoundUpvalue e => TypeVariable(e.Variable, e.Span),
            BoundBuiltin e => NotInKernel(e.Span, $"the built-in '{Builtins.QualifiedName(e.Builtin)}' can only be called in kernel code, not used as a value"),
            BoundGlobalTable e => NotInKernel(e.Span, e.Name == Builtins.ArgTable
                ? "the script arguments 'arg' only exist in the ktap process: copy what the handler needs into a top-level variable (var n = arg[1])"
                : $"the library '{e.Name}' cannot be used as a value in kernel code"),
            BoundProbeVariable e => TypeProbeVariable(e),
            BoundEventField e => TypeEventField(e),
            BoundIndex e => TypeIndex(e),
            BoundCall e => TypeCall(e),
            BoundMethodCall e => TypeMethodCall(e),
            BoundFunction e => NotInKernel(e.Span, $"a function cannot be created in kernel code: declare '{e.Function.Name}' at the top level of the script and call it by its name"),
            BoundTableConstructor e => TypeTableConstructor(e),
            BoundUnary e => TypeUnary(e),
            BoundBinary e => TypeBinary(e),
            BoundError => kernel ? new VariableTerm() : DynamicTerm.Instance,
            _ => throw new InvalidOperationException($"unknown expression {expression.GetType().Name}"),
        };

        if (kernel)
        {
            expressionTerms[expression] = term;
        }

        return term;
    }

    private Term NotInKernel(TextSpan span, string message)
    {
        if (kernel)
        {
            Report(DiagnosticCode.NotInKernel, span, message);
        }

        return DynamicTerm.Instance;
    }

    private Term TypeVariable(VariableSymbol variable, TextSpan span)
    {
        if (variable.Function is not null)
        {
            // Reached here only as a value: direct calls are typed by TypeCall.
            return NotInKernel(span, $"the function '{variable.Name}' cannot be used as a value in kernel code, only called by its name");
        }

        return TermOf(variable);
    }

    private Term TypeProbeVariable(BoundProbeVariable variable)
    {
        if (variable.Variable is >= ProbeVariable.Arg0 and <= ProbeVariable.Arg9)
        {
            var n = variable.Variable - ProbeVariable.Arg0;
            return (kernel ? EventValueType(t => Argument(t, n)) : null) ?? PrimitiveTerm.Number;
        }

        if (variable.Variable != ProbeVariable.Argstr)
        {
            return variable.Variable is ProbeVariable.Probename or ProbeVariable.Execname ? PrimitiveTerm.String : PrimitiveTerm.Number;
        }

        // The ktap process renders the event from a copy of its record: only print and printf can take it.
        if (kernel && !ReferenceEquals(variable, printedArgstr))
        {
            Report(DiagnosticCode.NotInKernel, variable.Span, "'argstr' can only be printed in a handler (print(argstr), printf(\"%s\", argstr)): the ktap process renders the event, the kernel cannot");
        }
        else if (kernel && function?.Kind == FunctionKind.Profile)
        {
            Report(DiagnosticCode.NotInKernel, variable.Span, "'argstr' exists for tracepoints only: a profile sample has no record with a print format");
        }

        return PrimitiveTerm.String;
    }

    /// <summary>
    /// <c>args.NAME</c>: its type comes from the event's format, once the probe is resolved. The
    /// common header is never readable: a BPF program's record has the pt_regs pointer there
    /// (perf_trace_run_bpf_submit).
    /// </summary>
    private Term TypeEventField(BoundEventField field)
    {
        if (!kernel)
        {
            return DynamicTerm.Instance;
        }

        if (field.Field.StartsWith("common_", StringComparison.Ordinal))
        {
            Report(DiagnosticCode.NotInKernel, field.Span, $"'{field.Field}' is not readable in a handler: a BPF program's record has a pointer where the common fields would be (use pid, tid, cpu instead)");
        }

        return EventValueType(t => t.FindField(field.Field)) ?? (Term)new VariableTerm();
    }

    private Term TypeIndex(BoundIndex index)
    {
        var subject = Subject(index.Target);
        var table = TableOf(Type(index.Target), index.Target.Span, subject);
        NoteKernelRead(table, index.Span);
        Unify(table.Key, Type(index.Key), index.Key.Span, $"the keys of {subject}");
        return table.Value;
    }

    private Term TypeTableConstructor(BoundTableConstructor constructor)
    {
        var fields = constructor.Fields.Select(f => (Key: f.Key is null ? PrimitiveTerm.Number : Type(f.Key), Value: Type(f.Value))).ToList();
        if (kernel)
        {
            Report(DiagnosticCode.TableCreatedInHandler, constructor.Span, "a table cannot be created in kernel code: declare it at the top level of the script (var t = {}) and use it here");
            return new TableTerm(new VariableTerm(), new VariableTerm());
        }

        // The ktap process may mix types in a table; only a table of one key and one value type
        // can ever reach a map, so a mixed one stays dynamic here (and a map would reject it later).
        var key = new VariableTerm();
        var value = new VariableTerm();
        var mark = unifier.Mark;
        foreach (var field in fields)
        {
            if (unifier.Unify(key, field.Key, constructor.Span) is not null || unifier.Unify(value, field.Value, constructor.Span) is not null)
            {
                unifier.Rollback(mark);
                return DynamicTerm.Instance;
            }
        }

        return new TableTerm(key, value);
    }

    private Term TypeMethodCall(BoundMethodCall call)
    {
        Type(call.Target);
        foreach (var argument in call.Arguments)
        {
            Type(argument);
        }

        return NotInKernel(call.Span, $"a method call (':{call.Method}') cannot run in kernel code: kernel code calls functions declared at the top level by their name");
    }

    private Term TypeCall(BoundCall call)
    {
        switch (call.Callee)
        {
            case BoundBuiltin builtin:
                RecordCallee(call.Callee);
                return TypeBuiltinCall(builtin.Builtin, call);

            case BoundLocal or BoundUpvalue when CalleeFunction(call.Callee) is { } callee && function.Callees.Contains(callee):
                RecordCallee(call.Callee);
                var arguments = call.Arguments.Select(Type).ToList();
                if (!kernel)
                {
                    return DynamicTerm.Instance;
                }

                calls.Add((function, callee, call.Span));
                for (var i = 0; i < arguments.Count && i < callee.Parameters.Count; i++)
                {
                    Unify(VariableTermOf(callee.Parameters[i]), arguments[i], call.Arguments[i].Span, Subject(callee.Parameters[i]));
                }

                return ReturnTerm(callee);

            default:
                if (kernel)
                {
                    RecordCallee(call.Callee);
                    Report(DiagnosticCode.KernelRecursion, call.Callee.Span, "kernel code can only call a function declared with 'function NAME' by its name, not a function value: the kernel must know every call to rule out recursion");
                }
                else
                {
                    Type(call.Callee);
                }

                foreach (var argument in call.Arguments)
                {
                    Type(argument);
                }

                return kernel ? new VariableTerm() : DynamicTerm.Instance;
        }
    }

    private static FunctionSymbol? CalleeFunction(BoundExpression callee) => callee switch
    {
        BoundLocal e => e.Variable.Function,
        BoundUpvalue e => e.Variable.Function,
        _ => null,
    };

    private void RecordCallee(BoundExpression callee)
    {
        if (kernel)
        {
            expressionTerms[callee] = DynamicTerm.Instance;
        }
    }

    private Term TypeUnary(BoundUnary unary)
    {
        var operand = Type(unary.Operand);
        if (unary.Operator == UnaryOperator.Not)
        {
            return PrimitiveTerm.Boolean;
        }

        if (kernel)
        {
            Unify(PrimitiveTerm.Number, operand, unary.Operand.Span, "the operand of '-'");
        }

        return PrimitiveTerm.Number;
    }

    /// <summary>
    /// Types an <c>if</c>, <c>while</c> or <c>until</c> condition. Only its truth is used there,
    /// so <c>&amp;&amp;</c>, <c>||</c> and <c>!</c> may combine tests of different types
    /// (<c>t[pid] &amp;&amp; arg1 &gt; 0</c>): in a condition they are boolean.
    /// </summary>
    private void TypeCondition(BoundExpression condition)
    {
        switch (condition)
        {
            case BoundBinary { Operator: BinaryOperator.And or BinaryOperator.Or } logical when kernel:
                TypeCondition(logical.Left);
                TypeCondition(logical.Right);
                expressionTerms[condition] = PrimitiveTerm.Boolean;
                break;
            case BoundUnary { Operator: UnaryOperator.Not } negation when kernel:
                TypeCondition(negation.Operand);
                expressionTerms[condition] = PrimitiveTerm.Boolean;
                break;
            default:
                Type(condition);
                break;
        }
    }

    private Term TypeBinary(BoundBinary binary)
    {
        var left = Type(binary.Left);
        var right = Type(binary.Right);
        var symbol = Symbol(binary.Operator);
        switch (binary.Operator)
        {
            case BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Remainder:
                RequireOperands(PrimitiveTerm.Number, binary, left, right, symbol);
                return PrimitiveTerm.Number;

            case BinaryOperator.Concatenate:
                RequireOperands(PrimitiveTerm.String, binary, left, right, symbol);
                return PrimitiveTerm.String;

            case BinaryOperator.Less or BinaryOperator.LessEqual or BinaryOperator.Greater or BinaryOperator.GreaterEqual:
                RequireOperands(PrimitiveTerm.Number, binary, left, right, symbol);
                return PrimitiveTerm.Boolean;

            case BinaryOperator.Equal or BinaryOperator.NotEqual:
                if (kernel)
                {
                    Unify(left, right, binary.Right.Span, $"the two sides of '{symbol}'");
                }

                return PrimitiveTerm.Boolean;

            default:
                // '&&' and '||' give one of their operands (Lua rules): with one static type
                // that works only when both operands have it.
                if (!kernel)
                {
                    return DynamicTerm.Instance;
                }

                Unify(left, right, binary.Right.Span, $"the two sides of '{symbol}'");
                return Unifier.Find(left).Term == PrimitiveTerm.Nil ? right : left;
        }
    }

    private void RequireOperands(PrimitiveTerm type, BoundBinary binary, Term left, Term right, string symbol)
    {
        if (kernel)
        {
            Unify(type, left, binary.Left.Span, $"the left operand of '{symbol}'");
            Unify(type, right, binary.Right.Span, $"the right operand of '{symbol}'");
        }
    }

    private static string Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.Remainder => "%",
        BinaryOperator.Concatenate => "..",
        BinaryOperator.Equal => "==",
        BinaryOperator.NotEqual => "!=",
        BinaryOperator.Less => "<",
        BinaryOperator.LessEqual => "<=",
        BinaryOperator.Greater => ">",
        BinaryOperator.GreaterEqual => ">=",
        BinaryOperator.And => "&&",
        _ => "||",
    };
}
