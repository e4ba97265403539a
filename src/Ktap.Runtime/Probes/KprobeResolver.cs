using Ktap.Bpf.Symbols;
using Ktap.Bpf.Text;
using Ktap.Bpf.Tracing;
using Ktap.Compiler.Events;

namespace Ktap.Runtime.Probes;

/// <summary>
/// <c>probe:SYMBOL[%return] [FETCHARGS]</c>: kernel functions by name or glob, checked against
/// kallsyms (read once, on the first kprobe). Resolving needs no kprobe support in the running
/// kernel; attaching does (CONFIG_KPROBES), and that is the session's error to give.
/// </summary>
internal sealed class KprobeResolver(Func<KernelSymbols> loadSymbols)
{
    private readonly Lazy<KernelSymbols> symbols = new(loadSymbols);

    public IReadOnlyList<ResolvedTarget> Resolve(ProbeLocation location)
    {
        var (arguments, fields) = FetchArgs.Parse(location.FetchArgs, location.IsReturn);
        var target = location.Function;
        var names = Glob.HasWildcards(target) ? Expand(location) : [Find(location)];
        return [.. names.Select(name => new ResolvedTarget(
            new ProbeTarget(name, ContextKind.Registers, arguments, fields),
            new KprobeAttach(name, location.IsReturn),
            location.Spec.Span,
            []))];
    }

    private string Find(ProbeLocation location)
    {
        var name = location.Function;
        var table = Symbols(location);
        if (table.Match(name).Count > 0)
        {
            return name;
        }

        // Only the error path pays for turning ~100k names into strings.
        var functions = table.Match("*").Select(s => s.Name);
        var suggestions = NameSuggestions.Nearest(name, functions);
        var message = table.FindAll(name).Count > 0
            ? $"'{name}' is a kernel symbol but not a function"
            : $"unknown kernel function '{name}'";
        throw new ProbeResolutionException(
            location.FunctionSpan,
            suggestions.Count == 0 ? message : $"{message}; did you mean {string.Join(", ", suggestions)}?");
    }

    private KernelSymbols Symbols(ProbeLocation location)
    {
        try
        {
            return symbols.Value;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProbeResolutionException(location.FunctionSpan, $"cannot read the kernel's functions from {KernelSymbols.DefaultPath}: {e.Message}");
        }
    }

    /// <summary>
    /// The functions a glob matches, each name once (a static function may be listed at two
    /// addresses; the kprobe PMU takes a name). Left out: text symbols that are not function
    /// entries. <c>__pfx_</c> symbols name the padding in front of each function (Linux 6.2,
    /// CONFIG_FUNCTION_PADDING_ALIGNMENT) and <c>__cfi_</c> ones the kCFI type hash there
    /// (CONFIG_CFI_CLANG); <c>.cold</c> parts are branches gcc moved out of a function, entered
    /// by a jump, never called; <c>[bpf]</c> symbols are BPF programs, which kprobes refuse.
    /// A name written without wildcards is taken as it is, padding or not.
    /// </summary>
    private List<string> Expand(ProbeLocation location)
    {
        var names = Functions(Symbols(location), location.Function);
        return names.Count > 0
            ? names
            : throw new ProbeResolutionException(location.FunctionSpan, $"no kernel function matches '{location.Function}'");
    }

    /// <summary>The functions of <paramref name="table"/> that <paramref name="glob"/> matches, as <see cref="Expand"/> takes them (ktap -l lists them too).</summary>
    internal static List<string> Functions(KernelSymbols table, string glob)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var symbol in table.Match(glob))
        {
            if (symbol.Module != "bpf"
                && !symbol.Name.StartsWith("__pfx_", StringComparison.Ordinal)
                && !symbol.Name.StartsWith("__cfi_", StringComparison.Ordinal)
                && !symbol.Name.Contains(".cold", StringComparison.Ordinal)
                && seen.Add(symbol.Name))
            {
                names.Add(symbol.Name);
            }
        }

        return names;
    }
}
