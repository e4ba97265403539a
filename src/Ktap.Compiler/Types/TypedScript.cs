using Ktap.Language.Semantics;

namespace Ktap.Compiler.Types;

/// <summary>
/// The bound script with one static type per kernel-side value (DESIGN §1, "Type checker"):
/// every expression evaluated in kernel code, every local and the return value of every kernel
/// function, and every top-level variable the kernel uses (the future BPF maps).
/// </summary>
public sealed class TypedScript
{
    private readonly Dictionary<BoundExpression, KtapType> expressions;
    private readonly Dictionary<VariableSymbol, KtapType> variables;
    private readonly Dictionary<FunctionSymbol, KtapType> returns;

    internal TypedScript(
        BoundScript bound,
        IReadOnlyList<FunctionSymbol> kernelFunctions,
        IReadOnlyList<VariableSymbol> sharedVariables,
        Dictionary<BoundExpression, KtapType> expressions,
        Dictionary<VariableSymbol, KtapType> variables,
        Dictionary<FunctionSymbol, KtapType> returns)
    {
        Bound = bound;
        KernelFunctions = kernelFunctions;
        SharedVariables = sharedVariables;
        this.expressions = expressions;
        this.variables = variables;
        this.returns = returns;
    }

    public BoundScript Bound { get; }

    /// <summary>Functions that run in the kernel (Side has Kernel): handlers and what they call.</summary>
    public IReadOnlyList<FunctionSymbol> KernelFunctions { get; }

    /// <summary>Top-level variables used from kernel code, in declaration order: each becomes a map.</summary>
    public IReadOnlyList<VariableSymbol> SharedVariables { get; }

    /// <summary>The type of an expression evaluated in kernel code.</summary>
    public KtapType TypeOf(BoundExpression expression) =>
        expressions.TryGetValue(expression, out var type) ? type : throw new ArgumentException($"not an expression of kernel code: {expression.GetType().Name} at {expression.Span}", nameof(expression));

    public bool TryGetType(BoundExpression expression, out KtapType type) => expressions.TryGetValue(expression, out type!);

    /// <summary>The type of a local of a kernel function or of a top-level variable the kernel uses.</summary>
    public KtapType TypeOf(VariableSymbol variable) =>
        variables.TryGetValue(variable, out var type) ? type : throw new ArgumentException($"'{variable.Name}' is not a kernel-side variable", nameof(variable));

    public bool TryGetType(VariableSymbol variable, out KtapType type) => variables.TryGetValue(variable, out type!);

    /// <summary>What a kernel function returns; <see cref="KtapType.Unknown"/> when it returns no value.</summary>
    public KtapType ReturnType(FunctionSymbol function) =>
        returns.TryGetValue(function, out var type) ? type : throw new ArgumentException($"'{function.Name}' is not a kernel function", nameof(function));
}
