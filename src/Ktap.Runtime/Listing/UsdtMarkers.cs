using Ktap.Bpf.Symbols;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Listing;

/// <summary>
/// A binary's USDT markers for <c>ktap -l</c>, each once however many places it was inlined
/// into, as <c>sdt:/path/bin:PROVIDER:NAME</c>; with <c>-lv</c>, the arguments <c>arg1..</c> as
/// the note declares them (<c>SIZE@OPERAND</c>, a negative size being signed), per place when
/// the places differ, and why any cannot be read yet.
/// </summary>
internal static class UsdtMarkers
{
    /// <param name="glob">Matches the marker's name, or <c>PROVIDER:NAME</c> when it has a colon.</param>
    public static int Write(ElfFile file, string glob, bool verbose, TextWriter output)
    {
        var colon = glob.IndexOf(':', StringComparison.Ordinal);
        var markers = colon < 0 ? file.MatchUsdtProbes("*", glob) : file.MatchUsdtProbes(glob[..colon], glob[(colon + 1)..]);
        var byName = markers.GroupBy(m => (m.Provider, m.Name)).OrderBy(g => g.Key.Provider, StringComparer.Ordinal).ThenBy(g => g.Key.Name, StringComparer.Ordinal);
        var count = 0;
        foreach (var marker in byName)
        {
            output.WriteLine($"{UsdtResolver.Prefix}{file.Path}:{marker.Key.Provider}:{marker.Key.Name}");
            count++;
            if (!verbose)
            {
                continue;
            }

            var places = marker.GroupBy(m => m.Arguments).ToList();
            foreach (var place in places)
            {
                var indent = "    ";
                if (places.Count > 1)
                {
                    output.WriteLine($"    at {string.Join(", ", place.Select(m => $"0x{m.FileOffset:x}"))}:");
                    indent = "        ";
                }

                WriteArguments(place.Key, indent, output);
            }
        }

        return count;
    }

    private static void WriteArguments(string specs, string indent, TextWriter output)
    {
        var (_, unsupported) = UsdtArguments.Parse(specs);
        var index = 0;
        foreach (var spec in specs.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            index++;
            var why = unsupported.FirstOrDefault(u => u.ArgumentIndex == index)?.Reason;
            output.WriteLine(why is null
                ? $"{indent}arg{index,-3}{spec}"
                : $"{indent}arg{index,-3}{spec}  ({why})");
        }
    }
}
