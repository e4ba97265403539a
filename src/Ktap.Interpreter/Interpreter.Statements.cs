using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;

namespace Ktap.Interpreter;

public sealed partial class ScriptInterpreter
{
    private Completion Execute(Frame frame, BoundBlock block)
    {
        foreach (var statement in block.Statements)
        {
            var completion = Execute(frame, statement);
            if (completion != Completion.Normal)
            {
                return completion;
            }
        }

        return Completion.Normal;
    }

    private Completion Execute(Frame frame, BoundStatement statement)
    {
        switch (statement)
        {
            case BoundExpressionStatement s:
                Evaluate(frame, s.Expression);
                return Completion.Normal;
            case BoundLocalDeclaration s:
                Declare(frame, s);
                return Completion.Normal;
            case BoundAssignment s:
                Assign(frame, s);
                return Completion.Normal;
            case BoundIncrement s:
                Increment(frame, s);
                return Completion.Normal;
            case BoundIf s:
                foreach (var clause in s.Clauses)
                {
                    if (Evaluate(frame, clause.Condition).IsTruthy)
                    {
                        return Execute(frame, clause.Body);
                    }
                }

                return s.Else is null ? Completion.Normal : Execute(frame, s.Else);
            case BoundWhile s:
            {
                var iterations = 0;
                while (Evaluate(frame, s.Condition).IsTruthy)
                {
                    CountIteration(ref iterations, s.Span);
                    var completion = Execute(frame, s.Body);
                    if (completion != Completion.Normal)
                    {
                        return completion == Completion.Break ? Completion.Normal : completion;
                    }
                }

                return Completion.Normal;
            }

            case BoundRepeat s:
            {
                var iterations = 0;
                while (true)
                {
                    CountIteration(ref iterations, s.Span);
                    var completion = Execute(frame, s.Body);
                    if (completion != Completion.Normal)
                    {
                        return completion == Completion.Break ? Completion.Normal : completion;
                    }

                    if (Evaluate(frame, s.Condition).IsTruthy)
                    {
                        return Completion.Normal;
                    }
                }
            }

            case BoundNumericFor s:
                return ExecuteNumericFor(frame, s);
            case BoundForIn s:
                return ExecuteForIn(frame, s);
            case BoundBreak:
                return Completion.Break;
            case BoundReturn s:
                return Return(frame, s);
            case BoundBlockStatement s:
                return Execute(frame, s.Body);
            case BoundProbe s:
                handlers.Add((s, MakeClosure(frame, s.Handler)));
                return Completion.Normal;
            case BoundAggregate s:
                Aggregate(frame, s);
                return Completion.Normal;
            default:
                throw new InvalidOperationException($"unknown statement {statement.GetType().Name}");
        }
    }

    private void Declare(Frame frame, BoundLocalDeclaration declaration)
    {
        // Captured variables get their fresh cell first, so a function can capture itself. A
        // shared one keeps its cell (the session's storage) and gets nothing until its value.
        foreach (var variable in declaration.Variables)
        {
            if (variable.IsCaptured && frame.Cells[variable.Slot]?.Shared is null)
            {
                frame.Cells[variable.Slot] = new Cell();
            }
        }

        var values = EvaluateAll(frame, declaration.Values);
        for (var i = 0; i < declaration.Variables.Count; i++)
        {
            var variable = declaration.Variables[i];
            var value = i < values.Length ? values[i] : Value.Nil;
            if (variable.IsCaptured)
            {
                WriteCell(frame.Cells[variable.Slot]!, value, declaring: true, declaration.Span);
            }
            else
            {
                frame.Locals[variable.Slot] = value;
            }
        }
    }

    private void Assign(Frame frame, BoundAssignment assignment)
    {
        // Tables and keys of the targets are evaluated first, then every value, then the stores.
        var places = new (Value Table, Value Key)[assignment.Targets.Count];
        for (var i = 0; i < places.Length; i++)
        {
            if (assignment.Targets[i] is BoundIndex index)
            {
                places[i] = (Evaluate(frame, index.Target), Evaluate(frame, index.Key));
            }
        }

        var values = EvaluateAll(frame, assignment.Values);
        for (var i = 0; i < places.Length; i++)
        {
            var value = i < values.Length ? values[i] : Value.Nil;
            var target = assignment.Targets[i];
            if (target is BoundIndex index)
            {
                SetElement(places[i].Table, places[i].Key, value, index);
            }
            else
            {
                StoreVariable(frame, target, value);
            }
        }
    }

    private void Increment(Frame frame, BoundIncrement increment)
    {
        if (increment.Target is BoundIndex index)
        {
            var table = Evaluate(frame, index.Target);
            var key = Evaluate(frame, index.Key);
            var current = GetElement(table, key, index);

            // A missing table element counts as 0: 't[k] += 1' is how scripts count.
            var sum = Add(current.IsNil ? Value.Number(0) : current, Evaluate(frame, increment.Value), increment);
            SetElement(table, key, sum, index);
            return;
        }

        var value = Evaluate(frame, increment.Target);
        if (value.IsNil)
        {
            throw Error($"'+=' on a variable that holds nil: give it a number first", increment.Span);
        }

        StoreVariable(frame, increment.Target, Add(value, Evaluate(frame, increment.Value), increment));
    }

