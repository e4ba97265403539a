using Ktap.Bpf.Tracing;
using Ktap.Bpf.Tracing.Output;

namespace Ktap.Bpf.Tests.Tracing.Output;

/// <summary>The argument expressions' C semantics, evaluated without a kernel.</summary>
public sealed class PrintExpressionTests
{
    private static readonly EventFormat Fields = TestEvent.Format(
        "\"\"",
        "s8 small;8;1;1",
        "u16 port;10;2;0",
        "int count;12;4;1",
        "unsigned int mask;16;4;0",
        "long delta;24;8;1",
        "bool armed;32;1;0",
        "char comm[8];33;8;0",
        "unsigned long args[2];48;16;0",
        "__data_loc char[] name;64;4;0",
        "__rel_loc u8[] blob;68;4;0");

    [Theory]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("1 << 2 + 1", 8)]
    [InlineData("6 & 3 == 3", 0)]
    [InlineData("6 & (3 == 3) | 8", 8)]
    [InlineData("1 | 6 ^ 3 & 5", 7)]
    [InlineData("10 - 4 - 3", 3)]
    [InlineData("64 / 4 / 2", 8)]
    [InlineData("7 % 4 * 2", 6)]
    [InlineData("1 < 2 == 1", 1)]
    [InlineData("0 || 2 && 3", 1)]
    [InlineData("!0 + ~0", 0)]
    [InlineData("-7 / 2", -3)]
    [InlineData("-7 % 2", -1)]
    [InlineData("1 ? 2 : 3", 2)]
    [InlineData("0 ? 1 : 0 ? 2 : 3", 3)]
    [InlineData("1 ? 0 ? 4 : 5 : 6", 5)]
    [InlineData("0x10 + 010 + 'A'", 16 + 8 + 65)]
    [InlineData("sizeof(u64) + sizeof(unsigned int) + sizeof(char)", 13)]
    [InlineData("({ int a = (5); int b = (3); ((a) < (b) ? (a) : (b)); })", 3)]
    [InlineData("({ int a = (2); ({ int b = (a * 10); b + a; }); })", 22)]
    public void OperatorsFollowCPrecedenceAndAssociativity(string expression, long expected) =>
        Assert.Equal(expected, (long)Evaluate(expression).Bits);

    [Theory]
    [InlineData("(unsigned char)0x1ff", 0xff)]
    [InlineData("(signed char)0xff", -1)]
    [InlineData("(short)70000", 4464)]
    [InlineData("(int)0x80000000", int.MinValue)]
    [InlineData("(u32)-1", uint.MaxValue)]
    [InlineData("(bool)256", 1)]
    [InlineData("(unsigned long)(int)-1", -1)]
    [InlineData("(unsigned long)(unsigned int)-1", uint.MaxValue)]
    [InlineData("(long)-1U", uint.MaxValue)]
    [InlineData("( gfp_t)((((1UL))) << (10))", 1024)]
    [InlineData("(xfs_ino_t)-1", -1)]
    public void CastsTruncateAndExtendAsC(string expression, long expected) =>
        Assert.Equal(expected, (long)Evaluate(expression).Bits);

    [Theory]
    [InlineData("-1 < 1U", 0)]
    [InlineData("-1L < 1U", 1)]
    [InlineData("-1 < 1", 1)]
    [InlineData("(unsigned char)200 + (unsigned char)100", 300)]
    [InlineData("0xffffffff + 1", 0)]
    [InlineData("0xffffffffL + 1", 0x100000000)]
    [InlineData("-1U >> 28", 15)]
    [InlineData("-16 >> 2", -4)]
    [InlineData("1UL << 33", 0x200000000)]
    [InlineData("-9ULL > 8", 1)]
    public void ArithmeticUsesTheUsualConversions(string expression, long expected) =>
        Assert.Equal(expected, (long)Evaluate(expression).Bits);

    [Fact]
    public void ConstantsHaveTheirCTypes()
    {
        Assert.Equal(CType.Int, Evaluate("2147483647").Type);
        Assert.Equal(CType.Long, Evaluate("2147483648").Type);
        Assert.Equal(CType.UnsignedInt, Evaluate("0x80000000").Type);
        Assert.Equal(CType.UnsignedLong, Evaluate("1UL").Type);
        Assert.Equal(CType.Long, Evaluate("1LL").Type);
        Assert.Equal(CType.UnsignedInt, Evaluate("1u").Type);
        Assert.Equal(CType.Int, Evaluate("'a' + (unsigned short)1").Type);
    }

    [Fact]
    public void FieldsReadWithTheirSizeAndSignedness()
    {
        var record = new RecordBuilder(96)
            .U8(8, 0xfe)
            .U16(10, 0x1f90)
            .U32(12, 0xffff_fffd)
            .U32(16, 0xffff_fffd)
            .U64(24, unchecked((ulong)-5L))
            .U8(32, 7)
            .Text(33, "cat")
            .U64(48, 11).U64(56, 22)
            .Build();
        Assert.Equal(-2, (long)Evaluate("REC->small", record).Bits);
        Assert.Equal(8080ul, Evaluate("REC->port", record).Bits);
        Assert.Equal(-3, (long)Evaluate("REC->count", record).Bits);
        Assert.Equal(0xffff_fffdul, Evaluate("REC->mask", record).Bits);
        Assert.Equal(-5, (long)Evaluate("REC->delta", record).Bits);
        Assert.Equal(1ul, Evaluate("REC->armed", record).Bits);
        Assert.Equal(22ul, Evaluate("REC->args[1]", record).Bits);
        Assert.Equal((ulong)'a', Evaluate("REC->comm[1]", record).Bits);
        Assert.Equal("cat"u8.ToArray(), Evaluate("REC->comm", record).StringBytes().ToArray());
        Assert.Equal(1ul, Evaluate("REC->count < 0 && REC->mask > 0", record).Bits);
    }

    [Fact]
    public void DynamicFieldsPointIntoTheRecord()
    {
        // __data_loc: offset from the record's start; __rel_loc: from the end of its own word.
        var record = new RecordBuilder(96)
            .DataLoc(64, 80, 6).Text(80, "hello")
            .DataLoc(68, 16, 3).Bytes(88, 1, 2, 3)
            .Build();
        Assert.Equal("hello"u8.ToArray(), Evaluate("__get_str(name)", record).StringBytes().ToArray());
        Assert.Equal(6ul, Evaluate("__get_dynamic_array_len(name)", record).Bits);
        Assert.Equal((ulong)'e', Evaluate("__get_str(name)[1]", record).Bits);
        Assert.Equal(2ul, Evaluate("__get_rel_dynamic_array(blob)[1]", record).Bits);
        Assert.Equal(3ul, Evaluate("__get_rel_dynamic_array_len(blob)", record).Bits);
    }

    [Fact]
    public void WhatCannotBeComputedIsUnsupportedNotAnException()
    {
        Assert.Equal("mc_event_error_type()", Evaluate("mc_event_error_type(REC->count)").Reason);
        Assert.Equal("vmemmap_base", Evaluate("((struct page *)vmemmap_base) + (REC->delta)").Reason);
        Assert.Equal("REC->missing", Evaluate("REC->missing + 1").Reason);
        Assert.Equal("division by zero", Evaluate("7U / (REC->mask & 0)").Reason);
        Assert.Equal("role.level", Evaluate("role.level").Reason);
        Assert.True(Evaluate("__get_str(name)[70000]").IsUnsupported);
    }

    [Fact]
    public void ShortCircuitSkipsWhatCannotBeComputed()
    {
        Assert.Equal(0ul, Evaluate("0 && unknown_name").Bits);
        Assert.Equal(1ul, Evaluate("1 || unknown_name").Bits);
        Assert.Equal(4ul, Evaluate("1 ? 4 : unknown_name").Bits);
        Assert.True(Evaluate("1 ? unknown_name : 4").IsUnsupported);
    }

    [Fact]
    public void EnumConstantsComeFromTheResolver()
    {
        var enums = new TestEnums(("HRTIMER_MODE_REL", 1), ("BIG", 0x1_0000_0000));
        Assert.Equal(3ul, Evaluate("HRTIMER_MODE_REL + 2", enums: enums).Bits);
        Assert.Equal(CType.Int, Evaluate("HRTIMER_MODE_REL", enums: enums).Type);
        Assert.Equal(CType.UnsignedLong, Evaluate("BIG", enums: enums).Type);
        Assert.Equal("HRTIMER_MODE_ABS", Evaluate("HRTIMER_MODE_ABS", enums: enums).Reason);
    }

    [Theory]
    [InlineData(250, 7, 28)]
    [InlineData(1000, 7, 7)]
    [InlineData(2000, 7, 4)]
    [InlineData(300, 7, 24)]
    public void JiffiesBecomeMillisecondsAtTheKernelsHz(int hz, int jiffies, long expected)
    {
        var binder = new PrintExpressionBinder(Fields, null);
        var bound = binder.Bind(PrintExpressionParser.Parse($"jiffies_to_msecs({jiffies})"));
        Assert.Equal(expected, (long)new PrintEvaluator(new byte[96], 0, new PrintEnvironment(null, hz)).Evaluate(bound).Bits);
        Assert.Equal("jiffies_to_msecs() without CONFIG_HZ", Evaluate($"jiffies_to_msecs({jiffies})").Reason);
    }

    [Theory]
    [InlineData("unsigned long long", 8, false)]
    [InlineData("long int", 8, true)]
    [InlineData("short unsigned int", 2, false)]
    [InlineData("signed char", 1, true)]
    [InlineData("unsigned", 4, false)]
    [InlineData("pid_t", 4, true)]
    [InlineData("const u16", 2, false)]
    [InlineData("enum hrtimer_mode", 4, false)]
    [InlineData("bool", 1, false)]
    public void TypeNamesHaveTheirX86Sizes(string name, int size, bool signed)
    {
        var type = CTypeNames.Parse(name);
        Assert.NotNull(type);
        Assert.Equal((CTypeKind.Integer, size, signed), (type.Kind, type.Size, type.IsSigned));
    }

    [Fact]
    public void PointerTypesKeepTheirTarget()
    {
        Assert.Equal(CType.PointerTo(CType.Char), CTypeNames.Parse("const char *"));
        Assert.Equal(CType.PointerTo(CType.PointerTo(CType.Char)), CTypeNames.Parse("const char *const *"));
        Assert.Equal(CTypeKind.Aggregate, CTypeNames.Parse("struct page *")!.Target!.Kind);
        Assert.Null(CTypeNames.Parse("xfs_ino_t"));
        Assert.Null(CTypeNames.Parse("long char"));
    }

    [Theory]
    [InlineData("1 +")]
    [InlineData("(1")]
    [InlineData("REC->")]
    [InlineData("\"open")]
    [InlineData("1.5")]
    [InlineData("a = 1")]
    [InlineData("({ static const char *s[] = { \"a\" }; s[0]; })")]
    public void MalformedExpressionsAreRefusedWithAPosition(string expression)
    {
        var error = Assert.Throws<PrintFormatException>(() => PrintExpressionParser.Parse(expression));
        Assert.InRange(error.Position, 0, expression.Length);
    }

    [Fact]
    public void DeepNestingIsRefusedNotAStackOverflow()
    {
        var deep = new string('(', 5000) + "1" + new string(')', 5000);
        Assert.Throws<PrintFormatException>(() => PrintExpressionParser.Parse(deep));
    }

    [Fact]
    public void ConstantTablesAreFoldedWhenBound()
    {
        var binder = new PrintExpressionBinder(Fields, null);
        var bound = binder.Bind(PrintExpressionParser.Parse(
            "__print_flags(REC->mask, \"|\", { ( unsigned long)((( gfp_t)((((1UL))) << (10))) | (( gfp_t)0x20u)), \"GFP_X\" })"));
        var list = Assert.IsType<InitializerList>(Assert.IsType<CallExpression>(bound).Arguments[2]);
        Assert.Equal(new IntegerLiteral(0x420, CType.UnsignedLong), list.Items[0]);
    }

    private static PrintValue Evaluate(string expression, byte[]? record = null, IKernelEnumResolver? enums = null)
    {
        var binder = new PrintExpressionBinder(Fields, enums);
        var bound = binder.Bind(PrintExpressionParser.Parse(expression));
        return new PrintEvaluator(record ?? new byte[96], binder.LocalCount, PrintEnvironment.Empty).Evaluate(bound);
    }
}

/// <summary>Enum constants from a list.</summary>
internal sealed class TestEnums(params (string Name, long Value)[] constants) : IKernelEnumResolver
{
    public bool TryGetValue(string name, out long value)
    {
        foreach (var constant in constants)
        {
            if (constant.Name == name)
            {
                value = constant.Value;
                return true;
            }
        }

        value = 0;
        return false;
    }
}
