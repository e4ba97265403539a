using Ktap.Bpf.Symbols;
using Ktap.Language.Syntax;

namespace Ktap.Runtime.Probes;

/// <summary>
/// Finds the file a user probe names. A path (anything with a '/') is taken as it is; a bare
/// name is looked up as the dynamic loader would look up a library (LD_LIBRARY_PATH,
/// /etc/ld.so.cache, the default directories, so <c>libc</c> and <c>libc.so.6</c> both work),
/// and failing that as a program on PATH, the way a shell would (<c>probe:bash:readline</c>).
/// </summary>
internal sealed class ProbedBinaries(ElfFileCache files)
{
    /// <summary>The ELF file for a probe, with an absolute path; the errors name what was tried.</summary>
    public ElfFile Open(string name, TextSpan span)
    {
        var path = Locate(name)
            ?? throw new ProbeResolutionException(span, name.Contains('/', StringComparison.Ordinal)
                ? $"no such file '{name}'"
                : $"cannot find '{name}': no library of that name (LD_LIBRARY_PATH, {SharedLibraries.CachePath}, the default directories) and no program on PATH");
        ElfFile? file;
        try
        {
            file = files.TryOpen(path);
        }
        catch (InvalidDataException)
        {
            // ElfFileCache means to answer null for a file that is not ELF, but its filter
            // takes InvalidDataException for an IOException, which it is not.
            file = null;
        }

        if (file is null)
        {
            throw new ProbeResolutionException(span, $"'{path}' is not a 64-bit ELF file, or cannot be read");
        }

        // Offsets into pt_regs are x86-64's (PtRegs); a file for another machine never runs here.
        const ushort x8664 = 62;
        return file.Machine == x8664
            ? file
            : throw new ProbeResolutionException(span, $"'{path}' is not an x86-64 file (e_machine {file.Machine})");
    }

    private static string? Locate(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(name) ? Path.GetFullPath(name) : null;
        }

        return SharedLibraries.Resolve(name) ?? FindOnPath(name);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists) is { } found
            ? Path.GetFullPath(found)
            : null;
}
