using System.Globalization;
using System.Text.RegularExpressions;

namespace Ktap.Bpf.Tests.Symbols;

/// <summary>binutils' view of a file (readelf, nm), the oracle the ELF reader is checked against.</summary>
internal static partial class ReadElf
{
    /// <summary>Defined FUNC and IFUNC symbols of .symtab and .dynsym: name (without @version), value, size.</summary>
    public static HashSet<(string Name, ulong Value, ulong Size)> Functions(string path)
    {
        var found = new HashSet<(string, ulong, ulong)>();
        foreach (var line in Tool.Run("readelf", "-sW", "--dyn-syms", path).Split('\n'))
        {
            // "    27: 0000000000001189    10 FUNC    GLOBAL DEFAULT   14 target_function"
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8 || !fields[0].EndsWith(':') || fields[3] is not ("FUNC" or "IFUNC") || fields[6] == "UND")
            {
                continue;
            }

            var name = fields[7];
            var at = name.IndexOf('@', StringComparison.Ordinal);
            found.Add((at < 0 ? name : name[..at], Hex(fields[1]), Number(fields[2])));
        }

        return found;
    }

    /// <summary>nm's address of a defined symbol, and its type letter.</summary>
    public static (ulong Address, char Type) Nm(string path, string name)
    {
        foreach (var line in Tool.Run("nm", "--defined-only", path).Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 3 && fields[2] == name)
            {
                return (Hex(fields[0]), fields[1][0]);
            }
        }

        throw new InvalidOperationException($"nm does not list {name} in {path}");
    }

    /// <summary>PT_LOAD headers: offset, virtual address, file size, memory size.</summary>
    public static List<(ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize)> Loads(string path)
    {
        var loads = new List<(ulong, ulong, ulong, ulong)>();
        foreach (var line in Tool.Run("readelf", "-lW", path).Split('\n'))
        {
            // "  LOAD 0x001000 0x0000000000001000 0x0000000000001000 0x0001d5 0x0001d5 R E 0x1000"
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is ["LOAD", ..])
            {
                loads.Add((Hex(fields[1]), Hex(fields[2]), Hex(fields[4]), Hex(fields[5])));
            }
        }

        return loads;
    }

    /// <summary>A section's address, file offset and size from the section headers.</summary>
    public static (ulong Address, ulong Offset, ulong Size) Section(string path, string name)
    {
        foreach (var line in Tool.Run("readelf", "-SW", path).Split('\n'))
        {
            // "  [18] .stapsdt.base     PROGBITS        0000000000002015 002015 000001 00   A  0   0  1"
            var fields = line.Replace("[ ", "[", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 5 && fields[1] == name)
            {
                return (Hex(fields[3]), Hex(fields[4]), Hex(fields[5]));
            }
        }

        throw new InvalidOperationException($"readelf shows no section {name} in {path}");
    }

    public static string BuildId(string path) =>
        BuildIdLine().Match(Tool.Run("readelf", "-n", path)).Groups[1].Value;

    /// <summary>The SDT notes as readelf -n describes them.</summary>
    public static List<(string Provider, string Name, ulong Location, ulong Base, ulong Semaphore, string Arguments)> Probes(string path)
    {
        var probes = new List<(string, string, ulong, ulong, ulong, string)>();
        foreach (Match match in ProbeNote().Matches(Tool.Run("readelf", "-n", path)))
        {
            probes.Add((match.Groups[1].Value, match.Groups[2].Value, Hex(match.Groups[3].Value), Hex(match.Groups[4].Value),
                Hex(match.Groups[5].Value), match.Groups[6].Value.TrimEnd()));
        }

        return probes;
    }

    public static ulong Hex(string text) =>
        ulong.Parse(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>readelf prints sizes in decimal, switching to hex (0x...) for large ones.</summary>
    private static ulong Number(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) ? Hex(text) : ulong.Parse(text, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Build ID: ([0-9a-f]+)")]
    private static partial Regex BuildIdLine();

    [GeneratedRegex(@"Provider: (\S+)\s+Name: (\S+)\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: (0x[0-9a-f]+)\s+Arguments: ([^\n]*)")]
    private static partial Regex ProbeNote();
}
