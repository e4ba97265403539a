using Ktap.Bpf;
using Ktap.Bpf.Symbols;
using Ktap.Bpf.Sys;
using Ktap.Bpf.Tracing;
using Ktap.Language.Syntax;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Listing;

/// <summary>
/// <c>ktap -l [PATTERN]</c> and <c>ktap -lv [PATTERN]</c>: the probes a script can name, one per
/// line, written as a script writes them, so that a line can be pasted into a <c>trace</c>:
/// <list type="bullet">
/// <item><c>SUBSYSTEM:EVENT</c> globs (or an event-name glob without a colon): tracepoints, and
/// kernel functions (<c>probe:NAME</c>) when the kernel can probe them (a kprobe PMU);</item>
/// <item><c>probe:GLOB</c>: kernel functions only;</item>
/// <item><c>/path/bin[:GLOB]</c>: the binary's functions (<c>probe:/path/bin:NAME</c>) and USDT
/// markers (<c>sdt:/path/bin:PROVIDER:NAME</c>); <c>probe:BIN:GLOB</c> and <c>sdt:BIN[:GLOB]</c>
/// one kind only, with BIN found as a script's probe finds it (a library or program name).</item>
/// </list>
/// <c>-lv</c> adds each tracepoint's fields (with the <c>argN</c> each is) and each marker's
/// arguments. No pattern lists every tracepoint and kernel function.
/// </summary>
public static class ListCommand
{
    /// <summary>Nothing matched, or the listing could not be read.</summary>
    public const int Failure = 1;

    private const string KprobesMissing = "kernel functions are not listed: this kernel cannot probe them, it has no kprobe PMU (CONFIG_KPROBES is not set)";

    /// <returns>0 when something was listed; <see cref="Failure"/> after one line on <paramref name="errors"/>.</returns>
    public static int Run(string? pattern, bool verbose, TextWriter output, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            var (count, nothing) = pattern switch
            {
                null => (Tracepoints("*:*", verbose, output) + KernelFunctions("*", output), "nothing to list"),
                _ when pattern.StartsWith(UsdtResolver.Prefix, StringComparison.Ordinal) => Binary(pattern[UsdtResolver.Prefix.Length..], false, true, verbose, output),
                _ when pattern.StartsWith(ProbeLocation.Prefix, StringComparison.Ordinal) && pattern.IndexOf(':', ProbeLocation.Prefix.Length) >= 0 =>
                    Binary(pattern[ProbeLocation.Prefix.Length..], true, false, verbose, output),
                _ when pattern.StartsWith(ProbeLocation.Prefix, StringComparison.Ordinal) => KernelFunctionsOnly(pattern[ProbeLocation.Prefix.Length..], output),
                _ when pattern.Contains('/', StringComparison.Ordinal) => Binary(pattern, true, true, verbose, output),
                _ => Events(pattern, verbose, output),
            };
            if (count > 0)
            {
                return 0;
            }

            errors.WriteLine($"ktap: {nothing}");
            return Failure;
        }
        catch (ProbeResolutionException e)
        {
            errors.WriteLine($"ktap: {e.Message}");
            return Failure;
        }
        catch (KernelException e)
        {
            // tracefs is missing and could not be mounted.
            errors.WriteLine($"ktap: {e.Message}");
            return Failure;
        }
        catch (UnauthorizedAccessException)
        {
            errors.WriteLine("ktap: listing probes needs root (tracefs and kallsyms are readable by root only)");
            return Failure;
        }
    }

    /// <summary>Tracepoints, then kernel functions when the pattern has no subsystem.</summary>
    private static (int, string) Events(string pattern, bool verbose, TextWriter output)
    {
        var count = Tracepoints(pattern, verbose, output);
        if (pattern.Contains(':', StringComparison.Ordinal))
        {
            return (count, $"no tracepoint matches '{pattern}'");
        }

        count += KernelFunctions(pattern, output);
        return (count, KernelFeatures.HasKprobePmu
            ? $"no tracepoint or kernel function matches '{pattern}'"
            : $"no tracepoint matches '{pattern}'; {KprobesMissing}");
    }

    private static int Tracepoints(string pattern, bool verbose, TextWriter output)
    {
        var catalog = TraceEventCatalog.Open();
        var count = 0;
        foreach (var name in catalog.Match(pattern))
        {
            // ftrace's own events have a format, but no script can trace them.
            if (!TracepointResolver.PerfCanOpen(catalog, name))
            {
                continue;
            }

            output.WriteLine(name.ToString());
            if (verbose)
            {
                TracepointFields.Write(catalog, name, output);
            }

            count++;
        }

        return count;
    }

    /// <summary>Kernel functions as <c>probe:NAME</c>, by name; none where the kernel cannot probe them.</summary>
    private static int KernelFunctions(string glob, TextWriter output)
    {
        if (!KernelFeatures.HasKprobePmu)
        {
            return 0;
        }

        var names = KprobeResolver.Functions(KernelSymbols.Shared, glob);
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            output.WriteLine(ProbeLocation.Prefix + name);
        }

        return names.Count;
    }

    private static (int, string) KernelFunctionsOnly(string glob, TextWriter output) =>
        KernelFeatures.HasKprobePmu
            ? (KernelFunctions(glob, output), $"no kernel function matches '{glob}'")
            : (0, KprobesMissing);

    /// <summary><c>BINARY[:GLOB]</c>: its functions, its USDT markers, or both.</summary>
    private static (int, string) Binary(string text, bool functions, bool markers, bool verbose, TextWriter output)
    {
        // The glob comes after the last colon past the path's last slash: names have neither.
        var colon = text.IndexOf(':', text.LastIndexOf('/') + 1);
        var binary = colon < 0 ? text : text[..colon];
        var glob = colon < 0 || colon == text.Length - 1 ? "*" : text[(colon + 1)..];
        if (binary.Length == 0)
        {
            throw new ProbeResolutionException(default, $"'{text}' names no binary: write /path/bin, /path/bin:GLOB or a library's name");
        }

        var file = new ProbedBinaries(ElfFileCache.Shared).Open(binary, default(TextSpan));
        var count = 0;
        if (functions)
        {
            foreach (var name in file.MatchFunctions(glob).Select(f => f.Name).Distinct().Order(StringComparer.Ordinal))
            {
                output.WriteLine($"{ProbeLocation.Prefix}{file.Path}:{name}");
                count++;
            }
        }

        if (markers)
        {
            count += UsdtMarkers.Write(file, glob, verbose, output);
        }

        var kinds = (functions, markers) switch
        {
            (true, true) => "function or USDT marker",
            (true, false) => "function",
            _ => "USDT marker",
        };
        return (count, $"no {kinds} in {file.Path} matches '{glob}'");
    }
}
