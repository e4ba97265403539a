using System.Text;
using CsCheck;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Language.Tests;

/// <summary>
/// Whatever bytes it is given, the front end ends normally: no exception, only defined codes,
/// spans inside the text, and every diagnostic renders. The seed is random on each run; a
/// failure prints the seed and the shrunk input, so it can be replayed with <c>seed:</c>.
/// </summary>
public sealed class FrontEndPropertyTests
{
    // About 13 s in all on two cores.
    private const int ByteIterations = 5_000;
    private const int Iterations = 10_000;

    private static readonly HashSet<DiagnosticCode> DefinedCodes = [.. Enum.GetValues<DiagnosticCode>()];

    /// <summary>Text spliced into corpus scripts: the tokens that change how the rest is read.</summary>
    private static readonly string[] Splices =
    [
        "{", "}", "(", ")", "[", "]", "\"", "'", "[[", "]]", "[==[", "--[[", "--", "#", "\\", "/", "//",
        "trace", "trace ", "trace_end", "tick-", "profile-", "function", "var", "if", "else", "elseif", "for", "in",
        "repeat", "until", "do", "end", "break", "return", "return a, b", ",", ";", ":", ".", "..", "...", "^", "<<<",
        "+=", "=", "==", "!", "&&", "||", "@", "\0", "\n", "\r", " ", "\t", "0x", "017", "1.5", "09", "\\x", "\\z", "%",
        "arg1", "argstr", "stack()", "printf(\"%d\")", "print", "pairs", "table.new", "ansi.set_color", "local",
    ];

    /// <summary>The language's tokens, and a few sequences that matter to the probe syntax.</summary>
    private static readonly string[] Tokens =
    [
        "trace", "trace_end", "var", "function", "if", "elseif", "else", "while", "repeat", "until", "for", "in",
        "break", "return", "do", "end", "nil", "true", "false", "argstr", "probename", "arg0", "arg1", "arg9", "pid",
        "tid", "uid", "cpu", "execname",
        "+", "-", "*", "/", "%", "^", "..", "...", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "=", "+=", "<<<",
        "(", ")", "{", "}", "[", "]", ",", ";", ".", ":",
        "x", "y", "t", "f", "k", "v", "print", "printf", "print_hist", "pairs", "sort_pairs", "len", "delete", "exit",
        "stack", "user_string", "table", "new", "ansi", "set_color", "arg", "local", "and", "tick", "profile",
        "tick-1s", "profile-99hz", "tick-0s", "tick-200ms",
        "0", "1", "42", "017", "0x1f", "0xffffffffffffffff", "1.5", "09", "99999999999999999999",
        "\"s\"", "'x'", "\"\\n\"", "\"%d\"", "\"%q\"", "\"%s %d\\n\"", "[[long]]", "[=[ ]] ]=]", "\"unfinished", "\"\\q\"",
        "--", "--[[", "]]", "#", "\n",
        "syscalls:sys_enter_*", "probe:/lib/x86_64-linux-gnu/libc.so.6:malloc", "probe:do_sys_open dfd=%di", "/pid == 1/", "/",
    ];

    private static readonly string[] Separators = [" ", " ", " ", "", "\n", "\t"];

    /// <summary>Runs the whole front end and checks what it reports.</summary>
    private static void CheckFrontEnd(byte[] bytes)
    {
        var source = SourceText.FromBytes("fuzz.kp", bytes);
        var diagnostics = new DiagnosticBag();
        var script = Parser.Parse(source, diagnostics);
        Binder.Bind(script, diagnostics);

        Assert.True(diagnostics.Items.Count <= DiagnosticBag.Limit);
        foreach (var diagnostic in diagnostics.Sorted())
        {
            Assert.True(DefinedCodes.Contains(diagnostic.Code), $"undefined code {(int)diagnostic.Code}");
            Assert.True(diagnostic.Span.Start >= 0 && diagnostic.Span.Length >= 0 && diagnostic.Span.End <= source.Length, $"span {diagnostic.Span} outside 0..{source.Length}: {diagnostic}");
            Assert.False(string.IsNullOrEmpty(diagnostic.Message));
            var rendered = DiagnosticPrinter.Render(diagnostic);
            Assert.StartsWith(diagnostic.ToString() + "\n    ", rendered);
            Assert.EndsWith("^\n", rendered);
        }
    }

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    private static string Print(byte[] bytes) => bytes.Length > 2_000
        ? $"{bytes.Length} bytes: " + Encoding.Latin1.GetString(bytes, 0, 200) + "..."
        : Encoding.Latin1.GetString(bytes);

