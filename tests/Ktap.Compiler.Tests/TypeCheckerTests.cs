using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using static Ktap.Compiler.Tests.Script;

namespace Ktap.Compiler.Tests;

public sealed class TypeCheckerTests
{
    private static readonly KtapType StringToNumber = KtapType.Table(KtapType.String, KtapType.Number);

    // ---- Inference -----------------------------------------------------------------------

    [Fact]
    public void ATopLevelTableTakesItsTypesFromAHandler()
    {
        var typed = Valid("var t = {}\ntrace syscalls:sys_enter_open { t[execname] += 1 }\ntrace_end { print_hist(t) }");
        var t = TopLevel(typed, "t");
        Assert.Equal(StringToNumber, typed.TypeOf(t));
        Assert.Equal([t], typed.SharedVariables);
    }

    [Fact]
    public void PrintHistOnTheUserSideMakesTheValuesNumbers()
    {
        var typed = Valid("var t = {}\ntrace a:b { var v = t[pid] }\ntrace_end { print_hist(t) }");
        Assert.Equal(KtapType.Table(KtapType.Number, KtapType.Number), typed.TypeOf(TopLevel(typed, "t")));
        Assert.Equal(KtapType.Number, typed.TypeOf(Local(typed, "v")));
    }

    [Fact]
    public void UserSideValuesDecideASharedVariable()
    {
        var typed = Valid("var limit = 10\nvar name = \"sh\"\ntrace a:b { if (arg1 > limit && execname == name) { print(pid) } }");
        Assert.Equal(KtapType.Number, typed.TypeOf(TopLevel(typed, "limit")));
        Assert.Equal(KtapType.String, typed.TypeOf(TopLevel(typed, "name")));
    }

    [Fact]
    public void ATableConstructorAtTheTopLevelGivesItsTypes()
    {
        var typed = Valid("var names = {[1] = \"one\", [2] = \"two\"}\ntrace a:b { print(names[arg1]) }");
        Assert.Equal(KtapType.Table(KtapType.Number, KtapType.String), typed.TypeOf(TopLevel(typed, "names")));
    }

    [Fact]
    public void ProbeVariablesHaveTheirTypes()
    {
        var typed = Valid("trace a:b {\n  var a, p, n, c, e = arg3, pid, probename, cpu, execname\n  var f = args.filename\n  printf(\"%s\", argstr)\n}");
        Assert.Equal(KtapType.Number, typed.TypeOf(Local(typed, "a")));
        Assert.Equal(KtapType.Number, typed.TypeOf(Local(typed, "p")));
        Assert.Equal(KtapType.String, typed.TypeOf(Local(typed, "n")));
        Assert.Equal(KtapType.Number, typed.TypeOf(Local(typed, "c")));
        Assert.Equal(KtapType.String, typed.TypeOf(Local(typed, "e")));
        Assert.Equal(KtapType.Unknown, typed.TypeOf(Local(typed, "f")));
    }

    [Fact]
    public void BuiltinsHaveTheirTypes()
    {
        var typed = Valid("var stacks = {}\ntrace a:b {\n  var s = stack()\n  var u = user_string(arg1)\n  var t = gettimeofday_us()\n  var n = len(u)\n  var i = in_interrupt()\n  stacks[s] += 1\n}");
        Assert.Equal(KtapType.Stack, typed.TypeOf(Local(typed, "s")));
        Assert.Equal(KtapType.String, typed.TypeOf(Local(typed, "u")));
        Assert.Equal(KtapType.Number, typed.TypeOf(Local(typed, "t")));
        Assert.Equal(KtapType.Number, typed.TypeOf(Local(typed, "n")));
        Assert.Equal(KtapType.Number, typed.TypeOf(Local(typed, "i")));
        Assert.Equal(KtapType.Table(KtapType.Stack, KtapType.Number), typed.TypeOf(TopLevel(typed, "stacks")));
    }

