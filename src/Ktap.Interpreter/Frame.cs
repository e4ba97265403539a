using Ktap.Interpreter.Values;

namespace Ktap.Interpreter;

/// <summary>One activation of a function: its locals, and the cells of the captured ones.</summary>
internal sealed class Frame(Closure closure)
{
    public Closure Closure { get; } = closure;

    public Value[] Locals { get; } = new Value[closure.Function.Frame.Count];

    /// <summary>Cells of captured locals, by slot; a declaration makes a fresh one each time it runs.</summary>
    public Cell?[] Cells { get; } = new Cell?[closure.Function.Frame.Count];

    public Value ReturnValue { get; set; }

    /// <summary>Set by <c>return f(x)</c>: the caller's loop makes the call, reusing no .NET stack.</summary>
    public Value TailCallee { get; set; }

    public Value[]? TailArguments { get; set; }
}

/// <summary>How a statement ended.</summary>
internal enum Completion
{
    Normal,
    Break,
    Return,
}
