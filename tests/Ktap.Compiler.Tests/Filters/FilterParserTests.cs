using Ktap.Compiler.Events;
using Ktap.Compiler.Filters;
using static Ktap.Compiler.Tests.Filters.FilterTargets;

namespace Ktap.Compiler.Tests.Filters;

public sealed class FilterParserTests
{
    // ---- Integer predicates ----------------------------------------------------------------

    [Theory]
    [InlineData("==", IntegerOperator.Equal)]
    [InlineData("!=", IntegerOperator.NotEqual)]
    [InlineData("<", IntegerOperator.Less)]
    [InlineData("<=", IntegerOperator.LessOrEqual)]
    [InlineData(">", IntegerOperator.Greater)]
    [InlineData(">=", IntegerOperator.GreaterOrEqual)]
    [InlineData("&", IntegerOperator.BitAnd)]
    public void EveryIntegerOperatorParses(string op, IntegerOperator expected)
    {
        var predicate = Assert.IsType<IntegerPredicate>(Parse($"pid {op} 42"));
        Assert.Equal(expected, predicate.Operator);
        Assert.Equal(42, predicate.Value);
        Assert.Equal(new FilterSubject("pid", SubjectKind.Integer, 8, 4, IsSigned: true), predicate.Subject);
    }

    [Fact]
    public void OperatorsNeedNoSpaces()
    {
        var predicate = Assert.IsType<IntegerPredicate>(Parse("ret>=-5"));
        Assert.Equal(IntegerOperator.GreaterOrEqual, predicate.Operator);
        Assert.Equal(-5, predicate.Value);
    }

    [Theory]
    [InlineData("flags == 0x1F", 31)]
    [InlineData("flags == 0X10", 16)]
    [InlineData("flags == 017", 15)]
    [InlineData("flags == 0", 0)]
    [InlineData("flags == 18446744073709551615", -1)]
    [InlineData("flags == -1", -1)]
    [InlineData("ret == -9223372036854775808", long.MinValue)]
    [InlineData("ret == 0xffffffffffffffff", -1)]
    [InlineData("pid == -0x10", -16)]
    [InlineData("pid == 0xffffffff", -1)]
    [InlineData("uid == -1", 0xffffffff)]
    [InlineData("prio == 0xff", -1)]
    [InlineData("prio == -128", -128)]
    [InlineData("level == -1", 255)]
    [InlineData("level == 255", 255)]
    [InlineData("adj == 0x8000", -32768)]
    [InlineData("mode == 65535", 65535)]
    public void NumbersAreReadLikeTheKernelAndCutToTheField(string filter, long expected) =>
        Assert.Equal(expected, Assert.IsType<IntegerPredicate>(Parse(filter)).Value);

    [Theory]
    [InlineData("level == 256", "256 does not fit in 'level' (1 byte)")]
    [InlineData("prio == -129", "-129 does not fit in 'prio' (1 byte)")]
    [InlineData("mode == 0x10000", "0x10000 does not fit in 'mode' (2 bytes)")]
    [InlineData("pid == 4294967296", "4294967296 does not fit in 'pid' (4 bytes)")]
    [InlineData("flags == 18446744073709551616", "18446744073709551616 is out of range: filter values have 64 bits")]
    [InlineData("flags == 0x1g", "malformed number '0x1g'")]
    [InlineData("flags == 0x", "malformed number '0x'")]
    [InlineData("flags == 09", "malformed number '09'")]
    [InlineData("flags == 12abc", "malformed number '12abc'")]
    [InlineData("flags == --1", "unexpected character '-' in the filter")]
    public void BadNumbersAreErrorsAtTheValue(string filter, string message)
    {
        var (actual, column, _) = Error(filter);
        Assert.Equal(message, actual);
        Assert.Equal(ColumnOf(filter, "==") + 3, column);
    }

    // ---- String predicates -----------------------------------------------------------------