    private Value Add(Value left, Value right, BoundIncrement site)
    {
        CheckArithmetic(left, right, site.Span);
        return Value.Number(unchecked(left.AsNumber + right.AsNumber));
    }

    private void StoreVariable(Frame frame, BoundExpression target, Value value)
    {
        switch (target)
        {
            case BoundLocal local:
                Store(frame, local.Variable, value, declare: false, local.Span);
                break;
            case BoundUpvalue upvalue:
                WriteCell(frame.Closure.Upvalues[upvalue.Index], value, declaring: false, upvalue.Span);
                break;
            default:
                throw new InvalidOperationException($"cannot store to {target.GetType().Name}");
        }
    }

    private Completion ExecuteNumericFor(Frame frame, BoundNumericFor loop)
    {
        var first = EvaluateNumber(frame, loop.First, "'for' initial value");
        var last = EvaluateNumber(frame, loop.Last, "'for' limit");
        var step = loop.Step is null ? 1 : EvaluateNumber(frame, loop.Step, "'for' step");
        if (step == 0)
        {
            throw Error("'for' step is zero", loop.Step!.Span);
        }

        if (step > 0 ? first > last : first < last)
        {
            return Completion.Normal;
        }

        // Count the iterations up front, as Lua 5.4 does, so a limit near the end of the 64-bit
        // range cannot wrap the loop variable around into an endless loop.
        var count = step > 0
            ? unchecked((ulong)(last - first) / (ulong)step)
            : unchecked((ulong)(first - last) / (0UL - (ulong)step));
        var value = first;
        var iterations = 0;
        while (true)
        {
            CountIteration(ref iterations, loop.Span);
            Store(frame, loop.Variable, Value.Number(value), declare: true, loop.Span);
            var completion = Execute(frame, loop.Body);
            if (completion != Completion.Normal)
            {
                return completion == Completion.Break ? Completion.Normal : completion;
            }

            if (count-- == 0)
            {
                return Completion.Normal;
            }

            value = unchecked(value + step);
        }
    }

    /// <summary>
    /// In a probe handler a loop body runs at most <see cref="HandlerLoopLimit"/> times, then the
    /// handler stops with ktap's error: the kernel runs handlers with that limit (LANGUAGE.md §8),
    /// and a handler must behave the same wherever it runs.
    /// </summary>
    private void CountIteration(ref int iterations, Language.Syntax.TextSpan span)
    {
        if (currentEvent is not null && ++iterations > HandlerLoopLimit)
        {
            throw Error("loop execute count exceeded", span);
        }
    }

    private Completion ExecuteForIn(Frame frame, BoundForIn loop)
    {
        var (table, keys) = IterationOrder(frame, loop.Iterator);
        foreach (var key in keys)
        {
            // Entries deleted by the loop body are skipped; changed values are seen as they are now.
            var value = table.Get(key);
            if (value.IsNil)
            {
                continue;
            }

            Store(frame, loop.Key, key, declare: true, loop.Span);
            if (loop.Value is { } valueVariable)
            {
                Store(frame, valueVariable, value, declare: true, loop.Span);
            }

            var completion = Execute(frame, loop.Body);
            if (completion != Completion.Normal)
            {
                return completion == Completion.Break ? Completion.Normal : completion;
            }
        }

        return Completion.Normal;
    }

    /// <summary><c>t[k] &lt;&lt;&lt; v</c>: records a number in an aggregation's cell.</summary>
    private void Aggregate(Frame frame, BoundAggregate statement)
    {
        var table = Evaluate(frame, statement.Target.Target);
        if (table.Kind != ValueKind.Table || table.AsTable.Aggregation is null)
        {
            throw Error($"'<<<' needs an aggregation (var t = aggr(), hist() or lhist(min, max, step)), not a {(table.Kind == ValueKind.Table ? "plain table" : table.TypeName)}", statement.Target.Target.Span);
        }

        var key = Evaluate(frame, statement.Target.Key);
        if (key.IsNil)
        {
            throw Error("table index is nil", statement.Target.Key.Span);
        }

        var value = Evaluate(frame, statement.Value);
        if (value.Kind != ValueKind.Number)
        {
            throw Error(value.IsNil ? "'<<<' records numbers, not nil" : $"'<<<' records numbers, not a {value.TypeName}", statement.Value.Span);
        }

        table.AsTable.Aggregate(key, value.AsNumber);
    }

    private Completion Return(Frame frame, BoundReturn statement)
    {
        if (statement.IsTailCall && statement.Value is BoundCall call)
        {
            frame.TailCallee = Evaluate(frame, call.Callee);
            frame.TailArguments = EvaluateAll(frame, call.Arguments);
            return Completion.Return;
        }

        frame.ReturnValue = statement.Value is null ? Value.Nil : Evaluate(frame, statement.Value);
        return Completion.Return;
    }
}
