using System.Buffers.Binary;
using System.Text;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Types;
using Ktap.Interpreter.Values;

namespace Ktap.Runtime.Output;

/// <summary>Turns the bytes of kernel values (ring buffer records, map keys and values) back into interpreter values.</summary>
public static class RecordDecoder
{
    /// <summary>The output site a record comes from: its first 32 bits.</summary>
    public static int SiteId(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt32LittleEndian(record);

    /// <summary>The values of a record, in the order of the site's arguments; stacks as <c>print</c> shows them, <c>argstr</c> rendered.</summary>
    public static Value[] Arguments(OutputSite site, ReadOnlySpan<byte> record, KernelSymbolizer? stacks = null, EventRecordRenderer? events = null)
    {
        var values = new Value[site.Fields.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var field = site.Fields[i];
            if (field.IsEventRecord && events is not null)
            {
                values[i] = Value.String(events.Render(record.Slice(field.Offset, field.Size)));
                continue;
            }

            values[i] = field.PresenceOffset >= 0 && BinaryPrimitives.ReadInt64LittleEndian(record[field.PresenceOffset..]) == 0
                ? Value.Nil
                : field.Type.Kind == TypeKind.Stack && stacks is not null
                    ? Value.String(stacks.PrintText(BinaryPrimitives.ReadInt64LittleEndian(record[field.Offset..])))
                    : Decode(field.Type, record.Slice(field.Offset, field.Size), stacks);
        }

        return values;
    }

    /// <summary>
    /// A number, boolean or string as the kernel stores it: 8 little-endian bytes, or
    /// NUL-terminated Latin-1. A stack becomes the string of its frames, as ktap made stack keys.
    /// </summary>
    public static Value Decode(KtapType type, ReadOnlySpan<byte> bytes, KernelSymbolizer? stacks = null) => type.Kind switch
    {
        TypeKind.Number => Value.Number(BinaryPrimitives.ReadInt64LittleEndian(bytes)),
        TypeKind.Address => Value.String(KernelSymbolizer.FunctionName(BinaryPrimitives.ReadInt64LittleEndian(bytes))),
        TypeKind.Stack when stacks is not null => Value.String(stacks.KeyText(BinaryPrimitives.ReadInt64LittleEndian(bytes))),
        TypeKind.Boolean => Value.Boolean(BinaryPrimitives.ReadInt64LittleEndian(bytes) != 0),
        TypeKind.String => Value.String(DecodeString(bytes)),
        _ => Value.Nil,
    };

    public static string DecodeString(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.Latin1.GetString(end < 0 ? bytes : bytes[..end]);
    }

    /// <summary>Encodes a value into <paramref name="destination"/> as kernel code reads it; a string too long is cut, leaving its NUL.</summary>
    public static void Encode(KtapType type, Value value, Span<byte> destination)
    {
        destination.Clear();
        switch (type.Kind)
        {
            case TypeKind.Number:
                BinaryPrimitives.WriteInt64LittleEndian(destination, value.AsNumber);
                break;
            case TypeKind.Boolean:
                BinaryPrimitives.WriteInt64LittleEndian(destination, value.IsTruthy ? 1 : 0);
                break;
            case TypeKind.String:
                var text = value.AsString;
                var length = Math.Min(text.Length, destination.Length - 1);
                Encoding.Latin1.GetBytes(text.AsSpan(0, length), destination);
                break;
        }
    }
}
