using Ktap.Interpreter.Formatting;
using Ktap.Interpreter.Values;

namespace Ktap.Interpreter.Tests;

/// <summary>The formatting a record formatter outside the interpreter uses: print's and printf's.</summary>
public class ValueFormatterTests
{
    [Fact]
    public void Print_separates_values_with_tabs_and_ends_with_a_newline()
    {
        Assert.Equal("\n", ValueFormatter.FormatPrint([]));
        Assert.Equal("x\n", ValueFormatter.FormatPrint([Value.String("x")]));
        Assert.Equal(
            "1\ttwo\tnil\ttrue\tfalse\t-9223372036854775808\t\n",
            ValueFormatter.FormatPrint([Value.Number(1), Value.String("two"), Value.Nil, Value.True, Value.False, Value.Number(long.MinValue), Value.String(string.Empty)]));
    }

    [Fact]
    public void Print_shows_bytes_as_they_are()
    {
        Assert.Equal("\u00ff\u0000\ta\tb\n", ValueFormatter.FormatPrint([Value.String("\u00ff\u0000\ta"), Value.String("b")]));
    }

    [Fact]
    public void The_interpreter_prints_what_the_formatter_gives()
    {
        var table = new KtapTable();
        Assert.Equal(
            ValueFormatter.FormatPrint([Value.Number(-3), Value.String("s"), Value.Nil, Value.True]),
            Script.Run("print(-3, \"s\", nil, true)"));
        Assert.StartsWith("table: 0x", ValueFormatter.FormatPrint([Value.Table(table)]), StringComparison.Ordinal);
    }

    [Fact]
    public void Printf_formats_without_an_interpreter()
    {
        var formatter = new PrintfFormatter();
        Assert.Equal("   42|ab |ff|%\n", formatter.Format("%5d|%-3s|%x|%%\n", [Value.Number(42), Value.String("ab"), Value.Number(255)]));
        Assert.Equal("0x10", formatter.Format("%p", [Value.Number(16)]));
        formatter.SymbolResolver = address => address == 16 ? "vfs_read+0x0" : null;
        Assert.Equal("vfs_read+0x0 0x11", formatter.Format("%p %p", [Value.Number(16), Value.Number(17)]));
    }

    [Theory]
    [InlineData("%d", "bad argument #2 to 'printf' (no value for %d)")]
    [InlineData("%q", "bad printf format: unknown conversion '%q' (use %d %i %u %x %X %o %c %s %p or %%)")]
    public void Printf_without_an_error_callback_throws_format_exceptions(string format, string message)
    {
        var error = Assert.Throws<FormatException>(() => new PrintfFormatter().Format(format, []));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Printf_of_a_string_for_a_number_is_a_format_exception()
    {
        var error = Assert.Throws<FormatException>(() => new PrintfFormatter().Format("%d", [Value.String("x")]));
        Assert.Equal("bad argument #2 to 'printf' (number expected for %d, got string)", error.Message);
    }
}
