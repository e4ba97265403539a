using Ktap.Language.Syntax;

namespace Ktap.Language.Semantics;

/// <summary>Where code runs (DESIGN §1): handlers in the kernel, everything else in the ktap process.</summary>
[Flags]
public enum ExecutionSide
{
    None = 0,
    User = 1,
    Kernel = 2,
}

public enum FunctionKind
{
    /// <summary>The script's top-level code, run once at start.</summary>
    Main,
    Function,
    Trace,
    TraceEnd,
    Tick,
    Profile,
}

/// <summary>A <c>var</c>, parameter, loop variable or named function.</summary>
public sealed class VariableSymbol(string name, TextSpan declaration, FunctionSymbol owner, int slot)
{
    public string Name { get; } = name;

    public TextSpan Declaration { get; } = declaration;

    /// <summary>The function whose frame holds the variable.</summary>
    public FunctionSymbol Owner { get; } = owner;

    /// <summary>Index in the owner's frame.</summary>
    public int Slot { get; } = slot;

    /// <summary>A nested function refers to it, so it lives in a shared cell rather than the frame.</summary>
    public bool IsCaptured { get; internal set; }

    /// <summary>Declared at the script's top level: the script's state, shared by every block.</summary>
    public bool IsTopLevel => Owner.Kind == FunctionKind.Main;

    /// <summary>Which sides read or write it; a top-level variable used by the kernel lives in a map.</summary>
    public ExecutionSide UsedFrom { get; internal set; }

    /// <summary>The function it was declared with (<c>function f() {}</c>), when it is never reassigned.</summary>
    public FunctionSymbol? Function { get; internal set; }

    internal bool IsReassigned { get; set; }

    public override string ToString() => Name;
}

/// <summary>How a function reaches a variable of an enclosing function.</summary>
/// <param name="Variable">The variable captured.</param>
/// <param name="FromParentFrame">True: the parent's own local; false: one of the parent's upvalues.</param>
/// <param name="Index">The parent's slot or upvalue index.</param>
public sealed record Upvalue(VariableSymbol Variable, bool FromParentFrame, int Index);

/// <summary>A function, a probe handler, a timer or trace_end block, or the top-level code.</summary>
public sealed class FunctionSymbol(string name, FunctionKind kind, FunctionSymbol? parent, TextSpan span)
{
    private readonly List<VariableSymbol> frame = [];
    private readonly List<Upvalue> upvalues = [];

    public string Name { get; } = name;

    public FunctionKind Kind { get; } = kind;

    public FunctionSymbol? Parent { get; } = parent;

    public TextSpan Span { get; } = span;

    public IReadOnlyList<VariableSymbol> Parameters { get; internal set; } = [];

    /// <summary>Every local of the function, indexed by slot.</summary>
    public IReadOnlyList<VariableSymbol> Frame => frame;

    public IReadOnlyList<Upvalue> Upvalues => upvalues;

    public BoundBlock Body { get; internal set; } = new([]);

    /// <summary>KERNEL for handlers and what they call, USER for the rest; both when both call it.</summary>
    public ExecutionSide Side { get; internal set; }

    /// <summary>Named functions this one calls directly, for side marking and the compiler's call graph.</summary>
    public HashSet<FunctionSymbol> Callees { get; } = [];

    internal VariableSymbol AddLocal(string localName, TextSpan declaration)
    {
        var variable = new VariableSymbol(localName, declaration, this, frame.Count);
        frame.Add(variable);
        return variable;
    }

    internal int UpvalueIndex(VariableSymbol variable)
    {
        for (var i = 0; i < upvalues.Count; i++)
        {
            if (upvalues[i].Variable == variable)
            {
                return i;
            }
        }

        var parent = Parent ?? throw new InvalidOperationException("a top-level function has no upvalues");
        var upvalue = variable.Owner == parent
            ? new Upvalue(variable, true, variable.Slot)
            : new Upvalue(variable, false, parent.UpvalueIndex(variable));
        upvalues.Add(upvalue);
        return upvalues.Count - 1;
    }

    public override string ToString() => Name;
}
