using System.Text;
using Ktap.Language.Diagnostics;
using Ktap.Language.Syntax;
using static Ktap.Language.Tests.Compile;

namespace Ktap.Language.Tests;

public sealed class DiagnosticPrinterTests
{
    private static Diagnostic At(string text, int position, int length = 1) =>
        new(DiagnosticCode.UnexpectedCharacter, "message", new SourceText("s.kp", text), new TextSpan(position, length));

    private static string[] Lines(string rendered)
    {
        Assert.EndsWith("\n", rendered);
        return rendered[..^1].Split('\n');
    }

    [Fact]
    public void HeaderSourceLineAndCaret()
    {
        var diagnostic = Single("print(1)\n  total = 1\n", DiagnosticCode.AssignmentToUndeclared);
        Assert.Equal(
            "test.kp:2:3: error KT1201: assignment to undeclared variable 'total': declare it first with 'var total'\n" +
            "      total = 1\n" +
            "      ^\n",
            DiagnosticPrinter.Render(diagnostic));
    }

    [Fact]
    public void ToStringIsTheHeaderLine()
    {
        var diagnostic = Single("\n\nvar x = @", DiagnosticCode.UnexpectedCharacter);
        Assert.Equal("test.kp:3:9: error KT1001: unexpected character '@'", diagnostic.ToString());
        Assert.Equal((3, 9), diagnostic.Location);
    }

    [Theory]
    [InlineData(DiagnosticCode.UnexpectedCharacter, "KT1001")]
    [InlineData(DiagnosticCode.UnsupportedSyntax, "KT1109")]
    [InlineData(DiagnosticCode.AssignmentToBuiltin, "KT1210")]
    public void CodeIds(DiagnosticCode code, string id) => Assert.Equal(id, code.Id());

    [Fact]
    public void EveryCodeHasAUniqueFourDigitId()
    {
        var ids = Enum.GetValues<DiagnosticCode>().Select(c => c.Id()).ToList();
        Assert.All(ids, id => Assert.Matches("^KT[123][0-9]{3}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void CaretUnderTheFirstColumn()
    {
        Assert.Equal(["s.kp:1:1: error KT1001: message", "    @x", "    ^"], Lines(DiagnosticPrinter.Render(At("@x", 0))));
    }

    [Fact]
    public void TabsKeepTheCaretAligned()
    {
        var lines = Lines(DiagnosticPrinter.Render(At("\tif (x)\t\t@", 9)));
        Assert.Equal("s.kp:1:10: error KT1001: message", lines[0]);
        Assert.Equal("    \tif (x)\t\t@", lines[1]);
        Assert.Equal("    \t      \t\t^", lines[2]);
    }

    [Fact]
    public void CrLfLineEndingsAreNotShown()
    {
        var lines = Lines(DiagnosticPrinter.Render(At("a\r\nb @\r\nc", 5)));
        Assert.Equal(["s.kp:2:3: error KT1001: message", "    b @", "      ^"], lines);
    }

    [Fact]
    public void ControlCharactersAreShownAsQuestionMarks()
    {
        var lines = Lines(DiagnosticPrinter.Render(At("a\0b\u001b[31m@", 8)));
        Assert.Equal("    a?b?[31m@", lines[1]);
        Assert.Equal("            ^", lines[2]);
    }

    [Fact]
    public void Utf8ContinuationBytesTakeNoColumn()
    {
        // "é" is two bytes in UTF-8; a terminal shows one column.
        var source = SourceText.FromBytes("s.kp", Encoding.UTF8.GetBytes("x = \"é\" @"));
        var diagnostic = new Diagnostic(DiagnosticCode.UnexpectedCharacter, "m", source, new TextSpan(9, 1));
        var lines = Lines(DiagnosticPrinter.Render(diagnostic));
        Assert.StartsWith("s.kp:1:10:", lines[0]);
        Assert.Equal("            ^", lines[2]);
    }

    [Fact]
    public void ErrorAtTheEndOfTheFile()
    {
        var diagnostic = Single("print(1\n", DiagnosticCode.UnexpectedToken);
        Assert.Equal(["test.kp:2:1: error KT1101: expected ')' to close the argument list near the end of the file", "    ", "    ^"], Lines(DiagnosticPrinter.Render(diagnostic)));
    }

    [Fact]
    public void ErrorAtTheEndOfALastLineWithoutNewline()
    {
        var diagnostic = Single("var x = 1\nprint(x", DiagnosticCode.UnexpectedToken);
        Assert.Equal(["    print(x", "           ^"], Lines(DiagnosticPrinter.Render(diagnostic))[1..]);
    }

    [Fact]
    public void TenMegabyteLineIsWindowed()
    {
        var text = "var s = \"" + new string('a', 5_000_000) + "\" + @ + \"" + new string('b', 5_000_000) + "\"";
        var diagnostic = Single(text, DiagnosticCode.UnexpectedCharacter);
        var rendered = DiagnosticPrinter.Render(diagnostic);
        Assert.True(rendered.Length < 400, $"rendered {rendered.Length} characters");
        var lines = Lines(rendered);
        Assert.Equal("test.kp:1:5000014: error KT1001: unexpected character '@'", lines[0]);
        Assert.StartsWith("    ...a", lines[1]);
        Assert.EndsWith("b...", lines[1]);
        Assert.Equal('@', lines[1][lines[2].Length - 1]);
        Assert.Matches("^ +\\^$", lines[2]);
    }

    [Fact]
    public void LongLineWindowAtTheStartHasNoLeadingEllipsis()
    {
        var text = "@" + new string('x', 1000);
        var lines = Lines(DiagnosticPrinter.Render(At(text, 0)));
        Assert.StartsWith("    @xxx", lines[1]);
        Assert.EndsWith("x...", lines[1]);
        Assert.Equal("    ^", lines[2]);
    }

    [Fact]
    public void LongLineWindowAtTheEndHasNoTrailingEllipsis()
    {
        var text = new string('x', 1000) + "@";
        var lines = Lines(DiagnosticPrinter.Render(At(text, 1000)));
        Assert.StartsWith("    ...x", lines[1]);
        Assert.EndsWith("x@", lines[1]);
        Assert.Equal('@', lines[1][lines[2].Length - 1]);
    }

    /// <summary>
    /// BUG (src/Ktap.Language/Diagnostics/DiagnosticPrinter.cs, Render): the window always starts
    /// 50 characters before the caret, so an ordinary 90-character line with an error at column
    /// 80 loses its first 29 characters behind "..." although the whole line fits the window.
    /// </summary>
    [Fact]
    public void LineThatFitsTheWindowIsShownWhole()
    {
        var text = "trace syscalls:sys_enter_openat { printf(\"%s opened %s\\n\", execname, user_string(arg2)) @";
        Assert.True(text.Length < 100);
        var lines = Lines(DiagnosticPrinter.Render(At(text, text.Length - 1)));
        Assert.Equal("    " + text, lines[1]);
        Assert.Equal(new string(' ', 4 + text.Length - 1) + "^", lines[2]);
    }

    [Fact]
    public void SortedOrdersByPosition()
    {
        Bind("print(arg1)\nx = 1", out var diagnostics);

        // KT1205 is found after the whole script is bound, but prints first.
        Assert.Equal(DiagnosticCode.AssignmentToUndeclared, diagnostics.Items[0].Code);
        Assert.Equal([DiagnosticCode.ProbeVariableOutsideHandler, DiagnosticCode.AssignmentToUndeclared], diagnostics.Sorted().Select(d => d.Code));
    }
}
