using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Ktap.Bpf.Symbols;

/// <summary>
/// Finds a shared library by name (<c>libc.so.6</c>, or just <c>libc</c>) the way the dynamic
/// loader would for a program with no RUNPATH: <c>LD_LIBRARY_PATH</c>, then
/// <c>/etc/ld.so.cache</c>, then the default directories. No <c>ldconfig</c> process: the cache
/// file is read directly. Only files that are ELF for this machine count, so a 32-bit
/// <c>/usr/lib32</c> copy never answers for a 64-bit process.
/// </summary>
public static class SharedLibraries
{
    public const string CachePath = "/etc/ld.so.cache";

    /// <summary>ld.so.cache's magic for the format glibc has written since 2.32 (and, after an old-format part, since 2.2).</summary>
    private static ReadOnlySpan<byte> NewMagic => "glibc-ld.so.cache1.1"u8;

    private static ReadOnlySpan<byte> OldMagic => "ld.so-1.7.0"u8;

    /// <summary>
    /// The path of the library <paramref name="name"/>, or null when none is found. A name
    /// holding a '/' is a path and is returned as it is when it exists. A name without
    /// <c>.so</c> is a short name: <c>libc</c> finds the first <c>libc.so*</c> in the cache.
    /// </summary>
    public static string? Resolve(string name) =>
        Resolve(name, Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"), CachePath, DefaultDirectories());

    internal static string? Resolve(string name, string? libraryPath, string cachePath, IEnumerable<string> directories)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/'))
        {
            return File.Exists(name) ? Path.GetFullPath(name) : null;
        }

        var machine = ThisMachine();
        var shortName = !name.Contains(".so", StringComparison.Ordinal);
        var candidates = new List<string>();
        foreach (var directory in (libraryPath ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(directory, name));
            if (shortName)
            {
                candidates.Add(Path.Combine(directory, name + ".so"));
            }
        }

        foreach (var (key, path) in ReadCache(cachePath))
        {
            if (key == name || (shortName && key.StartsWith(name + ".so", StringComparison.Ordinal)))
            {
                candidates.Add(path);
            }
        }

        foreach (var directory in directories)
        {
            candidates.Add(Path.Combine(directory, name));
            if (shortName)
            {
                candidates.Add(Path.Combine(directory, name + ".so"));
            }
        }

        return candidates.FirstOrDefault(path => ElfFile.IsElf64(path, machine));
    }

    /// <summary>
    /// The entries of an ld.so.cache file for this machine, in the cache's order (the order the
    /// loader searches it in): library name (<c>libc.so.6</c>) and path. Empty when the file is
    /// missing or in a format this does not know.
    /// </summary>
    public static IReadOnlyList<(string Name, string Path)> ReadCache(string path = CachePath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        return ParseCache(bytes);
    }

    /// <summary>
    /// Parses glibc's cache (sysdeps/generic/dl-cache.h). The new format is a 48-byte header,
    /// <code>
    /// char magic[20] "glibc-ld.so.cache1.1"; u32 nlibs; u32 len_strings; u8 flags; u8 pad[3];
    /// u32 extension_offset; u32 unused[3];
    /// </code>
    /// then nlibs 24-byte entries <c>{ i32 flags; u32 key; u32 value; u32 osversion; u64 hwcap; }</c>
    /// whose key (name) and value (path) are offsets from the start of that header. Before
    /// glibc 2.32 an old-format table (<c>"ld.so-1.7.0"</c>, 12-byte entries) came first and the
    /// new header followed it, 8-aligned.
    /// </summary>
    internal static IReadOnlyList<(string Name, string Path)> ParseCache(ReadOnlySpan<byte> bytes)
    {
        var start = 0;
        if (bytes.StartsWith(OldMagic))
        {
            if (bytes.Length < 16)
            {
                return [];
            }

            var oldCount = BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]);
            var after = 16L + (oldCount * 12L);
            start = (int)Math.Min(bytes.Length, (after + 7) & ~7L);
        }

        var cache = bytes[start..];
        if (!cache.StartsWith(NewMagic) || cache.Length < 48)
        {
            return [];
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(cache[20..]);
        var wantedArchitecture = ArchitectureFlag();
        var entries = new List<(string, string)>();
        for (long i = 0; i < count && 48 + ((i + 1) * 24) <= cache.Length; i++)
        {
            var entry = cache[(int)(48 + (i * 24))..];
            var flags = BinaryPrimitives.ReadInt32LittleEndian(entry);

            // Low byte: the library kind (3 = FLAG_ELF_LIBC6). Next byte: the architecture
            // (0x03 = FLAG_X8664_LIB64, 0x0a = FLAG_AARCH64_LIB64); 0 means no particular one.
            var architecture = (flags >> 8) & 0xff;
            if ((flags & 0xff) != 3 || (architecture != 0 && architecture != wantedArchitecture))
            {
                continue;
            }

            if (CacheString(cache, BinaryPrimitives.ReadUInt32LittleEndian(entry[4..])) is { } key
                && CacheString(cache, BinaryPrimitives.ReadUInt32LittleEndian(entry[8..])) is { } value)
            {
                entries.Add((key, value));
            }
        }

        return entries;
    }

    /// <summary>Where the loader looks last, for this machine (Debian's multiarch directories first).</summary>
    public static IReadOnlyList<string> DefaultDirectories()
    {
        var triplet = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        return [$"/lib/{triplet}", $"/usr/lib/{triplet}", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];
    }

    private static string? CacheString(ReadOnlySpan<byte> cache, uint offset)
    {
        if (offset >= cache.Length)
        {
            return null;
        }

        var text = cache[(int)offset..];
        var end = text.IndexOf((byte)0);
        return end <= 0 ? null : Encoding.UTF8.GetString(text[..end]);
    }

    /// <summary>e_machine for this process: 62 EM_X86_64 or 183 EM_AARCH64.</summary>
    private static ushort ThisMachine() => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? (ushort)183 : (ushort)62;

    private static int ArchitectureFlag() => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x0a : 0x03;
}