    [Theory]
    [InlineData("prev_comm ~ \"bash\"", StringMatch.Exact, "bash")]
    [InlineData("prev_comm ~ \"ba*\"", StringMatch.Prefix, "ba")]
    [InlineData("prev_comm ~ \"*sh\"", StringMatch.Suffix, "sh")]
    [InlineData("prev_comm ~ \"*as*\"", StringMatch.Contains, "as")]
    [InlineData("prev_comm ~ \"*\"", StringMatch.Suffix, "")]
    [InlineData("prev_comm ~ \"**\"", StringMatch.Contains, "")]
    [InlineData("prev_comm == \"a*b?\"", StringMatch.Exact, "a*b?")]
    [InlineData("prev_comm == 'single'", StringMatch.Exact, "single")]
    [InlineData("prev_comm == \"\"", StringMatch.Exact, "")]
    public void GlobsBecomeTheFourStringTests(string filter, StringMatch match, string pattern)
    {
        var predicate = Assert.IsType<StringPredicate>(Parse(filter));
        Assert.Equal(match, predicate.Match);
        Assert.Equal(pattern, predicate.Pattern);
        Assert.Equal(SubjectKind.CharArray, predicate.Subject.Kind);
    }

    [Fact]
    public void StringNotEqualAndBangGlobsAreNegatedMatches()
    {
        var notEqual = Assert.IsType<FilterNot>(Parse("prev_comm != \"sh\""));
        Assert.Equal(StringMatch.Exact, Assert.IsType<StringPredicate>(notEqual.Operand).Match);
        var notGlob = Assert.IsType<FilterNot>(Parse("prev_comm ~ \"!sh*\""));
        var inner = Assert.IsType<StringPredicate>(notGlob.Operand);
        Assert.Equal((StringMatch.Prefix, "sh"), (inner.Match, inner.Pattern));
    }

    [Theory]
    [InlineData("filename == \"/bin/true\"", SubjectKind.DataLocString)]
    [InlineData("comm == \"sh\"", SubjectKind.Comm)]
    [InlineData("COMM ~ \"sh*\"", SubjectKind.Comm)]
    [InlineData("path.ustring == \"/etc/passwd\"", SubjectKind.UserString)]
    public void EveryKindOfStringParses(string filter, SubjectKind kind) =>
        Assert.Equal(kind, Assert.IsType<StringPredicate>(Parse(filter)).Subject.Kind);

    [Fact]
    public void UstringReadsThroughThePointerField() =>
        Assert.Equal(
            new FilterSubject("path", SubjectKind.UserString, 64, 8, IsSigned: false),
            Assert.IsType<StringPredicate>(Parse("path.ustring ~ \"/tmp/*\"")).Subject);

    [Theory]
    [InlineData("prev_comm ~ \"a*b\"", "*", 1)]
    [InlineData("prev_comm ~ \"*a*b*\"", "*", 2)]
    [InlineData("prev_comm ~ \"a?\"", "?", 1)]
    [InlineData("prev_comm ~ \"[ab]\"", "[", 1)]
    [InlineData("prev_comm ~ \"!x\\\\y\"", "\\", 1)]
    public void FullGlobsAreRefusedAtTheWildcard(string filter, string wildcard, int occurrence)
    {
        var (message, column, length) = Error(filter);
        Assert.StartsWith("unsupported glob", message, StringComparison.Ordinal);
        Assert.Equal(ColumnOf(filter, wildcard, occurrence), column);
        Assert.Equal(1, length);
    }

    [Fact]
    public void LongStringsAreRefused()
    {
        var (message, _, _) = Error($"prev_comm == \"{new string('x', 255)}\"");
        Assert.Equal("string too long: 255 bytes (at most 254)", message);
        Assert.IsType<StringPredicate>(Parse($"prev_comm == \"{new string('x', 254)}\""));
    }

    // ---- Fields -----------------------------------------------------------------------------

    [Fact]
    public void CommonPidIsTheCurrentThreadEvenWithoutTheHeaderInTheTarget()
    {
        var expected = new FilterSubject("common_pid", SubjectKind.ThreadId, -1, 4, IsSigned: true);
        Assert.Equal(expected, Assert.IsType<IntegerPredicate>(Parse("common_pid == 7")).Subject);
        var bare = new ProbeTarget("bare", ContextKind.Tracepoint, [], [new("x", 8, 8, FieldKind.Unsigned)]);
        Assert.Equal(expected, Assert.IsType<IntegerPredicate>(Parse("common_pid == 7", bare)).Subject);
    }

