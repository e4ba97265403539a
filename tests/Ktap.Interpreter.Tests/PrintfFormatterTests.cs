using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ktap.Interpreter.Formatting;
using Ktap.Interpreter.Values;

namespace Ktap.Interpreter.Tests;

public class PrintfFormatterTests
{
    private const string Flags = "-+ #0";

    private static readonly long[] Numbers = [0, 1, -1, 42, -42, long.MaxValue, long.MinValue, 255];

    private static readonly string[] Strings = [string.Empty, "a", "hello", "hello, world", "\u00e9t\u00e9"];

    private static readonly Encoding Latin1 = Encoding.Latin1;

    /// <summary>A printf error, so tests can tell it from any other exception.</summary>
    private sealed class FormatError(string message) : Exception(message);

    private static string Format(PrintfFormatter formatter, string format, params Value[] arguments) =>
        formatter.Format(format, arguments, message => new FormatError(message));

    private static string Format(string format, params Value[] arguments) => Format(new PrintfFormatter(), format, arguments);

    /// <summary>One oracle case: a ktap format, its C twin, and the single argument both get.</summary>
    private sealed record OracleCase(string Format, string CFormat, char Conversion, long Number, string Text);

    /// <summary>
    /// Every flag combination with every precision, for every conversion; each of those runs with
    /// a few (width, argument) pairs, so every width and every argument shows up with every
    /// conversion many times. Width 0 means no width: a leading "0" would be the flag.
    /// </summary>
    private static List<OracleCase> OracleCases()
    {
        var cases = new List<OracleCase>();
        var counter = 0;
        foreach (var conversion in "diuxXocs")
        {
            for (var mask = 0; mask < 1 << Flags.Length; mask++)
            {
                var flags = string.Concat(Flags.Where((_, i) => (mask & (1 << i)) != 0));
                for (var precision = -1; precision <= 6; precision++)
                {
                    for (var pair = 0; pair < 3; pair++, counter++)
                    {
                        var width = (counter * 7) % 13;
                        var spec = flags + (width > 0 ? width.ToString(CultureInfo.InvariantCulture) : string.Empty)
                            + (precision >= 0 ? "." + precision.ToString(CultureInfo.InvariantCulture) : string.Empty);
                        var length = conversion is 'c' or 's' ? string.Empty : "ll";

                        // Literal text and %% around the conversion check both are copied through.
                        var format = $"<%{spec}{conversion}|%%>";
                        var cFormat = $"<%{spec}{length}{conversion}|%%>";
                        var number = Numbers[(counter * 5 + pair) % Numbers.Length];
                        var text = Strings[(counter + pair) % Strings.Length];
                        cases.Add(new OracleCase(format, cFormat, conversion, number, text));
                    }
                }
            }
        }

        return cases;
    }

    private static string CString(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var b in Latin1.GetBytes(text))
        {
            builder.Append(b is >= 0x20 and < 0x7f and not (byte)'"' and not (byte)'\\' and not (byte)'?'
                ? ((char)b).ToString()
                : $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}");
        }

