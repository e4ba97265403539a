using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Ktap.Bpf.Symbols;

namespace Ktap.Bpf.Tests.Symbols;

public sealed class ProcessMapsTests
{
    private const string Sample = """
        555555554000-555555556000 r--p 00000000 fe:01 1234                       /usr/bin/my program
        555555556000-555555558000 r-xp 00002000 fe:01 1234                       /usr/bin/my program
        555555559000-55555557a000 rw-p 00000000 00:00 0                          [heap]
        7ffff7c00000-7ffff7c28000 r--p 00000000 fe:01 5678                       /usr/lib/x86_64-linux-gnu/libc.so.6
        7ffff7c28000-7ffff7dbd000 r-xp 00028000 fe:01 5678                       /usr/lib/x86_64-linux-gnu/libc.so.6
        7ffff7e00000-7ffff7e10000 rwxp 00000000 00:00 0 
        7ffff7f00000-7ffff7f01000 r-xp 00001000 fe:01 9999                       /tmp/replaced.so (deleted)
        7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0                          [vdso]
        """;

    [Fact]
    public void Parses_every_field()
    {
        var maps = ProcessMaps.Parse(Sample, 42);
        Assert.Equal(8, maps.Mappings.Count);
        Assert.Equal(
            new ProcessMapping(0x555555556000, 0x555555558000, "r-xp", 0x2000, "fe:01", 1234, "/usr/bin/my program"),
            maps.Mappings[1]);
        Assert.True(maps.Mappings[1].IsExecutable);
        Assert.True(maps.Mappings[1].IsFile);
        Assert.Equal("/usr/bin/my program", maps.Mappings[1].FilePath);

        Assert.Equal("[heap]", maps.Mappings[2].Path);
        Assert.False(maps.Mappings[2].IsFile);
        Assert.Null(maps.Mappings[5].Path);
        Assert.True(maps.Mappings[6].IsDeleted);
        Assert.Equal("/tmp/replaced.so", maps.Mappings[6].FilePath);
        Assert.Equal("[vdso]", maps.Mappings[7].Path);
    }

    [Theory]
    [InlineData(0x555555553fffUL, -1)]
    [InlineData(0x555555554000UL, 0)]
    [InlineData(0x555555557fffUL, 1)]
    [InlineData(0x555555558000UL, -1)]
    [InlineData(0x7ffff7c30000UL, 4)]
    [InlineData(0x7ffff7fc2fffUL, 7)]
    [InlineData(0xffffffffffffffffUL, -1)]
    public void Finds_the_mapping_of_an_address(ulong address, int index)
    {
        var maps = ProcessMaps.Parse(Sample, 42);
        Assert.Equal(index < 0 ? null : maps.Mappings[index], maps.FindMapping(address));
    }

    [Fact]
    public void Anonymous_memory_resolves_to_a_bare_address()
    {
        var maps = ProcessMaps.Parse(Sample, 42);
        var anonymous = maps.Resolve(0x7ffff7e00010);
        Assert.Null(anonymous.FileOffset);
        Assert.Null(anonymous.Symbol);
        Assert.Equal("0x7ffff7e00010", anonymous.ToString());
        Assert.Null(maps.Resolve(0x1000).Mapping);
    }

    [Fact]
    public void Finds_mapped_files_by_name()
    {
        var maps = ProcessMaps.Parse(Sample, 42);
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libc.so.6", maps.FindMappedFile("libc.so.6"));
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libc.so.6", maps.FindMappedFile("libc"));
        Assert.Equal("/usr/bin/my program", maps.FindMappedFile("/usr/bin/my program"));
        Assert.Null(maps.FindMappedFile("libm"));
    }

