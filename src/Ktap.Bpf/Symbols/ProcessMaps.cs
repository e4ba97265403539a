using System.Globalization;

namespace Ktap.Bpf.Symbols;

/// <summary>
/// A snapshot of a process's address space from <c>/proc/PID/maps</c>, and the resolution of
/// its user-space addresses to files, file offsets and functions.
/// </summary>
/// <remarks>
/// An address becomes a symbol in two steps. The mapping gives the file offset:
/// <c>address - start + offset</c>. The ELF file's PT_LOAD segment holding that offset gives
/// the link-time address the symbols use: <c>fileOffset - p_offset + p_vaddr</c>. Together the two
/// subtract the load bias, without assuming where the loader put the first segment, so fixed
/// executables, PIEs and shared libraries all go the same way.
/// <para>
/// The snapshot does not follow the process: libraries it loads later need a fresh
/// <see cref="Read"/>. ELF files come from an <see cref="ElfFileCache"/> (by default the shared
/// one) and are opened through the process's own root (<c>/proc/PID/root</c>), so a process in
/// a container resolves against its own files; unlinked files through
/// <c>/proc/PID/map_files</c>.
/// </para>
/// </remarks>
public sealed class ProcessMaps
{
    private readonly ProcessMapping[] mappings;
    private readonly ElfFileCache cache;
    private readonly Dictionary<ProcessMapping, ElfFile?> files = [];
    private readonly Lock gate = new();

    private ProcessMaps(int processId, ProcessMapping[] mappings, ElfFileCache cache)
    {
        ProcessId = processId;
        this.mappings = mappings;
        this.cache = cache;
    }

    public int ProcessId { get; }

    /// <summary>The mappings in address order.</summary>
    public IReadOnlyList<ProcessMapping> Mappings => mappings;

    /// <summary>Reads the maps of process <paramref name="processId"/>.</summary>
    /// <exception cref="FileNotFoundException">The process does not exist (any more).</exception>
    public static ProcessMaps Read(int processId, ElfFileCache? cache = null)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{processId}/maps");
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FileNotFoundException($"no process {processId}", $"/proc/{processId}/maps", e);
        }

        return Parse(text, processId, cache);
    }

    /// <summary>Reads this process's own maps.</summary>
    public static ProcessMaps ReadSelf(ElfFileCache? cache = null) => Read(Environment.ProcessId, cache);

    /// <summary>
    /// Parses maps text, a line per mapping:
    /// <c>7f1c2a428000-7f1c2a5bd000 r-xp 00028000 fe:01 1835231   /usr/lib/x86_64-linux-gnu/libc.so.6</c>.
    /// </summary>
    public static ProcessMaps Parse(string text, int processId, ElfFileCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var mappings = new List<ProcessMapping>();
        var lineNumber = 0;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            if (!line.IsWhiteSpace())
            {
                mappings.Add(ParseLine(line) ?? throw new InvalidDataException(
                    $"/proc/{processId}/maps:{lineNumber}: not a mapping: '{line}'"));
            }
        }

        mappings.Sort((a, b) => a.Start.CompareTo(b.Start));
        return new ProcessMaps(processId, [.. mappings], cache ?? ElfFileCache.Shared);
    }

    /// <summary>The mapping holding <paramref name="address"/>, or null.</summary>
    public ProcessMapping? FindMapping(ulong address)
    {
        int low = 0, high = mappings.Length;
        while (low < high)
        {
            var middle = (int)((uint)(low + high) >> 1);
            if (mappings[middle].Start <= address)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low > 0 && mappings[low - 1].Contains(address) ? mappings[low - 1] : null;
    }

    /// <summary>
    /// Resolves <paramref name="address"/> as far as the process's maps and files allow: always an
    /// answer, with the parts that could not be found left null.
    /// </summary>
    public UserAddress Resolve(ulong address)
    {
        var mapping = FindMapping(address);
        if (mapping is null || !mapping.IsFile)
        {
            return new UserAddress(address, mapping, null, null, null);
        }

        var fileOffset = address - mapping.Start + mapping.Offset;
        var elf = ElfFileOf(mapping);
        var linkAddress = elf?.VirtualAddressOf(fileOffset);
        var symbol = linkAddress is { } link ? elf!.ResolveFunction(link) : null;
        return new UserAddress(address, mapping, fileOffset, linkAddress, symbol);
    }

    /// <summary><see cref="Resolve"/> as text: <c>getpid+0x4 (/usr/lib/x86_64-linux-gnu/libc.so.6)</c>.</summary>
    public string Format(ulong address) => Resolve(address).ToString();

    /// <summary>
    /// The path of a file the process maps, by its path or its file name (<c>libc.so.6</c>), or by a
    /// library's short name (<c>libc</c> finds <c>libc.so.6</c>); null when it maps no such file.
    /// </summary>
    public string? FindMappedFile(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var mapping in mappings)
        {
            if (mapping.FilePath is not { } path)
            {
                continue;
            }

            var fileName = System.IO.Path.GetFileName(path.AsSpan());
            if (path == name || fileName.SequenceEqual(name)
                || (fileName.StartsWith(name, StringComparison.Ordinal) && fileName[name.Length..].StartsWith(".so", StringComparison.Ordinal)))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>The ELF file behind a file mapping, through the process's own view of the file system.</summary>
    public ElfFile? ElfFileOf(ProcessMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        lock (gate)
        {
            if (!files.TryGetValue(mapping, out var elf))
            {
                elf = OpenPath(mapping) is { } path ? cache.TryOpen(path) : null;
                files[mapping] = elf;
            }

            return elf;
        }
    }

    private string? OpenPath(ProcessMapping mapping)
    {
        if (mapping.FilePath is not { } path)
        {
            return null;
        }

        if (mapping.IsDeleted)
        {
            // The file is gone from the tree but still mapped: map_files/ opens it (as root).
            return string.Create(CultureInfo.InvariantCulture, $"/proc/{ProcessId}/map_files/{mapping.Start:x}-{mapping.End:x}");
        }

        if (ProcessId != Environment.ProcessId && ProcessId > 0)
        {
            var inRoot = $"/proc/{ProcessId}/root{path}";
            if (File.Exists(inRoot))
            {
                return inRoot;
            }
        }

        return path;
    }

    private static ProcessMapping? ParseLine(ReadOnlySpan<char> line)
    {
        // start-end perms offset dev inode [path]; the path is the rest of the line after the
        // inode and its padding, and may itself hold spaces.
        Span<Range> fields = stackalloc Range[5];
        var count = 0;
        var position = 0;
        while (count < 5)
        {
            while (position < line.Length && line[position] == ' ')
            {
                position++;
            }

            var start = position;
            while (position < line.Length && line[position] != ' ')
            {
                position++;
            }

            if (start == position)
            {
                return null;
            }

            fields[count++] = start..position;
        }

        while (position < line.Length && line[position] == ' ')
        {
            position++;
        }

        var range = line[fields[0]];
        var dash = range.IndexOf('-');
        if (dash < 0
            || !ulong.TryParse(range[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low)
            || !ulong.TryParse(range[(dash + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end)
            || !ulong.TryParse(line[fields[2]], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var offset)
            || !ulong.TryParse(line[fields[4]], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
        {
            return null;
        }

        var path = position < line.Length ? line[position..].ToString() : null;
        return new ProcessMapping(low, end, line[fields[1]].ToString(), offset, line[fields[3]].ToString(), inode, path);
    }
}
