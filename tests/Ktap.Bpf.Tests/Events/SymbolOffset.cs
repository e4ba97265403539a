using System.Globalization;

namespace Ktap.Bpf.Tests.Events;

/// <summary>
/// A function's offset in its ELF file, which is what a uprobe needs (not its virtual address),
/// from readelf's output: the symbol's value, moved from the LOAD segment's addresses to its
/// file offsets. Tests only; Symbols/ reads ELF properly.
/// </summary>
internal static class SymbolOffset
{
    public static ulong Find(string binary, string symbol)
    {
        ulong? address = null;
        foreach (var line in Tool.Run("readelf", "-sW", binary).Split('\n'))
        {
            // "    27: 0000000000001139    25 FUNC    GLOBAL DEFAULT   14 ktap_target"
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 8 && fields[7] == symbol && fields[3] == "FUNC")
            {
                address = ulong.Parse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        Assert.True(address.HasValue, $"no symbol {symbol} in {binary}");
        foreach (var line in Tool.Run("readelf", "-lW", binary).Split('\n'))
        {
            // "  LOAD           0x001000 0x0000000000001000 0x0000000000001000 0x0001f5 0x0001f5 R E 0x1000"
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is ["LOAD", var offset, var virtualAddress, _, var fileSize, ..])
            {
                var start = Hex(virtualAddress);
                if (address >= start && address < start + Hex(fileSize))
                {
                    return address.Value - start + Hex(offset);
                }
            }
        }

        Assert.Fail($"{symbol} at 0x{address:x} is in no LOAD segment of {binary}");
        return 0;
    }

    private static ulong Hex(string text) => ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
