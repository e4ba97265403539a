namespace Ktap.Bpf.Symbols;

/// <summary>
/// Open ELF files by path, shared by everything that resolves user addresses: each library is
/// mapped and its symbols read once however many processes and stacks use it. Files that are not
/// ELF, or cannot be read, are remembered as such. A file replaced on disk (another length or
/// modification time) is opened afresh; the old map stays valid for whoever holds it.
/// </summary>
public sealed class ElfFileCache : IDisposable
{
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly List<ElfFile> retired = [];
    private readonly Lock gate = new();
    private bool disposed;

    /// <summary>The process-wide cache, never disposed.</summary>
    public static ElfFileCache Shared { get; } = new();

    /// <summary>
    /// The ELF file at <paramref name="path"/>, opened once; null when it does not exist, cannot
    /// be read, or is not a 64-bit little-endian ELF file.
    /// </summary>
    public ElfFile? TryOpen(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stamp = Stamp(path);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (entries.TryGetValue(path, out var entry))
            {
                if (entry.Stamp == stamp)
                {
                    return entry.File;
                }

                if (entry.File is not null)
                {
                    retired.Add(entry.File);
                }
            }

            ElfFile? file = null;
            if (stamp is not null)
            {
                try
                {
                    file = ElfFile.Open(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // InvalidDataException is an IOException: not ELF, or corrupt.
                }
            }

            entries[path] = new Entry(file, stamp);
            return file;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            foreach (var entry in entries.Values)
            {
                entry.File?.Dispose();
            }

            foreach (var file in retired)
            {
                file.Dispose();
            }

            entries.Clear();
            retired.Clear();
        }
    }

    private static (long Length, DateTime Modified)? Stamp(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? (info.Length, info.LastWriteTimeUtc) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private sealed record Entry(ElfFile? File, (long Length, DateTime Modified)? Stamp);
}