        return builder.Append('"').ToString();
    }

    /// <summary>A C program that prints, for each case, the snprintf result as "LENGTH:BYTES\n".</summary>
    private static string OracleProgram(List<OracleCase> cases)
    {
        var source = new StringBuilder();
        source.Append("#include <stdio.h>\n");
        source.Append("struct oracle_case { const char *format; int kind; unsigned long long number; const char *text; };\n");
        source.Append("static const struct oracle_case cases[] = {\n");
        foreach (var c in cases)
        {
            var kind = c.Conversion switch
            {
                'd' or 'i' => 0,
                'c' => 2,
                's' => 3,
                _ => 1,
            };
            source.Append(CultureInfo.InvariantCulture, $"  {{ {CString(c.CFormat)}, {kind}, 0x{(ulong)c.Number:x}ULL, {CString(c.Text)} }},\n");
        }

        source.Append("""
            };
            int main(void)
            {
                static char buffer[4096];
                for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                    const struct oracle_case *c = &cases[i];
                    int n;
                    switch (c->kind) {
                    case 0: n = snprintf(buffer, sizeof buffer, c->format, (long long)c->number); break;
                    case 1: n = snprintf(buffer, sizeof buffer, c->format, c->number); break;
                    case 2: n = snprintf(buffer, sizeof buffer, c->format, (int)(unsigned char)c->number); break;
                    default: n = snprintf(buffer, sizeof buffer, c->format, c->text); break;
                    }
                    printf("%d:", n);
                    fwrite(buffer, 1, (size_t)n, stdout);
                    putchar('\n');
                }
                return 0;
            }

            """);
        return source.ToString();
    }

    private static (int ExitCode, string Output, string Errors) Run(string program, string arguments, string directory)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Latin1,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start '{program}'");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"the printf oracle needs a C compiler: could not run '{program}' ({e.Message}). Install gcc (or make 'cc' available on PATH).");
            throw;
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(60_000))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"'{program} {arguments}' did not finish within 60 s");
            }

            return (process.ExitCode, output, errors.GetAwaiter().GetResult());
        }
    }

    /// <summary>The C library's outputs, one per case, as Latin-1 strings (one char per byte).</summary>
    private static List<string> CResults(List<OracleCase> cases)
    {
        var directory = Directory.CreateTempSubdirectory("ktap-printf-oracle-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "oracle.c"), OracleProgram(cases), Latin1);
            var compile = Run("cc", "-std=c99 -w -O0 -o oracle oracle.c", directory.FullName);
            Assert.True(compile.ExitCode == 0, $"cc failed to compile the oracle (exit {compile.ExitCode}):\n{compile.Errors}");

            var run = Run(Path.Combine(directory.FullName, "oracle"), string.Empty, directory.FullName);
            Assert.True(run.ExitCode == 0, $"the oracle failed (exit {run.ExitCode}):\n{run.Errors}");

            // Records are "LENGTH:BYTES\n"; the bytes may hold anything, so read by length.
            var results = new List<string>(cases.Count);
            var text = run.Output;
            var position = 0;
            while (position < text.Length)
            {
                var colon = text.IndexOf(':', position);
                var length = int.Parse(text.AsSpan(position, colon - position), CultureInfo.InvariantCulture);
                results.Add(text.Substring(colon + 1, length));
                position = colon + 1 + length + 1;
            }

            return results;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\x{(int)c:x2}"));

    [Fact]
    public void Matches_the_C_library_for_every_conversion_flag_width_and_precision()
    {
        var cases = OracleCases();
        var expected = CResults(cases);
        Assert.Equal(cases.Count, expected.Count);

        var formatter = new PrintfFormatter();
        var mismatches = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            var argument = c.Conversion == 's' ? Value.String(c.Text) : Value.Number(c.Number);
            var actual = Format(formatter, c.Format, argument);
            if (actual != expected[i])
            {
                var shownArgument = c.Conversion == 's' ? '"' + Escape(c.Text) + '"' : c.Number.ToString(CultureInfo.InvariantCulture);
                mismatches.Add($"{c.Format} {shownArgument}: C gives '{Escape(expected[i])}', ktap gives '{Escape(actual)}'");
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {cases.Count} cases differ from C:\n{string.Join("\n", mismatches.Take(40))}");
    }

    [Fact]
    public void The_oracle_covers_every_conversion_flag_width_precision_and_argument()
    {
        var cases = OracleCases();
        Assert.InRange(cases.Count, 2000, 10000);
        foreach (var conversion in "diuxXocs")
        {
            var ofConversion = cases.Where(c => c.Conversion == conversion).ToList();
            for (var width = 1; width <= 12; width++)
            {
                Assert.Contains(ofConversion, c => c.Format.Contains(width.ToString(CultureInfo.InvariantCulture) + conversion, StringComparison.Ordinal)
                    || c.Format.Contains(width.ToString(CultureInfo.InvariantCulture) + ".", StringComparison.Ordinal));
            }

            if (conversion is not ('c' or 's'))
            {
                Assert.Equal(Numbers.Order(), ofConversion.Select(c => c.Number).Distinct().Order());
            }

            Assert.Equal(32 * 8 * 3, ofConversion.Count);
        }
    }

    [Fact]
    public void Too_few_arguments_is_an_error_naming_the_missing_argument()
    {
        var error = Assert.Throws<FormatError>(() => Format("%d and %s", Value.Number(1)));
        Assert.Equal("bad argument #3 to 'printf' (no value for %s)", error.Message);

        error = Assert.Throws<FormatError>(() => Format("x=%d"));
        Assert.Equal("bad argument #2 to 'printf' (no value for %d)", error.Message);
    }

    [Fact]
    public void A_percent_sign_pair_takes_no_argument() =>
        Assert.Equal("100% 7", Format("100%% %d", Value.Number(7)));

    [Theory]
    [InlineData('d')]
    [InlineData('i')]
    [InlineData('u')]
    [InlineData('x')]
    [InlineData('X')]
    [InlineData('o')]
    [InlineData('c')]
    [InlineData('p')]
    public void A_non_number_for_a_numeric_conversion_is_an_error(char conversion)
    {
        var error = Assert.Throws<FormatError>(() => Format($"%s %{conversion}", Value.String("a"), Value.String("42")));
        Assert.Equal($"bad argument #3 to 'printf' (number expected for %{conversion}, got string)", error.Message);

        error = Assert.Throws<FormatError>(() => Format($"%{conversion}", Value.Nil));
        Assert.Equal($"bad argument #2 to 'printf' (number expected for %{conversion}, got nil)", error.Message);

        error = Assert.Throws<FormatError>(() => Format($"%{conversion}", Value.True));
        Assert.Equal($"bad argument #2 to 'printf' (number expected for %{conversion}, got boolean)", error.Message);
    }

    [Theory]
    [InlineData("%q")]
    [InlineData("%f")]
    [InlineData("%5.2e")]
    [InlineData("%n")]
    public void An_unknown_conversion_is_an_error(string format)
    {
        var error = Assert.Throws<FormatError>(() => Format("a " + format, Value.Number(1)));
        Assert.StartsWith("bad printf format: unknown conversion '%" + format[^1], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_conversion_cut_off_at_the_end_is_an_error()
    {
        var error = Assert.Throws<FormatError>(() => Format("50%", Value.Number(1)));
        Assert.StartsWith("bad printf format: incomplete conversion", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_format_is_an_error_every_time_it_is_used()
    {
        var formatter = new PrintfFormatter();
        Assert.Throws<FormatError>(() => Format(formatter, "%y", Value.Number(1)));
        Assert.Throws<FormatError>(() => Format(formatter, "%y", Value.Number(1)));
    }

    [Fact]
    public void A_reused_format_gives_results_for_its_new_arguments()
    {
        var formatter = new PrintfFormatter();
        Assert.Equal("[  1]", Format(formatter, "[%3d]", Value.Number(1)));
        Assert.Equal("[-42]", Format(formatter, "[%3d]", Value.Number(-42)));
    }

    [Fact]
    public void Length_modifiers_are_accepted_and_ignored() =>
        Assert.Equal("-1 18446744073709551615 ff", Format("%ld %llu %hhx", Value.Number(-1), Value.Number(-1), Value.Number(255)));

    [Fact]
    public void Percent_s_prints_any_value_as_print_does()
    {
        var table = new KtapTable();
        Assert.Equal("nil|true|false|42|-7|hi|", Format("%s|%s|%s|%s|%s|%s|", Value.Nil, Value.True, Value.False, Value.Number(42), Value.Number(-7), Value.String("hi")));
        Assert.Equal($"table: 0x{table.Id:x8}", Format("%s", Value.Table(table)));
        Assert.Equal("  nil|tr", Format("%5s|%.2s", Value.Nil, Value.True));
    }

    [Fact]
    public void Percent_c_prints_the_byte_with_that_code()
    {
        Assert.Equal("A", Format("%c", Value.Number(65)));
        Assert.Equal("[   A][A   ]", Format("[%4c][%-4c]", Value.Number(65), Value.Number(65)));
        Assert.Equal("\u00ff", Format("%c", Value.Number(255)));
        Assert.Equal("A", Format("%c", Value.Number(65 + 256)));
    }

    [Fact]
    public void Percent_p_without_a_resolver_prints_hex_with_0x()
    {
        Assert.Equal("0xffffffff81000000", Format("%p", Value.Number(unchecked((long)0xffffffff81000000))));
        Assert.Equal("0x2a", Format("%p", Value.Number(42)));
        Assert.Equal("0x0", Format("%p", Value.Number(0)));
        Assert.Equal("      0x2a|0x2a      ", Format("%10p|%-10p", Value.Number(42), Value.Number(42)));
    }

    [Fact]
    public void Percent_p_with_a_resolver_prints_the_symbol()
    {
        var asked = new List<long>();
        var formatter = new PrintfFormatter
        {
            SymbolResolver = address =>
            {
                asked.Add(address);
                return address == 0x1234 ? "vfs_read+0x4" : null;
            },
        };
        Assert.Equal("at vfs_read+0x4.", Format(formatter, "at %p.", Value.Number(0x1234)));
        Assert.Equal("[  vfs_read+0x4][vfs_read+0x4  ]", Format(formatter, "[%14p][%-14p]", Value.Number(0x1234), Value.Number(0x1234)));
        Assert.Equal([0x1234L, 0x1234L, 0x1234L], asked);

        // An address the resolver does not know prints as hex.
        Assert.Equal("0x99", Format(formatter, "%p", Value.Number(0x99)));
    }

    [Fact]
    public void Literal_text_passes_through_unchanged()
    {
        Assert.Equal("no conversions \t\u00ff\n", Format("no conversions \t\u00ff\n"));
        Assert.Equal(string.Empty, Format(string.Empty));
    }
}
