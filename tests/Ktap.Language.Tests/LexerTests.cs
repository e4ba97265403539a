using Ktap.Language.Diagnostics;
using Ktap.Language.Syntax;
using static Ktap.Language.Tests.Compile;

namespace Ktap.Language.Tests;

public sealed class LexerTests
{
    // ---- Numbers -------------------------------------------------------------------------

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("42", 42L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("0x1f", 31L)]
    [InlineData("0X1F", 31L)]
    [InlineData("0xdeadBEEF", 0xdeadbeefL)]
    [InlineData("017", 15L)]
    [InlineData("00", 0L)]
    [InlineData("0777", 511L)]
    [InlineData("0xffffffffffffffff", -1L)]
    [InlineData("0x8000000000000000", long.MinValue)]
    [InlineData("18446744073709551615", -1L)]
    public void NumberValues(string literal, long expected)
    {
        var token = Assert.Single(Lex(literal));
        Assert.Equal(TokenKind.Number, token.Kind);
        Assert.Equal(expected, token.Number);
        Assert.Equal(new TextSpan(0, literal.Length), token.Span);
    }

    [Theory]
    [InlineData("1.5", "fractions")]
    [InlineData("1e3", "fractions")]
    [InlineData("0.5", "fractions")]
    [InlineData("1.", "fractions")]
    [InlineData("09", "'9' is not a digit in base 8")]
    [InlineData("08", "'8' is not a digit in base 8")]
    [InlineData("12ab", "'a' is not a digit in base 10")]
    [InlineData("0x1g", "'g' is not a digit in base 16")]
    [InlineData("0x", "no digits after '0x'")]
    [InlineData("0x10000000000000000", "does not fit in 64 bits")]
    [InlineData("18446744073709551616", "does not fit in 64 bits")]
    [InlineData("99999999999999999999999", "does not fit in 64 bits")]
    public void MalformedNumbers(string literal, string problem)
    {
        var tokens = Lex(literal, out var diagnostics);

        // One token for the whole literal: "1.5" is not "1", ".", "5".
        var token = Assert.Single(tokens);
        Assert.Equal(TokenKind.Number, token.Kind);
        var diagnostic = Assert.Single(diagnostics.Items);
        Assert.Equal(DiagnosticCode.MalformedNumber, diagnostic.Code);
        Assert.Equal(new TextSpan(0, literal.Length), diagnostic.Span);
        Assert.StartsWith($"malformed number '{literal}': ", diagnostic.Message);
        Assert.Contains(problem, diagnostic.Message);
    }

    [Fact]
    public void NumberStopsBeforeConcatenation()
    {
        var tokens = Lex("1..2");
        Assert.Equal([TokenKind.Number, TokenKind.DotDot, TokenKind.Number], tokens.Select(t => t.Kind));
        Assert.Equal([1L, 0L, 2L], tokens.Select(t => t.Number));
    }

    [Fact]
    public void MinusIsAnOperatorNotPartOfTheNumber()
    {
        var tokens = Lex("-5");
        Assert.Equal([TokenKind.Minus, TokenKind.Number], tokens.Select(t => t.Kind));
        Assert.Equal(5, tokens[1].Number);
    }

    // ---- Strings -------------------------------------------------------------------------

    [Theory]
    [InlineData(@"\a", "\a")]
    [InlineData(@"\b", "\b")]
    [InlineData(@"\f", "\f")]
    [InlineData(@"\n", "\n")]
    [InlineData(@"\r", "\r")]
    [InlineData(@"\t", "\t")]
    [InlineData(@"\v", "\v")]
    [InlineData(@"\\", "\\")]
    [InlineData(@"\""", "\"")]
    [InlineData(@"\'", "'")]
    [InlineData(@"\x41", "A")]
    [InlineData(@"\x7e", "~")]
    [InlineData(@"\xfF", "\u00ff")]
    [InlineData(@"\x414", "A4")]
    [InlineData(@"\65", "A")]
    [InlineData(@"\0", "\0")]
    [InlineData(@"\0651", "A1")]
    [InlineData(@"\255", "\u00ff")]
    [InlineData(@"\9", "\t")]
    [InlineData("\\z   \t \n  x", "x")]
    [InlineData("a\\zb", "ab")]
    [InlineData("a\\\nb", "a\nb")]
    [InlineData("a\\\r\nb", "a\nb")]
    public void EscapeSequences(string escaped, string value)
    {
        var token = Assert.Single(Lex("\"" + escaped + "\""));
        Assert.Equal(TokenKind.String, token.Kind);
        Assert.Equal(value, token.Text);
        Assert.Equal(escaped.Length + 2, token.Span.Length);
    }

