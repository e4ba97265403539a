using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Ktap.Bpf.Text;

namespace Ktap.Bpf.Symbols;

public sealed unsafe partial class ElfFile
{
    private const int SymbolSize = 24;
    private const byte FromDynamic = 1;
    private const byte HiddenVersion = 2;
    private const byte Duplicate = 4;

    private SymbolTable? symbolTable;
    private NameIndex? nameIndex;
    private int[]? byAddress;

    /// <summary>Whether the file still has its full symbol table (<c>.symtab</c>), i.e. is not stripped.</summary>
    public bool HasSymbolTable => Array.Exists(sections, s => s.Type == ElfSection.SymbolTable);

    /// <summary>How many function symbols the file defines (each name and address counted once).</summary>
    public int FunctionCount
    {
        get
        {
            var table = Symbols();
            return table.Entries.Length - table.Duplicates;
        }
    }

    /// <summary>
    /// Every function the file defines: STT_FUNC and STT_GNU_IFUNC symbols with a section, from
    /// <c>.symtab</c> and then <c>.dynsym</c>. A symbol in both tables (same name, same address)
    /// is listed once, from <c>.symtab</c>.
    /// </summary>
    public IEnumerable<ElfSymbol> Functions
    {
        get
        {
            var table = Symbols();
            for (var i = 0; i < table.Entries.Length; i++)
            {
                if ((table.Entries[i].Flags & Duplicate) == 0)
                {
                    yield return ToSymbol(i);
                }
            }
        }
    }

    /// <summary>
    /// The function named <paramref name="name"/>, or null. Of several, the default version of a
    /// versioned symbol wins over older ones (<c>memcpy@@GLIBC_2.14</c> over
    /// <c>memcpy@GLIBC_2.2.5</c>, as the dynamic linker binds), then a global over a local one,
    /// then the first listed.
    /// </summary>
    public ElfSymbol? FindFunction(string name)
    {
        var table = Symbols();
        var best = -1;
        foreach (var i in IndicesNamed(name))
        {
            if (best < 0 || LookupRank(table.Entries[i]) < LookupRank(table.Entries[best]))
            {
                best = i;
            }
        }

        return best < 0 ? null : ToSymbol(best);
    }

    /// <summary>Every function named <paramref name="name"/> (static functions may share one), in table order.</summary>
    public IReadOnlyList<ElfSymbol> FindFunctions(string name) => [.. IndicesNamed(name).Select(ToSymbol)];

    /// <summary>
    /// The functions whose names match the glob <paramref name="pattern"/> (see
    /// <see cref="Glob"/>), in table order.
    /// </summary>
    public IReadOnlyList<ElfSymbol> MatchFunctions(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (!Glob.HasWildcards(pattern))
        {
            return FindFunctions(pattern);
        }

        var table = Symbols();
        var glob = new Glob(pattern);
        var found = new List<ElfSymbol>();
        for (var i = 0; i < table.Entries.Length; i++)
        {
            if ((table.Entries[i].Flags & Duplicate) == 0 && glob.IsMatch(Name(table.Entries[i])))
            {
                found.Add(ToSymbol(i));
            }
        }

        return found;
    }

    /// <summary>
    /// The function holding the link-time address <paramref name="virtualAddress"/>, and how
    /// far into it the address is; null when no function covers it (PLT stubs, padding, data).
    /// Of aliases at one address the name a person would write wins: the fewest leading
    /// underscores first (<c>getpid</c>, weak, over <c>__getpid</c>, global: glibc defines the
    /// public name as a weak alias of the internal one), then global over weak over local, then
    /// <c>.symtab</c> over <c>.dynsym</c>.
    /// </summary>
    public ElfSymbolAddress? ResolveFunction(ulong virtualAddress)
    {
        var table = Symbols();
        var order = LazyInitializer.EnsureInitialized(ref byAddress, () => SortByAddress(table));

        // The last symbol starting at or below the address, then back through its aliases and
        // any enclosing symbol: a size-0 label typed as a function can sit inside a function.
        int low = 0, high = order.Length;
        while (low < high)
        {
            var middle = (int)((uint)(low + high) >> 1);
            if (table.Entries[order[middle]].Value <= virtualAddress)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        const int lookBack = 32;
        var found = -1;
        for (var i = low - 1; i >= 0 && i >= low - lookBack; i--)
        {
            var entry = table.Entries[order[i]];
            if (found >= 0 && entry.Value != table.Entries[found].Value)
            {
                break;
            }

            var inside = entry.Size == 0 ? entry.Value == virtualAddress : virtualAddress - entry.Value < entry.Size;
            if (inside)
            {
                // Aliases are sorted best first and this walks backwards: the last one seen wins.
                found = order[i];
            }
        }

        if (found < 0)
        {
            return null;
        }

        return new ElfSymbolAddress(ToSymbol(found), virtualAddress - table.Entries[found].Value);
    }

    /// <summary>The file offset of <paramref name="symbol"/>'s first instruction: what a uprobe attaches to.</summary>
    public ulong? FileOffsetOf(ElfSymbol symbol) => FileOffsetOf(symbol.Value);

    private SymbolTable Symbols()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return LazyInitializer.EnsureInitialized(ref symbolTable, ReadSymbols);
    }

