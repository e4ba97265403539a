using Ktap.Compiler.Events;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Tests.Probes;

/// <summary>
/// <c>probe:FUNCTION</c> over a kallsyms the test writes (no root, and exact), then over the
/// machine's own. This kernel has no kprobes (CONFIG_KPROBES unset): resolving works anyway.
/// </summary>
public sealed class KprobeTests
{
    private const string Kallsyms = """
        ffffffff81000000 T _text
        ffffffff816b89e0 T __pfx_vfs_read
        ffffffff816b89f0 T vfs_read
        ffffffff816b9240 T vfs_write
        ffffffff816b9300 t vfs_readv
        ffffffff816b9400 t vfs_read_helper.cold
        ffffffff816b9500 t dup_static
        ffffffff816b9600 t dup_static
        ffffffff82000000 D vfs_data
        ffffffffc0000000 t bpf_prog_6deef7357e7b4530_vfs_read_prog	[bpf]
        """;

    private static readonly ProbeResolver Resolver = Scripts.WithKallsyms(Kallsyms);

    private static readonly ContextField Ip = new("ip", 128, 8, FieldKind.Unsigned);

    [Fact]
    public void A_function_entry_has_its_address_as_arg0()
    {
        var target = Scripts.Single("trace probe:vfs_read { }", Resolver);
        Assert.Equal(new KprobeAttach("vfs_read", IsReturn: false), target.Attach);
        Assert.Equal("vfs_read", target.Target.ProbeName);
        Assert.Equal(ContextKind.Registers, target.Target.Kind);
        Assert.Equal([Ip], target.Target.Arguments);
        Assert.Empty(target.Target.Fields);
    }

    [Fact]
    public void Fetch_args_follow_in_order_with_their_registers_and_types()
    {
        var target = Scripts.Single("trace probe:vfs_read fd=%di count=%dx:u32 $arg2 off=$arg4:s64 %r8:s8 buf=%rsi x=%ax:x16 { }", Resolver);
        ContextField[] fetched =
        [
            new("fd", 112, 8, FieldKind.Unsigned),
            new("count", 96, 4, FieldKind.Unsigned),
            new("arg2", 104, 8, FieldKind.Unsigned),
            new("off", 88, 8, FieldKind.Signed),
            new("r8", 72, 1, FieldKind.Signed),
            new("buf", 104, 8, FieldKind.Unsigned),
            new("x", 80, 2, FieldKind.Unsigned),
        ];
        Assert.Equal([Ip, .. fetched], target.Target.Arguments);
        Assert.Equal(fetched, target.Target.Fields);
    }

    [Fact]
    public void System_V_argument_registers_are_di_si_dx_cx_r8_r9()
    {
        var target = Scripts.Single("trace probe:vfs_read $arg1 $arg2 $arg3 $arg4 $arg5 $arg6 { }", Resolver);
        Assert.Equal([112, 104, 96, 88, 72, 64], target.Target.Fields.Select(f => f.Offset));
        Assert.Equal(["arg1", "arg2", "arg3", "arg4", "arg5", "arg6"], target.Target.Fields.Select(f => f.Name));
    }

    [Fact]
    public void A_return_probe_has_the_return_value_as_arg1()
    {
        var target = Scripts.Single("trace probe:vfs_read%return ret=$retval:s32 { }", Resolver);
        Assert.Equal(new KprobeAttach("vfs_read", IsReturn: true), target.Attach);
        Assert.Equal(
            [Ip, new ContextField("retval", 80, 8, FieldKind.Signed), new ContextField("ret", 80, 4, FieldKind.Signed)],
            target.Target.Arguments);
    }

    [Fact]
    public void A_glob_skips_padding_cold_parts_and_bpf_programs()
    {
        var targets = Scripts.Resolve("trace probe:*vfs_read* { }", Resolver).Targets;
        Assert.Equal(["vfs_read", "vfs_readv"], targets.Select(t => t.Target.ProbeName));
    }

    [Fact]
    public void A_glob_with_a_return_and_fetch_args_gives_each_function_the_same_layout()
    {
        var targets = Scripts.Resolve("trace probe:vfs_*%return $retval { }", Resolver).Targets;
        Assert.Equal(["vfs_read", "vfs_write", "vfs_readv"], targets.Select(t => ((KprobeAttach)t.Attach).Symbol));
        Assert.All(targets, t => Assert.True(((KprobeAttach)t.Attach).IsReturn));
        Assert.All(targets, t => Assert.Equal(3, t.Target.Arguments.Count));
    }

    [Fact]
    public void A_name_listed_twice_is_one_target()
    {
        Assert.Equal(new KprobeAttach("dup_static", false), Scripts.Single("trace probe:dup_static { }", Resolver).Attach);
        Assert.Single(Scripts.Resolve("trace probe:dup_* { }", Resolver).Targets);
    }

    [Fact]
    public void Two_specs_for_one_function_attach_once()
    {
        var targets = Scripts.Resolve("trace probe:vfs_read, probe:vfs_re* { }", Resolver).Targets;
        Assert.Equal(["vfs_read", "vfs_readv"], targets.Select(t => t.Target.ProbeName));
    }

