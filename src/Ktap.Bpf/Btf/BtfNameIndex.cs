using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Ktap.Bpf.Btf;

/// <summary>
/// Type names to ids, for one blob (not its base). A chained hash table over the UTF-8 name
/// bytes in the string section: building it hashes each named type's name in place and makes
/// no strings (vmlinux has some 125,000 types), and a lookup compares bytes.
/// </summary>
internal sealed class BtfNameIndex
{
    private readonly BtfReader btf;

    /// <summary>The first type in each bucket's chain, as its local index + 1 (0: none, so a new array is empty).</summary>
    private readonly int[] buckets;

    /// <summary>The next type in the same bucket, as local index + 1 (0: the end); chains run in id order.</summary>
    private readonly int[] next;
    private readonly int mask;

    /// <remarks>
    /// Optimized at once: this loop runs once per process, over every type, and under tiered
    /// JIT it would run as unoptimized code, several times slower (NativeAOT ignores the flag).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public BtfNameIndex(BtfReader btf)
    {
        this.btf = btf;
        var offsets = btf.LocalOffsets;
        var data = btf.Data;
        var strings = btf.LocalStrings;
        var stringBase = btf.StringBase;
        var size = (int)Math.Min(1 << 30, BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, offsets.Length)));
        mask = size - 1;
        buckets = new int[size];
        next = new int[offsets.Length];

        // Backwards, so each chain starts at its lowest id: a lookup finds the first definition.
        for (var local = offsets.Length - 1; local >= 0; local--)
        {
            var nameOffset = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(offsets[local], 4));
            if (nameOffset == 0)
            {
                continue;
            }

            // Split BTF may name its types with its base's strings.
            var hash = nameOffset >= stringBase && nameOffset - stringBase < strings.Length
                ? HashToNul(strings[(nameOffset - stringBase)..])
                : Hash(btf.NameBytes(nameOffset));
            var bucket = (int)hash & mask;
            next[local] = buckets[bucket];
            buckets[bucket] = local + 1;
        }
    }

    /// <summary>The lowest id with this name and kind, or 0.</summary>
    public int Find(string name, BtfKind kind)
    {
        // No stackalloc: a method with one is compiled fully optimized at its first call, which
        // costs more than the few bytes allocated here.
        ReadOnlySpan<byte> key = Encoding.UTF8.GetBytes(name);
        for (var local = buckets[(int)Hash(key) & mask] - 1; local >= 0; local = next[local] - 1)
        {
            if (btf.LocalKind(local) == kind && btf.NameBytes(btf.LocalNameOffset(local)).SequenceEqual(key))
            {
                return btf.FirstId + local;
            }
        }

        return 0;
    }

    /// <summary>Appends the ids of every type with this name, lowest first.</summary>
    public void FindAll(string name, List<int> ids)
    {
        ReadOnlySpan<byte> key = Encoding.UTF8.GetBytes(name);
        for (var local = buckets[(int)Hash(key) & mask] - 1; local >= 0; local = next[local] - 1)
        {
            if (btf.NameBytes(btf.LocalNameOffset(local)).SequenceEqual(key))
            {
                ids.Add(btf.FirstId + local);
            }
        }
    }

    // Names are hashed 8 bytes at a time (vmlinux names average some 20 bytes). The two forms
    // agree: one runs to the string's NUL, the other to the end of a span without one; both mix
    // whole words and then the last 0-7 bytes zero-padded.
    private const ulong Multiplier = 0x9E3779B97F4A7C15;
    private const ulong Ones = 0x0101010101010101;
    private const ulong Highs = 0x8080808080808080;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong hash, ulong word) => BitOperations.RotateLeft((hash ^ word) * Multiplier, 29);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finish(ulong hash) => (uint)(hash ^ (hash >> 32));

    /// <summary>Hashes the NUL-terminated string at the start of <paramref name="text"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint HashToNul(ReadOnlySpan<byte> text)
    {
        var hash = 0UL;
        var position = 0;
        while (text.Length - position >= 8)
        {
            var word = BinaryPrimitives.ReadUInt64LittleEndian(text[position..]);

            // Has a zero byte: (x - 0x01..) & ~x & 0x80.. marks the first one exactly.
            var zeros = (word - Ones) & ~word & Highs;
            if (zeros != 0)
            {
                var kept = BitOperations.TrailingZeroCount(zeros) & ~7;
                return Finish(Mix(hash, kept == 0 ? 0 : word & (ulong.MaxValue >> (64 - kept))));
            }

            hash = Mix(hash, word);
            position += 8;
        }

        return HashLastBytes(hash, text[position..]);
    }

    /// <summary>The last few bytes of the section, byte by byte; out of line, as it is rare.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint HashLastBytes(ulong hash, ReadOnlySpan<byte> text)
    {
        var end = text.IndexOf((byte)0);
        return Finish(Mix(hash, Tail(end < 0 ? text : text[..end])));
    }

    private static uint Hash(ReadOnlySpan<byte> name)
    {
        var hash = 0UL;
        var position = 0;
        for (; name.Length - position >= 8; position += 8)
        {
            hash = Mix(hash, BinaryPrimitives.ReadUInt64LittleEndian(name[position..]));
        }

        return Finish(Mix(hash, Tail(name[position..])));
    }

    /// <summary>Up to 7 bytes as a little-endian word, zero-padded.</summary>
    private static ulong Tail(ReadOnlySpan<byte> bytes)
    {
        var word = 0UL;
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            word = (word << 8) | bytes[i];
        }

        return word;
    }
}
