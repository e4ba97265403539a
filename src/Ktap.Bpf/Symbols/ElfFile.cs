using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text;

namespace Ktap.Bpf.Symbols;

/// <summary>
/// A read-only view of an ELF64 little-endian file (an executable, a shared library, vmlinux)
/// through a memory map: section and program headers at once, and on first use the function
/// symbols of <c>.symtab</c> and <c>.dynsym</c>, the build id and the USDT notes.
/// </summary>
/// <remarks>
/// Nothing is copied out of the file that a caller has not asked for. A 100 MB library with
/// 100k+ functions costs one pass over its symbol tables (24 bytes a symbol); names stay bytes
/// in the map, compared as spans, until a symbol is handed out. The map stays open until
/// <see cref="Dispose"/>; a symbol once handed out owns its strings and outlives it.
/// <para>
/// Every offset and size read from the file is checked against the file's length: a corrupt or
/// truncated file gives an <see cref="InvalidDataException"/>, never a read outside the map.
/// Not thread-safe against <see cref="Dispose"/>; everything else may be called concurrently.
/// </para>
/// </remarks>
public sealed unsafe partial class ElfFile : IDisposable
{
    private const int HeaderSize = 64;
    private const int SectionHeaderSize = 64;
    private const int ProgramHeaderSize = 56;

    private readonly MemoryMappedFile map;
    private readonly MemoryMappedViewAccessor view;
    private readonly byte* data;
    private readonly ElfSection[] sections;
    private readonly ElfSegment[] segments;
    private bool disposed;

