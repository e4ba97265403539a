using Ktap.Bpf.Symbols;
using Ktap.Bpf.Text;
using Ktap.Bpf.Tracing;
using Ktap.Compiler.Events;
using Ktap.Language.Syntax;

namespace Ktap.Runtime.Probes;

/// <summary>
/// <c>sdt:BINARY:PROVIDER:NAME</c> and <c>sdt:BINARY:NAME</c> (any provider), globs on provider
/// and name: the SystemTap SDT notes of the file. A marker inlined in several places has one
/// note per place, and each is its own uprobe with its own argument registers.
/// </summary>
internal sealed class UsdtResolver(ProbedBinaries binaries)
{
    public const string Prefix = "sdt:";

    public IReadOnlyList<ResolvedTarget> Resolve(EventSpecSyntax spec)
    {
        var text = spec.Text[Prefix.Length..];
        if (text.Any(char.IsWhiteSpace))
        {
            throw new ProbeResolutionException(spec.Span, $"unexpected space in '{spec.Text}': a USDT marker takes no fetch args (its arguments are arg1..)");
        }

        // From the right: the binary's path may hold a colon, marker names never do.
        var parts = text.Split(':');
        if (parts.Length < 2 || parts.Any(p => p.Length == 0))
        {
            throw new ProbeResolutionException(spec.Span, $"'{spec.Text}' is not a USDT marker: write sdt:/path/bin:PROVIDER:NAME or sdt:/path/bin:NAME");
        }

        var name = parts[^1];
        var provider = parts.Length >= 3 ? parts[^2] : "*";
        var binary = string.Join(':', parts[..(parts.Length >= 3 ? ^2 : ^1)]);
        var file = binaries.Open(binary, new TextSpan(spec.Span.Start + Prefix.Length, binary.Length));
        var markers = file.MatchUsdtProbes(provider, name);
        if (markers.Count == 0)
        {
            throw new ProbeResolutionException(spec.Span, NoMarker(file, parts.Length >= 3 ? $"{provider}:{name}" : name));
        }

        var targets = new List<ResolvedTarget>(markers.Count);
        foreach (var marker in markers)
        {
            if (marker.HasSemaphore && marker.SemaphoreFileOffset is null)
            {
                // The kernel's ref_ctr_offset is a file offset: a counter outside the file's
                // bytes (in .bss) cannot be named to it.
                throw new ProbeResolutionException(spec.Span, $"USDT marker {marker.Provider}:{marker.Name} in {file.Path} has its semaphore outside the file's data");
            }

            var (arguments, unsupported) = UsdtArguments.Parse(marker.Arguments);
            targets.Add(new ResolvedTarget(
                new ProbeTarget(marker.Name, ContextKind.Registers, arguments, []),
                new UprobeAttach(file.Path, marker.FileOffset, IsReturn: false, marker.SemaphoreFileOffset),
                spec.Span,
                unsupported));
        }

        return targets;
    }

    private static string NoMarker(ElfFile file, string wanted)
    {
        if (file.UsdtProbes.Count == 0)
        {
            return $"{file.Path} has no USDT markers (no .note.stapsdt section)";
        }

        var message = Glob.HasWildcards(wanted) ? $"no USDT marker in {file.Path} matches '{wanted}'" : $"no USDT marker '{wanted}' in {file.Path}";
        var known = file.UsdtProbes.Select(p => wanted.Contains(':', StringComparison.Ordinal) ? $"{p.Provider}:{p.Name}" : p.Name);
        var suggestions = NameSuggestions.Nearest(wanted, known);
        return suggestions.Count == 0 ? message : $"{message}; did you mean {string.Join(", ", suggestions)}?";
    }
}
