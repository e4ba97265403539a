namespace Ktap.Language.Syntax;

/// <summary>Every node keeps the span of source it came from.</summary>
public abstract record SyntaxNode(TextSpan Span);

/// <summary>A name as written, with its span (a declared variable or parameter).</summary>
public sealed record NameSyntax(string Name, TextSpan Span) : SyntaxNode(Span);

public sealed record BlockSyntax(IReadOnlyList<StatementSyntax> Statements, TextSpan Span) : SyntaxNode(Span);

/// <summary>A whole script: its top-level statements.</summary>
public sealed record ScriptSyntax(SourceText Source, BlockSyntax Body) : SyntaxNode(Body.Span);

// ---- Statements -------------------------------------------------------------------------

public abstract record StatementSyntax(TextSpan Span) : SyntaxNode(Span);

public sealed record VarStatementSyntax(IReadOnlyList<NameSyntax> Names, IReadOnlyList<ExpressionSyntax> Values, TextSpan Span) : StatementSyntax(Span);

/// <summary><c>function name(...) { }</c>: declares a local variable holding the function.</summary>
public sealed record FunctionStatementSyntax(NameSyntax Name, FunctionExpressionSyntax Function, TextSpan Span) : StatementSyntax(Span);

public sealed record AssignmentStatementSyntax(IReadOnlyList<ExpressionSyntax> Targets, IReadOnlyList<ExpressionSyntax> Values, TextSpan Span) : StatementSyntax(Span);

/// <summary><c>target += value</c>.</summary>
public sealed record IncrementStatementSyntax(ExpressionSyntax Target, ExpressionSyntax Value, TextSpan Span) : StatementSyntax(Span);

/// <summary><c>table[key] &lt;&lt;&lt; value</c>: record a value in an aggregation.</summary>
public sealed record AggregateStatementSyntax(ExpressionSyntax Target, ExpressionSyntax Value, TextSpan Span) : StatementSyntax(Span);

public sealed record CallStatementSyntax(ExpressionSyntax Call, TextSpan Span) : StatementSyntax(Span);

public sealed record IfClauseSyntax(ExpressionSyntax Condition, BlockSyntax Body, TextSpan Span) : SyntaxNode(Span);

public sealed record IfStatementSyntax(IReadOnlyList<IfClauseSyntax> Clauses, BlockSyntax? Else, TextSpan Span) : StatementSyntax(Span);

public sealed record WhileStatementSyntax(ExpressionSyntax Condition, BlockSyntax Body, TextSpan Span) : StatementSyntax(Span);

public sealed record RepeatStatementSyntax(BlockSyntax Body, ExpressionSyntax Condition, TextSpan Span) : StatementSyntax(Span);

/// <summary><c>for (i = first, last [, step]) { }</c>, inclusive.</summary>
public sealed record NumericForStatementSyntax(NameSyntax Variable, ExpressionSyntax First, ExpressionSyntax Last, ExpressionSyntax? Step, BlockSyntax Body, TextSpan Span) : StatementSyntax(Span);

/// <summary><c>for (k, v in pairs(t)) { }</c>.</summary>
public sealed record ForInStatementSyntax(IReadOnlyList<NameSyntax> Variables, ExpressionSyntax Iterator, BlockSyntax Body, TextSpan Span) : StatementSyntax(Span);

public sealed record BreakStatementSyntax(TextSpan Span) : StatementSyntax(Span);

public sealed record ReturnStatementSyntax(ExpressionSyntax? Value, TextSpan Span) : StatementSyntax(Span);

public sealed record DoStatementSyntax(BlockSyntax Body, TextSpan Span) : StatementSyntax(Span);

/// <summary>One event spec of a <c>trace</c>, kept verbatim for the probe resolver.</summary>
public sealed record EventSpecSyntax(string Text, TextSpan Span) : SyntaxNode(Span);

/// <summary>A <c>/filter/</c>, kept verbatim: it is the kernel's tracepoint filter syntax, not ktap code.</summary>
public sealed record FilterSyntax(string Text, TextSpan Span) : SyntaxNode(Span);

