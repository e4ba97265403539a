using System.Globalization;
using System.Text;
using Ktap.Bpf.Symbols;

namespace Ktap.Bpf.Tests.Symbols;

public sealed class KernelSymbolsTests
{
    /// <summary>
    /// The shape of /proc/kallsyms: vmlinux sorted, aliases at one address, then modules in their
    /// own order (not sorted), and a data symbol.
    /// </summary>
    private const string Sample = """
        ffffffff81000000 T _stext
        ffffffff81000000 T _text
        ffffffff81000100 t helper
        ffffffff81000180 T vfs_read
        ffffffff81000200 T vfs_write
        ffffffff81000300 W weak_function
        ffffffff82000000 D some_data
        ffffffffc0002000 t mod_b_function	[mod_b]
        ffffffffc0001000 t mod_a_function	[mod_a]
        ffffffffc0001000 T init_module	[mod_a]
        ffffffffc0001800 d mod_a_data	[mod_a]

        """;

    [Fact]
    public void Sorts_by_address_and_keeps_aliases_in_file_order()
    {
        var table = Parse(Sample);
        var names = Enumerable.Range(0, table.Count).Select(i => table[i].Name).ToArray();
        Assert.Equal(
            ["_stext", "_text", "helper", "vfs_read", "vfs_write", "weak_function", "some_data", "mod_a_function", "init_module", "mod_a_data", "mod_b_function"],
            names);
        Assert.Equal(["mod_b", "mod_a"], table.Modules);
        Assert.False(table.AddressesHidden);
    }

    [Theory]
    [InlineData(0xffffffff81000180, "vfs_read+0x0/0x80")]
    [InlineData(0xffffffff81000190, "vfs_read+0x10/0x80")]
    [InlineData(0xffffffff810001ff, "vfs_read+0x7f/0x80")]
    [InlineData(0xffffffff81000000, "_stext+0x0/0x100")]
    [InlineData(0xffffffff81000010, "_stext+0x10/0x100")]
    [InlineData(0xffffffffc0001004, "mod_a_function+0x4/0x800 [mod_a]")]
    [InlineData(0xffffffffc0002010, "mod_b_function+0x10/0x0 [mod_b]")]
    public void Resolves_an_address_as_the_kernel_prints_it(ulong address, string expected) =>
        Assert.Equal(expected, Parse(Sample).Resolve(address).ToString());

    [Fact]
    public void An_address_below_every_symbol_resolves_to_nothing()
    {
        var table = Parse(Sample);
        Assert.Null(table.Resolve(0xffffffff80000000));
        Assert.Equal("0xffffffff80000000", table.Format(0xffffffff80000000));
    }

    [Fact]
    public void Looks_names_up()
    {
        var table = Parse(Sample);
        Assert.Equal(0xffffffff81000200UL, table.Lookup("vfs_write"));
        Assert.Null(table.Lookup("vfs_open"));
        Assert.Equal(new KernelSymbol("mod_a_function", 0xffffffffc0001000, 't', "mod_a"), table.Find("mod_a_function"));
        Assert.Null(table.Find("mod_a_function", "mod_b"));
        Assert.Equal(0xffffffffc0001000UL, table.Find("init_module", "mod_a")?.Address);
    }

    [Fact]
    public void Finds_every_symbol_of_a_shared_name()
    {
        var table = Parse("""
            ffffffff81000100 t init_once
            ffffffff81000200 T other
            ffffffff81000300 t init_once
            """);
        Assert.Equal([0xffffffff81000100UL, 0xffffffff81000300UL], table.FindAll("init_once").Select(s => s.Address));
        Assert.Equal(0xffffffff81000100UL, table.Lookup("init_once"));
    }

    [Fact]
    public void Globs_match_functions_unless_data_is_asked_for()
    {
        var table = Parse(Sample);
        Assert.Equal(["vfs_read", "vfs_write"], table.Match("vfs_*").Select(s => s.Name));
        Assert.Equal(["mod_a_function", "mod_b_function"], table.Match("mod_*").Select(s => s.Name));
        Assert.Equal(["mod_a_function", "mod_a_data", "mod_b_function"], table.Match("mod_*", functionsOnly: false).Select(s => s.Name));
        Assert.Equal(["weak_function"], table.Match("weak_function").Select(s => s.Name));
        Assert.Empty(table.Match("some_data"));
    }

