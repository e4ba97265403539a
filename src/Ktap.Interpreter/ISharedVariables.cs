using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;

namespace Ktap.Interpreter;

/// <summary>
/// Where the session keeps the top-level variables that kernel handlers use (DESIGN §1: they
/// live in BPF maps, shared by both sides). Given in <see cref="InterpreterOptions.SharedVariables"/>,
/// it takes over every read and write of the variables it holds, from any code the interpreter
/// runs: the top level, trace_end, tick blocks, handlers run by
/// <see cref="ScriptInterpreter.RunHandler"/>, and the functions and closures they call.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Holds"/> is asked once per top-level variable that kernel code uses
/// (<see cref="VariableSymbol.IsTopLevel"/>, <see cref="VariableSymbol.UsedFrom"/> has
/// <see cref="ExecutionSide.Kernel"/>), when the interpreter is created. Every other variable is
/// the interpreter's own and costs what it always did.
/// </para>
/// <para>
/// A table that lives in a map is read as <c>Value.Table(new KtapTable(store))</c>, one
/// <see cref="KtapTable"/> handed back on every read, so that <c>t == t</c> holds and
/// <c>print(t)</c> shows one name. Such a table cannot be replaced from the script: the
/// interpreter turns <c>var t = {...}</c> (the table's declaration) into emptying the store and
/// storing the constructor's entries, and refuses any later assignment of another table or nil
/// with the runtime error "cannot replace a table the kernel uses". <see cref="Write"/> therefore
/// never receives a table or nil for a variable whose <see cref="Read"/> gives a store-backed
/// table (a number or string could only reach it in a script the type checker did not see).
/// </para>
/// </remarks>
public interface ISharedVariables
{
    /// <summary>True when <paramref name="variable"/> lives in the session's storage.</summary>
    bool Holds(VariableSymbol variable);

    /// <summary>The variable's current value: nil before anything was stored.</summary>
    Value Read(VariableSymbol variable);

    void Write(VariableSymbol variable, Value value);
}
