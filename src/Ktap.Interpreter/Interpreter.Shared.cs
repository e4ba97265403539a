using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Interpreter;

/// <summary>
/// Top-level variables that kernel handlers use live in the session's BPF maps (DESIGN §1), and
/// the interpreter reaches them through <see cref="ISharedVariables"/>. Kernel code reaches them
/// from a handler, a function of its own, so they are always captured: their one cell, made when
/// the top level starts and shared by every closure, is marked <see cref="Cell.Shared"/>, and the
/// captured-variable paths below are the only ones that look at the mark.
/// </summary>
public sealed partial class ScriptInterpreter
{
    private readonly VariableSymbol[] sharedTopLevel;

    private ISharedVariables? SharedVariables => options.SharedVariables;

    /// <summary>The top-level variables the session holds: asked once, for those kernel code uses.</summary>
    private static VariableSymbol[] SharedTopLevel(BoundScript script, ISharedVariables? shared) =>
        shared is null
            ? []
            : [.. script.Main.Frame.Where(v => v.UsedFrom.HasFlag(ExecutionSide.Kernel) && v.IsCaptured && shared.Holds(v))];

    private Value ReadCell(Cell cell) => cell.Shared is null ? cell.Value : SharedVariables!.Read(cell.Shared);

    /// <summary>Writes a captured variable; <paramref name="declaring"/> at its <c>var</c> (or as a parameter or loop variable).</summary>
    private void WriteCell(Cell cell, Value value, bool declaring, TextSpan span)
    {
        if (cell.Shared is null)
        {
            cell.Value = value;
        }
        else
        {
            WriteShared(cell.Shared, value, declaring, span);
        }
    }

    /// <summary>
    /// Stores into a shared variable. A table the kernel uses is a map, which the script cannot
    /// swap for another: its declaration <c>var t = {...}</c> empties the map and stores the
    /// constructor's entries, and any later assignment of another table (or nil) is an error.
    /// Only a table or nil needs the current value read first; a number or string goes
    /// straight to the session.
    /// </summary>
    private void WriteShared(VariableSymbol variable, Value value, bool declaring, TextSpan span)
    {
        var shared = SharedVariables!;
        if (value.Kind is not (ValueKind.Table or ValueKind.Nil)
            || shared.Read(variable) is not { Kind: ValueKind.Table } current
            || current.AsTable.Store is not { } store)
        {
            shared.Write(variable, value);
            return;
        }

        if (value.Kind == ValueKind.Table && (value.AsTable == current.AsTable || value.AsTable.Store == store))
        {
            return;
        }

        if (!declaring)
        {
            throw Error($"cannot replace a table the kernel uses: '{variable.Name}' lives in a BPF map the handlers share (delete({variable.Name}) empties it)", span);
        }

        store.Clear();
        if (value.Kind == ValueKind.Table)
        {
            foreach (var (key, element) in value.AsTable.Entries())
            {
                store.Set(key, element);
            }
        }
    }
}