    [Theory]
    [InlineData("CPU")]
    [InlineData("cpu")]
    public void CpuIsGeneric(string name) =>
        Assert.Equal(SubjectKind.Cpu, Assert.IsType<IntegerPredicate>(Parse($"{name} == 1")).Subject.Kind);

    [Fact]
    public void AnEventsOwnCommFieldWinsOverTheGenericOne()
    {
        var target = new ProbeTarget("t", ContextKind.Tracepoint, [], [new("comm", 8, 16, FieldKind.CharArray)]);
        Assert.Equal(SubjectKind.CharArray, Assert.IsType<StringPredicate>(Parse("comm == \"x\"", target)).Subject.Kind);
    }

    [Fact]
    public void ARawTracepointOffersItsArgumentsByName()
    {
        var target = ProbeTarget.RawTracepoint("sys_enter", 3);
        Assert.Equal(
            new FilterSubject("arg1", SubjectKind.Integer, 8, 8, IsSigned: false),
            Assert.IsType<IntegerPredicate>(Parse("arg1 == 0x101", target)).Subject);
        Assert.Equal(
            "sys_enter has no field 'arg7'; did you mean 'arg0' or 'arg1' or 'arg2'?",
            Error("arg7 == 1", target).Message);
    }

    [Fact]
    public void RegistersContextsReadEveryOffset()
    {
        var target = new ProbeTarget("k", ContextKind.Registers, [], [new("r15", 0, 8, FieldKind.Unsigned)]);
        Assert.Equal(
            new FilterSubject("r15", SubjectKind.Integer, 0, 8, IsSigned: false),
            Assert.IsType<IntegerPredicate>(Parse("r15 == 1", target)).Subject);
    }

    [Theory]
    [InlineData("pdi == 1", "sample_event has no field 'pdi'; did you mean 'pid' or 'adj' or 'prio'?")]
    [InlineData("prevcomm == \"a\"", "sample_event has no field 'prevcomm'; did you mean 'prev_comm'?")]
    [InlineData("flag & 1", "sample_event has no field 'flag'; did you mean 'flags'?")]
    [InlineData(
        "zzzzzzzz == 1",
        "sample_event has no field 'zzzzzzzz' (its fields: pid, prev_comm, filename, flags, ret, prio, level, adj, mode, uid,"
        + " path, uuid, common_pid, cpu, comm)")]
    public void UnknownFieldsNameTheNearOnes(string filter, string message)
    {
        var (actual, column, length) = Error(filter);
        Assert.Equal(message, actual);
        Assert.Equal(ColumnOf(filter, filter.Split(' ')[0]), column);
        Assert.Equal(filter.Split(' ')[0].Length, length);
    }

    [Theory]
    [InlineData("common_flags == 1")]
    [InlineData("common_type == 1")]
    [InlineData("common_preempt_count > 0")]
    public void TheHiddenHeaderFieldsAreRefused(string filter) =>
        Assert.Equal(
            $"'{filter.Split(' ')[0]}' cannot be filtered on: BPF programs do not see the event's common header",
            Error(filter).Message);

    [Theory]
    [InlineData("uuid == 1", "uuid", "'uuid' is 16 bytes: only 1-, 2-, 4- and 8-byte integers can be compared")]
    [InlineData("pid.ustring == \"x\"", "ustring", "'.ustring' reads a user-space string through a pointer, and 'pid' is not an 8-byte field")]
    [InlineData("prev_comm.ustring == \"x\"", "ustring", "'.ustring' reads a user-space string through a pointer, and 'prev_comm' is not an 8-byte field")]
    [InlineData("path.function == 1", "function", "'.function' (a kernel address by its symbol) is not supported in ktap filters")]
    [InlineData("path.str == \"x\"", "str", "unknown field suffix '.str': the only one is '.ustring'")]
    public void FieldsThatCannotBeComparedAreErrors(string filter, string at, string message)
    {
        var (actual, column, _) = Error(filter);
        Assert.Equal(message, actual);
        Assert.Equal(ColumnOf(filter, at), column);
    }

