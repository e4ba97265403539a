using Ktap.Language.Diagnostics;
using Ktap.Language.Syntax;

namespace Ktap.Language.Semantics;

public sealed partial class Binder
{
    private BoundExpression BindExpression(ExpressionSyntax expression) => expression switch
    {
        NilLiteralSyntax e => new BoundNil(e.Span),
        BooleanLiteralSyntax e => new BoundBoolean(e.Value, e.Span),
        NumberLiteralSyntax e => new BoundNumber(e.Value, e.Span),
        StringLiteralSyntax e => new BoundString(e.Value, e.Span),
        NameExpressionSyntax e => BindName(e),
        ProbeVariableSyntax e => BindProbeVariable(e),
        IndexExpressionSyntax e => BindIndex(e),
        CallExpressionSyntax e => BindCall(e),
        MethodCallExpressionSyntax e => new BoundMethodCall(BindExpression(e.Target), e.Method.Name, [.. e.Arguments.Select(BindExpression)], e.Span),
        FunctionExpressionSyntax e => BindFunction(e),
        TableConstructorSyntax e => new BoundTableConstructor([.. e.Fields.Select(f => new BoundTableField(f.Key is null ? null : BindExpression(f.Key), BindExpression(f.Value)))], e.Span),
        UnaryExpressionSyntax e => new BoundUnary(e.Operator, BindExpression(e.Operand), e.Span),
        BinaryExpressionSyntax e => new BoundBinary(e.Operator, BindExpression(e.Left), BindExpression(e.Right), e.OperatorSpan, e.Span),
        ErrorExpressionSyntax e => new BoundError(e.Span),
        _ => throw new InvalidOperationException($"unknown expression {expression.GetType().Name}"),
    };

    /// <summary>Binds an assignment target: a declared variable or a table element.</summary>
    private BoundExpression BindTarget(ExpressionSyntax target)
    {
        if (target is not NameExpressionSyntax name)
        {
            return BindExpression(target);
        }

        if (scope.Lookup(name.Name) is { } variable)
        {
            variable.IsReassigned = true;
            return Access(variable, name.Span);
        }

        if (Builtins.IsGlobalName(name.Name))
        {
            Report(DiagnosticCode.AssignmentToBuiltin, name.Span, $"cannot assign to the built-in '{Shown(name.Name)}'; declare a variable of your own with 'var'");
        }
        else
        {
            Report(DiagnosticCode.AssignmentToUndeclared, name.Span, $"assignment to undeclared variable '{Shown(name.Name)}': declare it first with 'var {Shown(name.Name)}'");
        }

        return new BoundError(name.Span);
    }

    private BoundExpression BindName(NameExpressionSyntax name)
    {
        if (scope.Lookup(name.Name) is { } variable)
        {
            return Access(variable, name.Span);
        }

        if (Builtins.Functions.TryGetValue(name.Name, out var builtin))
        {
            return new BoundBuiltin(builtin, name.Span);
        }

        if (Builtins.IsGlobalName(name.Name))
        {
            return new BoundGlobalTable(name.Name, name.Span);
        }

        var hint = name.Name switch
        {
            "local" => ": ktap declares variables with 'var'",
            "and" or "or" or "not" => ": ktap writes '&&', '||' and '!'",
            _ => string.Empty,
        };
        Report(DiagnosticCode.UndefinedVariable, name.Span, $"undefined variable '{Shown(name.Name)}'{hint}");
        return new BoundError(name.Span);
    }

    private BoundExpression Access(VariableSymbol variable, TextSpan span)
    {
        references.Add((function, variable));
        if (variable.Owner == function)
        {
            return new BoundLocal(variable, span);
        }

        variable.IsCaptured = true;
        return new BoundUpvalue(variable, function.UpvalueIndex(variable), span);
    }

    private BoundProbeVariable BindProbeVariable(ProbeVariableSyntax syntax)
    {
        if (SyntaxFacts.IsEventOnly(syntax.Variable))
        {
            var name = SyntaxFacts.Name(syntax.Variable);
            handlerOnlyUses.Add((function, syntax.Span, DiagnosticCode.ProbeVariableOutsideHandler, $"'{name}' only has a value in a probe handler (a 'trace' block or a function it calls)"));
        }

        return new BoundProbeVariable(syntax.Variable, syntax.Span);
    }

