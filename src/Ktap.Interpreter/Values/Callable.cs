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
    public Value Value;
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
