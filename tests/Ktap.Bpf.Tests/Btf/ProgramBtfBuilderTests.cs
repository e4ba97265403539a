using System.Buffers.Binary;
using Ktap.Bpf.Btf;

namespace Ktap.Bpf.Tests.Btf;

/// <summary>The program BTF writer, read back through <see cref="BtfReader"/>; no kernel needed.</summary>
public sealed class ProgramBtfBuilderTests
{
    internal const string File = "script.kp";

    [Fact]
    public void FunctionsAndLinesReadBack()
    {
        var builder = new ProgramBtfBuilder();
        var main = builder.AddFunction("ktap_main", 0);
        var u64 = builder.AddInt("unsigned long long", 8, signed: false);
        var helper = builder.AddFunction("ktap_helper", 5, builder.AddFunctionPrototype(u64, new BtfParameter("x", u64)), BtfLinkage.Static);
        builder.AddLine(5, File, "function helper(x) { return x * 2 }", 7, 1);
        builder.AddLine(0, File, "trace raw_syscalls:sys_enter {", 2, 1);
        builder.AddLine(2, File, "    count[execname] += 1 -- café ☕", 3, 5);
        var built = builder.Build();

        var btf = BtfReader.Parse(built.Blob);
        Assert.Equal("int ktap_main(void *ctx)", btf.Describe(main));
        Assert.Equal(BtfLinkage.Global, ((BtfFunction)btf.GetType(main)).Linkage);
        Assert.Equal("unsigned long long ktap_helper(unsigned long long x)", btf.Describe(helper));
        Assert.Equal(BtfLinkage.Static, ((BtfFunction)btf.GetType(helper)).Linkage);

        Assert.Equal(2, built.FuncInfoCount);
        Assert.Equal([(0, main), (5, helper)], FuncInfo(built));

        Assert.Equal(3, built.LineInfoCount);
        var lines = LineInfo(built);
        Assert.Equal([0, 2, 5], lines.Select(l => l.Instruction));
        Assert.All(lines, l => Assert.Equal(File, btf.GetString(l.FileName)));
        Assert.Equal(
            ["trace raw_syscalls:sys_enter {", "    count[execname] += 1 -- café ☕", "function helper(x) { return x * 2 }"],
            lines.Select(l => btf.GetString(l.Line)));
        Assert.Equal([(2u << 10) | 1, (3u << 10) | 5, (7u << 10) | 1], lines.Select(l => l.LineColumn));
    }

    [Fact]
    public void StringsAreStoredOnceAndTheTableStartsEmpty()
    {
        var builder = new ProgramBtfBuilder();
        builder.AddFunction("main", 0);
        builder.AddLine(0, File, "same", 1, 1);
        builder.AddLine(1, File, "same", 2, 1);
        var built = builder.Build();
        var lines = LineInfo(built);
        Assert.Equal(lines[0].FileName, lines[1].FileName);
        Assert.Equal(lines[0].Line, lines[1].Line);

        var stringOffset = 24 + BinaryPrimitives.ReadInt32LittleEndian(built.Blob.AsSpan(16));
        Assert.Equal(0, built.Blob[stringOffset]);
        Assert.Equal(0, built.Blob[^1]);
        Assert.Equal(built.Blob.Length - "\0main\0ctx\0int\0script.kp\0same\0".Length, stringOffset);
    }

    [Fact]
    public void ALaterLineAtTheSameInstructionReplacesTheEarlier()
    {
        var builder = new ProgramBtfBuilder();
        builder.AddFunction("main", 0);
        builder.AddLine(0, File, "var x", 1, 1);
        builder.AddLine(0, File, "x = 1", 2, 1);
        var built = builder.Build();
        Assert.Equal(1, built.LineInfoCount);
        Assert.Equal("x = 1", BtfReader.Parse(built.Blob).GetString(LineInfo(built)[0].Line));
    }

