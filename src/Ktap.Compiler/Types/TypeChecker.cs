using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.Types;

/// <summary>
/// Gives every value of kernel code one static type (LANGUAGE.md §8), by unification over the
/// whole script: kernel functions are checked in full; in the ktap process only the uses of
/// top-level variables the kernel shares count ("inferred from every use on both sides").
/// Reports what the kernel cannot run: recursion (KT2001), a table created in a handler
/// (KT2002), a value whose type changes (KT2003), tables of tables (KT2004) and anything else
/// the kernel has no way to do (KT2005). Strings need no check: every kernel string is bounded
/// by truncation at --strlen.
/// </summary>
public sealed partial class TypeChecker
{
    private readonly BoundScript script;
    private readonly SourceText source;
    private readonly DiagnosticBag diagnostics;
    private readonly Unifier unifier = new();
    private readonly Dictionary<VariableSymbol, VariableTerm> variableTerms = [];
    private readonly Dictionary<FunctionSymbol, VariableTerm> returnTerms = [];
    private readonly Dictionary<BoundExpression, Term> expressionTerms = new(ReferenceEqualityComparer.Instance);
    private readonly List<(FunctionSymbol Caller, FunctionSymbol Callee, TextSpan Span)> calls = [];
    private FunctionSymbol function;

    /// <summary>True while checking kernel code; false for the ktap side, where only shared variables are typed.</summary>
    private bool kernel;

    /// <summary>Tables kernel code reads (an element, pairs, len): none may turn out to be an aggregation.</summary>
    private readonly List<(Term Table, TextSpan Span)> kernelReads = [];

    /// <summary>The <c>argstr</c> being typed as an argument of print or printf, the one place kernel code may use it.</summary>
    private BoundExpression? printedArgstr;

    private TypeChecker(BoundScript script, DiagnosticBag diagnostics, IReadOnlyDictionary<BoundProbe, IReadOnlyList<Events.ProbeTarget>>? targets)
    {
        this.targets = targets;
        this.script = script;
        source = script.Source;
        this.diagnostics = diagnostics;
        function = script.Main;
    }

    /// <summary>Type-checks the kernel side of a script that bound without errors.</summary>
    /// <param name="targets">Where each trace and profile block runs, when resolved: the types of <c>args.NAME</c> and <c>argN</c> come from them.</param>
    public static TypedScript Check(BoundScript script, DiagnosticBag diagnostics, IReadOnlyDictionary<BoundProbe, IReadOnlyList<Events.ProbeTarget>>? targets = null)
    {
        var checker = new TypeChecker(script, diagnostics, targets);
        return checker.Run();
    }

    private TypedScript Run()
    {
        var kernelFunctions = script.Functions.Where(f => f.Side.HasFlag(ExecutionSide.Kernel)).ToList();

        // Kernel code first: a type the kernel decides is the one a user-side use is measured against.
        kernel = true;
        foreach (var f in kernelFunctions)
        {
            function = f;
            CheckBlock(f.Body);
        }

        kernel = false;
        foreach (var f in script.Functions.Where(f => !f.Side.HasFlag(ExecutionSide.Kernel)))
        {
            function = f;
            CheckBlock(f.Body);
        }

        var shared = script.Main.Frame.Where(IsShared).ToList();
        CheckRecursion(kernelFunctions);
        CheckKernelReads();
        CheckNesting(kernelFunctions.SelectMany(f => f.Frame).Concat(shared));

        var expressions = new Dictionary<BoundExpression, KtapType>(ReferenceEqualityComparer.Instance);
        foreach (var (expression, term) in expressionTerms)
        {
            expressions[expression] = Unifier.Resolve(term);
        }

        var variables = new Dictionary<VariableSymbol, KtapType>();
        foreach (var variable in kernelFunctions.SelectMany(f => f.Frame).Concat(shared))
        {
            variables[variable] = Unifier.Resolve(VariableTermOf(variable));
        }

        var returns = kernelFunctions.ToDictionary(f => f, f => Unifier.Resolve(ReturnTerm(f)));
        return new TypedScript(script, kernelFunctions, shared, expressions, variables, returns);
    }

    /// <summary>A top-level variable the kernel reads or writes: it will live in a map.</summary>
    private static bool IsShared(VariableSymbol variable) =>
        variable.IsTopLevel && variable.UsedFrom.HasFlag(ExecutionSide.Kernel) && variable.Function is null;

