using System.Globalization;
using Ktap.Bpf.Symbols;
using Ktap.Bpf.Text;
using Ktap.Bpf.Tracing;
using Ktap.Compiler.Events;

namespace Ktap.Runtime.Probes;

/// <summary>
/// <c>probe:BINARY:FUNCTION</c>, <c>probe:BINARY:GLOB</c> and <c>probe:BINARY:0xOFFSET</c>, with
/// <c>%return</c> and fetch args as for kprobes. A uprobe attaches at a file offset: a symbol's
/// link-time address is turned into one through the PT_LOAD segment that holds it.
/// </summary>
internal sealed class UprobeResolver(ProbedBinaries binaries)
{
    public IReadOnlyList<ResolvedTarget> Resolve(ProbeLocation location)
    {
        var (arguments, fields) = FetchArgs.Parse(location.FetchArgs, location.IsReturn);
        var file = binaries.Open(location.Binary!, location.BinarySpan);
        var sites = location.Function.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? [AtOffset(file, location)]
            : Glob.HasWildcards(location.Function) ? Expand(file, location) : [Find(file, location)];
        return [.. sites.Select(site => new ResolvedTarget(
            new ProbeTarget(site.Name, ContextKind.Registers, arguments, fields),
            new UprobeAttach(file.Path, site.Offset, location.IsReturn),
            location.Spec.Span,
            []))];
    }

    /// <summary>
    /// The function the dynamic linker would bind the name to (the default version of a
    /// versioned symbol, then a global one): one place. Two static functions that share a name
    /// are told apart with a glob or an offset.
    /// </summary>
    private static Site Find(ElfFile file, ProbeLocation location)
    {
        var name = location.Function;
        if (file.FindFunction(name) is { } symbol)
        {
            return new Site(name, OffsetOf(file, symbol, location));
        }

        var suggestions = NameSuggestions.Nearest(name, file.Functions.Select(f => f.Name));
        var message = $"no function '{name}' in {file.Path}";
        if (!file.HasSymbolTable)
        {
            message += " (it is stripped: only exported functions are listed)";
        }

        throw new ProbeResolutionException(
            location.FunctionSpan,
            suggestions.Count == 0 ? message : $"{message}; did you mean {string.Join(", ", suggestions)}?");
    }

    /// <summary>Every function the glob matches, each address once (aliases share one: <c>getpid</c>, <c>__getpid</c>).</summary>
    private static List<Site> Expand(ElfFile file, ProbeLocation location)
    {
        var sites = new List<Site>();
        var seen = new HashSet<ulong>();
        foreach (var symbol in file.MatchFunctions(location.Function))
        {
            if (file.FileOffsetOf(symbol) is { } offset && seen.Add(offset))
            {
                sites.Add(new Site(symbol.Name, offset));
            }
        }

        return sites.Count > 0
            ? sites
            : throw new ProbeResolutionException(location.FunctionSpan, $"no function in {file.Path} matches '{location.Function}'");
    }

    /// <summary>
    /// A file offset, as the kernel's uprobe_events takes it. It must be code: inside a loadable,
    /// executable segment (the kernel only checks that the file is that long, and a breakpoint
    /// written into data would corrupt it for every process that maps the file).
    /// </summary>
    private static Site AtOffset(ElfFile file, ProbeLocation location)
    {
        var digits = location.Function[2..];
        if (!ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var offset) || digits.Length == 0)
        {
            throw new ProbeResolutionException(location.FunctionSpan, $"'{location.Function}' is not a hexadecimal file offset");
        }

        var segment = file.Segments.FirstOrDefault(s => s.IsLoad && s.ContainsOffset(offset));
        if (!segment.IsLoad || !segment.IsExecutable)
        {
            throw new ProbeResolutionException(location.FunctionSpan, $"file offset 0x{offset:x} is not in an executable segment of {file.Path}");
        }

        var address = offset - segment.Offset + segment.VirtualAddress;
        var name = file.ResolveFunction(address) is { } inside
            ? (inside.Offset == 0 ? inside.Symbol.Name : inside.ToString())
            : $"0x{offset:x}";
        return new Site(name, offset);
    }

    private static ulong OffsetOf(ElfFile file, ElfSymbol symbol, ProbeLocation location) =>
        file.FileOffsetOf(symbol)
            ?? throw new ProbeResolutionException(location.FunctionSpan, $"function '{symbol.Name}' in {file.Path} is in no loadable segment");

    private readonly record struct Site(string Name, ulong Offset);
}
