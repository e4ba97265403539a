namespace Ktap.Language.Syntax;

public static class SyntaxFacts
{
    private static readonly Dictionary<string, TokenKind> Keywords = new(StringComparer.Ordinal)
    {
        ["trace"] = TokenKind.Trace,
        ["trace_end"] = TokenKind.TraceEnd,
        ["var"] = TokenKind.Var,
        ["function"] = TokenKind.Function,
        ["if"] = TokenKind.If,
        ["elseif"] = TokenKind.Elseif,
        ["else"] = TokenKind.Else,
        ["while"] = TokenKind.While,
        ["repeat"] = TokenKind.Repeat,
        ["until"] = TokenKind.Until,
        ["for"] = TokenKind.For,
        ["in"] = TokenKind.In,
        ["break"] = TokenKind.Break,
        ["return"] = TokenKind.Return,
        ["do"] = TokenKind.Do,
        ["end"] = TokenKind.End,
        ["nil"] = TokenKind.Nil,
        ["true"] = TokenKind.True,
        ["false"] = TokenKind.False,
        ["argstr"] = TokenKind.Argstr,
        ["probename"] = TokenKind.Probename,
        ["arg0"] = TokenKind.Arg0,
        ["arg1"] = TokenKind.Arg1,
        ["arg2"] = TokenKind.Arg2,
        ["arg3"] = TokenKind.Arg3,
        ["arg4"] = TokenKind.Arg4,
        ["arg5"] = TokenKind.Arg5,
        ["arg6"] = TokenKind.Arg6,
        ["arg7"] = TokenKind.Arg7,
        ["arg8"] = TokenKind.Arg8,
        ["arg9"] = TokenKind.Arg9,
        ["pid"] = TokenKind.Pid,
        ["tid"] = TokenKind.Tid,
        ["uid"] = TokenKind.Uid,
        ["cpu"] = TokenKind.Cpu,
        ["execname"] = TokenKind.Execname,
    };

    public static TokenKind KeywordKind(string text) =>
        Keywords.TryGetValue(text, out var kind) ? kind : TokenKind.Identifier;

    public static bool IsProbeVariable(TokenKind kind) => kind is >= TokenKind.Argstr and <= TokenKind.Execname;

    /// <summary>Probe variables that only an event gives a value: the rest (pid, cpu, ...) also work in user code.</summary>
    public static bool IsEventOnly(ProbeVariable variable) =>
        variable is ProbeVariable.Argstr or ProbeVariable.Probename or (>= ProbeVariable.Arg0 and <= ProbeVariable.Arg9);

    public static ProbeVariable ToProbeVariable(TokenKind kind) => (ProbeVariable)(kind - TokenKind.Argstr);

    public static string Name(ProbeVariable variable) => variable switch
    {
        >= ProbeVariable.Arg0 and <= ProbeVariable.Arg9 => "arg" + (variable - ProbeVariable.Arg0),
        _ => variable.ToString().ToLowerInvariant(),
    };

    public static bool IsIdentifierStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    public static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || c is >= '0' and <= '9';
}

/// <summary>The probe-context variables, in the order of their keywords.</summary>
public enum ProbeVariable
{
    Argstr,
    Probename,
    Arg0,
    Arg1,
    Arg2,
    Arg3,
    Arg4,
    Arg5,
    Arg6,
    Arg7,
    Arg8,
    Arg9,
    Pid,
    Tid,
    Uid,
    Cpu,
    Execname,
}
