using System.Buffers.Binary;
using System.Globalization;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Symbols;
using Ktap.Compiler.CodeGen;

namespace Ktap.Runtime.Output;

/// <summary>
/// Turns kernel values into ktap's text through kallsyms: <c>stack()</c> values into frames read
/// from the script's stack trace map of that depth (<c>symbol+0xoff/0xsize</c>), <c>ipof()</c>
/// values into the name of their function.
/// </summary>
/// <param name="mapOfDepth">The stack trace map whose stacks have this many frames; null when the script has none.</param>
public sealed class KernelSymbolizer(Func<int, BpfMap?> mapOfDepth)
{
    /// <summary>An id's stack never changes while its map lives (stacks are stored without BPF_F_REUSE_STACKID).</summary>
    private readonly Dictionary<long, string[]> cache = [];

    /// <summary>The frames, innermost first; none for a stack the kernel did not record.</summary>
    public IReadOnlyList<string> Frames(long value)
    {
        if (!cache.TryGetValue(value, out var frames))
        {
            frames = Read(value);
            cache[value] = frames;
        }

        return frames;
    }

    /// <summary>A stack as a table key: one frame a line, each ending with a newline (ktap's key form).</summary>
    public string KeyText(long value) => string.Concat(Frames(value).Select(f => f + "\n"));

    /// <summary>A stack as <c>print</c> shows it: <c>&lt;stack trace&gt;</c>, then a <c> => frame</c> line for each frame.</summary>
    public string PrintText(long value) => "<stack trace>" + string.Concat(Frames(value).Select(f => "\n => " + f));

    /// <summary>An <c>ipof()</c> value: the function it is in (ktap shows no offset), or the address in hex.</summary>
    public static string FunctionName(long address)
    {
        var symbols = KernelSymbols.Shared;
        return !symbols.AddressesHidden && symbols.Resolve((ulong)address) is { } symbol
            ? symbol.Symbol.Name
            : string.Create(CultureInfo.InvariantCulture, $"0x{address:x}");
    }

    private string[] Read(long value)
    {
        var (depth, id) = ValueEncoding.StackId(value);
        if (id == ValueEncoding.NoStack || mapOfDepth(depth) is not { } map)
        {
            return [];
        }

        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(key, id);
        var ips = new byte[map.ValueSize];
        if (!map.TryLookup(key, ips))
        {
            return [];
        }

        var frames = new List<string>(depth);
        for (var offset = 0; offset + 8 <= ips.Length; offset += 8)
        {
            var ip = BinaryPrimitives.ReadUInt64LittleEndian(ips.AsSpan(offset));
            if (ip == 0)
            {
                break;
            }

            frames.Add(Symbolize(ip));
        }

        return [.. frames];
    }

    private static string Symbolize(ulong ip)
    {
        var symbols = KernelSymbols.Shared;
        return symbols.AddressesHidden ? string.Create(CultureInfo.InvariantCulture, $"0x{ip:x}") : symbols.Format(ip);
    }
}
