using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;

namespace Ktap.Compiler.Types;

public sealed partial class TypeChecker
{
    /// <summary>
    /// KT2001: the kernel verifier rejects recursion (BPF-to-BPF calls form no cycle), so the
    /// call graph of kernel functions must be acyclic. Each call that closes a cycle is reported.
    /// </summary>
    private void CheckRecursion(IReadOnlyList<FunctionSymbol> kernelFunctions)
    {
        var edges = calls.GroupBy(c => c.Caller).ToDictionary(g => g.Key, g => g.ToList());
        var done = new HashSet<FunctionSymbol>();
        var reported = new HashSet<(FunctionSymbol, FunctionSymbol)>();

        // Depth-first, with an explicit stack: a chain of thousands of functions must not
        // overflow ktap's own stack. 'path' holds the functions being visited and the next edge of each.
        var path = new List<(FunctionSymbol Function, int Next)>();
        foreach (var root in kernelFunctions)
        {
            if (done.Contains(root))
            {
                continue;
            }

            path.Add((root, 0));
            while (path.Count > 0)
            {
                var (f, next) = path[^1];
                var outgoing = edges.GetValueOrDefault(f, []);
                if (next == outgoing.Count)
                {
                    path.RemoveAt(path.Count - 1);
                    done.Add(f);
                    continue;
                }

                path[^1] = (f, next + 1);
                var (caller, callee, span) = outgoing[next];
                var onPath = path.FindIndex(p => p.Function == callee);
                if (onPath >= 0)
                {
                    if (reported.Add((caller, callee)))
                    {
                        var cycle = path.Skip(onPath).Select(p => p.Function.Name).Append(callee.Name);
                        Report(DiagnosticCode.KernelRecursion, span, $"recursion in kernel code ({string.Join(" -> ", cycle)}): the kernel cannot run a function that calls itself; write it as a loop");
                    }
                }
                else if (!done.Contains(callee))
                {
                    path.Add((callee, 0));
                }
            }
        }
    }

    /// <summary>KT2004: a map's key and value are plain values; a table of tables has no map layout.</summary>
    private void CheckNesting(IEnumerable<VariableSymbol> variables)
    {
        var reported = new HashSet<TableTerm>(ReferenceEqualityComparer.Instance);
        foreach (var variable in variables)
        {
            if (!variableTerms.TryGetValue(variable, out var term) || Unifier.Find(term).Term is not TableTerm table || !reported.Add(table))
            {
                continue;
            }

            foreach (var (part, partTerm) in new[] { ("keys", table.Key), ("values", table.Value) })
            {
                var (inner, origin) = Unifier.Find(partTerm);
                if (inner is TableTerm)
                {
                    Report(DiagnosticCode.NestedTable, origin ?? variable.Declaration, $"the {part} of {Subject(variable)} are tables ({Unifier.Resolve(term)}): a table used in kernel code holds numbers, strings, booleans or stacks; use a second table or a combined key (t[a .. \"/\" .. b])");
                }
            }
        }
    }
}
