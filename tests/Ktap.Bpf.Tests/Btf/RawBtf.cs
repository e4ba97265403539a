using System.Buffers.Binary;
using Ktap.Bpf.Btf;

namespace Ktap.Bpf.Tests.Btf;

/// <summary>
/// Writes BTF blobs record by record, any kind, so the reader can be tested on shapes the
/// program writer never makes (bitfields, enums, sections, broken headers).
/// </summary>
/// <param name="stringBase">For split BTF: the base's string section length, where this blob's string offsets start.</param>
internal sealed class RawBtf(uint stringBase = 0)
{
    private readonly List<uint> words = [];
    private readonly BtfStringTable strings = new();
    private int count;

    /// <summary>The string offset of <paramref name="text"/>, added if new.</summary>
    public uint S(string text) => strings.Add(text) is var offset and not 0 ? (uint)offset + stringBase : 0;

    /// <summary>Adds a type record and its trailer words; returns its id.</summary>
    public int Add(BtfKind kind, string name, int vlen, bool kindFlag, uint sizeOrType, params uint[] trailer)
    {
        words.Add(S(name));
        words.Add(BtfFormat.Info(kind, vlen, kindFlag));
        words.Add(sizeOrType);
        words.AddRange(trailer);
        return ++count;
    }

    public int StringLength => strings.Bytes.Length;

    public byte[] Build()
    {
        var stringBytes = strings.Bytes;
        var blob = new byte[24 + (words.Count * 4) + stringBytes.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(blob, 0xeB9F);
        blob[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), (uint)(words.Count * 4));
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(16), (uint)(words.Count * 4));
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), (uint)stringBytes.Length);
        for (var i = 0; i < words.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(24 + (4 * i)), words[i]);
        }

        stringBytes.CopyTo(blob.AsSpan(24 + (words.Count * 4)));
        return blob;
    }
}