    [Fact]
    public void SingleQuotedStringsTakeDoubleQuotesAsText()
    {
        var token = Assert.Single(Lex("'say \"hi\"\\n'"));
        Assert.Equal("say \"hi\"\n", token.Text);
    }

    [Fact]
    public void StringKeepsEveryByte()
    {
        // The source is Latin-1: invalid UTF-8 stays byte for byte.
        var source = SourceText.FromBytes("t", [(byte)'"', 0xff, 0xc3, 0x28, 0x00, (byte)'"']);
        var lexer = new Lexer(source, new DiagnosticBag());
        Assert.Equal("\u00ff\u00c3(\0", lexer.NextToken().Text);
    }

    [Theory]
    [InlineData(@"""\q""", @"invalid escape sequence '\q'")]
    [InlineData(@"""\x4""", @"'\x' needs two hexadecimal digits")]
    [InlineData(@"""\xg0""", @"'\x' needs two hexadecimal digits")]
    [InlineData(@"""\256""", @"decimal escape too large")]
    [InlineData(@"""\999""", @"decimal escape too large")]
    [InlineData(@"""\u0041""", @"invalid escape sequence '\u'")]
    public void InvalidEscapes(string text, string message)
    {
        var tokens = Lex(text, out var diagnostics);
        Assert.Equal(TokenKind.String, Assert.Single(tokens).Kind);
        var diagnostic = Assert.Single(diagnostics.Items);
        Assert.Equal(DiagnosticCode.InvalidEscape, diagnostic.Code);
        Assert.Contains(message, diagnostic.Message);
        Assert.Equal(1, diagnostic.Span.Start);
        Assert.StartsWith("\\", Covered(diagnostic));
    }

    [Theory]
    [InlineData("\"abc")]
    [InlineData("'abc")]
    [InlineData("\"abc\nprint(1)")]
    [InlineData("\"abc\\")]
    [InlineData("\"")]
    public void UnfinishedStrings(string text)
    {
        Lex(text, out var diagnostics);
        var diagnostic = Assert.Single(diagnostics.Items, d => d.Code == DiagnosticCode.UnfinishedString);
        Assert.Equal(new TextSpan(0, 1), diagnostic.Span);
        Assert.StartsWith("unfinished string: missing the closing " + text[0], diagnostic.Message);
    }

    [Fact]
    public void UnfinishedStringStopsAtTheLineEnd()
    {
        var tokens = Lex("\"abc\nx", out _);
        Assert.Equal([TokenKind.String, TokenKind.Identifier], tokens.Select(t => t.Kind));
        Assert.Equal("abc", tokens[0].Text);
    }

    // ---- Long strings --------------------------------------------------------------------

    [Theory]
    [InlineData("[[abc]]", "abc")]
    [InlineData("[[]]", "")]
    [InlineData("[[a\\nb]]", "a\\nb")]
    [InlineData("[[\nfirst\nsecond]]", "first\nsecond")]
    [InlineData("[[\r\nfirst]]", "first")]
    [InlineData("[[\n\nx]]", "\nx")]
    [InlineData("[=[a]]b]=]", "a]]b")]
    [InlineData("[==[\nx]=]y]==]", "x]=]y")]
    [InlineData("[==[a]==]", "a")]
    public void LongStrings(string text, string value)
    {
        var token = Assert.Single(Lex(text));
        Assert.Equal(TokenKind.String, token.Kind);
        Assert.Equal(value, token.Text);
        Assert.Equal(new TextSpan(0, text.Length), token.Span);
    }

    [Theory]
    [InlineData("[[abc", "]]")]
    [InlineData("[==[abc]=]", "]==]")]
    [InlineData("x = [=[abc]]", "]=]")]
    public void UnfinishedLongStrings(string text, string close)
    {
        Lex(text, out var diagnostics);
        var diagnostic = Assert.Single(diagnostics.Items);
        Assert.Equal(DiagnosticCode.UnfinishedLongBracket, diagnostic.Code);
        Assert.Equal($"unfinished long string: missing the closing {close}", diagnostic.Message);
        Assert.Equal(text.IndexOf('['), diagnostic.Span.Start);
    }

    [Fact]
    public void BracketWithoutLongStringIsAnIndex()
    {
        Assert.Equal([TokenKind.Identifier, TokenKind.OpenBracket, TokenKind.Identifier, TokenKind.CloseBracket], Lex("t[k]").Select(t => t.Kind));
        Assert.Equal([TokenKind.OpenBracket, TokenKind.Equal], Lex("[=").Select(t => t.Kind));
    }

