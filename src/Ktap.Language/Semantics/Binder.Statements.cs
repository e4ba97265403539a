using Ktap.Language.Diagnostics;
using Ktap.Language.Syntax;

namespace Ktap.Language.Semantics;

public sealed partial class Binder
{
    private BoundStatement BindStatement(StatementSyntax statement) => statement switch
    {
        VarStatementSyntax s => BindVar(s),
        FunctionStatementSyntax s => BindFunctionStatement(s),
        AssignmentStatementSyntax s => new BoundAssignment([.. s.Targets.Select(BindTarget)], [.. s.Values.Select(BindExpression)], s.Span),
        IncrementStatementSyntax s => new BoundIncrement(BindTarget(s.Target), BindExpression(s.Value), s.Span),
        AggregateStatementSyntax s => BindAggregate(s),
        CallStatementSyntax s => new BoundExpressionStatement(BindExpression(s.Call), s.Span),
        IfStatementSyntax s => new BoundIf([.. s.Clauses.Select(c => new BoundIfClause(BindExpression(c.Condition), BindBlock(c.Body)))], s.Else is null ? null : BindBlock(s.Else), s.Span),
        WhileStatementSyntax s => new BoundWhile(BindExpression(s.Condition), BindLoopBody(s.Body), s.Span),
        RepeatStatementSyntax s => BindRepeat(s),
        NumericForStatementSyntax s => BindNumericFor(s),
        ForInStatementSyntax s => BindForIn(s),
        BreakStatementSyntax s => BindBreak(s),
        ReturnStatementSyntax s => BindReturn(s),
        DoStatementSyntax s => new BoundBlockStatement(BindBlock(s.Body), s.Span),
        TraceStatementSyntax s => BindProbe(s, FunctionKind.Trace, s.Body, s.Specs, s.Filter, string.Empty, 0),
        TraceEndStatementSyntax s => BindProbe(s, FunctionKind.TraceEnd, s.Body, [], null, string.Empty, 0),
        TimerStatementSyntax s => BindProbe(s, s.Kind == TimerKind.Tick ? FunctionKind.Tick : FunctionKind.Profile, s.Body, [], null, s.Spec, s.IntervalNanoseconds),
        _ => throw new InvalidOperationException($"unknown statement {statement.GetType().Name}"),
    };

    private BoundLocalDeclaration BindVar(VarStatementSyntax statement)
    {
        // The values are bound before the names exist: 'var x = x' reads the outer x, as in Lua.
        var values = statement.Values.Select(BindExpression).ToList();
        var variables = statement.Names.Select(Declare).ToList();
        if (values is [BoundFunction { Function: var declared }] && variables.Count == 1)
        {
            variables[0].Function = declared;
        }

        return new BoundLocalDeclaration(variables, values, statement.Span);
    }

    private BoundLocalDeclaration BindFunctionStatement(FunctionStatementSyntax statement)
    {
        // Declared before its body is bound, so the function can call itself.
        var variable = Declare(statement.Name);
        var value = BindFunction(statement.Function);
        variable.Function = value.Function;
        return new BoundLocalDeclaration([variable], [value], statement.Span);
    }

    private BoundAggregate BindAggregate(AggregateStatementSyntax statement)
    {
        var target = BindTarget(statement.Target);
        var value = BindExpression(statement.Value);
        return target is BoundIndex index
            ? new BoundAggregate(index, value, statement.Span)
            : new BoundAggregate(new BoundIndex(target, new BoundNil(statement.Span), statement.Span), value, statement.Span);
    }

    private BoundBlock BindLoopBody(BlockSyntax body)
    {
        loopDepth++;
        var bound = BindBlock(body);
        loopDepth--;
        return bound;
    }

    private BoundRepeat BindRepeat(RepeatStatementSyntax statement)
    {
        // The condition is inside the body's scope: 'repeat var x = f() until (x)' works, as in Lua.
        var outer = scope;
        scope = new Scope(outer);
        loopDepth++;
        var body = BindStatements(statement.Body.Statements);
        loopDepth--;
        var condition = BindExpression(statement.Condition);
        scope = outer;
        return new BoundRepeat(body, condition, statement.Span);
    }

    private BoundNumericFor BindNumericFor(NumericForStatementSyntax statement)
    {
        var first = BindExpression(statement.First);
        var last = BindExpression(statement.Last);
        var step = statement.Step is null ? null : BindExpression(statement.Step);
        var outer = scope;
        scope = new Scope(outer);
        var variable = Declare(statement.Variable);
        var body = BindLoopBody(statement.Body);
        scope = outer;
        return new BoundNumericFor(variable, first, last, step, body, statement.Span);
    }

    private BoundStatement BindForIn(ForInStatementSyntax statement)
    {
        var iterator = BindExpression(statement.Iterator);
        var isIterator = iterator is BoundCall { Callee: BoundBuiltin { Builtin.Function: BuiltinFunction.Pairs or BuiltinFunction.SortPairs } };
        if (!isIterator && iterator is not BoundError)
        {
            Report(DiagnosticCode.InvalidIterator, statement.Iterator.Span, "a 'for ... in' loop goes over pairs(t) or sort_pairs(t)");
        }

        if (statement.Variables.Count > 2)
        {
            Report(DiagnosticCode.InvalidIterator, statement.Variables[2].Span, "a 'for ... in' loop has at most two variables: the key and the value");
        }

        var outer = scope;
        scope = new Scope(outer);
        var key = Declare(statement.Variables[0]);
        var value = statement.Variables.Count > 1 ? Declare(statement.Variables[1]) : null;
        var body = BindLoopBody(statement.Body);
        scope = outer;
        return isIterator
            ? new BoundForIn(key, value, (BoundCall)iterator, body, statement.Span)
            : new BoundExpressionStatement(new BoundError(statement.Span), statement.Span);
    }

    private BoundBreak BindBreak(BreakStatementSyntax statement)
    {
        if (loopDepth == 0)
        {
            Report(DiagnosticCode.BreakOutsideLoop, statement.Span, "'break' outside a loop");
        }

        return new BoundBreak(statement.Span);
    }

    private BoundReturn BindReturn(ReturnStatementSyntax statement)
    {
        var value = statement.Value is null ? null : BindExpression(statement.Value);
        return new BoundReturn(value, value is BoundCall, statement.Span);
    }

    private BoundProbe BindProbe(StatementSyntax statement, FunctionKind kind, BlockSyntax body, IReadOnlyList<EventSpecSyntax> specs, FilterSyntax? filter, string timerSpec, long interval)
    {
        var keyword = kind switch
        {
            FunctionKind.Trace => "trace",
            FunctionKind.TraceEnd => "trace_end",
            FunctionKind.Tick => "tick",
            _ => "profile",
        };

        // Probes are attached before anything runs, so they are part of the script's shape: a
        // block that only sometimes runs cannot add one.
        if (function.Kind != FunctionKind.Main || scope != topScope)
        {
            Report(DiagnosticCode.ProbeNotAtTopLevel, new TextSpan(statement.Span.Start, keyword.Length), $"'{keyword}' must be at the top level of the script, not inside a function, handler or block");
        }

        var name = kind == FunctionKind.Trace ? string.Join(",", specs.Select(s => s.Text)) : kind == FunctionKind.TraceEnd ? "trace_end" : timerSpec;
        var handler = new FunctionSymbol(name, kind, function, statement.Span);
        BindBody(handler, [], body);

        var probe = new BoundProbe(handler, specs, filter, timerSpec, interval, statement.Span);
        probes.Add(probe);
        return probe;
    }
}
