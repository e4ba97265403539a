namespace Ktap.Bpf.Tests.Tracing.Output;

/// <summary>The TRACE_EVENT helpers, as kernel/trace/trace_output.c carries them out.</summary>
public sealed class PrintHelpersTests
{
    private const string Flags = "__print_flags(REC->value, \"|\", { 0x01, \"A\" }, { 0x06, \"BC\" }, { 0x02, \"B\" }, { 0x08, \"D\" })";

    private static readonly string[] Value = ["unsigned long value;8;8;0"];

    [Theory]
    [InlineData(0x1ul, "A")]
    [InlineData(0x9ul, "A|D")]
    [InlineData(0x7ul, "A|BC")]
    [InlineData(0x3ul, "A|B")]
    [InlineData(0x31ul, "A|0x30")]
    [InlineData(0x30ul, "0x30")]
    [InlineData(0x0ul, "")]
    public void FlagsNameWholeMasksInTableOrderAndLeaveTheRestInHex(ulong value, string expected) =>
        Assert.Equal($"[{expected}]", TestEvent.Render($"\"[%s]\", {Flags}", Record(value), Value));

    [Fact]
    public void FlagsWithoutADelimiterRunTogether() =>
        Assert.Equal("AB0x10", TestEvent.Render("\"%s\", __print_flags(REC->value, \"\", { 1, \"A\" }, { 2, \"B\" })", Record(0x13), Value));

    [Theory]
    [InlineData(0ul, "zero")]
    [InlineData(2ul, "two")]
    [InlineData(3ul, "0x3")]
    [InlineData(ulong.MaxValue - 5, "minus six")]
    public void SymbolicNamesTheEqualEntryElseHex(ulong value, string expected) =>
        Assert.Equal(expected, TestEvent.Render(
            "\"%s\", __print_symbolic(REC->value, { 0, \"zero\" }, { 2, \"two\" }, { -6ULL, \"minus six\" })", Record(value), Value));

    [Fact]
    public void SixtyFourBitVariantsAreTheSameOnSixtyFourBitKernels()
    {
        var record = Record(0x1_0000_0001);
        Assert.Equal("HIGH|LOW", TestEvent.Render(
            "\"%s\", __print_flags_u64(REC->value, \"|\", { 0x100000000ULL, \"HIGH\" }, { 1, \"LOW\" })", record, Value));
        Assert.Equal("both", TestEvent.Render(
            "\"%s\", __print_symbolic_u64(REC->value, { 0x100000001ULL, \"both\" })", record, Value));
    }

    [Fact]
    public void UnknownEnumNamesInATableNeverMatch()
    {
        var enums = new TestEnums(("KNOWN", 5));
        var symbolic = "\"%s\", __print_symbolic(REC->value, { UNKNOWN, \"unknown\" }, { KNOWN, \"known\" })";
        Assert.Equal("known", TestEvent.Render(symbolic, Record(5), Value, enums: enums));
        Assert.Equal("0x0", TestEvent.Render(symbolic, Record(0), Value, enums: enums));
    }

    [Fact]
    public void HexDumpsSpaceBytesButNotRunsOfSixteen()
    {
        var record = new RecordBuilder(64).U32(8, 20).Bytes(16, [.. Enumerable.Range(0, 20).Select(i => (byte)i)]).Build();
        string[] fields = ["unsigned int len;8;4;0", "u8 buf[20];16;20;0"];
        Assert.Equal(
            "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f10 11 12 13",
            TestEvent.Render("\"%s\", __print_hex(REC->buf, REC->len)", record, fields));
        Assert.Equal(
            "000102030405060708090a0b0c0d0e0f10111213",
            TestEvent.Render("\"%s\", __print_hex_str(REC->buf, REC->len)", record, fields));
        Assert.Equal(string.Empty, TestEvent.Render("\"%s\", __print_hex(REC->buf, 0)", record, fields));
    }

    [Fact]
    public void ArraysPrintEachElementInHexByItsSize()
    {
        var record = new RecordBuilder(48).DataLoc(8, 16, 24).U64(16, 1).U64(24, 0xff).U64(32, 0x1_0000_0000).Build();
        string[] fields = ["__data_loc u64[] addrs;8;4;0"];
        Assert.Equal(
            "{0x1,0xff,0x100000000}",
            TestEvent.Render("\"%s\", __print_array(__get_dynamic_array(addrs), __get_dynamic_array_len(addrs) / sizeof(u64), sizeof(u64))", record, fields));
        Assert.Equal(
            "{0x1,0x0,0xff,0x0}",
            TestEvent.Render("\"%s\", __print_array(__get_dynamic_array(addrs), 4, 4)", record, fields));
        Assert.Equal(
            "{BAD SIZE:3 0x1,0x0,0x0}",
            TestEvent.Render("\"%s\", __print_array(__get_dynamic_array(addrs), 1, 3)", record, fields));
        Assert.Equal("{}", TestEvent.Render("\"%s\", __print_array(__get_dynamic_array(addrs), 0, 8)", record, fields));
    }

    [Fact]
    public void BitmasksPrintAsHexChunksOfThirtyTwoBits()
    {
        var record = new RecordBuilder(32).DataLoc(8, 16, 8).U64(16, 0x0000_0001_0000_0003).Build();
        string[] fields = ["__data_loc unsigned long[] cpumask;8;4;0"];
        Assert.Equal("cpus=00000001,00000003", TestEvent.Render("\"cpus=%s\", __get_cpumask(cpumask)", record, fields));
        Assert.Equal("cpus=00000001,00000003", TestEvent.Render("\"cpus=%s\", __get_bitmask(cpumask)", record, fields));
    }

    [Fact]
    public void BuiltinsPassTheirValueThrough()
    {
        Assert.Equal("7 0", TestEvent.Render("\"%d %d\", __builtin_expect(REC->value, 0), __builtin_constant_p(REC->value)", Record(7), Value));
    }

    private static byte[] Record(ulong value) => new RecordBuilder(16).U64(8, value).Build();
}
