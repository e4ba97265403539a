using System.Globalization;

namespace Ktap.Bpf.Symbols;

/// <summary><c>e_type</c>: what an ELF file is.</summary>
public enum ElfFileType : ushort
{
    None = 0,
    Relocatable = 1,
    Executable = 2,

    /// <summary>ET_DYN: a shared library, or a position-independent executable.</summary>
    SharedObject = 3,
    Core = 4,
}

/// <summary>The low nibble of <c>st_info</c>.</summary>
public enum ElfSymbolType : byte
{
    NoType = 0,
    Object = 1,
    Function = 2,
    Section = 3,
    File = 4,
    Common = 5,
    ThreadLocal = 6,

    /// <summary>STT_GNU_IFUNC: a function whose address a resolver picks at load time (memcpy).</summary>
    IndirectFunction = 10,
}

/// <summary>The high nibble of <c>st_info</c>.</summary>
public enum ElfSymbolBinding : byte
{
    Local = 0,
    Global = 1,
    Weak = 2,

    /// <summary>STB_GNU_UNIQUE: one definition per process, whatever the library.</summary>
    Unique = 10,
}

/// <summary>One section header.</summary>
/// <param name="Type">
/// <c>sh_type</c>: 2 SHT_SYMTAB, 3 SHT_STRTAB, 7 SHT_NOTE, 8 SHT_NOBITS, 11 SHT_DYNSYM, ...
/// </param>
/// <param name="Address">Where the section is mapped (<c>sh_addr</c>); 0 when it is not loaded.</param>
/// <param name="Offset">Where its bytes are in the file (<c>sh_offset</c>).</param>
public sealed record ElfSection(
    int Index, string Name, uint Type, ulong Flags, ulong Address, ulong Offset, ulong Size, uint Link, uint Info,
    ulong Alignment, ulong EntrySize)
{
    public const uint SymbolTable = 2;
    public const uint StringTable = 3;
    public const uint Note = 7;
    public const uint NoBits = 8;
    public const uint DynamicSymbolTable = 11;
    public const uint GnuVersionSymbols = 0x6fffffff;
}

/// <summary>One program header: a segment of the file as the loader maps it.</summary>
/// <param name="Type"><c>p_type</c>: 1 PT_LOAD, 2 PT_DYNAMIC, 4 PT_NOTE, ...</param>
/// <param name="Flags"><c>p_flags</c>: 1 execute, 2 write, 4 read.</param>
public readonly record struct ElfSegment(
    uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize, ulong Alignment)
{
    public const uint Load = 1;
    public const uint Note = 4;

    public bool IsLoad => Type == Load;

    public bool IsExecutable => (Flags & 1) != 0;

    /// <summary>Whether the segment's file bytes hold <paramref name="virtualAddress"/>.</summary>
    public bool ContainsAddress(ulong virtualAddress) =>
        virtualAddress >= VirtualAddress && virtualAddress - VirtualAddress < FileSize;

    /// <summary>Whether the segment maps the file byte at <paramref name="fileOffset"/>.</summary>
    public bool ContainsOffset(ulong fileOffset) => fileOffset >= Offset && fileOffset - Offset < FileSize;
}

/// <summary>A function symbol from <c>.symtab</c> or <c>.dynsym</c>.</summary>
/// <param name="Value">
/// The link-time virtual address (<c>st_value</c>); in a shared library or PIE the process adds
/// its load bias. A uprobe wants the file offset instead: <see cref="ElfFile.FileOffsetOf(ulong)"/>.
/// </param>
/// <param name="Size"><c>st_size</c>; 0 for hand-written assembly without <c>.size</c>.</param>
/// <param name="SectionIndex"><c>st_shndx</c>: the section that defines it.</param>
/// <param name="IsDynamic">Read from <c>.dynsym</c> (an exported symbol) rather than <c>.symtab</c>.</param>
public readonly record struct ElfSymbol(
    string Name, ulong Value, ulong Size, ElfSymbolType Type, ElfSymbolBinding Binding, ushort SectionIndex,
    bool IsDynamic)
{
    /// <summary>Whether <paramref name="address"/> lies inside the symbol (at its start when the size is unknown).</summary>
    public bool Contains(ulong address) =>
        address >= Value && (Size == 0 ? address == Value : address - Value < Size);
}

/// <summary>An address inside an ELF function: <c>target_function+0x1c</c>.</summary>
public readonly record struct ElfSymbolAddress(ElfSymbol Symbol, ulong Offset)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Symbol.Name}+0x{Offset:x}");
}

/// <summary>
/// A USDT probe: one SystemTap SDT note (<c>NT_STAPSDT</c> in <c>.note.stapsdt</c>), as
/// <c>DTRACE_PROBE</c>/<c>STAP_PROBE</c> from &lt;sys/sdt.h&gt; write it.
/// </summary>
/// <param name="Address">
/// The probe's link-time address (the nop the macro placed), already corrected for prelink:
/// when <c>.stapsdt.base</c> has moved since the note was written, by how far it moved.
/// </param>
/// <param name="Base">The address of <c>.stapsdt.base</c> the note recorded (0 when it has none).</param>
/// <param name="SemaphoreAddress">
/// The link-time address of the probe's <c>unsigned short</c> enable counter (in
/// <c>.probes</c>), corrected like <paramref name="Address"/>; 0 when the probe has none.
/// </param>
/// <param name="Arguments">
/// The argument specs as the note holds them, space-separated <c>size@operand</c> in the
/// assembler's syntax: <c>-4@%edi 8@-16(%rbp) 8@$42</c>. A negative size is a signed value.
/// </param>
/// <param name="FileOffset">Where the probe is in the file: what a uprobe attaches to.</param>
/// <param name="SemaphoreFileOffset">
/// The semaphore's file offset: what a uprobe's <c>ref_ctr_offset</c> names, so that the kernel
/// counts the probe as enabled while it is attached. Null without a semaphore.
/// </param>
public sealed record UsdtProbe(
    string Provider, string Name, ulong Address, ulong Base, ulong SemaphoreAddress, string Arguments, ulong FileOffset,
    ulong? SemaphoreFileOffset)
{
    public bool HasSemaphore => SemaphoreAddress != 0;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"usdt:{Provider}:{Name} at 0x{Address:x} ({Arguments})");
}
