using System.Buffers.Binary;
using Ktap.Bpf.Symbols;

namespace Ktap.Bpf.Tests.Symbols;

public sealed class ElfFileTests
{
    public static TheoryData<string> Binaries => ["pie", "exec", "library"];

    [Theory]
    [MemberData(nameof(Binaries))]
    public void Function_symbols_are_the_ones_readelf_lists(string which)
    {
        var path = Binary(which);
        using var elf = ElfFile.Open(path);
        var expected = ReadElf.Functions(path).Order().ToList();
        var actual = elf.Functions.Select(s => (s.Name, s.Value, s.Size)).Order().ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(actual.Count, elf.FunctionCount);
        Assert.True(elf.HasSymbolTable);
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public void Known_functions_are_where_nm_puts_them(string which)
    {
        var path = Binary(which);
        using var elf = ElfFile.Open(path);
        foreach (var (name, type, binding) in new[]
        {
            ("target_function", ElfSymbolType.Function, ElfSymbolBinding.Global),
            ("second_function", ElfSymbolType.Function, ElfSymbolBinding.Global),
            ("static_helper", ElfSymbolType.Function, ElfSymbolBinding.Local),
            ("indirect_double", ElfSymbolType.IndirectFunction, ElfSymbolBinding.Global),
        })
        {
            var symbol = elf.FindFunction(name);
            Assert.NotNull(symbol);
            var (address, letter) = ReadElf.Nm(path, name);
            Assert.Equal(address, symbol.Value.Value);
            Assert.Equal(type, symbol.Value.Type);
            Assert.Equal(binding, symbol.Value.Binding);
            Assert.Equal(type == ElfSymbolType.IndirectFunction ? 'i' : binding == ElfSymbolBinding.Local ? 't' : 'T', letter);
        }

        Assert.Null(elf.FindFunction("ktap_test_counted_semaphore"));
        Assert.Null(elf.FindFunction("no_such_function"));
    }

    [Fact]
    public void File_types_are_told_apart()
    {
        using var pie = ElfFile.Open(TestBinaries.Pie);
        using var exec = ElfFile.Open(TestBinaries.FixedAddress);
        using var library = ElfFile.Open(TestBinaries.Library);
        Assert.Equal(ElfFileType.SharedObject, pie.Type);
        Assert.Equal(ElfFileType.Executable, exec.Type);
        Assert.Equal(ElfFileType.SharedObject, library.Type);
        Assert.Equal(62, exec.Machine);
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public void Loadable_segments_and_file_offsets_agree_with_readelf(string which)
    {
        var path = Binary(which);
        using var elf = ElfFile.Open(path);
        var loads = ReadElf.Loads(path);
        Assert.Equal(loads, elf.Segments.Where(s => s.IsLoad).Select(s => (s.Offset, s.VirtualAddress, s.FileSize, s.MemorySize)));

        foreach (var symbol in elf.Functions)
        {
            var load = loads.Single(l => symbol.Value >= l.VirtualAddress && symbol.Value < l.VirtualAddress + l.FileSize);
            var expected = symbol.Value - load.VirtualAddress + load.Offset;
            Assert.Equal(expected, elf.FileOffsetOf(symbol));
            Assert.Equal(symbol.Value, elf.VirtualAddressOf(expected));
        }
    }

    [Fact]
    public void The_file_offset_of_a_fixed_address_function_is_not_its_address()
    {
        // In an ET_EXEC the text is linked at 0x401000 but lies at 0x1000 in the file.
        using var elf = ElfFile.Open(TestBinaries.FixedAddress);
        var symbol = elf.FindFunction("target_function")!.Value;
        Assert.True(symbol.Value >= 0x400000);
        var offset = elf.FileOffsetOf(symbol);
        Assert.NotNull(offset);
        Assert.True(offset < 0x400000);
        Assert.Null(elf.FileOffsetOf(0x10));
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public void Usdt_probes_are_the_ones_readelf_shows(string which)
    {
        var path = Binary(which);
        using var elf = ElfFile.Open(path);
        var expected = ReadElf.Probes(path);
        Assert.Equal(2, expected.Count);
        Assert.Equal(expected, elf.UsdtProbes.Select(p => (p.Provider, p.Name, p.Address, p.Base, p.SemaphoreAddress, p.Arguments)));

        var plain = elf.UsdtProbes[0];
        Assert.Equal("plain", plain.Name);
        Assert.Matches("^-4@%[a-z0-9]+$", plain.Arguments);
        Assert.False(plain.HasSemaphore);
        Assert.Null(plain.SemaphoreFileOffset);
        Assert.Equal(elf.FileOffsetOf(plain.Address), plain.FileOffset);
        Assert.Equal("target_function", elf.ResolveFunction(plain.Address)?.Symbol.Name);

        var counted = elf.UsdtProbes[1];
        Assert.Equal("counted", counted.Name);
        Assert.Equal("static_helper", elf.ResolveFunction(counted.Address)?.Symbol.Name);
        Assert.True(counted.HasSemaphore);
        var probes = ReadElf.Section(path, ".probes");
        Assert.Equal(probes.Address, counted.SemaphoreAddress);
        Assert.Equal(probes.Offset, counted.SemaphoreFileOffset);
        Assert.Equal(expected[1].Base, ReadElf.Section(path, ".stapsdt.base").Address);

        Assert.Equal([counted], elf.MatchUsdtProbes("ktap_*", "c*"));
        Assert.Equal(2, elf.MatchUsdtProbes("ktap_test", "*").Count);
        Assert.Empty(elf.MatchUsdtProbes("other", "*"));
    }

    [Fact]
    public void Usdt_addresses_follow_a_prelinked_base()
    {
        // Prelink moves the loaded sections but cannot update the unloaded note: simulate that
        // by making every note record a .stapsdt.base 4 bytes lower than the section now is.
        var copy = Path.Combine(Path.GetTempPath(), $"ktap-prelinked-{Environment.ProcessId}");
        try
        {
            File.Copy(TestBinaries.Pie, copy, overwrite: true);
            var original = ReadElf.Probes(TestBinaries.Pie);
            var notes = ReadElf.Section(copy, ".note.stapsdt");
            var bytes = File.ReadAllBytes(copy);
            var patched = 0;
            for (var at = (int)notes.Offset; at + 8 <= (int)(notes.Offset + notes.Size); at += 4)
            {
                if (BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at)) == original[0].Base)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), original[0].Base - 4);
                    patched++;
                }
            }

