using Ktap.Language.Syntax;

namespace Ktap.Language.Semantics;

/// <summary>
/// The bound tree: the syntax tree with every name resolved to a local slot, an upvalue or a
/// built-in. Both executors read it: the interpreter (USER code) and the compiler (KERNEL code).
/// </summary>
public abstract record BoundNode(TextSpan Span);

public sealed record BoundBlock(IReadOnlyList<BoundStatement> Statements);

// ---- Statements -------------------------------------------------------------------------

public abstract record BoundStatement(TextSpan Span) : BoundNode(Span);

/// <summary><c>var a, b = x, y</c>: missing values are nil; extra values are evaluated and dropped.</summary>
public sealed record BoundLocalDeclaration(IReadOnlyList<VariableSymbol> Variables, IReadOnlyList<BoundExpression> Values, TextSpan Span) : BoundStatement(Span);

/// <summary>Multiple assignment: every value is evaluated before any target is written.</summary>
public sealed record BoundAssignment(IReadOnlyList<BoundExpression> Targets, IReadOnlyList<BoundExpression> Values, TextSpan Span) : BoundStatement(Span);

/// <summary><c>target += value</c>; a missing table element counts as 0.</summary>
public sealed record BoundIncrement(BoundExpression Target, BoundExpression Value, TextSpan Span) : BoundStatement(Span);

/// <summary><c>t[k] &lt;&lt;&lt; v</c>.</summary>
public sealed record BoundAggregate(BoundIndex Target, BoundExpression Value, TextSpan Span) : BoundStatement(Span);

public sealed record BoundExpressionStatement(BoundExpression Expression, TextSpan Span) : BoundStatement(Span);

public sealed record BoundIfClause(BoundExpression Condition, BoundBlock Body);

public sealed record BoundIf(IReadOnlyList<BoundIfClause> Clauses, BoundBlock? Else, TextSpan Span) : BoundStatement(Span);

public sealed record BoundWhile(BoundExpression Condition, BoundBlock Body, TextSpan Span) : BoundStatement(Span);

/// <summary><c>repeat body until (cond)</c>: the condition sees the body's locals, as in Lua.</summary>
public sealed record BoundRepeat(BoundBlock Body, BoundExpression Condition, TextSpan Span) : BoundStatement(Span);

public sealed record BoundNumericFor(VariableSymbol Variable, BoundExpression First, BoundExpression Last, BoundExpression? Step, BoundBlock Body, TextSpan Span) : BoundStatement(Span);

/// <summary><c>for (k, v in pairs(t))</c>: <see cref="Iterator"/> is a call of pairs or sort_pairs.</summary>
public sealed record BoundForIn(VariableSymbol Key, VariableSymbol? Value, BoundCall Iterator, BoundBlock Body, TextSpan Span) : BoundStatement(Span);

public sealed record BoundBreak(TextSpan Span) : BoundStatement(Span);

/// <summary><c>return [value]</c>; <see cref="IsTailCall"/> when the value is a call whose frame can be reused.</summary>
public sealed record BoundReturn(BoundExpression? Value, bool IsTailCall, TextSpan Span) : BoundStatement(Span);

public sealed record BoundBlockStatement(BoundBlock Body, TextSpan Span) : BoundStatement(Span);

/// <summary>
/// A probe, timer or trace_end block at the top level. Running it registers the handler's
/// closure (over the top-level variables declared so far) with the session.
/// </summary>
public sealed record BoundProbe(FunctionSymbol Handler, IReadOnlyList<EventSpecSyntax> Specs, FilterSyntax? Filter, string TimerSpec, long IntervalNanoseconds, TextSpan Span) : BoundStatement(Span)
{
    public FunctionKind Kind => Handler.Kind;

    /// <summary>How a user names the probe in a message: <c>trace syscalls:sys_enter_open</c>, <c>tick-1s</c>.</summary>
    public string Description => Kind switch
    {
        FunctionKind.Trace => "trace " + string.Join(", ", Specs.Select(s => s.Text)),
        FunctionKind.TraceEnd => "trace_end",
        _ => TimerSpec,
    };
}

// ---- Expressions ------------------------------------------------------------------------

public abstract record BoundExpression(TextSpan Span) : BoundNode(Span);

public sealed record BoundNil(TextSpan Span) : BoundExpression(Span);

public sealed record BoundBoolean(bool Value, TextSpan Span) : BoundExpression(Span);

public sealed record BoundNumber(long Value, TextSpan Span) : BoundExpression(Span);

public sealed record BoundString(string Value, TextSpan Span) : BoundExpression(Span);

/// <summary>A variable of the running function's own frame.</summary>
public sealed record BoundLocal(VariableSymbol Variable, TextSpan Span) : BoundExpression(Span);

/// <summary>A variable of an enclosing function, reached through the closure's upvalue <see cref="Index"/>.</summary>
public sealed record BoundUpvalue(VariableSymbol Variable, int Index, TextSpan Span) : BoundExpression(Span);

public sealed record BoundBuiltin(BuiltinInfo Builtin, TextSpan Span) : BoundExpression(Span);

/// <summary>A library table used as a value (<c>print(ansi)</c>) or the script arguments <c>arg</c>.</summary>
public sealed record BoundGlobalTable(string Name, TextSpan Span) : BoundExpression(Span);

public sealed record BoundProbeVariable(ProbeVariable Variable, TextSpan Span) : BoundExpression(Span);

/// <summary><c>args.NAME</c>: a field of the event being handled, by its name in the event's format.</summary>
public sealed record BoundEventField(string Field, TextSpan Span) : BoundExpression(Span);

public sealed record BoundIndex(BoundExpression Target, BoundExpression Key, TextSpan Span) : BoundExpression(Span);

public sealed record BoundCall(BoundExpression Callee, IReadOnlyList<BoundExpression> Arguments, TextSpan Span) : BoundExpression(Span);

public sealed record BoundMethodCall(BoundExpression Target, string Method, IReadOnlyList<BoundExpression> Arguments, TextSpan Span) : BoundExpression(Span);

/// <summary>Creates a closure of <see cref="Function"/>, capturing its upvalues.</summary>
public sealed record BoundFunction(FunctionSymbol Function, TextSpan Span) : BoundExpression(Span);

public sealed record BoundTableField(BoundExpression? Key, BoundExpression Value);

public sealed record BoundTableConstructor(IReadOnlyList<BoundTableField> Fields, TextSpan Span) : BoundExpression(Span);

public sealed record BoundUnary(UnaryOperator Operator, BoundExpression Operand, TextSpan Span) : BoundExpression(Span);

/// <summary>A binary operator; <see cref="OperatorSpan"/> points at the operator for runtime errors.</summary>
public sealed record BoundBinary(BinaryOperator Operator, BoundExpression Left, BoundExpression Right, TextSpan OperatorSpan, TextSpan Span) : BoundExpression(Span);

/// <summary>Stands where binding failed; never executed, because the script has errors.</summary>
public sealed record BoundError(TextSpan Span) : BoundExpression(Span);

/// <summary>A bound script: its top-level code and every function in it.</summary>
public sealed record BoundScript(SourceText Source, FunctionSymbol Main, IReadOnlyList<FunctionSymbol> Functions, IReadOnlyList<BoundProbe> Probes);
