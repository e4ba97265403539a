using System.Globalization;
using System.Text;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// Bitmaps (arrays of unsigned long, little-endian here, so bit n is bit n%8 of byte n/8) as
/// bitmap_string() and bitmap_list_string() in lib/vsprintf.c print them.
/// </summary>
internal static class BitmapFormat
{
    /// <summary>
    /// <c>%*pb</c>: hex, in 32-bit chunks from the highest, separated by commas; the top chunk
    /// has as many digits as its bits need, the others eight.
    /// </summary>
    public static string Hex(ReadOnlySpan<byte> bitmap, int bits)
    {
        const int chunkBits = 32;
        var text = new StringBuilder();
        var chunk = bits % chunkBits == 0 ? chunkBits : bits % chunkBits;
        for (var start = ((bits + chunkBits - 1) / chunkBits * chunkBits) - chunkBits; start >= 0; start -= chunkBits)
        {
            var value = 0u;
            for (var bit = 0; bit < chunk; bit++)
            {
                if (IsSet(bitmap, start + bit))
                {
                    value |= 1u << bit;
                }
            }

            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(value.ToString("x" + ((chunk + 3) / 4).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
            chunk = chunkBits;
        }

        return text.ToString();
    }

    /// <summary><c>%*pbl</c>: the set bits as ranges, <c>0-3,8,10-11</c>.</summary>
    public static string List(ReadOnlySpan<byte> bitmap, int bits)
    {
        var text = new StringBuilder();
        var bit = 0;
        while (bit < bits)
        {
            if (!IsSet(bitmap, bit))
            {
                bit++;
                continue;
            }

            var first = bit;
            while (bit + 1 < bits && IsSet(bitmap, bit + 1))
            {
                bit++;
            }

            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(first.ToString(CultureInfo.InvariantCulture));
            if (bit > first)
            {
                text.Append('-').Append(bit.ToString(CultureInfo.InvariantCulture));
            }

            bit++;
        }

        return text.ToString();
    }

    private static bool IsSet(ReadOnlySpan<byte> bitmap, int bit) => bit / 8 < bitmap.Length && (bitmap[bit / 8] & (1 << (bit % 8))) != 0;
}