    private SymbolTable ReadSymbols()
    {
        var symtab = Array.Find(sections, s => s.Type == ElfSection.SymbolTable);
        var dynsym = Array.Find(sections, s => s.Type == ElfSection.DynamicSymbolTable);

        // Count first, so the entries are allocated once at their exact size: a large library
        // has ~200k of them and growing a list would copy megabytes twice.
        var symtabData = symtab is null ? [] : SymbolData(symtab);
        var dynsymData = dynsym is null ? [] : SymbolData(dynsym);
        var symtabCount = CountFunctions(symtabData);
        var entries = new SymbolEntry[symtabCount + CountFunctions(dynsymData)];
        if (symtab is not null)
        {
            ReadSymbolTable(symtab, symtabData, entries.AsSpan(0, symtabCount), 0, []);
        }

        if (dynsym is not null)
        {
            // .gnu.version: one 16-bit version index per .dynsym entry; bit 15 marks a version
            // that is not the default (memcpy@GLIBC_2.2.5 beside memcpy@@GLIBC_2.14).
            var versions = Array.Find(sections, s => s.Type == ElfSection.GnuVersionSymbols && s.Link == dynsym.Index);
            ReadSymbolTable(dynsym, dynsymData, entries.AsSpan(symtabCount), FromDynamic, versions is null ? [] : SectionData(versions));
        }

        var duplicates = symtabCount > 0 && symtabCount < entries.Length ? MarkDuplicates(entries, symtabCount) : 0;
        return new SymbolTable(entries, duplicates);
    }

