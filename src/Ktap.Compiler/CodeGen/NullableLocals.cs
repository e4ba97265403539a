using Ktap.Compiler.Types;
using Ktap.Language.Semantics;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// Which locals of kernel code can hold nil, so only they get a presence word: those declared
/// without a value or given one that can be nil (a missing table entry, nil itself, another such
/// local, a function that can return nothing). Solved to a fixed point.
/// </summary>
internal static class NullableLocals
{
    public static HashSet<VariableSymbol> Analyze(TypedScript typed)
    {
        var nullable = new HashSet<VariableSymbol>();
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var function in typed.KernelFunctions)
            {
                foreach (var (variable, value) in Stores(function))
                {
                    if (!nullable.Contains(variable) && (value is null || MayBeNil(value, nullable)))
                    {
                        nullable.Add(variable);
                        changed = true;
                    }
                }
            }
        }

        return nullable;
    }

    /// <summary>Can <paramref name="expression"/> evaluate to nil?</summary>
    public static bool MayBeNil(BoundExpression expression, HashSet<VariableSymbol> nullable) => expression switch
    {
        BoundNil => true,
        BoundSlot s => s.Slot.Presence != 0,
        BoundIndex => true,
        BoundLocal l => nullable.Contains(l.Variable),
        BoundUpvalue u => u.Variable.IsTopLevel,
        BoundCall { Callee: BoundLocal or BoundUpvalue } => true,
        BoundBinary { Operator: Language.Syntax.BinaryOperator.And or Language.Syntax.BinaryOperator.Or } b =>
            MayBeNil(b.Left, nullable) || MayBeNil(b.Right, nullable),
        _ => false,
    };

    /// <summary>Every store into a local of <paramref name="function"/>: declarations (null value: none given) and assignments.</summary>
    public static IEnumerable<(VariableSymbol Variable, BoundExpression? Value)> Stores(FunctionSymbol function)
    {
        foreach (var statement in BoundWalker.Statements(function.Body))
        {
            switch (statement)
            {
                case BoundLocalDeclaration d:
                    for (var i = 0; i < d.Variables.Count; i++)
                    {
                        yield return (d.Variables[i], i < d.Values.Count ? d.Values[i] : null);
                    }

                    break;
                case BoundAssignment a:
                    for (var i = 0; i < a.Targets.Count; i++)
                    {
                        if (a.Targets[i] is BoundLocal local)
                        {
                            yield return (local.Variable, i < a.Values.Count ? a.Values[i] : null);
                        }
                    }

                    break;
            }
        }

        // A parameter holds what each call passes (handlers' callees are inlined).
        foreach (var call in BoundWalker.Expressions(function.Body).OfType<BoundCall>())
        {
            if (CalledFunction(call) is { } callee)
            {
                for (var i = 0; i < callee.Parameters.Count; i++)
                {
                    yield return (callee.Parameters[i], i < call.Arguments.Count ? call.Arguments[i] : null);
                }
            }
        }
    }

    /// <summary>The named function a call calls, when the callee is one (<c>function f() {}</c> never reassigned).</summary>
    public static FunctionSymbol? CalledFunction(BoundCall call) => call.Callee switch
    {
        BoundLocal l => l.Variable.Function,
        BoundUpvalue u => u.Variable.Function,
        _ => null,
    };
}
