using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Ktap.Bpf.Tracing;
using Ktap.Bpf.Tracing.Output;

namespace Ktap.Bpf.Tests.Tracing.Output;

/// <summary>
/// Made-up events for the renderer's unit tests: a format file with the common header, the
/// given fields and print format, and records built byte by byte.
/// </summary>
internal static class TestEvent
{
    /// <summary>A format file text; each field is <c>"DECLARATION;OFFSET;SIZE;SIGNED"</c>, as <c>"int pid;8;4;1"</c>.</summary>
    public static EventFormat Format(string printFormat, params string[] fields) => Named("test_event", printFormat, fields);

    /// <inheritdoc cref="Format(string, string[])"/>
    public static EventFormat Named(string name, string printFormat, params string[] fields)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"name: {name}\nID: 1\nformat:\n")
            .Append("\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n")
            .Append("\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n")
            .Append("\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n")
            .Append("\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n");
        foreach (var field in fields)
        {
            var parts = field.Split(';');
            text.Append(CultureInfo.InvariantCulture, $"\tfield:{parts[0]};\toffset:{parts[1]};\tsize:{parts[2]};\tsigned:{parts[3]};\n");
        }

        return EventFormat.Parse(text.Append("\nprint fmt: ").Append(printFormat).Append('\n').ToString());
    }

    /// <summary>Renders <paramref name="record"/> (or an empty one) with a renderer of these fields and print format.</summary>
    public static string Render(
        string printFormat, byte[]? record = null, string[]? fields = null, IKernelSymbolResolver? symbols = null, IKernelEnumResolver? enums = null) =>
        new TraceRecordRenderer(Format(printFormat, fields ?? []), symbols, enums).Render(record ?? []);
}

/// <summary>A record's bytes, written at offsets, little-endian.</summary>
internal sealed class RecordBuilder(int size)
{
    private readonly byte[] bytes = new byte[size];

    public RecordBuilder U8(int offset, byte value)
    {
        bytes[offset] = value;
        return this;
    }

    public RecordBuilder U16(int offset, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), value);
        return this;
    }

    public RecordBuilder U32(int offset, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), value);
        return this;
    }

    public RecordBuilder U64(int offset, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), value);
        return this;
    }

    public RecordBuilder Bytes(int offset, params byte[] value)
    {
        value.CopyTo(bytes, offset);
        return this;
    }

    /// <summary>Latin-1 text without a NUL (the record is zero-filled, so one follows if there is room).</summary>
    public RecordBuilder Text(int offset, string value) => Bytes(offset, Encoding.Latin1.GetBytes(value));

    /// <summary>A <c>__data_loc</c> word at <paramref name="offset"/>: the data at <paramref name="dataOffset"/>, <paramref name="length"/> bytes.</summary>
    public RecordBuilder DataLoc(int offset, int dataOffset, int length) => U32(offset, (uint)((length << 16) | dataOffset));

    public byte[] Build() => bytes;
}
