using System.Globalization;
using Ktap.Language.Semantics;

namespace Ktap.Interpreter.Values;

/// <summary>A function value: a script closure or a built-in.</summary>
public abstract class Callable
{
    private static int nextId;

    protected Callable() => Id = Interlocked.Increment(ref nextId);

    /// <summary>Shown instead of an address, so output is the same from run to run.</summary>
    public int Id { get; }
}

/// <summary>A variable captured by a closure: shared by every closure that captured it.</summary>
public sealed class Cell
{
    /// <summary>The variable's value, unless <see cref="Shared"/> is set.</summary>
    public Value Value;

    /// <summary>
    /// Set for a top-level variable that lives in the session's storage (<see cref="ISharedVariables"/>):
    /// the interpreter reads and writes it there, and <see cref="Value"/> stays unused. Such
    /// variables are always captured (kernel code reaches them from a handler), so checking here
    /// costs the interpreter's own variables one test on captured ones and nothing on the rest.
    /// </summary>
    internal VariableSymbol? Shared { get; init; }
}

public sealed class Closure(FunctionSymbol function, Cell[] upvalues) : Callable
{
    public FunctionSymbol Function { get; } = function;

    public Cell[] Upvalues { get; } = upvalues;

    public override string ToString() => "function: 0x" + Id.ToString("x8", CultureInfo.InvariantCulture);
}

public sealed class BuiltinValue(BuiltinInfo info) : Callable
{
    public BuiltinInfo Info { get; } = info;

    public override string ToString() => "builtin: " + Builtins.QualifiedName(Info);
}
