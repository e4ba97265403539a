using Ktap.Language.Diagnostics;
using Ktap.Language.Syntax;

namespace Ktap.Language.Semantics;

/// <summary>
/// Resolves every name, checks the rules that need no types (declared variables, probes at the
/// top level, break in loops, built-in arities and literal printf formats) and marks every
/// function KERNEL or USER.
/// </summary>
public sealed partial class Binder
{
    private readonly SourceText source;
    private readonly DiagnosticBag diagnostics;
    private readonly List<FunctionSymbol> functions = [];
    private readonly List<BoundProbe> probes = [];
    private readonly List<(FunctionSymbol From, VariableSymbol Variable)> references = [];
    private readonly List<(FunctionSymbol From, TextSpan Span, DiagnosticCode Code, string Message)> handlerOnlyUses = [];
    private readonly Scope topScope;
    private FunctionSymbol function;
    private Scope scope;
    private int loopDepth;

    private Binder(SourceText source, DiagnosticBag diagnostics)
    {
        this.source = source;
        this.diagnostics = diagnostics;
        function = new FunctionSymbol("main", FunctionKind.Main, null, new TextSpan(0, source.Length));
        topScope = new Scope(null);
        scope = topScope;
    }

    public static BoundScript Bind(ScriptSyntax script, DiagnosticBag diagnostics)
    {
        var binder = new Binder(script.Source, diagnostics);
        var main = binder.function;
        binder.functions.Add(main);
        main.Body = binder.BindStatements(script.Body.Statements);
        binder.MarkSides();
        binder.CheckHandlerOnlyUses();
        return new BoundScript(script.Source, main, binder.functions, binder.probes);
    }

    /// <summary>The name under which handlers read an event's fields: <c>args.filename</c>.</summary>
    private const string EventFields = "args";

    private void Report(DiagnosticCode code, TextSpan span, string message) => diagnostics.Report(code, source, span, message);

    /// <summary>A name as quoted in a message: a 100 KB identifier is not repeated whole.</summary>
    private static string Shown(string name) => name.Length <= 40 ? name : name[..40] + "...";

    private BoundBlock BindBlock(BlockSyntax block)
    {
        var outer = scope;
        scope = new Scope(outer);
        var bound = BindStatements(block.Statements);
        scope = outer;
        return bound;
    }

    private BoundBlock BindStatements(IReadOnlyList<StatementSyntax> statements)
    {
        var bound = new List<BoundStatement>(statements.Count);
        foreach (var statement in statements)
        {
            bound.Add(BindStatement(statement));
        }

        return new BoundBlock(bound);
    }

    private VariableSymbol Declare(NameSyntax name)
    {
        var variable = function.AddLocal(name.Name, name.Span);
        if (name.Name.Length > 0)
        {
            scope.Declare(variable);
        }

        return variable;
    }

    /// <summary>
    /// Marks where each function runs. Handlers run in the kernel; top-level code, trace_end and
    /// tick blocks in ktap. A named function runs wherever its callers run; a function only used
    /// as a value (a sort comparator) runs on the side that created it.
    /// </summary>
    private void MarkSides()
    {
        foreach (var (from, variable) in references)
        {
            if (variable.Function is { } callee && !variable.IsReassigned)
            {
                from.Callees.Add(callee);
            }
        }

        // A function only used as a value (a comparator, a returned closure) runs where the
        // function that created it runs: an edge from creator to created, for side marking only.
        var called = functions.SelectMany(f => f.Callees).ToHashSet();
        var runsWith = functions.ToDictionary(f => f, f => new List<FunctionSymbol>(f.Callees));
        foreach (var f in functions)
        {
            if (f.Kind == FunctionKind.Function && !called.Contains(f))
            {
                runsWith[f.Parent!].Add(f);
            }
        }

        var work = new Stack<FunctionSymbol>();
        foreach (var f in functions)
        {
            f.Side = f.Kind switch
            {
                FunctionKind.Trace or FunctionKind.Profile => ExecutionSide.Kernel,
                FunctionKind.Main or FunctionKind.TraceEnd or FunctionKind.Tick => ExecutionSide.User,
                _ => ExecutionSide.None,
            };
        }

        foreach (var f in functions)
        {
            work.Push(f);
        }

        while (work.Count > 0)
        {
            var caller = work.Pop();
            foreach (var callee in runsWith[caller])
            {
                if ((callee.Side | caller.Side) != callee.Side)
                {
                    callee.Side |= caller.Side;
                    work.Push(callee);
                }
            }
        }

        foreach (var (from, variable) in references)
        {
            variable.UsedFrom |= from.Side;
        }
    }

    private void CheckHandlerOnlyUses()
    {
        foreach (var (from, span, code, message) in handlerOnlyUses)
        {
            // A function that also runs in the ktap process has no event there either.
            if (from.Side != ExecutionSide.Kernel)
            {
                Report(code, span, from.Side.HasFlag(ExecutionSide.Kernel) ? message + $", and '{from.Name}' is also called outside one" : message);
            }
        }
    }
}
