namespace Ktap.Runtime.Tests.Differential;

/// <summary>
/// Handler snippets, each a whole script whose one <c>trace</c> block runs over
/// <see cref="Events"/>. Arguments are arg0..arg9 of a raw tracepoint.
/// </summary>
internal static class DifferentialCorpus
{
    /// <summary>Three events: small numbers, a zero (for division), negative and large ones.</summary>
    public static readonly long[][] Events =
    [
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        [0, 0, -1, long.MinValue, long.MaxValue, 100, 7, -7, 3, 1 << 40],
        [42, -42, 1000, 17, 5, -3, 256, 65536, 2, 9],
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, script) in Snippets)
        {
            data.Add(name, script);
        }

        return data;
    }

    private static readonly (string Name, string Script)[] Snippets =
    [
        ("print numbers", "trace t:t { print(arg0, arg1, arg2) }"),
        ("arithmetic", "trace t:t { print(arg0 + arg1, arg0 - arg1, arg0 * arg2, -arg3) }"),
        ("division", "trace t:t { print(arg2 / 7, arg2 % 7, arg7 / 2, arg7 % 2) }"),
        ("division by a variable", "trace t:t { print(arg4 / arg8, arg4 % arg8) }"),
        ("division by zero", "trace t:t {\n  print(\"before\")\n  print(arg5 / arg0)\n}"),
        ("remainder by zero", "trace t:t { print(arg5 % arg1) }"),
        ("min over minus one", "trace t:t { print(arg3 / -1, arg3 % -1) }"),
        ("wrapping", "trace t:t { print(arg4 + 1, arg3 - 1, arg4 * 2) }"),
        ("large constants", "trace t:t { print(arg0 + 10000000000, arg0 * -5000000000) }"),
        ("precedence", "trace t:t { print(arg0 + arg1 * arg2 - arg3 / 2) }"),
        ("deep expression", "trace t:t { print(((arg0 + arg1) * (arg2 + arg3)) - ((arg4 - arg5) * (arg6 + (arg7 * (arg8 + arg9))))) }"),
        ("comparisons", "trace t:t { print(arg0 < arg1, arg0 <= arg1, arg0 > arg1, arg0 >= arg1, arg0 == arg1, arg0 != arg1) }"),
        ("signed comparisons", "trace t:t { print(arg2 < 0, arg3 < arg4, arg1 >= -42) }"),
        ("booleans", "trace t:t { var b = arg0 > 5\n print(b, !b, b == true, b != false) }"),
        ("not", "trace t:t { print(!(arg0 == 1), !true, !false) }"),
        ("and or values", "trace t:t { var b = arg0 > 1\n print(b && false, b || true, arg0 && arg1, arg0 || arg1) }"),
        ("short circuit", "var n = 0\nfunction bump() { n += 1\n return true }\ntrace t:t { if (arg0 > 1 && bump()) { print(\"yes\") }\n if (arg0 > 1 || bump()) { print(\"or\") } }\ntrace_end { print(n) }"),
        ("if elseif else", "trace t:t {\n  if (arg0 == 1) { print(\"one\") } elseif (arg0 == 0) { print(\"zero\") } else { print(\"other\", arg0) }\n}"),
        ("nested if", "trace t:t { if (arg0 > 0) { if (arg1 > 0) { print(\"both\") } else { print(\"first\") } } }"),
        ("while", "trace t:t { var i = 0\n var s = 0\n while (i < arg6) { s += i\n i += 1 }\n print(s) }"),
        ("repeat", "trace t:t { var i = 0\n repeat { i += 2 } until (i >= arg6)\n print(i) }"),
        ("for", "trace t:t { var s = 0\n for (i = 1, arg6) { s += i }\n print(s) }"),
        ("for step", "trace t:t { for (i = 10, 1, -3) { print(i) } }"),
        ("for step variable", "trace t:t { for (i = 0, 10, arg8) { printf(\"%d \", i) }\n print() }"),
        ("for empty", "trace t:t { for (i = 5, 1) { print(i) }\n print(\"done\") }"),
        ("for step zero", "trace t:t { for (i = 1, 3, arg0 - arg0) { print(i) } }"),
        ("for near the end of the range", "trace t:t { var n = 0\n for (i = 9223372036854775805, 9223372036854775807) { n += 1 }\n print(n) }"),
        ("break", "trace t:t { var i = 0\n while (true) { i += 1\n if (i == 5) { break } }\n print(i) }"),
        ("break in for", "trace t:t { for (i = 1, 100) { if (i * i > arg2 + 50) { print(i)\n break } } }"),
        ("loop limit", "trace t:t {\n  var i = 0\n  while (true) { i += 1 }\n}"),
        ("loop limit in for", "trace t:t {\n  for (i = 1, 200000) { }\n  print(\"not reached\")\n}"),
        ("nested loops", "trace t:t { var n = 0\n for (i = 1, 3) { for (j = 1, 4) { n += i * j } }\n print(n) }"),
        ("function", "function sq(x) { return x * x }\ntrace t:t { print(sq(arg0), sq(arg2)) }"),
        ("function two calls nested", "function add(a, b) { return a + b }\ntrace t:t { print(add(add(arg0, 1), add(arg1, 2))) }"),
        ("function early return", "function sign(x) { if (x < 0) { return -1 } elseif (x == 0) { return 0 }\n return 1 }\ntrace t:t { print(sign(arg1), sign(arg2), sign(arg0)) }"),
        ("function without return", "function f(x) { if (x > 1) { return 1 } }\ntrace t:t { print(f(arg0)) }"),
        ("function calls function", "function g(x) { return x + 1 }\nfunction f(x) { return g(x) * 2 }\ntrace t:t { print(f(arg0)) }"),
        ("function with loop", "function sum(n) { var s = 0\n for (i = 1, n) { s += i }\n return s }\ntrace t:t { print(sum(arg6)) }"),
        ("function missing argument", "function f(a, b) { return b == nil }\ntrace t:t { print(f(1)) }"),
        ("locals shadow", "trace t:t { var x = 1\n { var x = 2\n print(x) }\n print(x) }"),
        ("nil local", "trace t:t { var x\n print(x)\n x = arg0\n print(x) }"),
        ("nil arithmetic", "trace t:t {\n  var x\n  if (arg0 > 1) { x = 1 }\n  print(x + 1)\n}"),
        ("multiple assignment", "trace t:t { var a, b = arg0, arg1\n a, b = b, a\n print(a, b) }"),
        ("declaration extra values", "trace t:t { var a, b = arg0\n print(a, b) }"),
        ("compare with nil", "trace t:t { var x\n if (arg0 == 1) { x = 5 }\n print(x == nil, x != nil, nil == x) }"),
        ("compare nil ordered", "trace t:t {\n  var x\n  if (arg0 > 40) { x = 1 }\n  print(x < 3)\n}"),
        ("truthiness", "trace t:t { var x\n if (arg0 == 1) { x = 0 }\n if (x) { print(\"x true\") } else { print(\"x false\") }\n if (0) { print(\"0 true\") } }"),
        ("global counter", "var n = 0\ntrace t:t { n += 1 }\ntrace_end { print(n) }"),
        ("global assign", "var last = 0\ntrace t:t { last = arg2 }\ntrace_end { print(last) }"),
        ("global read", "var limit = 10\ntrace t:t { if (arg2 > limit) { print(\"big\", arg2) } }"),
        ("global nil increment", "var n\ntrace t:t { n += 1 }\ntrace_end { print(n) }"),
        ("global boolean", "var seen = false\ntrace t:t { if (arg0 == 0) { seen = true } }\ntrace_end { print(seen) }"),
        ("global string", "var who = \"nobody\"\ntrace t:t { if (arg0 == 42) { who = \"answer\" } }\ntrace_end { print(who) }"),
        ("global string read", "var tag = \"tag\"\ntrace t:t { print(tag, arg0) }"),
        ("table count", "var t = {}\ntrace t:t { t[arg0 % 2] += 1 }\ntrace_end { print(t[0], t[1]) }"),
        ("table add values", "var t = {}\ntrace t:t { t[1] += arg2 }\ntrace_end { print(t[1]) }"),
        ("table read in handler", "var t = {}\ntrace t:t { t[1] += 1\n print(t[1], t[2]) }"),
        ("table store", "var t = {}\ntrace t:t { t[arg0] = arg1 }\ntrace_end { for (k, v in sort_pairs(t, \"key\")) { print(k, v) } }"),
        ("table delete", "var t = {}\ntrace t:t { t[1] = arg0\n if (arg0 == 0) { t[1] = nil }\n print(t[1]) }"),
        ("table string keys", "var t = {}\ntrace t:t { if (arg0 > 1) { t[\"big\"] += 1 } else { t[\"small\"] += 1 } }\ntrace_end { print(t[\"big\"], t[\"small\"]) }"),
        ("table prefilled", "var t = {}\nt[1] = 100\nt[2] = 200\ntrace t:t { print(t[1], t[2], t[3]) }"),
        ("table missing arithmetic", "var t = {}\ntrace t:t {\n  print(t[arg0] + 1)\n}"),
        ("table missing compare", "var t = {}\nt[1] = 1\ntrace t:t { print(t[arg0] == nil, t[arg0] == 1) }"),
        ("table boolean values", "var t = {}\ntrace t:t { t[arg0] = arg0 > 10 }\ntrace_end { for (k, v in sort_pairs(t, \"key\")) { print(k, v) } }"),
        ("table string values", "var t = {}\ntrace t:t { if (arg0 > 10) { t[arg0] = \"big\" } else { t[arg0] = \"small\" } }\ntrace_end { for (k, v in sort_pairs(t, \"key\")) { print(k, v) } }"),
        ("table nil index", "var t = {}\ntrace t:t {\n  var k\n  t[k] += 1\n}"),
        ("table print_hist", "var t = {}\ntrace t:t { t[arg0 % 3] += arg0 }\ntrace_end { print_hist(t) }"),
        ("strings", "trace t:t { var s = \"hello\"\n print(s, \"world\") }"),
        ("string equality", "trace t:t { var s = \"abc\"\n print(s == \"abc\", s == \"abd\", s != \"abc\", \"abc\" == s) }"),
        ("string equality long", "trace t:t { var s = \"a fairly long string of more than eight bytes\"\n print(s == \"a fairly long string of more than eight bytes\", s == \"a fairly long string of more than eight bytez\") }"),
        ("string variables compared", "trace t:t { var a = \"same\"\n var b = \"same\"\n var c = \"other\"\n print(a == b, a == c) }"),
        ("string by branch", "trace t:t { var s = \"small\"\n if (arg0 > 10) { s = \"big\" }\n print(s) }"),
        ("execname", "trace t:t { print(execname == execname) }"),
        ("execname key", "var t = {}\ntrace t:t { t[execname] += 1 }\ntrace_end { for (k, v in pairs(t)) { print(v) } }"),
        ("probename", "trace t:t { print(probename) }"),
        ("pid", "trace t:t { printf(\"%d\\n\", pid - pid) }"),
        ("printf", "trace t:t { printf(\"%d %5d %-5d| %x %X %o %u\\n\", arg0, arg1, arg2, arg6, arg6, arg6, arg0) }"),
        ("printf strings", "trace t:t { printf(\"[%s] [%10s] [%-6s]\\n\", \"a\", \"right\", \"left\") }"),
        ("printf booleans", "trace t:t { printf(\"%s %s\\n\", arg0 > 5, true) }"),
        ("printf char", "trace t:t { printf(\"%c%c\\n\", 65 + arg0, 97) }"),
        ("printf percent", "trace t:t { printf(\"100%%\\n\") }"),
        ("print nil", "var t = {}\ntrace t:t { print(t[5]) }"),
        ("print nothing", "trace t:t { print() }"),
        ("exit", "trace t:t {\n  print(\"once\")\n  exit()\n  print(\"never\")\n}\ntrace_end { print(\"end\") }"),
        ("exit after condition", "var n = 0\ntrace t:t { n += 1\n if (n == 2) { exit() } }\ntrace_end { print(n) }"),
        ("return from handler", "trace t:t { if (arg0 == 1) { return }\n print(arg0) }"),
        ("gettimeofday", "trace t:t { print(gettimeofday_s() > 1700000000, gettimeofday_ms() > 1700000000000) }"),
        ("top level prints", "print(\"start\")\ntrace t:t { print(arg0) }\ntrace_end { print(\"end\") }"),
        ("shared by two uses", "var total = 0\nvar count = {}\ntrace t:t { total += arg0\n count[arg0 > 5] += 1 }\ntrace_end { print(total, count[true], count[false]) }"),
        ("increment local", "trace t:t { var a = arg0\n a += 5\n a += arg1\n print(a) }"),
        ("increment nil local", "trace t:t {\n  var a\n  a += 1\n}"),
        ("error then continue", "var n = 0\ntrace t:t {\n  n += 1\n  print(10 / arg0)\n}\ntrace_end { print(n) }"),
        ("concatenation", "trace t:t { var s = \"ab\" .. \"cd\"\n print(s, s == \"abcd\") }"),
        ("concatenation chain", "trace t:t { var s = \"x\" .. \"-\" .. \"y\" .. \"-\" .. \"z\"\n print(s) }"),
        ("concatenation by branch", "trace t:t { var kind = \"small\"\n if (arg0 > 10) { kind = \"big\" }\n print(\"size: \" .. kind) }"),
        ("concatenation key", "var t = {}\ntrace t:t { t[\"k\" .. \"ey\"] += 1 }\ntrace_end { print(t[\"key\"]) }"),
        ("concatenation empty", "trace t:t { print(\"\" .. \"a\" .. \"\") }"),
        ("concatenation execname", "trace t:t { var s = execname .. \"!\"\n print(s == execname .. \"!\") }"),
        ("function returning a string", "function kind(x) { if (x > 10) { return \"big\" }\n return \"small\" }\ntrace t:t { print(kind(arg0), kind(arg2) == \"big\") }"),
        ("string table values read in the handler", "var names = {}\nnames[1] = \"one\"\nnames[42] = \"answer\"\ntrace t:t { if (names[arg0] != nil) { print(names[arg0]) } else { print(\"unknown\", arg0) } }"),
        ("negative and large keys", "var t = {}\ntrace t:t { t[arg3] += 1\n t[arg2] += 1 }\ntrace_end { for (k, v in sort_pairs(t, \"key\")) { print(k, v) } }"),
        ("global string compared", "var want = \"answer\"\ntrace t:t { var s = \"answer\"\n if (arg0 != 42) { s = \"other\" }\n print(s == want) }"),
        ("elseif chain", "trace t:t { var n = arg2\n if (n < 0) { print(\"negative\") } elseif (n < 10) { print(\"small\") } elseif (n < 100) { print(\"medium\") } else { print(\"large\") } }"),
        ("repeat limit", "trace t:t {\n  var i = 0\n  repeat { i += 1 } until (i < 0)\n}"),
        ("while with nested break", "trace t:t { var i = 0\n var found = -1\n while (i < 50) { if (i * arg6 > 100) { if (found < 0) { found = i\n break } }\n i += 1 }\n print(found) }"),
    ];
}
