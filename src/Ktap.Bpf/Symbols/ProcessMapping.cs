using System.Globalization;

namespace Ktap.Bpf.Symbols;

/// <summary>
/// One line of <c>/proc/PID/maps</c>: a range of a process's address space, as read (not an mmap of
/// ours, which is <see cref="Sys.MemoryMapping"/>).
/// </summary>
/// <param name="Start">The first address.</param>
/// <param name="End">One past the last address.</param>
/// <param name="Permissions"><c>r-xp</c>: read, write, execute, then <c>p</c>rivate or <c>s</c>hared.</param>
/// <param name="Offset">Where in the file <paramref name="Start"/> is mapped from (0 when not a file).</param>
/// <param name="Device">The file's device, <c>major:minor</c> in hex.</param>
/// <param name="Inode">The file's inode; 0 for anonymous memory.</param>
/// <param name="Path">
/// The file (<c>/usr/lib/x86_64-linux-gnu/libc.so.6</c>, with <c> (deleted)</c> after it once
/// unlinked), a pseudo-name (<c>[heap]</c>, <c>[stack]</c>, <c>[vdso]</c>, <c>[anon:name]</c>),
/// or null for anonymous memory (a JIT's code, for one).
/// </param>
public sealed record ProcessMapping(
    ulong Start, ulong End, string Permissions, ulong Offset, string Device, ulong Inode, string? Path)
{
    private const string DeletedSuffix = " (deleted)";

    public bool IsExecutable => Permissions.Length > 2 && Permissions[2] == 'x';

    /// <summary>Whether the range maps a file (not anonymous memory or a pseudo-name).</summary>
    public bool IsFile => Path is ['/', ..] && Inode != 0;

    /// <summary>Whether the mapped file has been unlinked since (replaced by an upgrade, say).</summary>
    public bool IsDeleted => IsFile && Path!.EndsWith(DeletedSuffix, StringComparison.Ordinal);

    /// <summary>The mapped file's path without the <c> (deleted)</c> mark; null when not a file.</summary>
    public string? FilePath => !IsFile ? null : IsDeleted ? Path![..^DeletedSuffix.Length] : Path;

    public bool Contains(ulong address) => address >= Start && address < End;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Start:x}-{End:x} {Permissions} {Offset:x8} {Device} {Inode} {Path}");
}

/// <summary>
/// A user-space address resolved through a process's maps: the mapping and file that hold it and,
/// when that file's symbols cover it, the function: <c>getpid+0x4 (/usr/lib/x86_64-linux-gnu/libc.so.6)</c>.
/// </summary>
/// <param name="Address">The address in the process.</param>
/// <param name="Mapping">The mapping holding it, or null when nothing is mapped there.</param>
/// <param name="FileOffset">Where the address is in the mapped file (a uprobe's offset), or null.</param>
/// <param name="LinkAddress">
/// The address the ELF file's own headers and symbols use for it (<c>Address</c> less the load
/// bias), or null when the file is not ELF or the offset is in no loadable segment.
/// </param>
/// <param name="Symbol">The function containing it, or null.</param>
public sealed record UserAddress(
    ulong Address, ProcessMapping? Mapping, ulong? FileOffset, ulong? LinkAddress, ElfSymbolAddress? Symbol)
{
    /// <summary>
    /// How far the loader moved the file from its link-time addresses: 0 for a fixed-address
    /// executable (ET_EXEC), the base address for a shared library or a PIE.
    /// </summary>
    public ulong? LoadBias => LinkAddress is { } link ? Address - link : null;

    public override string ToString()
    {
        var where = Mapping?.FilePath ?? Mapping?.Path;
        if (Symbol is { } symbol)
        {
            return $"{symbol} ({where})";
        }

        if (where is not null && FileOffset is { } offset)
        {
            return string.Create(CultureInfo.InvariantCulture, $"0x{Address:x} ({where}+0x{offset:x})");
        }

        return string.Create(CultureInfo.InvariantCulture, $"0x{Address:x}");
    }
}
