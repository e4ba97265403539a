using Ktap.Bpf.Symbols;

namespace Ktap.Bpf.Tests.Symbols;

public sealed class SharedLibrariesTests
{
    [Fact]
    public void Finds_libc_where_ldconfig_says_it_is()
    {
        var expected = LdconfigEntries().First(e => e.Name == "libc.so.6").Path;
        Assert.Equal(expected, SharedLibraries.Resolve("libc.so.6"));
    }

    [Fact]
    public void The_cache_reads_as_ldconfig_prints_it()
    {
        // ldconfig -p lists every entry; this machine's (x86-64) ones are what Resolve searches.
        var expected = LdconfigEntries().ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, SharedLibraries.ReadCache());
    }

    [Fact]
    public void A_short_name_finds_the_library()
    {
        var libc = SharedLibraries.Resolve("libc.so.6");
        Assert.Equal(libc, SharedLibraries.Resolve("libc"));
    }

    [Fact]
    public void The_library_path_comes_before_the_cache()
    {
        var directory = Directory.CreateTempSubdirectory("ktap-libs-");
        try
        {
            var copy = Path.Combine(directory.FullName, "libc.so.6");
            File.Copy(TestBinaries.Library, copy);
            Assert.Equal(copy, SharedLibraries.Resolve("libc.so.6", $"/nonexistent:{directory.FullName}", SharedLibraries.CachePath, []));

            // A short name finds "name.so" in a directory.
            var development = Path.Combine(directory.FullName, "libfoo.so");
            File.Copy(TestBinaries.Library, development);
            Assert.Equal(development, SharedLibraries.Resolve("libfoo", directory.FullName, "/nonexistent", []));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Default_directories_are_searched_last_and_only_elf_counts()
    {
        var directory = Directory.CreateTempSubdirectory("ktap-libs-");
        try
        {
            var library = Path.Combine(directory.FullName, "libktaptest.so");
            File.Copy(TestBinaries.Library, library);
            File.WriteAllText(Path.Combine(directory.FullName, "libscript.so"), "/* GNU ld script */ INPUT(libc.so.6)");
            Assert.Equal(library, SharedLibraries.Resolve("libktaptest.so", null, "/nonexistent", [directory.FullName]));
            Assert.Equal(library, SharedLibraries.Resolve("libktaptest", null, "/nonexistent", [directory.FullName]));
            Assert.Null(SharedLibraries.Resolve("libscript.so", null, "/nonexistent", [directory.FullName]));
            Assert.Null(SharedLibraries.Resolve("libnothing.so.1"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_path_is_taken_as_it_is()
    {
        Assert.Equal(TestBinaries.Library, SharedLibraries.Resolve(TestBinaries.Library));
        Assert.Null(SharedLibraries.Resolve("/nonexistent/libc.so.6"));
    }

    [Fact]
    public void An_unknown_cache_format_reads_as_empty()
    {
        Assert.Empty(SharedLibraries.ParseCache("not a cache"u8));
        Assert.Empty(SharedLibraries.ParseCache([]));
    }

    /// <summary>"\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6", this machine's entries only.</summary>
    private static IEnumerable<(string Name, string Path)> LdconfigEntries()
    {
        var ldconfig = File.Exists("/sbin/ldconfig") ? "/sbin/ldconfig" : "ldconfig";
        foreach (var line in Tool.Run(ldconfig, "-p").Split('\n'))
        {
            var arrow = line.IndexOf(" => ", StringComparison.Ordinal);
            var open = line.IndexOf(" (", StringComparison.Ordinal);
            if (arrow > 0 && open > 0 && line[open..arrow].Contains("x86-64", StringComparison.Ordinal))
            {
                yield return (line[..open].Trim(), line[(arrow + 4)..].Trim());
            }
        }
    }
}
