using Ktap.Bpf.Maps;
using Ktap.Compiler.Types;
using Ktap.Language.Semantics;

namespace Ktap.Compiler.CodeGen;

/// <summary>What a map is for.</summary>
public enum MapRole
{
    /// <summary>One mmapable array entry: shared top-level variables and every counter (errors, lost records, lost updates).</summary>
    Data,

    /// <summary>The ring buffer that carries print, printf and exit records to the ktap process.</summary>
    Events,

    /// <summary>A table the kernel uses (a hash map, or a per-CPU hash when the kernel only adds to it).</summary>
    Table,

    /// <summary>A per-CPU array whose one element is the frame of handlers that need more than the 512-byte stack.</summary>
    Scratch,

    /// <summary>A stack trace map: <c>stack()</c> values are its ids.</summary>
    Stacks,

    /// <summary>The processes handlers run in (<see cref="ProcessScope"/>).</summary>
    Processes,
}

/// <summary>A map the script needs; instructions name it by <see cref="Index"/>.</summary>
public sealed record MapLayout(int Index, MapRole Role, MapSpec Spec, VariableSymbol? Variable)
{
    /// <summary>The frames each stack of a <see cref="MapRole.Stacks"/> map holds.</summary>
    public int StackDepth { get; init; }
}

/// <summary>
/// A table as a BPF hash map. Keys and values are encoded as <see cref="ValueEncoding"/> says.
/// </summary>
/// <param name="PerCpu">Kernel code only adds to it and never reads it: each CPU counts alone (no atomics) and readers sum.</param>
/// <param name="LostCounterOffset">The data map's counter of updates lost because the table was full.</param>
public sealed record TableLayout(
    VariableSymbol Variable, int MapIndex, KtapType KeyType, KtapType ValueType, int KeySize, int ValueSize, int Capacity, bool PerCpu, int LostCounterOffset)
{
    /// <summary>
    /// An aggregation's shape; null for a plain table. Its map is per-CPU: a statistics cell is
    /// <see cref="StatisticsSize"/> bytes (count, sum, min, max), a histogram keeps a count per
    /// key and bucket, the bucket a u64 after the script's key.
    /// </summary>
    public AggregationSpec? Aggregation { get; init; }

    public const int StatisticsSize = 32;

    /// <summary>The bytes of the script's key: the whole map key, but for a histogram's bucket.</summary>
    public int ScriptKeySize => Aggregation is { IsHistogram: true } ? KeySize - 8 : KeySize;
}

/// <summary>
/// A shared top-level number, boolean or string in the data map: a presence word at
/// <see cref="Offset"/> (non-zero once it holds a value; nil otherwise), the value after it.
/// </summary>
public sealed record GlobalLayout(VariableSymbol Variable, KtapType Type, int Offset, int ValueSize)
{
    public int ValueOffset => Offset + 8;
}

/// <summary>How values are stored in maps and records, shared by the code generator and the ktap process.</summary>
public static class ValueEncoding
{
    /// <summary>Bytes a value of <paramref name="type"/> takes: numbers, booleans and stack ids 8, strings their capacity.</summary>
    public static int SizeOf(KtapType type, int stringLength) => type.Kind == TypeKind.String ? Align(stringLength) : 8;

    public static int Align(int size) => (size + 7) & ~7;

    /// <summary>The id of a stack value that holds no frames: a sample taken in user mode has no kernel stack (EFAULT), or the stack was lost.</summary>
    public const uint NoStack = uint.MaxValue;

    /// <summary>A <c>stack()</c> value: the depth of its stack map in the high word, its id in that map in the low word.</summary>
    public static (int Depth, uint Id) StackId(long value) => ((int)(value >> 32), (uint)value);
}