    private BoundExpression BindIndex(IndexExpressionSyntax index)
    {
        // 'args.NAME' is a tracepoint field by name (LANGUAGE.md §5), unless a variable is called args.
        if (index is { Target: NameExpressionSyntax { Name: EventFields }, Key: StringLiteralSyntax field } && scope.Lookup(EventFields) is null)
        {
            handlerOnlyUses.Add((function, index.Span, DiagnosticCode.ProbeVariableOutsideHandler, $"'args.{Shown(field.Value)}' only has a value in a probe handler (a 'trace' block or a function it calls)"));
            return new BoundEventField(field.Value, index.Span);
        }

        // 'ansi.set_color' and 'table.new' name built-ins directly, so their arity can be checked.
        if (index is { Target: NameExpressionSyntax library, Key: StringLiteralSyntax member }
            && scope.Lookup(library.Name) is null
            && Builtins.Libraries.TryGetValue(library.Name, out var members))
        {
            if (members.TryGetValue(member.Value, out var builtin))
            {
                return new BoundBuiltin(builtin, index.Span);
            }

            Report(DiagnosticCode.UndefinedVariable, member.Span, $"'{library.Name}' has no function '{Shown(member.Value)}' (it has {string.Join(", ", members.Keys)})");
            return new BoundError(index.Span);
        }

        return new BoundIndex(BindExpression(index.Target), BindExpression(index.Key), index.Span);
    }

    private BoundCall BindCall(CallExpressionSyntax call)
    {
        var callee = BindExpression(call.Callee);
        var arguments = call.Arguments.Select(BindExpression).ToList();
        if (callee is BoundBuiltin { Builtin: var builtin })
        {
            CheckBuiltinCall(builtin, call, arguments);
        }

        return new BoundCall(callee, arguments, call.Span);
    }

    private void CheckBuiltinCall(BuiltinInfo builtin, CallExpressionSyntax call, List<BoundExpression> arguments)
    {
        var name = Builtins.QualifiedName(builtin);
        if (arguments.Count < builtin.MinArguments || arguments.Count > builtin.MaxArguments)
        {
            Report(DiagnosticCode.WrongArgumentCount, call.Span, $"'{name}' takes {builtin.ArityText}, not {arguments.Count}");
        }

        if (builtin.HandlerOnly)
        {
            handlerOnlyUses.Add((function, call.Span, DiagnosticCode.HandlerOnlyBuiltin, $"'{name}' can only be called in a probe handler (a 'trace' or 'profile' block or a function it calls)"));
        }

        if (builtin.Function == BuiltinFunction.Printf && arguments is [BoundString format, ..])
        {
            if (!FormatString.TryParse(format.Value, out var segments, out var error))
            {
                Report(DiagnosticCode.InvalidFormat, format.Span, "bad printf format: " + error);
            }
            else if (FormatString.ArgumentCount(segments) != arguments.Count - 1)
            {
                var wanted = FormatString.ArgumentCount(segments);
                Report(DiagnosticCode.InvalidFormat, call.Span, $"the printf format has {wanted} conversion{(wanted == 1 ? string.Empty : "s")} but {arguments.Count - 1} value{(arguments.Count == 2 ? " follows" : "s follow")}");
            }
        }
    }

    private BoundFunction BindFunction(FunctionExpressionSyntax syntax)
    {
        var symbol = new FunctionSymbol(syntax.Name ?? "anonymous function", FunctionKind.Function, function, syntax.Span);
        BindBody(symbol, syntax.Parameters, syntax.Body);
        return new BoundFunction(symbol, syntax.Span);
    }

    /// <summary>Binds a function's parameters and body in a scope of its own, then returns to the enclosing one.</summary>
    private void BindBody(FunctionSymbol symbol, IReadOnlyList<NameSyntax> parameters, BlockSyntax body)
    {
        functions.Add(symbol);
        var (outerFunction, outerScope, outerLoops) = (function, scope, loopDepth);
        (function, scope, loopDepth) = (symbol, new Scope(outerScope), 0);
        symbol.Parameters = [.. parameters.Select(Declare)];
        symbol.Body = BindStatements(body.Statements);
        (function, scope, loopDepth) = (outerFunction, outerScope, outerLoops);
    }
}