    // ---- Comments ------------------------------------------------------------------------

    [Theory]
    [InlineData("# comment\n7")]
    [InlineData("-- comment\n7")]
    [InlineData("--[[ long\ncomment ]] 7")]
    [InlineData("--[==[ long ]] still ]=] comment\n]==] 7")]
    [InlineData("--[ not long\n7")]
    [InlineData("#!/usr/bin/env ktap\n7")]
    [InlineData("#!/usr/bin/env ktap\n# more\n-- more\n7 -- trailing")]
    [InlineData("7 # trailing")]
    public void CommentsAreSkipped(string text)
    {
        var token = Assert.Single(Lex(text));
        Assert.Equal(7, token.Number);
        Assert.Equal(text.IndexOf('7'), token.Span.Start);
    }

    [Fact]
    public void DoubleMinusStartsAComment()
    {
        // 'x--1' is 'x' and a comment, as in Lua: not 'x - -1'.
        var token = Assert.Single(Lex("x--1"));
        Assert.Equal(TokenKind.Identifier, token.Kind);
        Assert.Equal("x", token.Text);
    }

    [Fact]
    public void UnfinishedLongComment()
    {
        Lex("print(1) --[[ never closed\nprint(2)", out var diagnostics);
        var diagnostic = Assert.Single(diagnostics.Items);
        Assert.Equal(DiagnosticCode.UnfinishedLongBracket, diagnostic.Code);
        Assert.Equal("unfinished long comment: missing the closing ]]", diagnostic.Message);
    }

    // ---- Punctuation ---------------------------------------------------------------------

    [Theory]
    [InlineData("+", TokenKind.Plus)]
    [InlineData("-", TokenKind.Minus)]
    [InlineData("*", TokenKind.Star)]
    [InlineData("/", TokenKind.Slash)]
    [InlineData("%", TokenKind.Percent)]
    [InlineData("^", TokenKind.Caret)]
    [InlineData("..", TokenKind.DotDot)]
    [InlineData("...", TokenKind.DotDotDot)]
    [InlineData("==", TokenKind.EqualEqual)]
    [InlineData("!=", TokenKind.BangEqual)]
    [InlineData("<", TokenKind.Less)]
    [InlineData("<=", TokenKind.LessEqual)]
    [InlineData(">", TokenKind.Greater)]
    [InlineData(">=", TokenKind.GreaterEqual)]
    [InlineData("&&", TokenKind.AmpAmp)]
    [InlineData("||", TokenKind.PipePipe)]
    [InlineData("!", TokenKind.Bang)]
    [InlineData("=", TokenKind.Equal)]
    [InlineData("+=", TokenKind.PlusEqual)]
    [InlineData("<<<", TokenKind.LessLessLess)]
    [InlineData("(", TokenKind.OpenParen)]
    [InlineData(")", TokenKind.CloseParen)]
    [InlineData("{", TokenKind.OpenBrace)]
    [InlineData("}", TokenKind.CloseBrace)]
    [InlineData("[", TokenKind.OpenBracket)]
    [InlineData("]", TokenKind.CloseBracket)]
    [InlineData(",", TokenKind.Comma)]
    [InlineData(";", TokenKind.Semicolon)]
    [InlineData(".", TokenKind.Dot)]
    [InlineData(":", TokenKind.Colon)]
    public void Punctuation(string text, TokenKind kind)
    {
        var token = Assert.Single(Lex(text));
        Assert.Equal(kind, token.Kind);
        Assert.Equal(text, token.Text);
        Assert.Equal(new TextSpan(0, text.Length), token.Span);
    }

    [Fact]
    public void PunctuationTakesTheLongestMatch()
    {
        var tokens = Lex("a<<<b<<c<=d....e+==f");
        Assert.Equal(
            [
                TokenKind.Identifier, TokenKind.LessLessLess, TokenKind.Identifier, TokenKind.Less, TokenKind.Less,
                TokenKind.Identifier, TokenKind.LessEqual, TokenKind.Identifier, TokenKind.DotDotDot, TokenKind.Dot,
                TokenKind.Identifier, TokenKind.PlusEqual, TokenKind.Equal, TokenKind.Identifier,
            ],
            tokens.Select(t => t.Kind));
    }

