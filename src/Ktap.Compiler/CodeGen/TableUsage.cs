using Ktap.Compiler.Types;
using Ktap.Language.Semantics;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// How kernel code uses each shared table, for its map layout (DESIGN §4): whether kernel code
/// only adds to it (a per-CPU map then: no atomics, summed by readers), how big the script made
/// it, and the longest string kernel code uses as its key.
/// </summary>
internal sealed class TableUsage
{
    private readonly HashSet<VariableSymbol> readInKernel = [];
    private readonly Dictionary<VariableSymbol, int> keyCapacity = [];
    private readonly Dictionary<VariableSymbol, int> capacity = [];
    private readonly Dictionary<VariableSymbol, AggregationSpec> aggregations = [];

    public static TableUsage Analyze(TypedScript typed)
    {
        var usage = new TableUsage();
        foreach (var function in typed.KernelFunctions)
        {
            usage.Scan(function.Body);
        }

        usage.ScanCapacities(typed.Bound.Main.Body);
        return usage;
    }

    public bool IsAddOnly(VariableSymbol table) => !readInKernel.Contains(table);

    public int Capacity(VariableSymbol table) => capacity.GetValueOrDefault(table, CompilerOptions.DefaultTableCapacity);

    /// <summary>What the top level declared <paramref name="table"/> as: <c>var t = hist()</c> and the like; null when it did not, in a form the kernel can lay out.</summary>
    public AggregationSpec? Aggregation(VariableSymbol table) => aggregations.GetValueOrDefault(table);

    /// <summary>Bytes of the longest key kernel code builds: a string no source can make longer needs no more room.</summary>
    public int KeyCapacity(VariableSymbol table, int stringLength) =>
        keyCapacity.TryGetValue(table, out var bytes) ? Math.Min(bytes, stringLength) : stringLength;

    /// <summary>The top-level variable an expression names, as kernel code sees it (an upvalue of the handler).</summary>
    public static VariableSymbol? TopLevel(BoundExpression expression) => expression switch
    {
        BoundUpvalue { Variable.IsTopLevel: true } u => u.Variable,
        BoundLocal { Variable.IsTopLevel: true } l => l.Variable,
        _ => null,
    };

    private void Scan(BoundBlock body)
    {
        var addTargets = new HashSet<BoundExpression>(ReferenceEqualityComparer.Instance);
        foreach (var statement in BoundWalker.Statements(body))
        {
            if (statement is BoundIncrement { Target: BoundIndex index })
            {
                addTargets.Add(index.Target);
            }
        }

        foreach (var expression in BoundWalker.Expressions(body))
        {
            if (expression is BoundIndex index && TopLevel(index.Target) is { } table)
            {
                var bytes = StringCapacity.Of(index.Key);
                keyCapacity[table] = Math.Max(keyCapacity.GetValueOrDefault(table), bytes ?? int.MaxValue);
            }

            if (TopLevel(expression) is { } variable && !addTargets.Contains(expression))
            {
                readInKernel.Add(variable);
            }
        }
    }

    /// <summary>A number written in the script (a negative one too), or null.</summary>
    private static long? Constant(BoundExpression expression) => expression switch
    {
        BoundNumber n => n.Value,
        BoundUnary { Operator: Language.Syntax.UnaryOperator.Negate, Operand: BoundNumber n } => -n.Value,
        _ => null,
    };

    /// <summary>
    /// <c>var t = table.new(narr, nrec)</c> at the top level sizes the map: narr + nrec entries;
    /// <c>var t = hist()</c> (or <c>aggr()</c>, <c>lhist(min, max, step)</c> of written numbers) makes it an aggregation.
    /// </summary>
    private void ScanCapacities(BoundBlock main)
    {
        foreach (var statement in main.Statements)
        {
            if (statement is not BoundLocalDeclaration declaration)
            {
                continue;
            }

            for (var i = 0; i < declaration.Variables.Count && i < declaration.Values.Count; i++)
            {
                if (declaration.Values[i] is not BoundCall { Callee: BoundBuiltin builtin } call)
                {
                    continue;
                }

                switch (builtin.Builtin.Function)
                {
                    case BuiltinFunction.TableNew:
                        var hint = call.Arguments.OfType<BoundNumber>().Sum(n => Math.Max(0, n.Value));
                        if (hint > 0)
                        {
                            capacity[declaration.Variables[i]] = (int)Math.Min(hint, 1 << 24);
                        }

                        break;
                    case BuiltinFunction.Aggr:
                        aggregations[declaration.Variables[i]] = AggregationSpec.Statistics;
                        break;
                    case BuiltinFunction.Hist:
                        aggregations[declaration.Variables[i]] = AggregationSpec.Log2;
                        break;
                    case BuiltinFunction.Lhist when call.Arguments.Select(Constant).ToArray() is [{ } min, { } max, { } step]
                        && AggregationSpec.Linear(min, max, step).Spec is { } linear:
                        aggregations[declaration.Variables[i]] = linear;
                        break;
                }
            }
        }
    }
}

/// <summary>The bytes (NUL included) a string expression can need, when its source bounds it below --strlen.</summary>
internal static class StringCapacity
{
    /// <summary>The task name, <c>TASK_COMM_LEN</c> in the kernel.</summary>
    public const int TaskComm = 16;

    public static int? Of(BoundExpression expression) => expression switch
    {
        BoundString s => s.Value.Length + 1,
        BoundProbeVariable { Variable: Language.Syntax.ProbeVariable.Execname } => TaskComm,
        BoundNumber or BoundBoolean => 8,
        _ => null,
    };
}