            Assert.Equal(original.Count, patched);
            File.WriteAllBytes(copy, bytes);

            using var elf = ElfFile.Open(copy);
            Assert.Equal(original.Select(p => p.Location + 4), elf.UsdtProbes.Select(p => p.Address));
            Assert.Equal(original.Select(p => p.Semaphore == 0 ? 0 : p.Semaphore + 4), elf.UsdtProbes.Select(p => p.SemaphoreAddress));
            Assert.Equal(original.Select(p => p.Base - 4), elf.UsdtProbes.Select(p => p.Base));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public void The_build_id_is_the_one_readelf_shows(string which)
    {
        var path = Binary(which);
        using var elf = ElfFile.Open(path);
        var expected = ReadElf.BuildId(path);
        Assert.Equal(40, expected.Length);
        Assert.Equal(expected, elf.BuildId);
    }

    [Fact]
    public void Addresses_resolve_to_the_function_holding_them()
    {
        using var elf = ElfFile.Open(TestBinaries.Pie);
        var target = elf.FindFunction("target_function")!.Value;
        Assert.Equal("target_function+0x0", elf.ResolveFunction(target.Value).ToString());
        Assert.Equal("target_function+0x3", elf.ResolveFunction(target.Value + 3).ToString());
        Assert.Equal(target, elf.ResolveFunction(target.Value + target.Size - 1)?.Symbol);
        Assert.NotEqual("target_function", elf.ResolveFunction(target.Value + target.Size)?.Symbol.Name);
        Assert.Null(elf.ResolveFunction(0));
        Assert.Null(elf.ResolveFunction(ulong.MaxValue));
    }

    [Fact]
    public void Globs_match_function_names()
    {
        using var elf = ElfFile.Open(TestBinaries.Pie);
        Assert.Equal(["second_function", "target_function"], elf.MatchFunctions("*_function").Select(s => s.Name).Order());
        Assert.Equal(["static_helper"], elf.MatchFunctions("st?tic_*").Select(s => s.Name));
        Assert.Equal(["target_function"], elf.MatchFunctions("target_function").Select(s => s.Name));
        Assert.Empty(elf.MatchFunctions("nothing*"));
    }

    [Fact]
    public void A_stripped_library_still_has_its_exported_functions()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"ktap-stripped-{Environment.ProcessId}.so");
        try
        {
            Tool.Run("strip", "-o", copy, TestBinaries.Library);
            using var elf = ElfFile.Open(copy);
            Assert.False(elf.HasSymbolTable);
            Assert.Equal(ReadElf.Functions(copy).Order(), elf.Functions.Select(s => (s.Name, s.Value, s.Size)).Order());
            Assert.True(elf.FindFunction("target_function")?.IsDynamic);
            Assert.Null(elf.FindFunction("static_helper"));
            Assert.Equal(2, elf.UsdtProbes.Count);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void Libc_binds_the_default_version_of_a_symbol()
    {
        // libc.so.6 exports memcpy twice: memcpy@GLIBC_2.2.5 (old) and memcpy@@GLIBC_2.14 (default).
        var libc = SharedLibraries.Resolve("libc.so.6")!;
        using var elf = ElfFile.Open(libc);
        var versions = Tool.Run("readelf", "-sW", "--dyn-syms", libc).Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 8 && f[7].StartsWith("memcpy@", StringComparison.Ordinal))
            .ToDictionary(f => f[7], f => ReadElf.Hex(f[1]));
        var defaultVersion = versions.Single(v => v.Key.Contains("@@", StringComparison.Ordinal)).Value;
        Assert.Equal(defaultVersion, elf.FindFunction("memcpy")?.Value);
        Assert.Equal(versions.Count, elf.FindFunctions("memcpy").Count);
    }

    [Fact]
    public void Files_that_are_not_elf_are_refused_clearly()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ktap-not-elf-{Environment.ProcessId}");
        try
        {
            File.WriteAllText(path, new string('x', 100));
            Assert.Contains("not an ELF file", Assert.Throws<InvalidDataException>(() => ElfFile.Open(path)).Message, StringComparison.Ordinal);
            Assert.False(ElfFile.IsElf64(path));

            File.WriteAllText(path, "short");
            Assert.Contains("too short", Assert.Throws<InvalidDataException>(() => ElfFile.Open(path)).Message, StringComparison.Ordinal);

            // A real header whose section table lies past the end of the file.
            File.WriteAllBytes(path, File.ReadAllBytes(TestBinaries.Pie).AsSpan(0, 4096).ToArray());
            Assert.Contains("outside the file", Assert.Throws<InvalidDataException>(() => ElfFile.Open(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_disposed_file_says_so()
    {
        var elf = ElfFile.Open(TestBinaries.Pie);
        elf.Dispose();
        Assert.Throws<ObjectDisposedException>(() => elf.FindFunction("target_function"));
        elf.Dispose();
    }

    private static string Binary(string which) => which switch
    {
        "pie" => TestBinaries.Pie,
        "exec" => TestBinaries.FixedAddress,
        _ => TestBinaries.Library,
    };
}