    [Fact]
    public void Hidden_addresses_are_reported_not_used()
    {
        var table = Parse("""
            0000000000000000 T _stext
            0000000000000000 T vfs_read
            0000000000000000 t helper	[mod]
            """);
        Assert.True(table.AddressesHidden);
        var error = Assert.Throws<InvalidOperationException>(() => table.Resolve(0x1234));
        Assert.Contains("every kernel address as 0", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => table.Lookup("vfs_read"));

        // Names alone still expand globs: a kprobe attaches by name.
        Assert.Equal(["vfs_read"], table.Match("vfs_*").Select(s => s.Name));
    }

    [Theory]
    [InlineData("ffffffff8100000g T bad\n", 1)]
    [InlineData("ffffffff81000000 T good\nffffffff81000000T bad\n", 2)]
    [InlineData("ffffffff81000000 T good\n\nffffffff81000000 T \n", 3)]
    [InlineData("ffffffff81000000 t name\t(mod)\n", 1)]
    [InlineData("1ffffffff81000000 T too_long\n", 1)]
    public void Malformed_lines_are_rejected_with_their_line_number(string text, int line)
    {
        var error = Assert.Throws<InvalidDataException>(() => Parse(text));
        Assert.StartsWith($"test:{line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_table_is_empty()
    {
        var table = Parse(string.Empty);
        Assert.Equal(0, table.Count);
        Assert.False(table.AddressesHidden);
        Assert.Null(table.Resolve(0xffffffff81000000));
    }

    [KernelFact]
    public void The_address_of_vfs_read_resolves_to_vfs_read()
    {
        var (address, size) = FromKallsyms("vfs_read");
        var table = KernelSymbols.Shared;
        Assert.False(table.AddressesHidden, "/proc/kallsyms shows no addresses to root: is kernel.kptr_restrict 2?");
        Assert.Equal(address, table.Lookup("vfs_read"));
        Assert.Equal($"vfs_read+0x0/0x{size:x}", table.Format(address));

        var middle = size / 2;
        var resolved = table.Resolve(address + middle);
        Assert.NotNull(resolved);
        Assert.Equal("vfs_read", resolved.Value.Symbol.Name);
        Assert.Equal(middle, resolved.Value.Offset);
        Assert.Equal($"vfs_read+0x{middle:x}/0x{size:x}", resolved.ToString());
    }

    [KernelFact]
    public void The_running_kernel_table_has_every_text_symbol()
    {
        // Loading and freeing BPF programs adds and removes kallsyms entries (freeing is deferred
        // by RCU, so it can land after a test ends): compare a fresh load with readings taken just
        // before and after it, and read again if the table changed in between.
        string[] lines;
        KernelSymbols table;
        var attempts = 0;
        do
        {
            lines = File.ReadAllLines(KernelSymbols.DefaultPath);
            table = KernelSymbols.Load();
        }
        while (File.ReadAllLines(KernelSymbols.DefaultPath).Length != lines.Length && ++attempts < 5);

        Assert.Equal(lines.Length, table.Count);
        Assert.True(table.Count > 10_000);

        var vfs = table.Match("vfs_*");
        Assert.Contains(vfs, s => s.Name == "vfs_read");
        Assert.Contains(vfs, s => s.Name == "vfs_write");
        Assert.All(vfs, s => Assert.StartsWith("vfs_", s.Name, StringComparison.Ordinal));
        var expected = lines.Select(l => l.Split([' ', '\t']))
            .Count(f => f[2].StartsWith("vfs_", StringComparison.Ordinal) && f[1] is "t" or "T" or "w" or "W");
        Assert.Equal(expected, vfs.Count);
    }

    /// <summary>A symbol's address and its distance to the next higher address, read from kallsyms by other means.</summary>
    private static (ulong Address, ulong Size) FromKallsyms(string name)
    {
        var addresses = File.ReadLines(KernelSymbols.DefaultPath)
            .Select(line => line.Split([' ', '\t']))
            .Select(f => (Address: ulong.Parse(f[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), Name: f[2]))
            .ToList();
        var address = addresses.Single(s => s.Name == name).Address;
        var next = addresses.Where(s => s.Address > address).Min(s => s.Address);
        return (address, next - address);
    }

    private static KernelSymbols Parse(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return KernelSymbols.Parse(bytes, bytes.Length, "test");
    }
}
