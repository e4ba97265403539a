using Ktap.Bpf.Asm;

namespace Ktap.Compiler.Filters;

/// <summary>
/// Compiles a parsed filter into the first instructions of a handler.
/// <para>
/// The contract with the code generator: at entry R6 holds the context pointer; the filter
/// clobbers R0-R5 and nothing else; it may use the 256 stack bytes at
/// <c>[R10 + stackOffset, R10 + stackOffset + 256)</c> (the handler may reuse them afterwards); it
/// jumps to <c>reject</c> when the filter is false and falls through when it is true. Some jump
/// always goes to <c>reject</c>, so the code there is reachable even for a filter that is always
/// true. The same filter always gives the same instructions.
/// </para>
/// </summary>
public static class FilterEmitter
{
    /// <summary>The stack bytes a filter may use for copies of strings.</summary>
    public const int StackSize = 256;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stackOffset"/> is not 8-byte aligned inside the 512-byte frame.</exception>
    public static void Emit(ProgramBuilder builder, FilterExpression filter, Label reject, int stackOffset)
    {
        if (stackOffset % 8 != 0 || stackOffset < -512 || stackOffset + StackSize > 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(stackOffset), stackOffset, $"the filter needs {StackSize} 8-byte aligned bytes of the 512-byte stack frame");
        }

        new FilterCodeWriter(builder, (short)stackOffset).Emit(filter, reject);
    }
}
