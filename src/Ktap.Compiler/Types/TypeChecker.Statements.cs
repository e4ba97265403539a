using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;

namespace Ktap.Compiler.Types;

public sealed partial class TypeChecker
{
    private void CheckBlock(BoundBlock block)
    {
        foreach (var statement in block.Statements)
        {
            CheckStatement(statement);
        }
    }

    private void CheckStatement(BoundStatement statement)
    {
        switch (statement)
        {
            case BoundLocalDeclaration s:
                for (var i = 0; i < s.Values.Count; i++)
                {
                    var value = Type(s.Values[i]);
                    if (i < s.Variables.Count)
                    {
                        Unify(TermOf(s.Variables[i]), value, s.Values[i].Span, Subject(s.Variables[i]));
                    }
                }

                break;

            case BoundAssignment s:
                var values = s.Values.Select(Type).ToList();
                for (var i = 0; i < s.Targets.Count && i < values.Count; i++)
                {
                    if (s.Targets[i] is not BoundError)
                    {
                        Unify(Type(s.Targets[i]), values[i], s.Values[i].Span, Subject(s.Targets[i]));
                    }
                }

                break;

            case BoundIncrement s:
                if (s.Target is not BoundError)
                {
                    Unify(Type(s.Target), PrimitiveTerm.Number, s.Target.Span, Subject(s.Target));
                }

                Unify(PrimitiveTerm.Number, Type(s.Value), s.Value.Span, "the value of '+='");
                break;

            case BoundAggregate s:
                // The cell takes the value: 't[k] <<< v' reads nothing, so the target is no read of t.
                var table = TableOf(Type(s.Target.Target), s.Target.Target.Span, Subject(s.Target.Target));
                if (kernel)
                {
                    expressionTerms[s.Target] = table.Value;
                }

                if (s.Target.Key is not BoundNil)
                {
                    Unify(table.Key, Type(s.Target.Key), s.Target.Key.Span, $"the keys of {Subject(s.Target.Target)}");
                }

                Unify(table.Value, PrimitiveTerm.Aggregate, s.Target.Target.Span, $"the values of {Subject(s.Target.Target)} ('<<<' records into an aggregation: var t = aggr(), hist() or lhist(min, max, step))");
                Unify(PrimitiveTerm.Number, Type(s.Value), s.Value.Span, "the value of '<<<'");
                break;

            case BoundExpressionStatement s:
                Type(s.Expression);
                break;

            case BoundIf s:
                foreach (var clause in s.Clauses)
                {
                    // Any value is a condition: only nil and false are false.
                    TypeCondition(clause.Condition);
                    CheckBlock(clause.Body);
                }

                if (s.Else is not null)
                {
                    CheckBlock(s.Else);
                }

                break;

            case BoundWhile s:
                TypeCondition(s.Condition);
                CheckBlock(s.Body);
                break;

            case BoundRepeat s:
                CheckBlock(s.Body);
                TypeCondition(s.Condition);
                break;

            case BoundNumericFor s:
                Unify(PrimitiveTerm.Number, Type(s.First), s.First.Span, "the start of a 'for' loop");
                Unify(PrimitiveTerm.Number, Type(s.Last), s.Last.Span, "the end of a 'for' loop");
                if (s.Step is not null)
                {
                    Unify(PrimitiveTerm.Number, Type(s.Step), s.Step.Span, "the step of a 'for' loop");
                }

                Unify(TermOf(s.Variable), PrimitiveTerm.Number, s.Variable.Declaration, Subject(s.Variable));
                CheckBlock(s.Body);
                break;

            case BoundForIn s:
                CheckForIn(s);
                break;

            case BoundReturn s:
                if (s.Value is not null)
                {
                    var value = Type(s.Value);
                    if (kernel)
                    {
                        Unify(ReturnTerm(function), value, s.Value.Span, $"the return value of '{function.Name}'");
                    }
                }

                break;

            case BoundBlockStatement s:
                CheckBlock(s.Body);
                break;

            case BoundBreak or BoundProbe:
                // A probe's handler is a function of its own, checked on its own side.
                break;

            default:
                throw new InvalidOperationException($"unknown statement {statement.GetType().Name}");
        }
    }

    private void CheckForIn(BoundForIn loop)
    {
        var iterator = loop.Iterator;
        if (kernel)
        {
            expressionTerms[iterator] = DynamicTerm.Instance;
            expressionTerms[iterator.Callee] = DynamicTerm.Instance;
        }

        if (kernel && iterator.Callee is BoundBuiltin { Builtin.Function: BuiltinFunction.SortPairs })
        {
            Report(DiagnosticCode.NotInKernel, iterator.Span, "'sort_pairs' cannot run in a probe handler: the kernel cannot sort a map; loop over sort_pairs(t) in trace_end or a tick block");
        }

        if (iterator.Arguments.Count > 0)
        {
            var argument = iterator.Arguments[0];
            var table = TableOf(Type(argument), argument.Span, Subject(argument));
            NoteKernelRead(table, loop.Iterator.Span);
            Unify(TermOf(loop.Key), table.Key, loop.Key.Declaration, Subject(loop.Key));
            if (loop.Value is not null)
            {
                Unify(TermOf(loop.Value), table.Value, loop.Value.Declaration, Subject(loop.Value));
            }

            foreach (var extra in iterator.Arguments.Skip(1))
            {
                Type(extra);
            }
        }

        CheckBlock(loop.Body);
    }
}
