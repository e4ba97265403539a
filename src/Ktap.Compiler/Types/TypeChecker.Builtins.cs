using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.Types;

public sealed partial class TypeChecker
{
    private Term TypeBuiltinCall(BuiltinInfo builtin, BoundCall call)
    {
        var arguments = call.Arguments.Select(argument =>
        {
            if (builtin.Function is BuiltinFunction.Print or BuiltinFunction.Printf && argument is BoundProbeVariable { Variable: ProbeVariable.Argstr })
            {
                printedArgstr = argument;
            }

            return Type(argument);
        }).ToList();
        var name = Builtins.QualifiedName(builtin);
        switch (builtin.Function)
        {
            case BuiltinFunction.Print or BuiltinFunction.Exit:
                return PrimitiveTerm.Nil;

            case BuiltinFunction.Printf:
                RequireArgument(PrimitiveTerm.String, call, arguments, 0, "the format of 'printf'");
                return PrimitiveTerm.Nil;

            case BuiltinFunction.Stack:
                RequireArgument(PrimitiveTerm.Number, call, arguments, 0, "the depth of 'stack'");
                RequireArgument(PrimitiveTerm.Number, call, arguments, 1, "the skip count of 'stack'");
                foreach (var (argument, what) in call.Arguments.Zip(["depth", "skip count"]))
                {
                    if (kernel && argument is not (BoundNumber or BoundUnary { Operator: UnaryOperator.Negate, Operand: BoundNumber }))
                    {
                        Report(DiagnosticCode.NotInKernel, argument.Span, $"the {what} of stack() must be a number written in the script: the kernel sizes its stack map when the handler loads");
                    }
                }

                return PrimitiveTerm.Stack;

            case BuiltinFunction.GettimeofdayNs or BuiltinFunction.GettimeofdayUs or BuiltinFunction.GettimeofdayMs or BuiltinFunction.GettimeofdayS or BuiltinFunction.InInterrupt:
                return PrimitiveTerm.Number;

            case BuiltinFunction.UserString or BuiltinFunction.KernelString:
                RequireArgument(PrimitiveTerm.Number, call, arguments, 0, $"the address given to '{name}'");
                return PrimitiveTerm.String;

            case BuiltinFunction.Ipof:
                RequireArgument(PrimitiveTerm.Number, call, arguments, 0, "the address given to 'ipof'");
                return PrimitiveTerm.Address;

            case BuiltinFunction.Len:
                if (kernel && arguments.Count > 0 && Unifier.Find(arguments[0]).Term is PrimitiveTerm { Kind: not (TypeKind.String or TypeKind.Nil) } wrong)
                {
                    Report(DiagnosticCode.TypeConflict, call.Arguments[0].Span, $"'len' needs a string or a table, not {Article(Unifier.Describe(wrong))}");
                }
                else if (arguments.Count > 0)
                {
                    NoteKernelRead(arguments[0], call.Span);
                }

                return PrimitiveTerm.Number;

            case BuiltinFunction.Delete or BuiltinFunction.Pairs:
                if (arguments.Count > 0)
                {
                    TableOf(arguments[0], call.Arguments[0].Span, Subject(call.Arguments[0]));
                }

                return builtin.Function == BuiltinFunction.Pairs ? DynamicTerm.Instance : PrimitiveTerm.Nil;

            case BuiltinFunction.Aggr or BuiltinFunction.Hist or BuiltinFunction.Lhist:
                if (kernel)
                {
                    Report(DiagnosticCode.TableCreatedInHandler, call.Span, $"an aggregation cannot be created in kernel code: declare it at the top level of the script (var t = {name}(...)) and record into it here");
                }

                for (var i = 0; i < arguments.Count; i++)
                {
                    RequireArgument(PrimitiveTerm.Number, call, arguments, i, $"argument {i + 1} of '{name}'");
                }

                return new TableTerm(new VariableTerm(), PrimitiveTerm.Aggregate);

            case BuiltinFunction.Count or BuiltinFunction.Sum or BuiltinFunction.Avg or BuiltinFunction.Min or BuiltinFunction.Max:
                // In kernel code the cell's read is the error (CheckKernelReads).
                RequireArgument(PrimitiveTerm.Aggregate, call, arguments, 0, $"the argument of '{name}'");
                return PrimitiveTerm.Number;

            case BuiltinFunction.TableNew:
                if (kernel)
                {
                    Report(DiagnosticCode.TableCreatedInHandler, call.Span, "a table cannot be created in kernel code: declare it at the top level of the script (var t = table.new()) and use it here");
                }

                return new TableTerm(new VariableTerm(), new VariableTerm());

            case BuiltinFunction.PrintHist:
                if (!kernel && arguments.Count > 0)
                {
                    // print_hist counts: the values it draws are numbers.
                    var table = TableOf(arguments[0], call.Arguments[0].Span, Subject(call.Arguments[0]));
                    Unify(table.Value, PrimitiveTerm.Number, call.Arguments[0].Span, $"the values of {Subject(call.Arguments[0])} (print_hist draws numbers)");
                }

                return UserOnly(call, name, "call print_hist in trace_end or a tick block");

            case BuiltinFunction.SortPairs:
                if (!kernel && arguments.Count > 0)
                {
                    TableOf(arguments[0], call.Arguments[0].Span, Subject(call.Arguments[0]));
                }

                return UserOnly(call, name, "loop over sort_pairs(t) in trace_end or a tick block");

            case BuiltinFunction.Stringof or BuiltinFunction.Arch or BuiltinFunction.KernelV:
                return kernel ? UserOnly(call, name, $"call {name} at the top level and keep the result in a variable") : PrimitiveTerm.String;

            case BuiltinFunction.NumCpus:
                return kernel ? UserOnly(call, name, "call num_cpus at the top level and keep the result in a variable") : PrimitiveTerm.Number;

            default:
                // ansi.*: terminal control belongs to the ktap process's own output.
                return UserOnly(call, name, $"call {name} in trace_end or a tick block");
        }
    }

    private Term UserOnly(BoundCall call, string name, string advice) =>
        NotInKernel(call.Span, $"'{name}' cannot run in a probe handler, only in the ktap process: {advice}");

    private void RequireArgument(PrimitiveTerm type, BoundCall call, List<Term> arguments, int index, string subject)
    {
        if (index < arguments.Count)
        {
            Unify(type, arguments[index], call.Arguments[index].Span, subject);
        }
    }
}