    [Fact]
    public void An_unknown_function_names_the_nearest()
    {
        var (message, at) = Scripts.Fails("trace probe:vfs_raed { }", Resolver);
        Assert.Equal("unknown kernel function 'vfs_raed'; did you mean vfs_read, vfs_readv?", message);
        Assert.Equal("vfs_raed", at);
        Assert.Equal("'vfs_data' is a kernel symbol but not a function", Scripts.Fails("trace probe:vfs_data { }", Resolver).Message);
        Assert.Equal("no kernel function matches 'zzz*'", Scripts.Fails("trace probe:zzz* { }", Resolver).Message);
    }

    [Theory]
    [InlineData("probe:vfs_read +8(%si)", "+8(%si)", "memory dereferences are not supported yet")]
    [InlineData("probe:vfs_read p=+0(%si):string", "p=+0(%si):string", "memory dereferences are not supported yet")]
    [InlineData("probe:vfs_read p=%si:string", "p=%si:string", "the type 'string' is not supported yet (supported: u8..u64, s8..s64, x8..x64)")]
    [InlineData("probe:vfs_read %di:u128", "%di:u128", "unknown type 'u128' (supported: u8, u16, u32, u64, s8, s16, s32, s64, x8..x64)")]
    [InlineData("probe:vfs_read $retval", "$retval", "$retval is the return value: it exists only in a %return probe")]
    [InlineData("probe:vfs_read%return $arg1", "$arg1", "$arg1 is not available in a %return probe yet: the argument registers have been reused by then")]
    [InlineData("probe:vfs_read $arg7", "$arg7", "$arg7 is passed on the stack (System V passes six arguments in registers): not supported yet")]
    [InlineData("probe:vfs_read $arg0", "$arg0", "function arguments count from $arg1")]
    [InlineData("probe:vfs_read $stack", "$stack", "$stack is not supported yet (supported: %REG, $argN, $retval)")]
    [InlineData("probe:vfs_read @jiffies", "@jiffies", "reading memory at a symbol is not supported yet")]
    [InlineData("probe:vfs_read count", "count", "variables by name need the function's debug info: not supported; use %REG or $argN")]
    [InlineData("probe:vfs_read 1x=%di", "1x=%di", "'1x' is not a name: a fetch arg is NAME=VALUE with NAME a letter or '_' then letters, digits or '_'")]
    [InlineData("probe:vfs_read x=%di x=%si", "x=%si", "the name 'x' is used twice; name the fetch args apart (name=%REG)")]
    [InlineData("probe:vfs_read %return", "%return", "'%return' goes right after the function, without a space: probe:FUNCTION%return")]
    public void Fetch_args_ktap_cannot_read_are_named_in_the_error(string spec, string fetchArg, string why)
    {
        var (message, at) = Scripts.Fails($"trace {spec} {{ }}", Resolver);
        Assert.Equal($"fetch arg '{fetchArg}': {why}", message);
        Assert.Equal(fetchArg, at);
    }

    [Fact]
    public void An_unknown_register_lists_the_known_ones()
    {
        var (message, at) = Scripts.Fails("trace probe:vfs_read %eax { }", Resolver);
        Assert.StartsWith("fetch arg '%eax': unknown register '%eax'; x86-64 pt_regs has ax, bp, bx, cs, cx, di, dx, flags, ip, orig_ax, r10,", message);
        Assert.Equal("%eax", at);
    }

    [Theory]
    [InlineData("probe:vfs_read%retrun", "%retrun", "unknown suffix '%retrun' in 'vfs_read%retrun': the only one is %return")]
    [InlineData("probe: vfs_read", "probe: vfs_read", "expected a function right after 'probe:', as probe:vfs_read or probe:/bin/bash:readline")]
    [InlineData("probe:/bin/bash", "/bin/bash", "'/bin/bash' needs a function: probe:/bin/bash:FUNCTION or probe:/bin/bash:0xOFFSET")]
    [InlineData("probe:/bin/bash:", "/bin/bash:", "'/bin/bash:' is not a user probe: write probe:/path/bin:FUNCTION or probe:/path/bin:0xOFFSET")]
    public void Malformed_probe_specs_are_refused(string spec, string at, string message)
    {
        var error = Scripts.Fails($"trace {spec} {{ }}", Resolver);
        Assert.Equal((message, at), error);
    }

    [KernelFact]
    public void Kernel_functions_come_from_kallsyms()
    {
        var target = Scripts.Single("trace probe:vfs_read count=%dx { }");
        Assert.Equal(new KprobeAttach("vfs_read", false), target.Attach);
        Assert.Equal([Ip, new ContextField("count", 96, 8, FieldKind.Unsigned)], target.Target.Arguments);

        var expected = File.ReadLines("/proc/kallsyms")
            .Select(l => l.Split([' ', '\t']))
            .Where(p => p[1] is "t" or "T" or "w" or "W" && p[2].StartsWith("vfs_", StringComparison.Ordinal) && !p[2].Contains(".cold", StringComparison.Ordinal))
            .Select(p => p[2])
            .Distinct()
            .Order(StringComparer.Ordinal);
        var targets = Scripts.Resolve("trace probe:vfs_* { }").Targets;
        Assert.Equal(expected, targets.Select(t => t.Target.ProbeName).Order(StringComparer.Ordinal));
        Assert.Contains(targets, t => t.Target.ProbeName == "vfs_write");
    }

    [KernelFact]
    public void An_unknown_kernel_function_suggests_real_ones()
    {
        var (message, _) = Scripts.Fails("trace probe:vfs_wirte { }");
        Assert.StartsWith("unknown kernel function 'vfs_wirte'; did you mean vfs_write", message);
    }
}
