using System.Globalization;
using System.Text.RegularExpressions;

namespace Ktap.Runtime.Tests.Probes;

/// <summary>Symbols, segments and USDT notes as binutils' nm and readelf show them: the tests' oracle.</summary>
internal static partial class ElfOracle
{
    /// <summary>A function's file offset: its address from <c>nm</c>, through the PT_LOAD segment <c>readelf -l</c> lists for it.</summary>
    public static ulong FunctionOffset(string path, string name, bool dynamic = false)
    {
        var symbols = Tool.Run("nm", dynamic ? ["-D", "--defined-only", path] : ["--defined-only", path]);
        var address = symbols.Split('\n')
            .Select(l => l.Split(' '))
            .Where(p => p.Length == 3 && p[1] is "T" or "t" or "W" or "i" && (p[2] == name || p[2].StartsWith(name + "@@", StringComparison.Ordinal)))
            .Select(p => ulong.Parse(p[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            .First();
        return OffsetOf(path, address);
    }

    /// <summary>Where the byte at a link-time address is in the file.</summary>
    public static ulong OffsetOf(string path, ulong address)
    {
        foreach (Match load in LoadLine().Matches(Tool.Run("readelf", "-lW", path)))
        {
            var offset = Hex(load.Groups[1].Value);
            var virtualAddress = Hex(load.Groups[2].Value);
            var fileSize = Hex(load.Groups[3].Value);
            if (address >= virtualAddress && address - virtualAddress < fileSize)
            {
                return address - virtualAddress + offset;
            }
        }

        throw new InvalidOperationException($"0x{address:x} is in no PT_LOAD segment of {path}");
    }

    /// <summary>The USDT notes <c>readelf -n</c> lists, in file order.</summary>
    public static IReadOnlyList<Note> UsdtNotes(string path) =>
        [.. NoteText().Matches(Tool.Run("readelf", "-nW", path)).Select(m => new Note(
            m.Groups[1].Value, m.Groups[2].Value, Hex(m.Groups[3].Value), Hex(m.Groups[4].Value), m.Groups[5].Value.Trim()))];

    private static ulong Hex(string text) =>
        ulong.Parse(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    // "  LOAD  0x026000 0x0000000000026000 0x0000000000026000 0x1550fc 0x1550fc R E 0x1000"
    [GeneratedRegex(@"^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)", RegexOptions.Multiline)]
    private static partial Regex LoadLine();

    [GeneratedRegex(@"Provider: (\S+)\s+Name: (\S+)\s+Location: (0x[0-9a-f]+), Base: 0x[0-9a-f]+, Semaphore: (0x[0-9a-f]+)\s+Arguments:([^\n]*)")]
    private static partial Regex NoteText();

    /// <summary>One marker: provider, name, link-time address, semaphore address (0 for none), argument specs.</summary>
    public sealed record Note(string Provider, string Name, ulong Location, ulong Semaphore, string Arguments);
}