    // ---- Type errors ------------------------------------------------------------------------

    [Theory]
    [InlineData("pid ~ \"1\"", "~", "'~' matches strings, and 'pid' is an integer")]
    [InlineData("pid == \"1\"", "\"1\"", "'pid' is an integer: compare it with a number, not a string")]
    [InlineData("prev_comm < \"a\"", "<", "'<' compares numbers, and 'prev_comm' is a string (use ==, != or ~)")]
    [InlineData("comm & \"a\"", "&", "'&' compares numbers, and 'comm' is a string (use ==, != or ~)")]
    [InlineData("filename == 5", "5", "'filename' is a string: compare it with a quoted string")]
    [InlineData("comm == bash", "bash", "unquoted string 'bash': write it in double quotes")]
    [InlineData("pid == abc", "abc", "'abc' is not a number: a filter compares a field with a constant")]
    public void OperatorsAndValuesMustSuitTheField(string filter, string at, string message)
    {
        var (actual, column, _) = Error(filter);
        Assert.Equal(message, actual);
        Assert.Equal(ColumnOf(filter, at), column);
    }

    // ---- Logic and precedence ---------------------------------------------------------------

    [Fact]
    public void AndBindsTighterThanOr()
    {
        var or = Assert.IsType<FilterOr>(Parse("pid == 1 || pid == 2 && ret == 3"));
        Assert.IsType<IntegerPredicate>(or.Left);
        Assert.IsType<FilterAnd>(or.Right);
        var or2 = Assert.IsType<FilterOr>(Parse("pid == 1 && pid == 2 || ret == 3"));
        Assert.IsType<FilterAnd>(or2.Left);
        Assert.IsType<IntegerPredicate>(or2.Right);
    }

    [Fact]
    public void ChainsAssociateToTheLeft()
    {
        var and = Assert.IsType<FilterAnd>(Parse("pid == 1 && pid == 2 && pid == 3"));
        Assert.Equal(3, Assert.IsType<IntegerPredicate>(and.Right).Value);
        var left = Assert.IsType<FilterAnd>(and.Left);
        Assert.Equal(1, Assert.IsType<IntegerPredicate>(left.Left).Value);
    }

    [Fact]
    public void ParenthesesGroup()
    {
        var and = Assert.IsType<FilterAnd>(Parse("(pid == 1 || pid == 2) && ret == 3"));
        Assert.IsType<FilterOr>(and.Left);
    }

    [Fact]
    public void BangAppliesToTheNextPredicateOrGroup()
    {
        var and = Assert.IsType<FilterAnd>(Parse("!pid == 1 && ret == 2"));
        Assert.IsType<IntegerPredicate>(Assert.IsType<FilterNot>(and.Left).Operand);
        var not = Assert.IsType<FilterNot>(Parse("!(pid == 1 && ret == 2)"));
        Assert.IsType<FilterAnd>(not.Operand);
        var twice = Assert.IsType<FilterNot>(Parse("!!pid == 1"));
        Assert.IsType<FilterNot>(twice.Operand);
    }

    [Fact]
    public void SpansCoverTheSource()
    {
        const string filter = "pid == 1 && (ret < 0 || prev_comm ~ \"a*\")";
        var and = Assert.IsType<FilterAnd>(Parse(filter));
        Assert.Equal(ColumnOf(filter, "pid") - 1, and.Span.Start);
        Assert.Equal(filter.Length - 1, and.Span.Length);
        var or = Assert.IsType<FilterOr>(and.Right);
        Assert.Equal(ColumnOf(filter, "ret") - 1, or.Span.Start);
    }

    [Fact]
    public void SpacesAroundTheFilterDoNotMoveTheColumns()
    {
        const string filter = "   pdi == 1  ";
        Assert.Equal(ColumnOf(filter, "pdi"), Error(filter).Column);
    }

    // ---- Syntax errors ----------------------------------------------------------------------

