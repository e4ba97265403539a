using Ktap.Bpf.Symbols;
using Ktap.Compiler.Events;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Tests.Probes;

/// <summary>USDT markers: the test program's hand-written notes and libstdc++'s, against readelf -n.</summary>
public sealed class UsdtTests
{
    private static readonly ContextField Ip = new("ip", 128, 8, FieldKind.Unsigned);

    [Fact]
    public void A_marker_attaches_at_its_file_offset_with_its_register_arguments()
    {
        var program = TestProgram.FixedAddress;
        var note = ElfOracle.UsdtNotes(program).Single(n => n.Name == "plain");
        Assert.Equal("-4@%edi", note.Arguments);

        var target = Scripts.Single($"trace sdt:{program}:ktap_test:plain {{ }}");
        Assert.Equal(new UprobeAttach(program, ElfOracle.OffsetOf(program, note.Location), false, null), target.Attach);
        Assert.Equal("plain", target.Target.ProbeName);
        Assert.Equal(ContextKind.Registers, target.Target.Kind);
        Assert.Equal([Ip, new("arg1", 112, 4, FieldKind.Signed)], target.Target.Arguments);
        Assert.Empty(target.Unsupported);
    }

    [Fact]
    public void A_semaphore_is_passed_as_its_file_offset()
    {
        var program = TestProgram.Pie;
        var note = ElfOracle.UsdtNotes(program).Single(n => n.Name == "counted");
        Assert.Equal("8@%rsi -2@%dx", note.Arguments);
        Assert.NotEqual(0UL, note.Semaphore);

        var target = Scripts.Single($"trace sdt:{program}:ktap_test:counted {{ }}");
        var expected = new UprobeAttach(program, ElfOracle.OffsetOf(program, note.Location), false, ElfOracle.OffsetOf(program, note.Semaphore));
        Assert.Equal(expected, target.Attach);
        Assert.Equal([Ip, new("arg1", 104, 8, FieldKind.Unsigned), new("arg2", 96, 2, FieldKind.Signed)], target.Target.Arguments);
    }

    [Fact]
    public void Arguments_stop_at_the_first_in_memory_or_constant()
    {
        var target = Scripts.Single($"trace sdt:{TestProgram.FixedAddress}:ktap_test:mixed {{ }}");
        Assert.Equal([Ip, new("arg1", 80, 4, FieldKind.Signed)], target.Target.Arguments);
        Assert.Equal(["arg2", "arg3"], target.Unsupported.Select(u => u.Name));
        Assert.Matches(@"^USDT argument arg2 is '8@\S*ktap_global\S*': arguments in memory are not supported yet$", target.WhyUnsupported("arg2"));
        Assert.Equal("USDT argument arg3 is '4@$5': constant arguments are not supported yet", target.WhyUnsupported("arg3"));
    }

    [Fact]
    public void A_marker_placed_twice_is_two_targets()
    {
        var program = TestProgram.FixedAddress;
        var targets = Scripts.Resolve($"trace sdt:{program}:twice {{ }}").Targets;
        var expected = ElfOracle.UsdtNotes(program).Where(n => n.Name == "twice").Select(n => ElfOracle.OffsetOf(program, n.Location));
        Assert.Equal(expected, targets.Select(t => ((UprobeAttach)t.Attach).Offset));
        Assert.Equal(2, targets.Count);
        Assert.All(targets, t => Assert.Equal([Ip], t.Target.Arguments));
    }

    [Fact]
    public void Globs_match_providers_and_names()
    {
        var program = TestProgram.FixedAddress;
        var notes = ElfOracle.UsdtNotes(program);
        Assert.Equal(notes.Count(n => n.Provider == "ktap_test"), Scripts.Resolve($"trace sdt:{program}:ktap_test:* {{ }}").Targets.Count);
        Assert.Equal(notes.Count, Scripts.Resolve($"trace sdt:{program}:* {{ }}").Targets.Count);
        Assert.Equal(["counted", "mixed"], Scripts.Resolve($"trace sdt:{program}:ktap_test:[cm]* {{ }}").Targets.Select(t => t.Target.ProbeName).Order());
    }

    [Fact]
    public void Libstdcxx_markers_are_found_by_library_name()
    {
        var library = SharedLibraries.Resolve("libstdc++.so.6");
        Assert.NotNull(library);
        var note = ElfOracle.UsdtNotes(library!).Single(n => n.Name == "throw");
        var target = Scripts.Single("trace sdt:libstdc++:libstdcxx:throw { }");
        Assert.Equal(new UprobeAttach(library!, ElfOracle.OffsetOf(library!, note.Location), false), target.Attach);
        Assert.Equal(1 + note.Arguments.Split(' ').Length, target.Target.Arguments.Count);
    }

    [Fact]
    public void An_unknown_marker_names_the_nearest()
    {
        var program = TestProgram.FixedAddress;
        var (message, at) = Scripts.Fails($"trace sdt:{program}:ktap_test:plian {{ }}");
        Assert.StartsWith($"no USDT marker 'ktap_test:plian' in {program}; did you mean ktap_test:plain", message);
        Assert.Equal($"sdt:{program}:ktap_test:plian", at);
        Assert.Equal($"no USDT marker in {program} matches 'nothing*'", Scripts.Fails($"trace sdt:{program}:nothing* {{ }}").Message);
    }

    [Fact]
    public void A_file_without_markers_says_so()
    {
        var libc = SharedLibraries.Resolve("libc.so.6")!;
        var (message, _) = Scripts.Fails($"trace sdt:{libc}:malloc {{ }}");
        Assert.Equal($"{libc} has no USDT markers (no .note.stapsdt section)", message);
    }

    [Theory]
    [InlineData("sdt:/bin/bash", "'sdt:/bin/bash' is not a USDT marker: write sdt:/path/bin:PROVIDER:NAME or sdt:/path/bin:NAME")]
    [InlineData("sdt:/bin/bash::x", "'sdt:/bin/bash::x' is not a USDT marker: write sdt:/path/bin:PROVIDER:NAME or sdt:/path/bin:NAME")]
    public void Malformed_markers_are_refused(string spec, string message) =>
        Assert.Equal(message, Scripts.Fails($"trace {spec} {{ }}").Message);
}
