using Ktap.Language.Syntax;

namespace Ktap.Compiler.Filters;

/// <summary>
/// A probe filter (<c>trace EVENT /FILTER/ { }</c>) after <see cref="FilterParser"/>: predicates on
/// one probe target's fields, combined with <c>&amp;&amp;</c>, <c>||</c> and <c>!</c>. Every node
/// keeps its span in the script.
/// </summary>
public abstract record FilterExpression(TextSpan Span);

/// <summary><c>left &amp;&amp; right</c>.</summary>
public sealed record FilterAnd(FilterExpression Left, FilterExpression Right, TextSpan Span) : FilterExpression(Span);

/// <summary><c>left || right</c>.</summary>
public sealed record FilterOr(FilterExpression Left, FilterExpression Right, TextSpan Span) : FilterExpression(Span);

/// <summary>
/// <c>!operand</c>; also what a string <c>!=</c> and a <c>~ "!glob"</c> become, so string
/// predicates only ever test for a match.
/// </summary>
public sealed record FilterNot(FilterExpression Operand, TextSpan Span) : FilterExpression(Span);

/// <summary>
/// <c>FIELD OP VALUE</c> on an integer. <paramref name="Value"/> is the literal as the kernel's
/// filter sees it: cut to the subject's size, then sign-extended for a signed subject and
/// zero-extended for an unsigned one (<c>-1</c> on a <c>u8</c> is 255, <c>0xff</c> on an <c>s8</c> is -1).
/// </summary>
public sealed record IntegerPredicate(FilterSubject Subject, IntegerOperator Operator, long Value, TextSpan Span)
    : FilterExpression(Span);

/// <summary>
/// Whether a string subject matches <paramref name="Pattern"/>: one char per byte (the script is
/// Latin-1), without the <c>*</c> of a glob.
/// </summary>
public sealed record StringPredicate(FilterSubject Subject, StringMatch Match, string Pattern, TextSpan Span)
    : FilterExpression(Span);

public enum IntegerOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,

    /// <summary><c>field &amp; VALUE</c>: true when any of the value's bits is set.</summary>
    BitAnd,
}

/// <summary>The four string tests the kernel's filter does without its full glob matcher.</summary>
public enum StringMatch
{
    /// <summary><c>==</c>, or <c>~</c> without a <c>*</c>.</summary>
    Exact,

    /// <summary><c>~ "abc*"</c>.</summary>
    Prefix,

    /// <summary><c>~ "*abc"</c>.</summary>
    Suffix,

    /// <summary><c>~ "*abc*"</c>.</summary>
    Contains,
}

/// <summary>Where a predicate's value comes from.</summary>
public enum SubjectKind
{
    /// <summary>An integer in the context at <see cref="FilterSubject.Offset"/>.</summary>
    Integer,

    /// <summary><c>char NAME[Size]</c> in the context.</summary>
    CharArray,

    /// <summary><c>__data_loc char[] NAME</c>: the u32 at the offset locates the string in the record.</summary>
    DataLocString,

    /// <summary><c>NAME.ustring</c>: the 8-byte field at the offset points to a string in user memory.</summary>
    UserString,

    /// <summary><c>common_pid</c>: the current thread's id (the kernel stores <c>current-&gt;pid</c> there).</summary>
    ThreadId,

    /// <summary><c>CPU</c> or <c>cpu</c>: the CPU the event happens on.</summary>
    Cpu,

    /// <summary><c>COMM</c> or <c>comm</c>: the current task's name (16 bytes with its NUL).</summary>
    Comm,
}

/// <summary>What a predicate reads: a context field, or one of the kernel filter's generic fields.</summary>
/// <param name="Name">As written in the filter.</param>
/// <param name="Offset">Bytes from the start of the context; -1 for a subject not in it.</param>
/// <param name="Size">Bytes of the integer, of the char array, or of the comm buffer.</param>
public sealed record FilterSubject(string Name, SubjectKind Kind, int Offset, int Size, bool IsSigned)
{
    public bool IsString => Kind is SubjectKind.CharArray or SubjectKind.DataLocString or SubjectKind.UserString or SubjectKind.Comm;
}