    [Fact]
    public void EveryKernelExpressionHasAType()
    {
        var typed = Valid("var t = {}\ntrace a:b { t[execname .. \"x\"] = arg1 * 2 + 1 }");
        var statement = Assert.IsType<BoundAssignment>(Assert.Single(typed.Bound.Probes[0].Handler.Body.Statements));
        var target = Assert.IsType<BoundIndex>(statement.Targets[0]);
        Assert.Equal(KtapType.String, typed.TypeOf(target.Key));
        Assert.Equal(KtapType.Number, typed.TypeOf(target));
        Assert.Equal(KtapType.Number, typed.TypeOf(statement.Values[0]));
        Assert.Equal(StringToNumber, typed.TypeOf(target.Target));
    }

    [Fact]
    public void ForInGivesTheKeyAndValueTypes()
    {
        var typed = Valid("var t = {}\ntrace a:b {\n  t[execname] = arg1\n  for (k, v in pairs(t)) { print(k, v) }\n}");
        Assert.Equal(KtapType.String, typed.TypeOf(Local(typed, "k")));
        Assert.Equal(KtapType.Number, typed.TypeOf(Local(typed, "v")));
    }

    [Fact]
    public void ParametersAreUnifiedAcrossKernelCallSites()
    {
        var typed = Valid("function twice(x) { return x + x }\ntrace a:b { print(twice(arg1)) }\ntrace c:d { print(twice(pid)) }");
        var twice = Function(typed, "twice");
        Assert.Equal(KtapType.Number, typed.TypeOf(twice.Parameters[0]));
        Assert.Equal(KtapType.Number, typed.ReturnType(twice));
        Assert.Contains(twice, typed.KernelFunctions);
    }

    [Fact]
    public void AParameterTakesItsTypeFromTheCaller()
    {
        var typed = Valid("function show(name) { printf(\"%s\\n\", name) }\ntrace a:b { show(execname) }");
        Assert.Equal(KtapType.String, typed.TypeOf(Function(typed, "show").Parameters[0]));
    }

    [Fact]
    public void UserSideCallsOfAFunctionDoNotConstrainIt()
    {
        var typed = Valid("function id(x) { return x }\ntrace a:b { print(id(arg1)) }\ntrace_end { print(id(\"text\")) }");
        Assert.Equal(KtapType.Number, typed.TypeOf(Function(typed, "id").Parameters[0]));
    }

    [Fact]
    public void NilIsNoValue()
    {
        Valid("var t = {}\ntrace a:b {\n  if (t[pid] == nil) { t[pid] = arg1 } else { t[pid] = nil }\n  var x = t[tid] || 0\n}");
    }

    [Fact]
    public void AnyValueIsACondition()
    {
        Valid("trace a:b {\n  if (arg1) { print(1) }\n  while (execname) { break }\n  if (!arg1) { print(2) }\n}");
    }

    [Fact]
    public void UserOnlyCodeMayMixTypes()
    {
        Valid("var x = 1\nx = \"s\"\nvar mixed = {1, \"a\", {2}}\ntrace a:b { print(pid) }\ntrace_end { var y = 1\n y = {} }");
    }

    [Fact]
    public void UserOnlyCodeMayRecurse()
    {
        Valid("function f(n) { if (n > 0) { f(n - 1) } }\ntrace a:b { print(pid) }\ntrace_end { f(3) }");
    }

    [Theory]
    [InlineData("var s = {}\ntrace syscalls:sys_enter_* { s[probename] += 1 }\ntrace_end { print_hist(s) }")]
    [InlineData("var s = {}\nprofile-10ms { s[stack()] += 1 }\ntick-10s { exit() }\ntrace_end { print_hist(s, 100000) }")]
    [InlineData("var start = {}\nvar lat = {}\ntrace probe:schedule { start[tid] = gettimeofday_us() }\ntrace probe:schedule%return {\n  if (start[tid] != nil) {\n    lat[execname] += gettimeofday_us() - start[tid]\n    start[tid] = nil\n  }\n}\ntrace_end { for (k, v in pairs(lat)) { printf(\"%s %d\\n\", k, v) } }")]
    [InlineData("var n = 0\nvar max = arg[1]\ntrace syscalls:sys_exit_read /ret > 0/ {\n  n += 1\n  if (n >= max) { exit() }\n}\ntick-1s { print(n)\n n = 0 }")]
    [InlineData("function bucket(x) {\n  var b = 0\n  while (x > 1) { x = x / 2\n b += 1 }\n  return b\n}\nvar h = {}\ntrace syscalls:sys_exit_read { h[bucket(arg1)] += 1 }\ntrace_end { print_hist(h) }")]
    public void RealScriptsCheck(string text)
    {
        Valid(text);
    }

