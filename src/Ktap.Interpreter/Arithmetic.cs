using Ktap.Language.Syntax;

namespace Ktap.Interpreter;

/// <summary>ktap's 64-bit integer arithmetic: it wraps, '/' truncates, '%' is C's remainder.</summary>
public static class Arithmetic
{
    /// <summary>The result, or null for a division or remainder by zero.</summary>
    public static long? Apply(BinaryOperator op, long left, long right) => op switch
    {
        BinaryOperator.Add => unchecked(left + right),
        BinaryOperator.Subtract => unchecked(left - right),
        BinaryOperator.Multiply => unchecked(left * right),
        BinaryOperator.Divide => right == 0 ? null : right == -1 ? unchecked(-left) : left / right,

        // .NET throws on long.MinValue / -1 (the CPU faults); two's complement wraps to MinValue, remainder 0.
        BinaryOperator.Remainder => right == 0 ? null : right == -1 ? 0 : left % right,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not an arithmetic operator"),
    };
}
