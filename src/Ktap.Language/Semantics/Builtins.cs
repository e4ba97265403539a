namespace Ktap.Language.Semantics;

/// <summary>Every built-in function of LANGUAGE.md §6.</summary>
public enum BuiltinFunction
{
    Print,
    Printf,
    PrintHist,
    Pairs,
    SortPairs,
    Len,
    Delete,
    Exit,
    Stack,
    GettimeofdayNs,
    GettimeofdayUs,
    GettimeofdayMs,
    GettimeofdayS,
    UserString,
    KernelString,
    Stringof,
    Ipof,
    NumCpus,
    Arch,
    KernelV,
    InInterrupt,
    TableNew,
    Aggr,
    Hist,
    Lhist,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    AnsiClearScreen,
    AnsiSetColor,
    AnsiSetColor2,
    AnsiSetColor3,
    AnsiResetColor,
    AnsiNewLine,
}

/// <summary>A built-in's name as scripts write it, its arity, and whether it needs an event.</summary>
/// <param name="HandlerOnly">It reads the context of a probe hit (a kernel stack, user memory): meaningless in the ktap process.</param>
public sealed record BuiltinInfo(BuiltinFunction Function, string Name, int MinArguments, int MaxArguments, bool HandlerOnly = false)
{
    public const int Unlimited = int.MaxValue;

    public string ArityText => MaxArguments switch
    {
        Unlimited => $"{MinArguments} or more arguments",
        _ when MinArguments == MaxArguments => MinArguments == 1 ? "1 argument" : $"{MinArguments} arguments",
        _ => $"{MinArguments} to {MaxArguments} arguments",
    };
}

public static class Builtins
{
    /// <summary>The global names that are not functions: the script arguments and the libraries.</summary>
    public const string ArgTable = "arg";

    public static readonly IReadOnlyDictionary<string, BuiltinInfo> Functions = Index(
    [
        new(BuiltinFunction.Print, "print", 0, BuiltinInfo.Unlimited),
        new(BuiltinFunction.Printf, "printf", 1, BuiltinInfo.Unlimited),
        new(BuiltinFunction.PrintHist, "print_hist", 1, 2),
        new(BuiltinFunction.Pairs, "pairs", 1, 1),
        new(BuiltinFunction.SortPairs, "sort_pairs", 1, 2),
        new(BuiltinFunction.Len, "len", 1, 1),
        new(BuiltinFunction.Delete, "delete", 1, 1),
        new(BuiltinFunction.Exit, "exit", 0, 0),
        new(BuiltinFunction.Stack, "stack", 0, 2, HandlerOnly: true),
        new(BuiltinFunction.GettimeofdayNs, "gettimeofday_ns", 0, 0),
        new(BuiltinFunction.GettimeofdayUs, "gettimeofday_us", 0, 0),
        new(BuiltinFunction.GettimeofdayMs, "gettimeofday_ms", 0, 0),
        new(BuiltinFunction.GettimeofdayS, "gettimeofday_s", 0, 0),
        new(BuiltinFunction.UserString, "user_string", 1, 1, HandlerOnly: true),
        new(BuiltinFunction.KernelString, "kernel_string", 1, 1, HandlerOnly: true),
        new(BuiltinFunction.Stringof, "stringof", 1, 1),
        new(BuiltinFunction.Ipof, "ipof", 1, 1, HandlerOnly: true),
        new(BuiltinFunction.NumCpus, "num_cpus", 0, 0),
        new(BuiltinFunction.Arch, "arch", 0, 0),
        new(BuiltinFunction.KernelV, "kernel_v", 0, 0),
        new(BuiltinFunction.InInterrupt, "in_interrupt", 0, 0, HandlerOnly: true),
        new(BuiltinFunction.Aggr, "aggr", 0, 0),
        new(BuiltinFunction.Hist, "hist", 0, 0),
        new(BuiltinFunction.Lhist, "lhist", 3, 3),
        new(BuiltinFunction.Count, "count", 1, 1),
        new(BuiltinFunction.Sum, "sum", 1, 1),
        new(BuiltinFunction.Avg, "avg", 1, 1),
        new(BuiltinFunction.Min, "min", 1, 1),
        new(BuiltinFunction.Max, "max", 1, 1),
    ]);

    /// <summary>Library tables and their functions: <c>table.new</c>, <c>ansi.*</c>.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, BuiltinInfo>> Libraries =
        new Dictionary<string, IReadOnlyDictionary<string, BuiltinInfo>>(StringComparer.Ordinal)
        {
            ["table"] = Index([new(BuiltinFunction.TableNew, "new", 0, 2)]),
            ["ansi"] = Index(
            [
                new(BuiltinFunction.AnsiClearScreen, "clear_screen", 0, 0),
                new(BuiltinFunction.AnsiSetColor, "set_color", 1, 1),
                new(BuiltinFunction.AnsiSetColor2, "set_color2", 2, 2),
                new(BuiltinFunction.AnsiSetColor3, "set_color3", 3, 3),
                new(BuiltinFunction.AnsiResetColor, "reset_color", 0, 0),
                new(BuiltinFunction.AnsiNewLine, "new_line", 0, 0),
            ]),
        };

    public static bool IsGlobalName(string name) =>
        Functions.ContainsKey(name) || Libraries.ContainsKey(name) || name == ArgTable;

    /// <summary>The name as a script writes it: <c>printf</c>, <c>table.new</c>.</summary>
    public static string QualifiedName(BuiltinInfo info)
    {
        foreach (var (library, members) in Libraries)
        {
            if (members.TryGetValue(info.Name, out var member) && member == info)
            {
                return library + "." + info.Name;
            }
        }

        return info.Name;
    }

    private static Dictionary<string, BuiltinInfo> Index(BuiltinInfo[] infos) =>
        infos.ToDictionary(i => i.Name, StringComparer.Ordinal);
}