    // ---- KT2001 recursion ----------------------------------------------------------------

    [Fact]
    public void DirectRecursionInKernelCodeIsAnError()
    {
        var error = Fails("function f(n) {\n  return f(n - 1)\n}\ntrace a:b { f(arg1) }", DiagnosticCode.KernelRecursion);
        Assert.Equal(2, error.Location.Line);
        Assert.Contains("f -> f", error.Message);
    }

    [Fact]
    public void MutualRecursionInKernelCodeIsAnError()
    {
        // A function sees only names declared before it, so mutual recursion goes through a variable.
        var error = Fails("var g\nfunction f(n) { return g(n) }\ng = function (n) { return f(n) }\ntrace a:b { f(arg1) }", DiagnosticCode.KernelRecursion);
        Assert.Equal(2, error.Location.Line);
    }

    [Fact]
    public void RecursionThroughANestedFunctionIsAnError()
    {
        Check("function f(n) {\n  function g(m) { return f(m) }\n  return g(n)\n}\ntrace a:b { f(arg1) }", out var diagnostics);
        Assert.Equal([DiagnosticCode.NotInKernel, DiagnosticCode.KernelRecursion], diagnostics.Select(d => d.Code));
        Assert.Contains("(f -> g -> f)", diagnostics[1].Message);
        Assert.Equal(2, diagnostics[1].Location.Line);
    }

    [Fact]
    public void ALongChainOfCallsIsNotRecursion()
    {
        var text = new System.Text.StringBuilder("function f0(n) { return n }\n");
        for (var i = 1; i < 3000; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"function f{i}(n) {{ return f{i - 1}(n) }}\n");
        }

