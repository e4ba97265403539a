using System.Numerics;

namespace Ktap.Bpf.Symbols;

/// <summary>Where a symbol table keeps its names: as bytes, looked up by symbol index.</summary>
internal interface INameSource
{
    int Count { get; }

    ReadOnlySpan<byte> NameAt(int index);
}

/// <summary>
/// A hash index from name bytes to symbol indices, built once over a table of 100k+ names
/// without turning any of them into a string. Chained: every symbol with the same name is
/// found, in table order, so a caller chooses among duplicates (two static functions of one
/// name are common in the kernel).
/// </summary>
internal sealed class NameIndex
{
    private readonly int[] heads;
    private readonly int[] next;
    private readonly int[] hashes;
    private readonly int mask;

    private NameIndex(int[] heads, int[] next, int[] hashes)
    {
        this.heads = heads;
        this.next = next;
        this.hashes = hashes;
        mask = heads.Length - 1;
    }

    public static NameIndex Build<TSource>(TSource source)
        where TSource : INameSource
    {
        var count = source.Count;
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, count * 2));
        var heads = new int[size];
        heads.AsSpan().Fill(-1);
        var next = new int[count];
        var hashes = new int[count];
        var mask = size - 1;

        // Inserting from the end makes each chain run in table order.
        for (var i = count - 1; i >= 0; i--)
        {
            var hash = Hash(source.NameAt(i));
            hashes[i] = hash;
            ref var head = ref heads[hash & mask];
            next[i] = head;
            head = i;
        }

        return new NameIndex(heads, next, hashes);
    }

    /// <summary>The first symbol (in table order) named <paramref name="name"/>, or -1.</summary>
    public int First<TSource>(TSource source, ReadOnlySpan<byte> name)
        where TSource : INameSource
    {
        var hash = Hash(name);
        return Scan(source, name, heads[hash & mask], hash);
    }

    /// <summary>The next symbol after <paramref name="previous"/> (a match) named <paramref name="name"/>, or -1.</summary>
    public int Next<TSource>(TSource source, ReadOnlySpan<byte> name, int previous)
        where TSource : INameSource => Scan(source, name, next[previous], hashes[previous]);

    /// <summary>Every symbol named <paramref name="name"/>, in table order.</summary>
    public List<int> All<TSource>(TSource source, ReadOnlySpan<byte> name)
        where TSource : INameSource
    {
        var found = new List<int>();
        for (var i = First(source, name); i >= 0; i = Next(source, name, i))
        {
            found.Add(i);
        }

        return found;
    }

    private int Scan<TSource>(TSource source, ReadOnlySpan<byte> name, int from, int hash)
        where TSource : INameSource
    {
        for (var i = from; i >= 0; i = next[i])
        {
            if (hashes[i] == hash && source.NameAt(i).SequenceEqual(name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// FNV-1a over 8-byte words, then mixed. Names come from files the user chose to trace, so a
    /// seeded, flood-resistant hash buys nothing here; speed over ~3 MB of names does.
    /// </summary>
    private static int Hash(ReadOnlySpan<byte> name)
    {
        const ulong prime = 0x100000001b3;
        var hash = 0xcbf29ce484222325 ^ (ulong)name.Length;
        while (name.Length >= 8)
        {
            hash = (hash ^ BitConverter.ToUInt64(name)) * prime;
            hash ^= hash >> 29;
            name = name[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < name.Length; i++)
        {
            tail |= (ulong)name[i] << (8 * i);
        }

        hash = (hash ^ tail) * prime;
        hash ^= hash >> 32;
        return (int)hash;
    }
}