    /// <summary>
    /// An unstripped file lists its exported functions in both tables: marks the .dynsym copies
    /// (same address, same name) so that each function is listed once. Addresses are nearly
    /// unique, so a hash on the address alone finds the copy with one name comparison.
    /// </summary>
    private int MarkDuplicates(SymbolEntry[] entries, int symtabCount)
    {
        var bits = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, symtabCount * 2)));
        var heads = new int[1 << bits];
        heads.AsSpan().Fill(-1);
        var next = new int[symtabCount];
        for (var j = 0; j < symtabCount; j++)
        {
            ref var head = ref heads[AddressHash(entries[j].Value, bits)];
            next[j] = head;
            head = j;
        }

        var duplicates = 0;
        for (var i = symtabCount; i < entries.Length; i++)
        {
            for (var j = heads[AddressHash(entries[i].Value, bits)]; j >= 0; j = next[j])
            {
                if (entries[j].Value == entries[i].Value && Name(entries[j]).SequenceEqual(Name(entries[i])))
                {
                    entries[i].Flags |= Duplicate;
                    duplicates++;
                    break;
                }
            }
        }

        return duplicates;
    }

    /// <summary>Fibonacci hashing: the top bits of the address times 2^64/φ.</summary>
    private static int AddressHash(ulong address, int bits) => (int)((address * 0x9E3779B97F4A7C15) >> (64 - bits));

    private ReadOnlySpan<byte> SymbolData(ElfSection section)
    {
        if (section.EntrySize != SymbolSize)
        {
            throw Invalid($"{section.Name}: symbols of {section.EntrySize} bytes, expected {SymbolSize}");
        }

        return SectionData(section);
    }

    /// <summary>
    /// STT_FUNC or STT_GNU_IFUNC, defined here (SHN_UNDEF = 0 is an import) and named
    /// (st_name 0 is the empty name).
    /// </summary>
    private static bool IsDefinedFunction(ReadOnlySpan<byte> symbol)
    {
        var type = symbol[4] & 0xf;
        return (type == (int)ElfSymbolType.Function || type == (int)ElfSymbolType.IndirectFunction)
            && U16(symbol, 6) != 0 && U32(symbol, 0) != 0;
    }

    private static int CountFunctions(ReadOnlySpan<byte> symbols)
    {
        var count = 0;
        for (var at = SymbolSize; at + SymbolSize <= symbols.Length; at += SymbolSize)
        {
            if (IsDefinedFunction(symbols.Slice(at, SymbolSize)))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Fills <paramref name="entries"/> (sized by <see cref="CountFunctions"/>) from one symbol table.</summary>
    private void ReadSymbolTable(ElfSection section, ReadOnlySpan<byte> symbols, Span<SymbolEntry> entries, byte flags, ReadOnlySpan<byte> versions)
    {
        if (section.Link >= sections.Length || sections[section.Link].Type != ElfSection.StringTable)
        {
            throw Invalid($"{section.Name}: sh_link {section.Link} is not a string table");
        }

        var strings = sections[section.Link];
        var names = SectionData(strings);
        var count = symbols.Length / SymbolSize;
        var n = 0;

        // Entry 0 is the reserved null symbol.
        for (var i = 1; i < count; i++)
        {
            var symbol = symbols.Slice(i * SymbolSize, SymbolSize);
            if (!IsDefinedFunction(symbol))
            {
                continue;
            }

            var nameOffset = U32(symbol, 0);
            var entryFlags = flags;
            if (versions.Length >= (i + 1) * 2 && (U16(versions, i * 2) & 0x8000) != 0)
            {
                entryFlags |= HiddenVersion;
            }

            entries[n++] = new SymbolEntry
            {
                Value = U64(symbol, 8),
                Size = U64(symbol, 16),
                NameOffset = (long)strings.Offset + nameOffset,
                NameLength = CString(names, nameOffset).Length,
                Section = U16(symbol, 6),
                Info = symbol[4],
                Flags = entryFlags,
            };
        }
    }

    private List<int> IndicesNamed(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var table = Symbols();
        var index = NameIndexOf(table.Entries);
        var source = new Names(this, table.Entries);
        var bytes = Encoding.UTF8.GetBytes(name);
        var found = new List<int>();
        for (var i = index.First(source, bytes); i >= 0; i = index.Next(source, bytes, i))
        {
            if ((table.Entries[i].Flags & Duplicate) == 0)
            {
                found.Add(i);
            }
        }

        return found;
    }

    private NameIndex NameIndexOf(SymbolEntry[] entries) =>
        LazyInitializer.EnsureInitialized(ref nameIndex, () => NameIndex.Build(new Names(this, entries)));

    /// <summary>Indices of the non-duplicate symbols by address; aliases best first.</summary>
    private int[] SortByAddress(SymbolTable table)
    {
        var entries = table.Entries;
        var order = new int[entries.Length - table.Duplicates];
        var keys = new ulong[order.Length];
        var n = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            if ((entries[i].Flags & Duplicate) == 0)
            {
                order[n] = i;
                keys[n++] = entries[i].Value;
            }
        }

        Array.Sort(keys, order);
        for (var start = 0; start < keys.Length;)
        {
            var end = start + 1;
            while (end < keys.Length && keys[end] == keys[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                order.AsSpan(start, end - start).Sort((a, b) =>
                {
                    var byRank = AliasRank(entries[a]).CompareTo(AliasRank(entries[b]));
                    return byRank != 0 ? byRank : a.CompareTo(b);
                });
            }

            start = end;
        }

        return order;
    }

    /// <summary>Lower is better among aliases: fewest leading underscores, then global, weak, local, then .symtab.</summary>
    private int AliasRank(in SymbolEntry entry)
    {
        var name = Name(entry);
        var underscores = name.IndexOfAnyExcept((byte)'_');
        return ((underscores < 0 ? name.Length : underscores) * 16) + (BindingRank(entry) * 2) + (entry.Flags & FromDynamic);
    }

    /// <summary>Lower is better among symbols of one name: the default version, then global, then first listed.</summary>
    private static int LookupRank(in SymbolEntry entry) =>
        ((entry.Flags & HiddenVersion) != 0 ? 8 : 0) + BindingRank(entry);

    private static int BindingRank(in SymbolEntry entry) => (ElfSymbolBinding)(entry.Info >> 4) switch
    {
        ElfSymbolBinding.Global or ElfSymbolBinding.Unique => 0,
        ElfSymbolBinding.Weak => 1,
        _ => 2,
    };

    private ReadOnlySpan<byte> Name(in SymbolEntry entry)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return new ReadOnlySpan<byte>(data + entry.NameOffset, entry.NameLength);
    }

    private ElfSymbol ToSymbol(int index)
    {
        var table = Symbols();
        ref readonly var entry = ref table.Entries[index];

        // Made once per symbol: resolving stacks asks for the same functions again and again.
        var name = table.Names[index] ??= Encoding.UTF8.GetString(Name(entry));
        return new ElfSymbol(
            name, entry.Value, entry.Size, (ElfSymbolType)(entry.Info & 0xf), (ElfSymbolBinding)(entry.Info >> 4),
            entry.Section, (entry.Flags & FromDynamic) != 0);
    }

    /// <summary>A function symbol as read; its name stays in the map (file offset and length).</summary>
    [StructLayout(LayoutKind.Auto)]
    private struct SymbolEntry
    {
        public ulong Value;
        public ulong Size;
        public long NameOffset;
        public int NameLength;
        public ushort Section;
        public byte Info;
        public byte Flags;
    }

    private sealed class SymbolTable(SymbolEntry[] entries, int duplicates)
    {
        public SymbolEntry[] Entries { get; } = entries;

        private string?[]? names;

        /// <summary>The names made into strings so far, by entry.</summary>
        public string?[] Names => LazyInitializer.EnsureInitialized(ref names, () => new string?[Entries.Length]);

        /// <summary>How many entries are .dynsym copies of .symtab entries.</summary>
        public int Duplicates { get; } = duplicates;
    }

    private readonly struct Names(ElfFile file, SymbolEntry[] entries) : INameSource
    {
        public int Count => entries.Length;

        public ReadOnlySpan<byte> NameAt(int index) => file.Name(entries[index]);
    }
}