    [Fact]
    public void CorpusIsValid()
    {
        Assert.True(Corpus.Scripts.Length >= 15);
        foreach (var text in Corpus.Scripts)
        {
            var diagnostics = new DiagnosticBag();
            Binder.Bind(Parser.Parse(new SourceText("corpus.kp", text), diagnostics), diagnostics);
            Assert.True(diagnostics.Items.Count == 0, text + "\n" + string.Join("\n", diagnostics.Items));
        }
    }

    [Fact]
    public void RandomBytes()
    {
        var interesting = Latin1("(){}[]\"'\\/-#=.:,;%^!<>&|~@\n\r\t 0x19azAZ_\0\u00c3\u00ff\u0080");
        var gen = Gen.Frequency(
            (3, Gen.Byte.Array[0, 2_000]),
            (3, Gen.OneOf(interesting).Array[0, 2_000]),
            (1, Gen.Select(Gen.Int[0, 20_000], Gen.Byte.Array[0, 100], (count, tail) => Run(Latin1("var x = "), (byte)'(', count, tail))),
            (1, Gen.Select(Gen.OneOf(Latin1("({-!")), Gen.Int[0, 20_000], Gen.Byte.Array[0, 100], (open, count, tail) => Run([], open, count, tail))));
        gen.Sample(CheckFrontEnd, iter: ByteIterations, print: Print);
    }

    /// <summary>A prefix, a long run of one byte (nesting), then random bytes.</summary>
    private static byte[] Run(byte[] prefix, byte repeated, int count, byte[] tail) =>
        [.. prefix, .. Enumerable.Repeat(repeated, count), .. tail];

    [Fact]
    public void MutatedScripts()
    {
        var mutation = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 1 << 20], Gen.Int[0, 1 << 20], Gen.Int[0, Splices.Length - 1]);
        var gen = Gen.Select(Gen.Int[0, Corpus.Scripts.Length - 1], Gen.Int[0, Corpus.Scripts.Length - 1], mutation.Array[1, 8])
            .Select(input => Mutate(input.Item1, input.Item2, input.Item3));
        gen.Sample(CheckFrontEnd, iter: Iterations, print: Print);
    }

    private static byte[] Mutate(int script, int other, (int Kind, int A, int B, int Splice)[] mutations)
    {
        var bytes = new List<byte>(Latin1(Corpus.Scripts[script]));
        foreach (var (kind, a, b, splice) in mutations)
        {
            var at = bytes.Count == 0 ? 0 : a % bytes.Count;
            var length = Math.Min(b % 64, bytes.Count - at);
            switch (kind)
            {
                case 0: // flip one byte
                    if (bytes.Count > 0)
                    {
                        bytes[at] ^= (byte)(1 << (b % 8));
                    }

                    break;
                case 1: // delete a range
                    bytes.RemoveRange(at, length);
                    break;
                case 2: // duplicate a range
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                case 3: // splice in a token
                case 4:
                    bytes.InsertRange(at, Latin1(Splices[splice]));
                    break;
                default: // graft a piece of another script
                    var donor = Latin1(Corpus.Scripts[other]);
                    var from = b % donor.Length;
                    bytes.InsertRange(at, donor.Skip(from).Take(1 + (a % 200)));
                    break;
            }
        }

        return [.. bytes];
    }

    [Fact]
    public void RandomTokenSequences()
    {
        var gen = Gen.Select(Gen.Int[0, Tokens.Length - 1], Gen.Int[0, Separators.Length - 1]).Array[0, 300]
            .Select(tokens => Latin1(string.Concat(tokens.Select(t => Tokens[t.Item1] + Separators[t.Item2]))));
        gen.Sample(CheckFrontEnd, iter: Iterations, print: Print);
    }

    [Fact]
    public void RandomStatementsInsideHandlers()
    {
        // Wrapping token soup in a handler, a function and a loop reaches the binder's rules
        // for handlers, upvalues and loops, not only the top level's.
        string[] wrappers = ["trace a:b {{ {0} }}", "function f(a) {{ {0} }}\ntrace c:d {{ f(1) }}", "while (1) {{ {0} }}", "tick-1s {{ {0} }}", "var t = {{}}\nfor (k, v in pairs(t)) {{ {0} }}"];
        var gen = Gen.Select(Gen.Int[0, wrappers.Length - 1], Gen.Select(Gen.Int[0, Tokens.Length - 1], Gen.Int[0, Separators.Length - 1]).Array[0, 60])
            .Select((wrapper, tokens) => Latin1(string.Format(System.Globalization.CultureInfo.InvariantCulture, wrappers[wrapper], string.Concat(tokens.Select(t => Tokens[t.Item1] + Separators[t.Item2])))));
        gen.Sample(CheckFrontEnd, iter: Iterations, print: Print);
    }
}
