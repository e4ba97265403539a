using Ktap.Language.Semantics;

namespace Ktap.Compiler.CodeGen;

/// <summary>Enumerates the statements and expressions of kernel code for the layout passes.</summary>
internal static class BoundWalker
{
    /// <summary>Every statement of a block, nested ones included, in source order.</summary>
    public static IEnumerable<BoundStatement> Statements(BoundBlock block)
    {
        foreach (var statement in block.Statements)
        {
            yield return statement;
            foreach (var inner in Blocks(statement).SelectMany(Statements))
            {
                yield return inner;
            }
        }
    }

    /// <summary>The expressions a statement evaluates directly (not those of nested blocks).</summary>
    public static IEnumerable<BoundExpression> Roots(BoundStatement statement) => statement switch
    {
        BoundLocalDeclaration s => s.Values,
        BoundAssignment s => s.Targets.Concat(s.Values),
        BoundIncrement s => [s.Target, s.Value],
        BoundAggregate s => [s.Target, s.Value],
        BoundExpressionStatement s => [s.Expression],
        BoundIf s => s.Clauses.Select(c => c.Condition),
        BoundWhile s => [s.Condition],
        BoundRepeat s => [s.Condition],
        BoundNumericFor s => s.Step is null ? [s.First, s.Last] : [s.First, s.Last, s.Step],
        BoundForIn s => [s.Iterator],
        BoundReturn { Value: { } value } => [value],
        _ => [],
    };

    /// <summary>An expression and every expression inside it, parents first.</summary>
    public static IEnumerable<BoundExpression> Descendants(BoundExpression expression)
    {
        var pending = new Stack<BoundExpression>();
        pending.Push(expression);
        while (pending.TryPop(out var current))
        {
            yield return current;
            foreach (var child in Children(current).Reverse())
            {
                pending.Push(child);
            }
        }
    }

    /// <summary>Every expression of a function body.</summary>
    public static IEnumerable<BoundExpression> Expressions(BoundBlock block) =>
        Statements(block).SelectMany(Roots).SelectMany(Descendants);

    private static IEnumerable<BoundBlock> Blocks(BoundStatement statement) => statement switch
    {
        BoundIf s => s.Else is null ? s.Clauses.Select(c => c.Body) : s.Clauses.Select(c => c.Body).Append(s.Else),
        BoundWhile s => [s.Body],
        BoundRepeat s => [s.Body],
        BoundNumericFor s => [s.Body],
        BoundForIn s => [s.Body],
        BoundBlockStatement s => [s.Body],
        _ => [],
    };

    private static IEnumerable<BoundExpression> Children(BoundExpression expression) => expression switch
    {
        BoundIndex e => [e.Target, e.Key],
        BoundCall e => e.Arguments.Prepend(e.Callee),
        BoundMethodCall e => e.Arguments.Prepend(e.Target),
        BoundTableConstructor e => e.Fields.SelectMany(f => f.Key is null ? [f.Value] : new[] { f.Key, f.Value }),
        BoundUnary e => [e.Operand],
        BoundBinary e => [e.Left, e.Right],
        _ => [],
    };
}
