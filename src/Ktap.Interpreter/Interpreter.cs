using System.Runtime.CompilerServices;
using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Interpreter;

/// <summary>What the interpreter needs from its host.</summary>
/// <param name="Output">Where print and printf write; Latin-1, so bytes pass through unchanged.</param>
/// <param name="ScriptName">arg[0]: the script's path, or <c>-e</c>.</param>
/// <param name="Arguments">arg[1..]: the script's arguments; decimal ones become numbers.</param>
/// <param name="SharedVariables">
/// Where the top-level variables and tables that kernel handlers use live (BPF maps owned by the
/// session); null keeps every variable in the interpreter.
/// </param>
public sealed record InterpreterOptions(TextWriter Output, string ScriptName, IReadOnlyList<string> Arguments, ISharedVariables? SharedVariables = null);

/// <summary>
/// Runs USER code (LANGUAGE.md §8): the top level, trace_end and tick blocks and the functions
/// they call, by walking the bound tree.
/// </summary>
public sealed partial class ScriptInterpreter
{
    /// <summary>Calls nested deeper than this (tail calls excepted) are a "stack overflow" error.</summary>
    public const int MaxCallDepth = 1000;

    /// <summary>The most iterations a loop of a probe handler may run (ktap's limit).</summary>
    public const int HandlerLoopLimit = 100000;

    private readonly BoundScript script;
    private readonly InterpreterOptions options;
    private readonly List<(BoundProbe Probe, Closure Handler)> handlers = [];
    private int callDepth;

    public ScriptInterpreter(BoundScript script, InterpreterOptions options)
    {
        this.script = script;
        this.options = options;
        ArgTable = MakeArgTable(options);
        sharedTopLevel = SharedTopLevel(script, options.SharedVariables);
    }

    /// <summary>The probe, timer and trace_end blocks the top-level code registered, in order.</summary>
    public IReadOnlyList<(BoundProbe Probe, Closure Handler)> Handlers => handlers;

    internal KtapTable ArgTable { get; }

    private SourceText Source => script.Source;

    private TextWriter Output => options.Output;

    /// <summary>Runs the top-level code. False when it called <c>exit()</c>.</summary>
    public bool RunMain()
    {
        var frame = new Frame(new Closure(script.Main, []));
        foreach (var variable in sharedTopLevel)
        {
            frame.Cells[variable.Slot] = new Cell { Shared = variable };
        }

        var finished = true;
        try
        {
            if (Execute(frame, script.Main.Body) == Completion.Return && frame.TailArguments is { } tailArguments)
            {
                Invoke(frame.TailCallee, tailArguments, script.Main.Span);
            }
        }
        catch (ExitRequest)
        {
            finished = false;
        }

        RegisterUnreachedProbes(frame);
        return finished;
    }

    /// <summary>
    /// Probe blocks are declarations: one that the top-level code did not reach (it called
    /// exit() or returned first) is still registered, so its trace_end runs. Variables it
    /// captures that were never declared read as nil.
    /// </summary>
    private void RegisterUnreachedProbes(Frame main)
    {
        var registered = handlers.Select(h => h.Probe).ToHashSet();
        foreach (var probe in script.Probes.Where(p => !registered.Contains(p)))
        {
            handlers.Add((probe, MakeClosure(main, probe.Handler)));
        }

        handlers.Sort((a, b) => a.Probe.Span.Start.CompareTo(b.Probe.Span.Start));
    }

    /// <summary>Runs every trace_end block, in the order they appear.</summary>
    public void RunTraceEnd()
    {
        foreach (var (probe, handler) in handlers)
        {
            if (probe.Kind == FunctionKind.TraceEnd)
            {
                try
                {
                    Invoke(Value.Function(handler), [], probe.Span);
                }
                catch (ExitRequest)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Runs a <c>tick</c> block once. False when it called <c>exit()</c>. A runtime error
    /// propagates: it ends the session, and trace_end does not run (LANGUAGE.md §2).
    /// </summary>
    public bool RunTick(BoundProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var handler = HandlerOf(probe) ?? throw new ArgumentException($"'{probe.Description}' is not a tick block of this script", nameof(probe));
        try
        {
            Invoke(Value.Function(handler), [], probe.Span);
            return true;
        }
        catch (ExitRequest)
        {
            return false;
        }
    }

    private static KtapTable MakeArgTable(InterpreterOptions options)
    {
        var table = new KtapTable(options.Arguments.Count, 1);
        table.Set(Value.Number(0), Value.String(options.ScriptName));
        for (var i = 0; i < options.Arguments.Count; i++)
        {
            var text = options.Arguments[i];
            var value = IsDecimal(text) && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var number)
                ? Value.Number(number)
                : Value.String(text);
            table.Set(Value.Number(i + 1), value);
        }

        return table;
    }

    private static bool IsDecimal(string text) =>
        text.Length > 0 && text.AsSpan(text[0] == '-' && text.Length > 1 ? 1 : 0).IndexOfAnyExceptInRange('0', '9') < 0;

    internal RuntimeError Error(string message, TextSpan span) => new(message, Source, span);

    /// <summary>
    /// Calls a function value. A closure's <c>return f(x)</c> comes back here as a tail call and
    /// loops, so tail recursion of any depth uses no .NET stack.
    /// </summary>
    internal Value Invoke(Value callee, Value[] arguments, TextSpan span)
    {
        if (callDepth >= MaxCallDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw Error("stack overflow", span);
        }

        callDepth++;
        try
        {
            while (true)
            {
                if (callee.Kind != ValueKind.Function)
                {
                    throw Error($"attempt to call a {callee.TypeName} value", span);
                }

                if (callee.AsFunction is BuiltinValue builtin)
                {
                    return CallBuiltin(builtin.Info, arguments, span);
                }

                var closure = (Closure)callee.AsFunction;
                var frame = new Frame(closure);
                var parameters = closure.Function.Parameters;
                for (var i = 0; i < parameters.Count; i++)
                {
                    Store(frame, parameters[i], i < arguments.Length ? arguments[i] : Value.Nil, declare: true, span);
                }

                if (Execute(frame, closure.Function.Body) == Completion.Return && frame.TailArguments is { } tailArguments)
                {
                    callee = frame.TailCallee;
                    arguments = tailArguments;
                    continue;
                }

                return frame.ReturnValue;
            }
        }
        finally
        {
            callDepth--;
        }
    }

    /// <summary>
    /// Writes a local; <paramref name="declare"/> gives a captured one a fresh cell, except a
    /// shared one, whose cell is the session's storage for the whole run.
    /// </summary>
    private void Store(Frame frame, VariableSymbol variable, Value value, bool declare, TextSpan span)
    {
        if (!variable.IsCaptured)
        {
            frame.Locals[variable.Slot] = value;
        }
        else if (frame.Cells[variable.Slot] is { } cell && (!declare || cell.Shared is not null))
        {
            WriteCell(cell, value, declare, span);
        }
        else
        {
            frame.Cells[variable.Slot] = new Cell { Value = value };
        }
    }

    private Value Load(Frame frame, VariableSymbol variable) =>
        !variable.IsCaptured ? frame.Locals[variable.Slot] : frame.Cells[variable.Slot] is { } cell ? ReadCell(cell) : Value.Nil;
}
