using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Types;
using Ktap.Interpreter.Values;
using Ktap.Runtime.Output;

namespace Ktap.Runtime.Kernel;

/// <summary>
/// The script's keys of a table's map, both ways: <see cref="TableLayout.ScriptKeySize"/> bytes
/// as kernel code builds them. Stack and address keys reach scripts as their text, which cannot
/// be encoded again: the bytes each text came from are kept, so that <c>t[k]</c> of a key from
/// <c>pairs</c> finds its entry.
/// </summary>
internal sealed class MapKeys(TableLayout layout, KernelSymbolizer stacks)
{
    private readonly Dictionary<string, byte[]> symbolized = new(StringComparer.Ordinal);

    public Value Decode(ReadOnlySpan<byte> key)
    {
        var decoded = RecordDecoder.Decode(layout.KeyType, key, stacks);
        if (IsSymbolized)
        {
            symbolized[decoded.AsString] = key.ToArray();
        }

        return decoded;
    }

    /// <summary>The key's bytes, or false when no key of this table looks like it.</summary>
    public bool TryEncode(Value key, out byte[] encoded)
    {
        if (IsSymbolized)
        {
            encoded = key.Kind == ValueKind.String && symbolized.TryGetValue(key.AsString, out var raw) ? raw : [];
            return encoded.Length > 0;
        }

        encoded = new byte[layout.ScriptKeySize];
        if (!Matches(layout.KeyType, key))
        {
            return false;
        }

        RecordDecoder.Encode(layout.KeyType, key, encoded);
        return true;
    }

    public static bool Matches(KtapType type, Value value) => type.Kind switch
    {
        TypeKind.Number => value.Kind == ValueKind.Number,
        TypeKind.Boolean => value.Kind == ValueKind.Boolean,
        TypeKind.String => value.Kind == ValueKind.String,
        _ => false,
    };

    private bool IsSymbolized => layout.KeyType.Kind is TypeKind.Stack or TypeKind.Address;
}
