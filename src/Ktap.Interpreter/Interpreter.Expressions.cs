using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Interpreter;

public sealed partial class ScriptInterpreter
{
    private Value Evaluate(Frame frame, BoundExpression expression) => expression switch
    {
        BoundNumber e => Value.Number(e.Value),
        BoundString e => Value.String(e.Value),
        BoundLocal e => Load(frame, e.Variable),
        BoundUpvalue e => ReadCell(frame.Closure.Upvalues[e.Index]),
        BoundBinary e => EvaluateBinary(frame, e),
        BoundIndex e => GetElement(Evaluate(frame, e.Target), Evaluate(frame, e.Key), e),
        BoundCall e => Invoke(Evaluate(frame, e.Callee), EvaluateAll(frame, e.Arguments), e.Span),
        BoundNil => Value.Nil,
        BoundBoolean e => Value.Boolean(e.Value),
        BoundUnary e => EvaluateUnary(frame, e),
        BoundMethodCall e => EvaluateMethodCall(frame, e),
        BoundFunction e => Value.Function(MakeClosure(frame, e.Function)),
        BoundTableConstructor e => Construct(frame, e),
        BoundBuiltin e => Value.Function(BuiltinValueOf(e.Builtin)),
        BoundGlobalTable e => Value.Table(GlobalTable(e.Name)),
        BoundProbeVariable e => ProbeVariableValue(e),
        BoundEventField e => EventField(e),
        _ => throw new InvalidOperationException($"cannot evaluate {expression.GetType().Name}"),
    };

    private Value[] EvaluateAll(Frame frame, IReadOnlyList<BoundExpression> expressions)
    {
        if (expressions.Count == 0)
        {
            return [];
        }

        var values = new Value[expressions.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Evaluate(frame, expressions[i]);
        }

        return values;
    }

    private long EvaluateNumber(Frame frame, BoundExpression expression, string what)
    {
        var value = Evaluate(frame, expression);
        return value.Kind == ValueKind.Number ? value.AsNumber : throw Error($"{what} must be a number, not {value.TypeName}", expression.Span);
    }

    private static Closure MakeClosure(Frame frame, FunctionSymbol function)
    {
        var upvalues = new Cell[function.Upvalues.Count];
        for (var i = 0; i < upvalues.Length; i++)
        {
            var upvalue = function.Upvalues[i];
            upvalues[i] = upvalue.FromParentFrame
                ? frame.Cells[upvalue.Index] ??= new Cell()
                : frame.Closure.Upvalues[upvalue.Index];
        }

        return new Closure(function, upvalues);
    }

    private Value GetElement(Value table, Value key, BoundNode site)
    {
        if (table.Kind != ValueKind.Table)
        {
            throw Error($"attempt to index a {table.TypeName} value", site.Span);
        }

        return table.AsTable.Get(key);
    }

    private void SetElement(Value table, Value key, Value value, BoundNode site)
    {
        if (table.Kind != ValueKind.Table)
        {
            throw Error($"attempt to index a {table.TypeName} value", site.Span);
        }

        if (key.IsNil)
        {
            throw Error("table index is nil", site.Span);
        }

        if (table.AsTable.Aggregation is not null && !value.IsNil)
        {
            throw Error("an aggregation's cells change only with '<<<' (t[k] <<< value); storing nil deletes one", site.Span);
        }

        table.AsTable.Set(key, value);
    }

    private Value EvaluateMethodCall(Frame frame, BoundMethodCall call)
    {
        var target = Evaluate(frame, call.Target);
        var method = GetElement(target, Value.String(call.Method), call);
        var arguments = new Value[call.Arguments.Count + 1];
        arguments[0] = target;
        for (var i = 0; i < call.Arguments.Count; i++)
        {
            arguments[i + 1] = Evaluate(frame, call.Arguments[i]);
        }

        return Invoke(method, arguments, call.Span);
    }

    private Value Construct(Frame frame, BoundTableConstructor constructor)
    {
        var table = new KtapTable(constructor.Fields.Count(f => f.Key is null), constructor.Fields.Count(f => f.Key is not null));
        var position = 1L;
        foreach (var field in constructor.Fields)
        {
            var key = field.Key is null ? Value.Number(position++) : Evaluate(frame, field.Key);
            var value = Evaluate(frame, field.Value);
            if (key.IsNil)
            {
                throw Error("table index is nil", field.Key!.Span);
            }

            table.Set(key, value);
        }

        return Value.Table(table);
    }

    private Value EvaluateUnary(Frame frame, BoundUnary unary)
    {
        var operand = Evaluate(frame, unary.Operand);
        if (unary.Operator == UnaryOperator.Not)
        {
            return Value.Boolean(!operand.IsTruthy);
        }

        if (operand.Kind != ValueKind.Number)
        {
            throw Error($"attempt to perform arithmetic on a {operand.TypeName} value", unary.Span);
        }

        return Value.Number(unchecked(-operand.AsNumber));
    }

    private Value EvaluateBinary(Frame frame, BoundBinary binary)
    {
        var left = Evaluate(frame, binary.Left);

        // '&&' and '||' return one of their operands, and evaluate the right one only when needed.
        switch (binary.Operator)
        {
            case BinaryOperator.And:
                return left.IsTruthy ? Evaluate(frame, binary.Right) : left;
            case BinaryOperator.Or:
                return left.IsTruthy ? left : Evaluate(frame, binary.Right);
        }

        var right = Evaluate(frame, binary.Right);
        switch (binary.Operator)
        {
            case BinaryOperator.Equal:
                return Value.Boolean(left == right);
            case BinaryOperator.NotEqual:
                return Value.Boolean(left != right);
            case BinaryOperator.Concatenate:
                if (left.Kind != ValueKind.String || right.Kind != ValueKind.String)
                {
                    var culprit = left.Kind != ValueKind.String ? left : right;
                    throw Error($"attempt to concatenate a {culprit.TypeName} value ('..' joins strings only)", binary.OperatorSpan);
                }

                return Value.String(string.Concat(left.AsString, right.AsString));
            case BinaryOperator.Less or BinaryOperator.LessEqual or BinaryOperator.Greater or BinaryOperator.GreaterEqual:
                if (left.Kind != ValueKind.Number || right.Kind != ValueKind.Number)
                {
                    throw Error($"attempt to compare {left.TypeName} with {right.TypeName} (only numbers are ordered)", binary.OperatorSpan);
                }

                return Value.Boolean(binary.Operator switch
                {
                    BinaryOperator.Less => left.AsNumber < right.AsNumber,
                    BinaryOperator.LessEqual => left.AsNumber <= right.AsNumber,
                    BinaryOperator.Greater => left.AsNumber > right.AsNumber,
                    _ => left.AsNumber >= right.AsNumber,
                });
        }

        CheckArithmetic(left, right, binary.OperatorSpan);
        return Value.Number(Arithmetic.Apply(binary.Operator, left.AsNumber, right.AsNumber) ?? throw Error("division by zero", binary.OperatorSpan));
    }

    private void CheckArithmetic(Value left, Value right, TextSpan span)
    {
        if (left.Kind != ValueKind.Number || right.Kind != ValueKind.Number)
        {
            var culprit = left.Kind != ValueKind.Number ? left : right;
            throw Error($"attempt to perform arithmetic on a {culprit.TypeName} value", span);
        }
    }
}