/// <summary><c>trace SPEC[, SPEC...] [/FILTER/] { body }</c>.</summary>
public sealed record TraceStatementSyntax(IReadOnlyList<EventSpecSyntax> Specs, FilterSyntax? Filter, BlockSyntax Body, TextSpan Span) : StatementSyntax(Span);

public sealed record TraceEndStatementSyntax(BlockSyntax Body, TextSpan Span) : StatementSyntax(Span);

public enum TimerKind
{
    /// <summary><c>tick-N</c>: one timer, run in the ktap process.</summary>
    Tick,

    /// <summary><c>profile-N</c>: a sample on every CPU, run in the kernel.</summary>
    Profile,
}

/// <summary><c>tick-1s { }</c> or <c>profile-10ms { }</c>; <see cref="Spec"/> is the text as written.</summary>
public sealed record TimerStatementSyntax(TimerKind Kind, string Spec, long IntervalNanoseconds, BlockSyntax Body, TextSpan Span) : StatementSyntax(Span);

// ---- Expressions ------------------------------------------------------------------------

public abstract record ExpressionSyntax(TextSpan Span) : SyntaxNode(Span);

public sealed record NilLiteralSyntax(TextSpan Span) : ExpressionSyntax(Span);

public sealed record BooleanLiteralSyntax(bool Value, TextSpan Span) : ExpressionSyntax(Span);

public sealed record NumberLiteralSyntax(long Value, TextSpan Span) : ExpressionSyntax(Span);

public sealed record StringLiteralSyntax(string Value, TextSpan Span) : ExpressionSyntax(Span);

public sealed record NameExpressionSyntax(string Name, TextSpan Span) : ExpressionSyntax(Span);

public sealed record ProbeVariableSyntax(ProbeVariable Variable, TextSpan Span) : ExpressionSyntax(Span);

/// <summary><c>t[k]</c>, or <c>t.name</c> (then <see cref="Key"/> is a string literal).</summary>
public sealed record IndexExpressionSyntax(ExpressionSyntax Target, ExpressionSyntax Key, TextSpan Span) : ExpressionSyntax(Span);

public sealed record CallExpressionSyntax(ExpressionSyntax Callee, IReadOnlyList<ExpressionSyntax> Arguments, TextSpan Span) : ExpressionSyntax(Span);

/// <summary><c>obj:name(args)</c>: calls <c>obj.name(obj, args)</c>, evaluating obj once.</summary>
public sealed record MethodCallExpressionSyntax(ExpressionSyntax Target, NameSyntax Method, IReadOnlyList<ExpressionSyntax> Arguments, TextSpan Span) : ExpressionSyntax(Span);

public sealed record FunctionExpressionSyntax(string? Name, IReadOnlyList<NameSyntax> Parameters, BlockSyntax Body, TextSpan Span) : ExpressionSyntax(Span);

/// <summary>A table constructor field: positional when <see cref="Key"/> is null.</summary>
public sealed record TableFieldSyntax(ExpressionSyntax? Key, ExpressionSyntax Value, TextSpan Span) : SyntaxNode(Span);

public sealed record TableConstructorSyntax(IReadOnlyList<TableFieldSyntax> Fields, TextSpan Span) : ExpressionSyntax(Span);

public enum UnaryOperator
{
    Negate,
    Not,
}

public sealed record UnaryExpressionSyntax(UnaryOperator Operator, ExpressionSyntax Operand, TextSpan Span) : ExpressionSyntax(Span);

public enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Concatenate,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    And,
    Or,
}

public sealed record BinaryExpressionSyntax(BinaryOperator Operator, ExpressionSyntax Left, ExpressionSyntax Right, TextSpan OperatorSpan, TextSpan Span) : ExpressionSyntax(Span);

/// <summary>Stands where an expression failed to parse, so binding can go on.</summary>
public sealed record ErrorExpressionSyntax(TextSpan Span) : ExpressionSyntax(Span);
