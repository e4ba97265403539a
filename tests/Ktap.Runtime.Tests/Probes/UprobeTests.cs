using Ktap.Bpf.Symbols;
using Ktap.Compiler.Events;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Tests.Probes;

/// <summary>User functions: offsets checked against nm and readelf. Reading ELF files needs no root.</summary>
public sealed class UprobeTests
{
    private static readonly ContextField Ip = new("ip", 128, 8, FieldKind.Unsigned);

    [Fact]
    public void A_function_of_bin_bash_attaches_at_its_file_offset()
    {
        var target = Scripts.Single("trace probe:/bin/bash:readline { }");
        Assert.Equal(new UprobeAttach("/bin/bash", ElfOracle.FunctionOffset("/bin/bash", "readline", dynamic: true), IsReturn: false), target.Attach);
        Assert.Equal("readline", target.Target.ProbeName);
        Assert.Equal(ContextKind.Registers, target.Target.Kind);
        Assert.Equal([Ip], target.Target.Arguments);
    }

    [Theory]
    [InlineData("libc.so.6")]
    [InlineData("libc")]
    public void A_library_name_is_found_as_the_dynamic_loader_would(string name)
    {
        var libc = SharedLibraries.Resolve("libc.so.6")!;
        var target = Scripts.Single($"trace probe:{name}:malloc {{ }}");
        Assert.Equal(new UprobeAttach(libc, ElfOracle.FunctionOffset(libc, "malloc", dynamic: true), false), target.Attach);
    }

    [Fact]
    public void A_program_name_is_found_on_PATH()
    {
        var attach = (UprobeAttach)Scripts.Single("trace probe:bash:readline { }").Attach;
        Assert.Equal("bash", Path.GetFileName(attach.Path));
        Assert.True(Path.IsPathRooted(attach.Path));
    }

    [Fact]
    public void The_file_offset_is_not_the_address_in_a_fixed_address_executable()
    {
        var program = TestProgram.FixedAddress;
        var target = Scripts.Single($"trace probe:{program}:target_function {{ }}");
        var offset = ElfOracle.FunctionOffset(program, "target_function");
        Assert.Equal(new UprobeAttach(program, offset, false), target.Attach);

        using var elf = ElfFile.Open(program);
        Assert.NotEqual(elf.FindFunction("target_function")!.Value.Value, offset);
    }

    [Fact]
    public void A_return_probe_with_fetch_args()
    {
        var program = TestProgram.Pie;
        var target = Scripts.Single($"trace probe:{program}:second_function%return r=$retval:s64 low=%ax:u8 {{ }}");
        Assert.Equal(new UprobeAttach(program, ElfOracle.FunctionOffset(program, "second_function"), IsReturn: true), target.Attach);
        Assert.Equal(
            [Ip, new("retval", 80, 8, FieldKind.Signed), new("r", 80, 8, FieldKind.Signed), new("low", 80, 1, FieldKind.Unsigned)],
            target.Target.Arguments);
        Assert.Equal(["r", "low"], target.Target.Fields.Select(f => f.Name));
    }

    [Fact]
    public void A_glob_expands_over_the_files_functions()
    {
        var program = TestProgram.FixedAddress;
        var targets = Scripts.Resolve($"trace probe:{program}:*_function {{ }}").Targets;
        Assert.Equal(["second_function", "target_function"], targets.Select(t => t.Target.ProbeName).Order(StringComparer.Ordinal));
        Assert.All(targets, t => Assert.Equal(ElfOracle.FunctionOffset(program, t.Target.ProbeName), ((UprobeAttach)t.Attach).Offset));
    }

    [Fact]
    public void A_hex_offset_is_a_file_offset_named_after_its_function()
    {
        var program = TestProgram.FixedAddress;
        var offset = ElfOracle.FunctionOffset(program, "target_function");
        var target = Scripts.Single($"trace probe:{program}:0x{offset:x} {{ }}");
        Assert.Equal(new UprobeAttach(program, offset, false), target.Attach);
        Assert.Equal("target_function", target.Target.ProbeName);

        var inside = Scripts.Single($"trace probe:{program}:0x{offset + 1:X}%return {{ }}");
        Assert.Equal(new UprobeAttach(program, offset + 1, true), inside.Attach);
        Assert.Equal("target_function+0x1", inside.Target.ProbeName);
    }

    [Fact]
    public void A_hex_offset_outside_the_code_is_refused()
    {
        var (message, at) = Scripts.Fails($"trace probe:{TestProgram.FixedAddress}:0x0 {{ }}");
        Assert.Equal($"file offset 0x0 is not in an executable segment of {TestProgram.FixedAddress}", message);
        Assert.Equal("0x0", at);
        Assert.Equal("'0xzz' is not a hexadecimal file offset", Scripts.Fails($"trace probe:{TestProgram.FixedAddress}:0xzz {{ }}").Message);
    }

    [Fact]
    public void An_unknown_function_names_the_nearest()
    {
        var program = TestProgram.FixedAddress;
        var (message, at) = Scripts.Fails($"trace probe:{program}:target_functoin {{ }}");
        Assert.Equal($"no function 'target_functoin' in {program}; did you mean target_function?", message);
        Assert.Equal("target_functoin", at);
        Assert.Equal($"no function in {program} matches 'nothing*'", Scripts.Fails($"trace probe:{program}:nothing* {{ }}").Message);
    }

    [Fact]
    public void Files_that_are_missing_or_not_ELF_are_named()
    {
        var (message, at) = Scripts.Fails("trace probe:/nonexistent/bin:main { }");
        Assert.Equal(("no such file '/nonexistent/bin'", "/nonexistent/bin"), (message, at));
        Assert.StartsWith("cannot find 'libktapnothere': no library of that name", Scripts.Fails("trace probe:libktapnothere:f { }").Message);
        Assert.Equal("'/etc/passwd' is not a 64-bit ELF file, or cannot be read", Scripts.Fails("trace probe:/etc/passwd:main { }").Message);
    }
}