    [Fact]
    public void TokenSpansSkipWhiteSpace()
    {
        const string text = "  foo\t\"bar\"\r\n\f\v 12 ";
        var tokens = Lex(text);
        Assert.Equal(["foo", "\"bar\"", "12"], tokens.Select(t => Covered(text, t.Span)));
    }

    // ---- Keywords and identifiers ----------------------------------------------------------

    [Theory]
    [InlineData("trace", TokenKind.Trace)]
    [InlineData("trace_end", TokenKind.TraceEnd)]
    [InlineData("var", TokenKind.Var)]
    [InlineData("function", TokenKind.Function)]
    [InlineData("if", TokenKind.If)]
    [InlineData("elseif", TokenKind.Elseif)]
    [InlineData("else", TokenKind.Else)]
    [InlineData("while", TokenKind.While)]
    [InlineData("repeat", TokenKind.Repeat)]
    [InlineData("until", TokenKind.Until)]
    [InlineData("for", TokenKind.For)]
    [InlineData("in", TokenKind.In)]
    [InlineData("break", TokenKind.Break)]
    [InlineData("return", TokenKind.Return)]
    [InlineData("do", TokenKind.Do)]
    [InlineData("end", TokenKind.End)]
    [InlineData("nil", TokenKind.Nil)]
    [InlineData("true", TokenKind.True)]
    [InlineData("false", TokenKind.False)]
    [InlineData("argstr", TokenKind.Argstr)]
    [InlineData("probename", TokenKind.Probename)]
    [InlineData("arg0", TokenKind.Arg0)]
    [InlineData("arg1", TokenKind.Arg1)]
    [InlineData("arg9", TokenKind.Arg9)]
    [InlineData("pid", TokenKind.Pid)]
    [InlineData("tid", TokenKind.Tid)]
    [InlineData("uid", TokenKind.Uid)]
    [InlineData("cpu", TokenKind.Cpu)]
    [InlineData("execname", TokenKind.Execname)]
    public void Keywords(string text, TokenKind kind)
    {
        var token = Assert.Single(Lex(text));
        Assert.Equal(kind, token.Kind);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("and")]
    [InlineData("or")]
    [InlineData("not")]
    [InlineData("then")]
    [InlineData("arg")]
    [InlineData("arg10")]
    [InlineData("tick")]
    [InlineData("profile")]
    [InlineData("Trace")]
    [InlineData("trace_end2")]
    [InlineData("_")]
    [InlineData("_x1")]
    [InlineData("x_1_Y")]
    public void Identifiers(string text)
    {
        var token = Assert.Single(Lex(text));
        Assert.Equal(TokenKind.Identifier, token.Kind);
        Assert.Equal(text, token.Text);
    }

    [Fact]
    public void IdentifierCannotStartWithADigit()
    {
        Lex("1abc", out var diagnostics);
        Assert.Equal(DiagnosticCode.MalformedNumber, Assert.Single(diagnostics.Items).Code);
    }

    // ---- Bad characters --------------------------------------------------------------------

    [Theory]
    [InlineData("@", "unexpected character '@'")]
    [InlineData("$", "unexpected character '$'")]
    [InlineData("`", "unexpected character '`'")]
    [InlineData("\\", "unexpected character '\\'")]
    [InlineData("?", "unexpected character '?'")]
    [InlineData("&", "unexpected character '&': did you mean '&&'? (ktap has no bitwise operators)")]
    [InlineData("|", "unexpected character '|': did you mean '||'? (ktap has no bitwise operators)")]
    [InlineData("~", "unexpected character '~': did you mean '!='?")]
    [InlineData("\0", "unexpected character '\\x00'")]
    [InlineData("\u00e9", "unexpected character '\\xe9'")]
    [InlineData("\u007f", "unexpected character '\\x7f'")]
    public void BadCharacters(string text, string message)
    {
        var token = Assert.Single(Lex("x " + text + " y", out var diagnostics), t => t.Kind == TokenKind.Bad);
        Assert.Equal(new TextSpan(2, 1), token.Span);
        var diagnostic = Assert.Single(diagnostics.Items);
        Assert.Equal(DiagnosticCode.UnexpectedCharacter, diagnostic.Code);
        Assert.Equal(message, diagnostic.Message);
        Assert.Equal(new TextSpan(2, 1), diagnostic.Span);
    }

    [Fact]
    public void LexingGoesOnAfterABadCharacter()
    {
        var tokens = Lex("a @ b $ c", out var diagnostics);
        Assert.Equal(["a", "@", "b", "$", "c"], tokens.Select(t => t.Text));
        Assert.Equal(2, diagnostics.Items.Count);
    }
}