    [Theory]
    [InlineData("pid = 1", "=", "'=' is not a filter operator: compare with '=='")]
    [InlineData("pid == 1 | ret == 2", "|", "'|' is not a filter operator: write '||' for or")]
    [InlineData("pid == 1 ret == 2", "ret", "expected '&&', '||' or the end of the filter, found 'ret'")]
    [InlineData("pid 1", "1", "expected a comparison (== != < <= > >= & ~) after 'pid', found '1'")]
    [InlineData("prev_comm !~ \"a\"", "!", "'!~' is not a filter operator: write !(field ~ \"glob\")")]
    [InlineData("== 1", "==", "expected a field name, found '=='")]
    [InlineData("1 == pid", "1", "expected a field name, found '1'")]
    [InlineData("pid == 1 &&", "", "expected a field name at the end of the filter")]
    [InlineData("pid ==", "", "expected a value after '==' at the end of the filter")]
    [InlineData("pid == 1)", ")", "unbalanced ')': no '(' to close")]
    [InlineData("(pid == 1", "(", "missing ')' to close this '('")]
    [InlineData("(pid == 1 ret", "ret", "expected '&&', '||' or ')', found 'ret'")]
    [InlineData("pid == 1 && ()", ")", "expected a field name, found ')'")]
    [InlineData("pid == 1 # x", "#", "unexpected character '#' in the filter")]
    [InlineData("pid == 1.5", ".", "expected '&&', '||' or the end of the filter, found '.'")]
    [InlineData("pid. == 1", "==", "expected 'ustring' after the '.', found '=='")]
    public void SyntaxErrorsPointAtTheToken(string filter, string at, string message)
    {
        var (actual, column, _) = Error(filter);
        Assert.Equal(message, actual);
        Assert.Equal(at.Length == 0 ? ColumnOf(filter, "/", 2) : ColumnOf(filter, at), column);
    }

    [Fact]
    public void AnUnterminatedStringIsAnErrorFromItsQuote()
    {
        // The front end keeps a quote open up to the '{' itself, so this one is fed directly.
        var error = Assert.Throws<FilterException>(() => FilterParser.Parse("comm == 'abc", 10, Event));
        Assert.Equal("unterminated string: missing the closing '", error.Message);
        Assert.Equal(new(18, 4), error.Span);
    }

    [Fact]
    public void AnEmptyFilterIsAnError()
    {
        var error = Assert.Throws<FilterException>(() => FilterParser.Parse("   ", 10, Event));
        Assert.Equal("empty filter", error.Message);
    }

    [Fact]
    public void DeepNestingIsAnErrorNotACrash()
    {
        var deep = new string('(', FilterParser.MaxNesting + 1) + "pid == 1" + new string(')', FilterParser.MaxNesting + 1);
        var error = Assert.Throws<FilterException>(() => FilterParser.Parse(deep, 0, Event));
        Assert.Equal($"filter nested too deeply (more than {FilterParser.MaxNesting} levels)", error.Message);
        Assert.Equal(FilterParser.MaxNesting, error.Span.Start);
        var bangs = new string('!', FilterParser.MaxNesting) + "pid == 1";
        Assert.IsType<FilterNot>(FilterParser.Parse(bangs, 0, Event));
    }

    [Fact]
    public void LongChainsAreAnErrorNotACrash()
    {
        var chain = string.Join(" && ", Enumerable.Repeat("pid == 1", FilterParser.MaxPredicates));
        Assert.IsType<FilterAnd>(FilterParser.Parse(chain, 0, Event));
        var error = Assert.Throws<FilterException>(() => FilterParser.Parse(chain + " || ret == 2", 0, Event));
        Assert.Equal($"too many predicates in one filter (more than {FilterParser.MaxPredicates})", error.Message);
        Assert.Equal(chain.Length + 4, error.Span.Start);
    }

    [Fact]
    public void TheTextOverloadOffsetsSpans()
    {
        var error = Assert.Throws<FilterException>(() => FilterParser.Parse("pid == 1 && nope == 2", 100, Event));
        Assert.Equal(112, error.Span.Start);
        Assert.Equal(4, error.Span.Length);
    }
}
