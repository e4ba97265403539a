using System.Text;
using Ktap.Bpf.Text;

namespace Ktap.Bpf.Symbols;

public sealed partial class ElfFile
{
    /// <summary>NT_GNU_BUILD_ID, in a note named "GNU".</summary>
    private const uint BuildIdNote = 3;

    /// <summary>NT_STAPSDT, in a note named "stapsdt".</summary>
    private const uint StapSdtNote = 3;

    private string? buildId;
    private bool buildIdRead;
    private UsdtProbe[]? usdtProbes;

    /// <summary>
    /// The GNU build id (the linker's <c>--build-id</c>), as lowercase hex, or null when the file
    /// has none. Debuggers find separate debug files by it (<c>/usr/lib/debug/.build-id/</c>).
    /// </summary>
    public string? BuildId
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!buildIdRead)
            {
                buildId = ReadBuildId();
                buildIdRead = true;
            }

            return buildId;
        }
    }

    /// <summary>The USDT probes the file declares in <c>.note.stapsdt</c>, in file order.</summary>
    public IReadOnlyList<UsdtProbe> UsdtProbes
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return LazyInitializer.EnsureInitialized(ref usdtProbes, ReadUsdtProbes);
        }
    }

    /// <summary>The USDT probes whose provider and name match the globs given (see <see cref="Glob"/>).</summary>
    public IReadOnlyList<UsdtProbe> MatchUsdtProbes(string providerPattern, string namePattern)
    {
        ArgumentNullException.ThrowIfNull(providerPattern);
        ArgumentNullException.ThrowIfNull(namePattern);
        var provider = new Glob(providerPattern);
        var name = new Glob(namePattern);
        return [.. UsdtProbes.Where(p => provider.IsMatch(Encoding.UTF8.GetBytes(p.Provider)) && name.IsMatch(Encoding.UTF8.GetBytes(p.Name)))];
    }

    private string? ReadBuildId()
    {
        // Sections when the file has them; a file stripped of section headers still has the
        // PT_NOTE segments the loader uses.
        var places = sections.Where(s => s.Type == ElfSection.Note).Select(s => (s.Offset, s.Size, s.Alignment))
            .Concat(segments.Where(s => s.Type == ElfSegment.Note).Select(s => (s.Offset, Size: s.FileSize, s.Alignment)));
        foreach (var (offset, size, alignment) in places)
        {
            foreach (var note in ReadNotes(offset, size, alignment))
            {
                if (note.Type == BuildIdNote && Bytes(note.NameOffset, (ulong)note.NameLength).SequenceEqual("GNU\0"u8))
                {
                    return Convert.ToHexStringLower(Bytes(note.DescriptionOffset, (ulong)note.DescriptionLength));
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Reads SystemTap's SDT notes. Each note's description is, for a 64-bit file, three
    /// addresses and three NUL-terminated strings:
    /// <code>
    /// pc         the probe site (a nop)
    /// base       the address of .stapsdt.base when the note was written
    /// semaphore  the probe's enable counter, or 0
    /// provider\0 name\0 arguments\0
    /// </code>
    /// The note section is not loaded, so prelink, which moves loaded sections after the link,
    /// does not update the addresses in it. SystemTap's rule undoes that: .stapsdt.base is a
    /// loaded one-byte section, so its address now less <c>base</c> is how far everything
    /// moved, and pc and semaphore move by as much (sourceware.org/systemtap/wiki/UserSpaceProbeImplementation).
    /// </summary>
    private UsdtProbe[] ReadUsdtProbes()
    {
        var section = Array.Find(sections, s => s.Name == ".note.stapsdt" && s.Type == ElfSection.Note);
        if (section is null)
        {
            return [];
        }

        var baseNow = FindSection(".stapsdt.base")?.Address;
        var probes = new List<UsdtProbe>();
        foreach (var note in ReadNotes(section.Offset, section.Size, section.Alignment))
        {
            if (note.Type != StapSdtNote || !Bytes(note.NameOffset, (ulong)note.NameLength).SequenceEqual("stapsdt\0"u8))
            {
                continue;
            }

            var description = Bytes(note.DescriptionOffset, (ulong)note.DescriptionLength);
            if (description.Length < 24 + 3)
            {
                throw Invalid($".note.stapsdt: a probe description of {description.Length} bytes is too short");
            }

            var pc = U64(description, 0);
            var recordedBase = U64(description, 8);
            var semaphore = U64(description, 16);
            var strings = description[24..];
            var provider = NextString(ref strings);
            var name = NextString(ref strings);
            var arguments = NextString(ref strings);

            if (recordedBase != 0 && baseNow is { } moved && moved != recordedBase)
            {
                // Unsigned wrap-around makes this right whichever way the sections moved.
                var delta = moved - recordedBase;
                pc += delta;
                if (semaphore != 0)
                {
                    semaphore += delta;
                }
            }

            var fileOffset = FileOffsetOf(pc)
                ?? throw Invalid($"USDT probe {provider}:{name} at 0x{pc:x} is in no loadable segment");
            var semaphoreOffset = semaphore == 0 ? null : FileOffsetOf(semaphore);
            probes.Add(new UsdtProbe(provider, name, pc, recordedBase, semaphore, arguments, fileOffset, semaphoreOffset));
        }

        return [.. probes];
    }

    private string NextString(ref ReadOnlySpan<byte> strings)
    {
        var end = strings.IndexOf((byte)0);
        if (end < 0)
        {
            throw Invalid(".note.stapsdt: a probe's provider, name or arguments is not NUL-terminated");
        }

        var text = Encoding.UTF8.GetString(strings[..end]);
        strings = strings[(end + 1)..];
        return text;
    }

    /// <summary>
    /// The notes in [offset, offset + size). Each is a 12-byte header (namesz, descsz, type; 4-byte
    /// words in ELF64 too), the name, then the description, each padded to the note alignment:
    /// 4, or 8 for notes in an 8-aligned section (.note.gnu.property).
    /// </summary>
    private List<Note> ReadNotes(ulong offset, ulong size, ulong alignment)
    {
        var align = alignment == 8 ? 8UL : 4UL;
        var notes = new List<Note>();
        var region = Bytes(offset, size);
        ulong position = 0;
        while (size - position >= 12)
        {
            var header = region[(int)position..];
            var nameSize = U32(header, 0);
            var descriptionSize = U32(header, 4);
            var type = U32(header, 8);
            var nameAt = position + 12;
            var descriptionAt = AlignUp(nameAt + nameSize, align);
            var end = AlignUp(descriptionAt + descriptionSize, align);
            if (descriptionAt + descriptionSize > size)
            {
                throw Invalid($"a note at 0x{offset + position:x} runs past the end of its section");
            }

            notes.Add(new Note(offset + nameAt, (int)nameSize, type, offset + descriptionAt, (int)descriptionSize));
            position = Math.Min(end, size);
        }

        return notes;
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);

    private readonly record struct Note(ulong NameOffset, int NameLength, uint Type, ulong DescriptionOffset, int DescriptionLength);
}
