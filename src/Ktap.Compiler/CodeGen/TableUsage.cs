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

    /// <summary><c>var t = table.new(narr, nrec)</c> at the top level sizes the map: narr + nrec entries.</summary>
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
                if (declaration.Values[i] is BoundCall { Callee: BoundBuiltin { Builtin.Function: BuiltinFunction.TableNew } } call)
                {
                    var hint = call.Arguments.OfType<BoundNumber>().Sum(n => Math.Max(0, n.Value));
                    if (hint > 0)
                    {
                        capacity[declaration.Variables[i]] = (int)Math.Min(hint, 1 << 24);
                    }
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
