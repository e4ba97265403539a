using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// The network address extensions of <c>%p</c> (lib/vsprintf.c, Documentation/core-api/
/// printk-formats.rst): MAC addresses (<c>%pM</c>), IPv4 and IPv6 addresses (<c>%pI4</c>,
/// <c>%pI6</c>, <c>%pI6c</c>, <c>%pi4</c>, <c>%pi6</c>) and socket addresses (<c>%pIS</c> with
/// its <c>p</c>, <c>c</c>, <c>f</c>, <c>s</c> and byte order letters).
/// </summary>
internal static class NetworkAddressFormat
{
    private const int AddressFamilyInet = 2;
    private const int AddressFamilyInet6 = 10;

    /// <summary>
    /// <c>%pM</c> colon-separated, <c>%pm</c> contiguous, <c>F</c> dash-separated,
    /// <c>R</c> in reverse byte order (Bluetooth).
    /// </summary>
    public static string Mac(ReadOnlySpan<byte> address, string extension)
    {
        var separator = extension.Length > 1 && extension[1] == 'F' ? '-' : ':';
        var reversed = extension.Length > 1 && extension[1] == 'R';
        var text = new StringBuilder(17);
        for (var i = 0; i < 6; i++)
        {
            text.Append(Byte(address, reversed ? 5 - i : i).ToString("x2", CultureInfo.InvariantCulture));
            if (extension[0] == 'M' && i != 5)
            {
                text.Append(separator);
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// <c>%p[Ii]4</c>, <c>%p[Ii]6</c>, <c>%pI6c</c>, <c>%p[Ii]S</c>; null for an extension the
    /// kernel answers with "(%pI?)", and "(einval)" for a socket address of another family.
    /// </summary>
    public static string Format(ReadOnlySpan<byte> address, string extension)
    {
        var kind = extension.Length > 1 ? extension[1] : '\0';
        return kind switch
        {
            '4' => Ip4(address, extension[0] == 'i', ByteOrder(extension, 2)),
            '6' => extension[0] == 'I' && extension.Length > 2 && extension[2] == 'c'
                ? Ip6Compressed(address)
                : Ip6(address, extension[0] == 'I'),
            'S' => SocketAddress(address, extension),
            _ => extension[0] == 'i' ? "(%pi?)" : "(%pI?)",
        };
    }

    private static string SocketAddress(ReadOnlySpan<byte> address, string extension)
    {
        var flags = extension.Length > 2 ? extension[2..] : string.Empty;
        var port = BinaryPrimitives.ReadUInt16BigEndian(Slice(address, 2, 2));
        switch (BinaryPrimitives.ReadUInt16LittleEndian(Slice(address, 0, 2)))
        {
            case AddressFamilyInet:
                var order = flags.LastOrDefault(c => c is 'h' or 'l' or 'n' or 'b');
                var ip4 = Ip4(Slice(address, 4, 4), extension[0] == 'i', order);
                return flags.Contains('p', StringComparison.Ordinal) ? $"{ip4}:{port}" : ip4;
            case AddressFamilyInet6:
                var withPort = flags.Contains('p', StringComparison.Ordinal);
                var withFlow = flags.Contains('f', StringComparison.Ordinal);
                var withScope = flags.Contains('s', StringComparison.Ordinal);
                var bracketed = withPort || withFlow || withScope;
                var ip6 = extension[0] == 'I' && flags.Contains('c', StringComparison.Ordinal)
                    ? Ip6Compressed(Slice(address, 8, 16))
                    : Ip6(Slice(address, 8, 16), extension[0] == 'I');
                var text = new StringBuilder(bracketed ? $"[{ip6}]" : ip6);
                if (withPort)
                {
                    text.Append(':').Append(port);
                }

                if (withFlow)
                {
                    // sin6_flowinfo is in network order; the kernel masks it with IPV6_FLOWINFO_MASK (28 bits).
                    text.Append('/').Append(BinaryPrimitives.ReadUInt32BigEndian(Slice(address, 4, 4)) & 0x0FFFFFFF);
                }

                if (withScope)
                {
                    text.Append('%').Append(BinaryPrimitives.ReadUInt32LittleEndian(Slice(address, 24, 4)));
                }

                return text.ToString();
            default:
                return "(einval)";
        }
    }

    /// <summary>The byte order letter at <paramref name="index"/>: h host (little-endian here), l little, n and b network.</summary>
    private static char ByteOrder(string extension, int index) => extension.Length > index ? extension[index] : 'n';

    private static string Ip4(ReadOnlySpan<byte> address, bool leadingZeros, char order)
    {
        var reversed = order is 'h' or 'l';
        var parts = new string[4];
        for (var i = 0; i < 4; i++)
        {
            var value = Byte(address, reversed ? 3 - i : i);
            parts[i] = value.ToString(leadingZeros ? "D3" : "D", CultureInfo.InvariantCulture);
        }

        return string.Join('.', parts);
    }

    /// <summary><c>%pI6</c>: eight groups of four hex digits with colons; <c>%pi6</c>: 32 digits without.</summary>
    private static string Ip6(ReadOnlySpan<byte> address, bool colons)
    {
        var text = new StringBuilder(39);
        for (var i = 0; i < 8; i++)
        {
            text.Append(Byte(address, 2 * i).ToString("x2", CultureInfo.InvariantCulture));
            text.Append(Byte(address, (2 * i) + 1).ToString("x2", CultureInfo.InvariantCulture));
            if (colons && i != 7)
            {
                text.Append(':');
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// <c>%pI6c</c> (RFC 5952): the longest run of two or more zero groups, the first of equal
    /// runs, becomes <c>::</c>; groups lose leading zeros; an IPv4-mapped or ISATAP address ends
    /// in dotted decimal.
    /// </summary>
    private static string Ip6Compressed(ReadOnlySpan<byte> address)
    {
        Span<ushort> words = stackalloc ushort[8];
        for (var i = 0; i < 8; i++)
        {
            words[i] = (ushort)((Byte(address, 2 * i) << 8) | Byte(address, (2 * i) + 1));
        }

        var v4Mapped = words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0 && words[4] == 0 && words[5] == 0xffff;
        var isatap = (words[4] | 0x0200) == 0x0200 && words[5] == 0x5efe;
        var useIp4 = v4Mapped || isatap;
        var range = useIp4 ? 6 : 8;

        var longest = 1;
        var zeroStart = -1;
        for (var i = 0; i < range; i++)
        {
            var length = 0;
            while (i + length < range && words[i + length] == 0)
            {
                length++;
            }

            if (length > longest)
            {
                longest = length;
                zeroStart = i;
            }
        }

        var text = new StringBuilder(45);
        var needColon = false;
        for (var i = 0; i < range; i++)
        {
            if (i == zeroStart)
            {
                if (needColon || i == 0)
                {
                    text.Append(':');
                }

                text.Append(':');
                needColon = false;
                i += longest - 1;
                continue;
            }

            if (needColon)
            {
                text.Append(':');
            }

            text.Append(words[i].ToString("x", CultureInfo.InvariantCulture));
            needColon = true;
        }

        if (useIp4)
        {
            if (needColon)
            {
                text.Append(':');
            }

            text.Append(Ip4(Slice(address, 12, 4), leadingZeros: false, 'n'));
        }

        return text.ToString();
    }

    private static byte Byte(ReadOnlySpan<byte> bytes, int index) => index < bytes.Length ? bytes[index] : (byte)0;

    /// <summary>A slice of <paramref name="length"/> bytes, zero-filled where the record ends early.</summary>
    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> bytes, int offset, int length)
    {
        if (offset + length <= bytes.Length)
        {
            return bytes.Slice(offset, length);
        }

        var copy = new byte[length];
        if (offset < bytes.Length)
        {
            bytes[offset..].CopyTo(copy);
        }

        return copy;
    }
}