    [Theory]
    [InlineData("555555554000 r--p 00000000 fe:01 1234 /bin/x")]
    [InlineData("555555554000-555555556000 r--p")]
    [InlineData("55555555400g-555555556000 r--p 00000000 fe:01 1234 /bin/x")]
    public void Malformed_lines_are_rejected(string line)
    {
        var error = Assert.Throws<InvalidDataException>(() => ProcessMaps.Parse(line, 7));
        Assert.StartsWith("/proc/7/maps:1: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_libc_function_of_this_process_resolves_to_its_name()
    {
        var getpid = (ulong)NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "getpid");
        var maps = ProcessMaps.ReadSelf();
        var resolved = maps.Resolve(getpid);

        Assert.NotNull(resolved.Symbol);
        Assert.Equal("getpid", resolved.Symbol.Value.Symbol.Name);
        Assert.Equal(0UL, resolved.Symbol.Value.Offset);
        Assert.EndsWith("/libc.so.6", resolved.Mapping?.FilePath, StringComparison.Ordinal);
        Assert.Equal($"getpid+0x0 ({resolved.Mapping!.FilePath})", resolved.ToString());

        using var libc = ElfFile.Open(resolved.Mapping.FilePath!);
        var symbol = libc.FindFunction("getpid")!.Value;
        Assert.Equal(libc.FileOffsetOf(symbol), resolved.FileOffset);
        Assert.Equal(symbol.Value, resolved.LinkAddress);
        Assert.Equal(getpid - symbol.Value, resolved.LoadBias);
        Assert.Equal(resolved.Mapping.FilePath, maps.FindMappedFile("libc.so.6"));

        var inside = maps.Resolve(getpid + 2);
        Assert.Equal("getpid+0x2", inside.Symbol.ToString());
    }

    [Theory]
    [InlineData("pie")]
    [InlineData("exec")]
    public void Functions_of_another_process_resolve_with_its_load_bias(string which)
    {
        var path = which == "pie" ? TestBinaries.Pie : TestBinaries.FixedAddress;
        using var child = Waiting.Start(path);
        var maps = ProcessMaps.Read(child.Process.Id);
        using var elf = ElfFile.Open(path);
        var symbol = elf.FindFunction("target_function")!.Value;

        var resolved = maps.Resolve(child.TargetFunction);
        Assert.Equal("target_function+0x0", resolved.Symbol.ToString());
        Assert.Equal(path, resolved.Mapping?.FilePath);
        Assert.Equal(elf.FileOffsetOf(symbol), resolved.FileOffset);
        Assert.Equal(which == "pie" ? child.TargetFunction - symbol.Value : 0, resolved.LoadBias);
        Assert.Equal("second_function+0x5", maps.Resolve(child.SecondFunction + 5).Symbol.ToString());
    }

    [KernelFact]
    public void A_deleted_file_still_resolves_through_map_files()
    {
        // Reading /proc/PID/map_files needs CAP_SYS_ADMIN.
        var copy = Path.Combine(Path.GetTempPath(), $"ktap-deleted-{Environment.ProcessId}");
        File.Copy(TestBinaries.Pie, copy, overwrite: true);
        using var child = Waiting.Start(copy);
        File.Delete(copy);

        using var cache = new ElfFileCache();
        var resolved = ProcessMaps.Read(child.Process.Id, cache).Resolve(child.TargetFunction);
        Assert.True(resolved.Mapping?.IsDeleted);
        Assert.Equal(copy, resolved.Mapping?.FilePath);
        Assert.Equal("target_function+0x0", resolved.Symbol.ToString());
    }

    [Fact]
    public void Reading_a_process_that_does_not_exist_says_so() =>
        Assert.Throws<FileNotFoundException>(() => ProcessMaps.Read(int.MaxValue));

    /// <summary>A test program started with "wait": it prints where its functions are and waits for stdin to close.</summary>
    private sealed class Waiting : IDisposable
    {
        private Waiting(Process process, ulong target, ulong second)
        {
            Process = process;
            TargetFunction = target;
            SecondFunction = second;
        }

        public Process Process { get; }

        public ulong TargetFunction { get; }

        public ulong SecondFunction { get; }

        public static Waiting Start(string path)
        {
            var start = new ProcessStartInfo(path, "wait") { RedirectStandardInput = true, RedirectStandardOutput = true };
            var process = Process.Start(start)!;
            var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"{path} printed nothing");
            var addresses = line.Split(' ').Select(a => ulong.Parse(a.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
            return new Waiting(process, addresses[0], addresses[1]);
        }

        public void Dispose()
        {
            Process.StandardInput.Close();
            Process.WaitForExit();
            Process.Dispose();
        }
    }
}