    private VariableTerm VariableTermOf(VariableSymbol variable)
    {
        if (!variableTerms.TryGetValue(variable, out var term))
        {
            term = new VariableTerm();
            variableTerms[variable] = term;
        }

        return term;
    }

    /// <summary>The term of a variable as the code being checked sees it.</summary>
    private Term TermOf(VariableSymbol variable) =>
        kernel || IsShared(variable) ? VariableTermOf(variable) : DynamicTerm.Instance;

    private VariableTerm ReturnTerm(FunctionSymbol f)
    {
        if (!returnTerms.TryGetValue(f, out var term))
        {
            term = new VariableTerm();
            returnTerms[f] = term;
        }

        return term;
    }

    private void Report(DiagnosticCode code, TextSpan span, string message) => diagnostics.Report(code, source, span, message);

    private void NoteKernelRead(Term table, TextSpan span)
    {
        if (kernel)
        {
            kernelReads.Add((table, span));
        }
    }

    /// <summary>
    /// An aggregation lives in per-CPU maps laid out for recording (a histogram keeps a count per
    /// key and bucket): kernel code only records into one, the ktap process reads it.
    /// </summary>
    private void CheckKernelReads()
    {
        foreach (var (table, span) in kernelReads)
        {
            if (Unifier.Find(table).Term is TableTerm { Value: var value } && Unifier.Find(value).Term is PrimitiveTerm { Kind: TypeKind.Aggregate })
            {
                Report(DiagnosticCode.NotInKernel, span, "an aggregation cannot be read in kernel code, only recorded into with '<<<': read it (print(t), count(t[k])) in trace_end or a tick block");
            }
        }
    }

    private int Line(TextSpan span) => source.GetLineColumn(span.Start).Line;

    /// <summary>Unifies, reporting a conflict as KT2003 (or KT2004 for a table that would hold itself).</summary>
    /// <param name="existing">The slot's type: a variable's, a table part's, a requirement.</param>
    /// <param name="incoming">The type of the value at <paramref name="here"/>.</param>
    /// <param name="subject">What must keep one type, as a message names it: <c>'counts'</c>.</param>
    private void Unify(Term existing, Term incoming, TextSpan here, string subject)
    {
        if (unifier.Unify(existing, incoming, here) is not { } conflict)
        {
            return;
        }

        if (conflict.Path.Length > 0)
        {
            subject = $"the {conflict.Path} of {subject}";
        }

        if (conflict.Cyclic)
        {
            Report(DiagnosticCode.NestedTable, here, $"{subject} would contain itself: a table in kernel code holds numbers, strings, booleans or stacks, not tables");
            return;
        }

        var got = Unifier.Describe(conflict.Incoming);
        var had = Unifier.Describe(conflict.Existing);
        var from = conflict.IncomingOrigin is { } io && Line(io) != Line(here) ? $" (from line {Line(io)})" : string.Empty;
        var message = conflict.ExistingOrigin switch
        {
            { } origin when Line(origin) != Line(here) => $"type conflict for {subject}: {got} here{from}, {had} at line {Line(origin)}; in kernel code a value keeps one type",
            { } => $"type conflict for {subject}: {got} here{from}, {had} earlier on this line; in kernel code a value keeps one type",
            _ => $"type conflict for {subject}: {got} here{from}, but it must be {Article(had)}",
        };
        Report(DiagnosticCode.TypeConflict, here, message);
    }

    private static string Article(string type) => type[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an " + type : "a " + type;

    /// <summary>The table a term must be: its key and value terms.</summary>
    private TableTerm TableOf(Term term, TextSpan span, string subject)
    {
        switch (Unifier.Find(term).Term)
        {
            case TableTerm table:
                return table;
            case DynamicTerm:
                return new TableTerm(DynamicTerm.Instance, DynamicTerm.Instance);
            default:
                var fresh = new TableTerm(new VariableTerm(), new VariableTerm());
                Unify(term, fresh, span, subject);
                return fresh;
        }
    }

    private static string Subject(VariableSymbol variable)
    {
        if (variable.IsTopLevel)
        {
            return $"'{variable.Name}'";
        }

        return variable.Owner.Parameters.Contains(variable)
            ? $"parameter '{variable.Name}' of '{variable.Owner.Name}'"
            : $"variable '{variable.Name}'";
    }

    private static string Subject(BoundExpression expression) => expression switch
    {
        BoundLocal e => Subject(e.Variable),
        BoundUpvalue e => Subject(e.Variable),
        BoundIndex e => $"the values of {Subject(e.Target)}",
        _ => "the table",
    };
}