    private ElfFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* data, long length)
    {
        Path = path;
        this.map = map;
        this.view = view;
        this.data = data;
        Length = length;

        var header = Bytes(0, HeaderSize);
        if (!header[..4].SequenceEqual("\u007fELF"u8))
        {
            throw Invalid("not an ELF file (no \\x7fELF magic)");
        }

        // EI_CLASS 2 = ELFCLASS64, EI_DATA 1 = ELFDATA2LSB. ktap runs on x86-64 and arm64 only.
        if (header[4] != 2 || header[5] != 1)
        {
            throw Invalid($"only 64-bit little-endian ELF is supported (class {header[4]}, data {header[5]})");
        }

        Type = (ElfFileType)U16(header, 16);
        Machine = U16(header, 18);
        Entry = U64(header, 24);
        sections = ReadSections(header);
        segments = ReadSegments(header);
    }

    /// <summary>The path the file was opened by.</summary>
    public string Path { get; }

    public long Length { get; }

    public ElfFileType Type { get; }

    /// <summary><c>e_machine</c>: 62 EM_X86_64, 183 EM_AARCH64, 247 EM_BPF.</summary>
    public ushort Machine { get; }

    public ulong Entry { get; }

    public IReadOnlyList<ElfSection> Sections => sections;

    /// <summary>The program headers; the loadable ones (<see cref="ElfSegment.IsLoad"/>) place the file in memory.</summary>
    public IReadOnlyList<ElfSegment> Segments => segments;

    /// <summary>Maps <paramref name="path"/> read-only and reads its headers.</summary>
    /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF file, or is corrupt.</exception>
    public static ElfFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        var length = stream.Length;
        if (length < HeaderSize)
        {
            throw new InvalidDataException($"{path}: not an ELF file ({length} bytes is too short for an ELF header)");
        }

        // The stream is closed on return: a mapping outlives its file descriptor, so an open
        // ElfFile holds no descriptor (a process can map hundreds of libraries).
        var map = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            acquired = true;
            return new ElfFile(path, map, view, pointer + view.PointerOffset, length);
        }
        catch
        {
            if (acquired)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether <paramref name="path"/> starts like an ELF file this class reads (64-bit, little
    /// endian), without mapping it. False when it cannot be read.
    /// </summary>
    public static bool IsElf64(string path, ushort? machine = null)
    {
        try
        {
            Span<byte> header = stackalloc byte[20];
            using var handle = File.OpenHandle(path);
            if (RandomAccess.Read(handle, header, 0) < header.Length)
            {
                return false;
            }

            return header[..4].SequenceEqual("\u007fELF"u8) && header[4] == 2 && header[5] == 1
                && (machine is null || BinaryPrimitives.ReadUInt16LittleEndian(header[18..]) == machine);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The first section named <paramref name="name"/>, or null.</summary>
    public ElfSection? FindSection(string name) => Array.Find(sections, s => s.Name == name);

    /// <summary>
    /// Where the byte the program sees at <paramref name="virtualAddress"/> lies in the file, or
    /// null when no loadable segment has it in the file (bss, or not mapped at all). A uprobe
    /// attaches by this offset: <c>address - p_vaddr + p_offset</c> of the PT_LOAD segment that
    /// holds it.
    /// </summary>
    public ulong? FileOffsetOf(ulong virtualAddress)
    {
        foreach (var segment in segments)
        {
            if (segment.IsLoad && segment.ContainsAddress(virtualAddress))
            {
                return virtualAddress - segment.VirtualAddress + segment.Offset;
            }
        }

        return null;
    }

    /// <summary>The link-time address that the file byte at <paramref name="fileOffset"/> is loaded at, or null.</summary>
    public ulong? VirtualAddressOf(ulong fileOffset)
    {
        foreach (var segment in segments)
        {
            if (segment.IsLoad && segment.ContainsOffset(fileOffset))
            {
                return fileOffset - segment.Offset + segment.VirtualAddress;
            }
        }

        return null;
    }

    /// <summary>The bytes of <paramref name="section"/> in the map; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> SectionData(ElfSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return section.Type == ElfSection.NoBits ? [] : Bytes(section.Offset, section.Size);
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        map.Dispose();
    }

    public override string ToString() => Path;

    /// <summary>The file's bytes at [offset, offset + length), checked against its size.</summary>
    private ReadOnlySpan<byte> Bytes(ulong offset, ulong length)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (offset > (ulong)Length || length > (ulong)Length - offset || length > int.MaxValue)
        {
            throw Invalid($"[0x{offset:x}, +0x{length:x}) lies outside the file (0x{Length:x} bytes)");
        }

        return new ReadOnlySpan<byte>(data + offset, (int)length);
    }

    /// <summary>The NUL-terminated string at <paramref name="offset"/> inside <paramref name="table"/>.</summary>
    private ReadOnlySpan<byte> CString(ReadOnlySpan<byte> table, uint offset)
    {
        if (offset >= table.Length)
        {
            throw Invalid($"string offset 0x{offset:x} lies outside its string table (0x{table.Length:x} bytes)");
        }

        var text = table[(int)offset..];
        var end = text.IndexOf((byte)0);
        return end < 0 ? text : text[..end];
    }

    private ElfSection[] ReadSections(ReadOnlySpan<byte> header)
    {
        var offset = U64(header, 40);
        var entrySize = U16(header, 58);
        uint count = U16(header, 60);
        uint namesIndex = U16(header, 62);
        if (offset == 0)
        {
            return [];
        }

        if (entrySize < SectionHeaderSize)
        {
            throw Invalid($"section headers of {entrySize} bytes, expected {SectionHeaderSize}");
        }

        // More than 0xff00 sections: e_shnum is 0 and the count is section 0's sh_size; an
        // e_shstrndx of SHN_XINDEX (0xffff) means the index is section 0's sh_link.
        var first = Bytes(offset, SectionHeaderSize);
        if (count == 0)
        {
            count = checked((uint)U64(first, 32));
        }

        if (namesIndex == 0xffff)
        {
            namesIndex = U32(first, 40);
        }

        var table = Bytes(offset, (ulong)count * entrySize);
        var raw = new (uint Name, ElfSection Section)[count];
        for (var i = 0; i < count; i++)
        {
            var entry = table.Slice(i * entrySize, SectionHeaderSize);
            raw[i] = (U32(entry, 0), new ElfSection(
                i, string.Empty, U32(entry, 4), U64(entry, 8), U64(entry, 16), U64(entry, 24), U64(entry, 32),
                U32(entry, 40), U32(entry, 44), U64(entry, 48), U64(entry, 56)));
        }

        var names = namesIndex != 0 && namesIndex < count ? SectionData(raw[namesIndex].Section) : [];
        var result = new ElfSection[count];
        for (var i = 0; i < count; i++)
        {
            var name = names.IsEmpty || raw[i].Name >= names.Length ? string.Empty : Encoding.UTF8.GetString(CString(names, raw[i].Name));
            result[i] = raw[i].Section with { Name = name };
        }

        return result;
    }

    private ElfSegment[] ReadSegments(ReadOnlySpan<byte> header)
    {
        var offset = U64(header, 32);
        var entrySize = U16(header, 54);
        uint count = U16(header, 56);
        if (offset == 0 || count == 0)
        {
            return [];
        }

        if (entrySize < ProgramHeaderSize)
        {
            throw Invalid($"program headers of {entrySize} bytes, expected {ProgramHeaderSize}");
        }

        // PN_XNUM (0xffff): the real count is section 0's sh_info.
        if (count == 0xffff && sections.Length > 0)
        {
            count = sections[0].Info;
        }

        var table = Bytes(offset, (ulong)count * entrySize);
        var result = new ElfSegment[count];
        for (var i = 0; i < count; i++)
        {
            var entry = table.Slice(i * entrySize, ProgramHeaderSize);
            result[i] = new ElfSegment(
                U32(entry, 0), U32(entry, 4), U64(entry, 8), U64(entry, 16), U64(entry, 32), U64(entry, 40), U64(entry, 48));
        }

        return result;
    }

    private InvalidDataException Invalid(string problem) => new($"{Path}: {problem}");

    private static ushort U16(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(bytes[offset..]);

    private static uint U32(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);

    private static ulong U64(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[offset..]);
}
