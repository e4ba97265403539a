using Ktap.Compiler.Events;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Tests.Probes;

/// <summary>Argument specs as gcc prints them into SDT notes, register by register.</summary>
public sealed class UsdtArgumentTests
{
    [Theory]
    [InlineData("8@%rax", 80, 8, FieldKind.Unsigned)]
    [InlineData("-4@%edi", 112, 4, FieldKind.Signed)]
    [InlineData("-2@%si", 104, 2, FieldKind.Signed)]
    [InlineData("1@%dil", 112, 1, FieldKind.Unsigned)]
    [InlineData("-1@%ah", 81, 1, FieldKind.Signed)]
    [InlineData("4@%r8d", 72, 4, FieldKind.Unsigned)]
    [InlineData("2@%r15w", 0, 2, FieldKind.Unsigned)]
    [InlineData("1@%r12b", 24, 1, FieldKind.Unsigned)]
    [InlineData("8@%rbp", 32, 8, FieldKind.Unsigned)]
    [InlineData("8@%rsp", 152, 8, FieldKind.Unsigned)]
    [InlineData("-8@%edx", 96, 4, FieldKind.Signed)]
    [InlineData("%rcx", 88, 8, FieldKind.Unsigned)]
    public void Register_operands_read_their_pt_regs_slot(string spec, int offset, int size, FieldKind kind)
    {
        var (arguments, unsupported) = UsdtArguments.Parse(spec);
        Assert.Empty(unsupported);
        Assert.Equal(new ContextField("arg1", offset, size, kind), arguments[1]);
        Assert.Equal(new ContextField("ip", 128, 8, FieldKind.Unsigned), arguments[0]);
    }

    [Theory]
    [InlineData("-4@-20(%rbp)", "arguments in memory are not supported yet")]
    [InlineData("8@(%rax,%rbx,8)", "arguments in memory are not supported yet")]
    [InlineData("8@%fs:16", "arguments in memory are not supported yet")]
    [InlineData("4@$5", "constant arguments are not supported yet")]
    [InlineData("8@%xmm0", "register '%xmm0' is not in pt_regs (floating-point and vector registers are not supported)")]
    [InlineData("3@%eax", "the size '3' is not supported (1, 2, 4 or 8 bytes, negative for signed)")]
    public void Other_operands_are_listed_with_the_reason(string spec, string reason)
    {
        var (arguments, unsupported) = UsdtArguments.Parse($"8@%rdi {spec} 8@%rsi");
        Assert.Equal(["ip", "arg1"], arguments.Select(a => a.Name));
        Assert.Equal(
            [new UnsupportedValue("arg2", 2, $"USDT argument arg2 is '{spec}': {reason}"), new UnsupportedValue("arg3", 3, "USDT argument arg3 comes after an unsupported one")],
            unsupported);
    }
}