    [Fact]
    public void LargeLinesAndColumnsAreCappedToTheirFields()
    {
        var builder = new ProgramBtfBuilder();
        builder.AddFunction("main", 0);
        builder.AddLine(0, File, "long", 5_000_000, 4000);
        Assert.Equal(uint.MaxValue, LineInfo(builder.Build())[0].LineColumn);
    }

    [Fact]
    public void NulInALineIsShownAsAReplacementCharacter()
    {
        var builder = new ProgramBtfBuilder();
        builder.AddFunction("main", 0);
        builder.AddLine(0, File, "a\0b", 1, 1);
        var built = builder.Build();
        Assert.Equal("a\uFFFDb", BtfReader.Parse(built.Blob).GetString(LineInfo(built)[0].Line));
    }

    [Fact]
    public void TheKernelsRulesAreCheckedBeforeItSeesThem()
    {
        var noEntry = new ProgramBtfBuilder();
        noEntry.AddFunction("later", 3);
        Assert.Contains("instruction 0", Assert.Throws<InvalidOperationException>(noEntry.Build).Message);

        var noLineAtSubprogram = new ProgramBtfBuilder();
        noLineAtSubprogram.AddFunction("main", 0);
        noLineAtSubprogram.AddFunction("sub", 4);
        noLineAtSubprogram.AddLine(0, File, "x", 1, 1);
        noLineAtSubprogram.AddLine(3, File, "y", 2, 1);
        Assert.Contains("instruction 4", Assert.Throws<InvalidOperationException>(noLineAtSubprogram.Build).Message);

        var noLines = new ProgramBtfBuilder();
        noLines.AddFunction("main", 0);
        noLines.AddFunction("sub", 4);
        Assert.Equal(0, noLines.Build().LineInfoCount);

        var builder = new ProgramBtfBuilder();
        builder.AddFunction("main", 0);
        Assert.Throws<ArgumentException>(() => builder.AddFunction("again", 0));
        Assert.Throws<ArgumentException>(() => builder.AddFunction("not valid", 1));
        Assert.Throws<ArgumentException>(() => builder.AddFunction("café", 1));
        Assert.Throws<ArgumentException>(() => builder.AddFunction("9lives", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddFunction("f", 1, 999, BtfLinkage.Static));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddFunction("f", 1, builder.ContextPrototypeId, BtfLinkage.Extern));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddLine(-1, File, "x", 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddInt("int3", 3, signed: true));
        Assert.Throws<ArgumentException>(() => builder.AddFunctionPrototype(0, new BtfParameter("a b", 0)));
    }

    [Fact]
    public void TheSameInputGivesTheSameBytes()
    {
        static ProgramBtf Make()
        {
            var builder = new ProgramBtfBuilder();
            builder.AddFunction("main", 0);
            builder.AddLine(1, File, "b", 2, 3);
            builder.AddLine(0, File, "a", 1, 1);
            return builder.Build();
        }

        var (first, second) = (Make(), Make());
        Assert.Equal(first.Blob, second.Blob);
        Assert.Equal(first.FuncInfo, second.FuncInfo);
        Assert.Equal(first.LineInfo, second.LineInfo);
    }

    internal static List<(int Instruction, int TypeId)> FuncInfo(ProgramBtf built) =>
        Enumerable.Range(0, built.FuncInfoCount).Select(i => (U32(built.FuncInfo, i * 8), U32(built.FuncInfo, (i * 8) + 4))).ToList();

    internal static List<(int Instruction, int FileName, int Line, uint LineColumn)> LineInfo(ProgramBtf built) =>
        Enumerable.Range(0, built.LineInfoCount)
            .Select(i => (U32(built.LineInfo, i * 16), U32(built.LineInfo, (i * 16) + 4), U32(built.LineInfo, (i * 16) + 8), (uint)U32(built.LineInfo, (i * 16) + 12)))
            .ToList();

    private static int U32(byte[] bytes, int offset) => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
}