        text.Append("trace a:b { print(f2999(arg1)) }");
        var typed = Valid(text.ToString());
        Assert.Equal(KtapType.Number, typed.ReturnType(Function(typed, "f0")));
    }

    [Fact]
    public void CallsWithoutACycleAreFine()
    {
        Valid("function g(n) { return n + 1 }\nfunction f(n) { return g(n) + g(n) }\ntrace a:b { f(arg1) }");
    }

    [Fact]
    public void CallingAFunctionValueInKernelCodeIsAnError()
    {
        var error = Fails("function apply(h) { return h() }\ntrace a:b { print(pid) }\ntrace c:d { apply(1) }", DiagnosticCode.KernelRecursion);
        Assert.Contains("function value", error.Message);
    }

    // ---- KT2002 table created in a handler ------------------------------------------------

    [Fact]
    public void ATableConstructorInAHandlerIsAnError()
    {
        var error = Fails("trace a:b {\n  var t = {}\n}", DiagnosticCode.TableCreatedInHandler);
        Assert.Equal(2, error.Location.Line);
        Assert.Contains("top level", error.Message);
    }

    [Fact]
    public void TableNewInAHandlerIsAnError()
    {
        Fails("trace a:b { var t = table.new(4, 4) }", DiagnosticCode.TableCreatedInHandler);
    }

    [Fact]
    public void ATableCreatedAtTheTopLevelIsFine()
    {
        Valid("var t = {}\nvar u = table.new(4, 4)\ntrace a:b { t[1] = 1\n u[2] = 2 }");
    }

    // ---- KT2003 type conflicts --------------------------------------------------------------

    [Fact]
    public void ALocalWhoseTypeChangesIsAnError()
    {
        var error = Fails("trace a:b {\n  var a = 1\n  a = \"s\"\n}", DiagnosticCode.TypeConflict);
        Assert.Equal(3, error.Location.Line);
        Assert.Equal("type conflict for variable 'a': string here, number at line 2; in kernel code a value keeps one type", error.Message);
    }

    [Fact]
    public void ALocalThatKeepsItsTypeIsFine()
    {
        Valid("trace a:b {\n  var a = 1\n  a = 2\n}");
    }

    [Fact]
    public void AUserSideUseConflictingWithTheKernelIsAnError()
    {
        Check("var t = {}\ntrace a:b { t[execname] += 1 }\ntrace_end { t[1] = \"x\" }", out var diagnostics);
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticCode.TypeConflict, d.Code));
        Assert.All(diagnostics, d => Assert.Equal(3, d.Location.Line));
        Assert.Equal(
            [
                "type conflict for the keys of 't': number here, string at line 2; in kernel code a value keeps one type",
                "type conflict for the values of 't': string here, number at line 2; in kernel code a value keeps one type",
            ],
            diagnostics.Select(d => d.Message));
    }

    [Fact]
    public void PrintHistOfStringsIsAnError()
    {
        var error = Fails("var t = {}\ntrace a:b { t[pid] = execname }\ntrace_end { print_hist(t) }", DiagnosticCode.TypeConflict);
        Assert.Equal(3, error.Location.Line);
        Assert.Contains("at line 2", error.Message);
    }

    [Fact]
    public void ATableValueWhoseTypeChangesAcrossHandlersIsAnError()
    {
        var error = Fails("var t = {}\ntrace a:b { t[pid] = 1 }\ntrace c:d { t[pid] = execname }", DiagnosticCode.TypeConflict);
        Assert.Contains("the values of 't': string here, number at line 2", error.Message);
    }

    [Fact]
    public void ArithmeticOnAStringIsAnError()
    {
        var error = Fails("trace a:b { print(execname + 1) }", DiagnosticCode.TypeConflict);
        Assert.Equal("type conflict for the left operand of '+': string here, but it must be a number", error.Message);
    }

    [Fact]
    public void AnOperandDecidedOnAnotherLineIsNamed()
    {
        var error = Fails("trace a:b {\n  var s = execname\n  print(s * 2)\n}", DiagnosticCode.TypeConflict);
        Assert.Contains("string here (from line 2)", error.Message);
    }

    [Fact]
    public void ConcatenatingANumberIsAnError()
    {
        Fails("trace a:b { print(execname .. pid) }", DiagnosticCode.TypeConflict);
    }

    [Fact]
    public void AndOrWithDifferentTypesIsAnError()
    {
        Fails("trace a:b { var x = arg1 || \"none\" }", DiagnosticCode.TypeConflict);
        Valid("trace a:b { var x = arg1 || 0 }");
    }

    [Fact]
    public void ConditionsCombineTestsOfAnyTypes()
    {
        // Only the truth of a condition is used, so its '&&', '||' and '!' need no common type.
        Valid("var t = {}\ntrace a:b { t[pid] = execname\n if (t[pid] && arg1 > 0) { print(1) }\n while (!t[tid] || arg2) { break }\n var n = 0\n repeat n += 1 until (t[cpu] && n > 3) }");

        // A value taken from the same expression still needs one type.
        Fails("var t = {}\ntrace a:b { t[pid] = execname\n var x = t[pid] && 1 }", DiagnosticCode.TypeConflict);
    }

    [Fact]
    public void ComparingDifferentTypesIsAnError()
    {
        Fails("trace a:b { if (execname == 1) { print(1) } }", DiagnosticCode.TypeConflict);
        Valid("trace a:b { if (execname == \"sh\") { print(1) } }");
    }

    [Fact]
    public void AParameterWhoseTypeChangesIsAnError()
    {
        var error = Fails("function show(x) { print(x) }\ntrace a:b { show(1) }\ntrace c:d { show(execname) }", DiagnosticCode.TypeConflict);
        Assert.Contains("parameter 'x' of 'show': string here, number at line 2", error.Message);
    }

    [Fact]
    public void AReturnValueWhoseTypeChangesIsAnError()
    {
        var error = Fails("function f(x) {\n  if (x) { return 1 }\n  return \"s\"\n}\ntrace a:b { f(1) }", DiagnosticCode.TypeConflict);
        Assert.Contains("the return value of 'f': string here, number at line 2", error.Message);
    }

    [Fact]
    public void LenOfANumberIsAnError()
    {
        Fails("trace a:b { print(len(arg1)) }", DiagnosticCode.TypeConflict);
        Valid("var t = {}\ntrace a:b { print(len(execname), len(t)) }");
    }

    // ---- KT2004 nested tables ----------------------------------------------------------------

    [Fact]
    public void ATableOfTablesUsedByAHandlerIsAnError()
    {
        var error = Fails("var t = {}\ntrace a:b { t[pid][1] = 1 }", DiagnosticCode.NestedTable);
        Assert.Equal(2, error.Location.Line);
    }

    [Fact]
    public void ANestedTableBuiltAtTheTopLevelIsAnError()
    {
        Fails("var t = {{1}}\ntrace a:b { print(t[1]) }", DiagnosticCode.NestedTable);
    }

    [Fact]
    public void ATableStoredInItselfIsAnError()
    {
        Fails("var t = {}\ntrace a:b { t[1] = t }", DiagnosticCode.NestedTable);
    }

    [Fact]
    public void NestedTablesOnlyTheUserSideSeesAreFine()
    {
        Valid("var t = {}\nvar u = {{1}}\ntrace a:b { t[pid] = 1 }\ntrace_end { print(u[1][1]) }");
    }

    // ---- KT2005 what the kernel cannot do ------------------------------------------------------

    [Fact]
    public void PrintHistInAHandlerIsAnError()
    {
        var error = Fails("var t = {}\ntrace a:b { print_hist(t) }", DiagnosticCode.NotInKernel);
        Assert.Contains("call print_hist in trace_end or a tick block", error.Message);
        Valid("var t = {}\ntrace a:b { t[pid] += 1 }\ntrace_end { print_hist(t) }");
    }

    [Theory]
    [InlineData("trace a:b { var f = function () { return 1 } }")]
    [InlineData("trace a:b {\n  function f() { return 1 }\n  f()\n}")]
    [InlineData("var t = {}\ntrace a:b { t:insert(1) }")]
    [InlineData("trace a:b { print(arg[1]) }")]
    [InlineData("trace a:b { print(ansi) }")]
    [InlineData("trace a:b { var p = print }")]
    [InlineData("function f() { return 1 }\ntrace a:b { var g = f }")]
    [InlineData("var t = {}\ntrace a:b { for (k, v in sort_pairs(t)) { print(k) } }")]
    [InlineData("trace a:b { print(num_cpus()) }")]
    [InlineData("trace a:b { print(arch(), kernel_v()) }")]
    [InlineData("trace a:b { print(stringof(arg1)) }")]
    [InlineData("trace a:b { ansi.clear_screen() }")]
    [InlineData("trace a:b { var s = argstr }")]
    [InlineData("trace a:b { print(\"x\" .. argstr) }")]
    [InlineData("profile-99hz { print(argstr) }")]
    [InlineData("trace a:b { print(args.common_pid) }")]
    [InlineData("var d = 5\ntrace a:b { print(stack(d)) }")]
    [InlineData("trace a:b { print(stack(10, arg1)) }")]
    public void WhatTheKernelCannotDoIsAnError(string text)
    {
        Check(text, out var diagnostics);
        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticCode.NotInKernel, d.Code));
    }

    [Fact]
    public void AggregationsRecordNumbersInTheKernelAndAreReadOnTheUserSide()
    {
        var typed = Valid("var h = hist()\nvar s = aggr()\ntrace a:b { h[execname] <<< arg1\n s[arg0] <<< 1 }\ntrace_end { print(h, count(s[1])) }");
        Assert.Equal(KtapType.Table(KtapType.String, KtapType.Aggregate), typed.TypeOf(TopLevel(typed, "h")));
        Assert.Equal(KtapType.Table(KtapType.Number, KtapType.Aggregate), typed.TypeOf(TopLevel(typed, "s")));
    }

    [Theory]
    [InlineData("var h = hist()\ntrace a:b { print(h[1]) }\ntrace_end { h[1] <<< 1 }", DiagnosticCode.NotInKernel)]
    [InlineData("var h = hist()\ntrace a:b { h[1] <<< 1\n for (k, v in pairs(h)) { } }", DiagnosticCode.NotInKernel)]
    [InlineData("var h = hist()\ntrace a:b { h[1] <<< 1\n print(len(h)) }", DiagnosticCode.NotInKernel)]
    [InlineData("var s = aggr()\ntrace a:b { s[1] <<< 1\n print(count(s[1])) }", DiagnosticCode.NotInKernel)]
    [InlineData("trace a:b { var h = hist() }", DiagnosticCode.TableCreatedInHandler)]
    [InlineData("var t = {}\ntrace a:b { t[1] += 1\n t[2] <<< 5 }", DiagnosticCode.TypeConflict)]
    [InlineData("var s = aggr()\ntrace a:b { s[1] <<< execname }", DiagnosticCode.TypeConflict)]
    public void AggregationsMisusedInTheKernelAreErrors(string text, DiagnosticCode code) => Fails(text, code);

    [Fact]
    public void ArgstrPrintedAndStackWithWrittenNumbersAreFine()
    {
        Valid("trace a:b { print(argstr)\n printf(\"%d %s\\n\", pid, argstr)\n print(stack(-1, 2), stack(5)) }");
    }

    [Fact]
    public void TheSameBuiltinsOnTheUserSideAreFine()
    {
        Valid("var n = num_cpus()\nvar t = {}\ntrace a:b { t[pid] = n }\ntrace_end {\n  ansi.clear_screen()\n  print(arg[0], arch(), stringof(1))\n  for (k, v in sort_pairs(t)) { print(k) }\n}");
    }

    [Fact]
    public void ProfileBlocksAreKernelCode()
    {
        Fails("profile-10ms { var t = {} }", DiagnosticCode.TableCreatedInHandler);
        Valid("tick-1s { var t = {} }");
    }

    // ---- doc/diagnostics.md ------------------------------------------------------------------

    [Theory]
    [InlineData(
        "function fact(n) {\n    if (n <= 1) { return 1 }\n    return n * fact(n - 1)\n}\ntrace syscalls:sys_enter_read { print(fact(arg3)) }\n",
        "err.kp:3:16: error KT2001: recursion in kernel code (fact -> fact): the kernel cannot run a function that calls itself; write it as a loop")]
    [InlineData(
        "trace syscalls:sys_enter_openat {\n    var seen = {}\n    seen[pid] = 1\n}\n",
        "err.kp:2:16: error KT2002: a table cannot be created in kernel code: declare it at the top level of the script (var t = {}) and use it here")]
    [InlineData(
        "var counts = {}\ntrace syscalls:sys_enter_read { counts[execname] += 1 }\ntrace_end { counts[1] = \"x\" }\n",
        "err.kp:3:20: error KT2003: type conflict for the keys of 'counts': number here, string at line 2; in kernel code a value keeps one type\n"
        + "err.kp:3:25: error KT2003: type conflict for the values of 'counts': string here, number at line 2; in kernel code a value keeps one type")]
    [InlineData(
        "var bytes = {}\ntrace syscalls:sys_enter_write { bytes[pid][arg1] += arg3 }\n",
        "err.kp:2:34: error KT2004: the values of 'bytes' are tables (table(number, table(number, number))): a table used in kernel code holds numbers, strings, booleans or stacks; use a second table or a combined key (t[a .. \"/\" .. b])")]
    [InlineData(
        "var counts = {}\ntrace syscalls:sys_enter_read {\n    counts[execname] += 1\n    print_hist(counts)\n}\n",
        "err.kp:4:5: error KT2005: 'print_hist' cannot run in a probe handler, only in the ktap process: call print_hist in trace_end or a tick block")]
    public void TheDocumentedExamplesGiveTheDocumentedErrors(string text, string expected)
    {
        Check(text, out var diagnostics, "err.kp");
        Assert.Equal(expected, string.Join("\n", diagnostics));
    }
}
