using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Interpreter.Tests;

/// <summary>Compiles and runs snippets the way the command does, capturing the output.</summary>
internal static class Script
{
    public const string FileName = "t.kp";

    /// <summary>Parses and binds a script that must compile without diagnostics.</summary>
    public static BoundScript Bind(string text)
    {
        var diagnostics = new DiagnosticBag();
        var syntax = Parser.Parse(new SourceText(FileName, text), diagnostics);
        var bound = Binder.Bind(syntax, diagnostics);
        Assert.True(diagnostics.Items.Count == 0, "unexpected diagnostics:\n" + string.Join("\n", diagnostics.Items));
        return bound;
    }

    /// <summary>Runs the top level then trace_end; returns the output.</summary>
    public static string Run(string text, params string[] arguments) => Run(text, out _, arguments);

    public static string Run(string text, out bool mainCompleted, params string[] arguments)
    {
        var output = new StringWriter { NewLine = "\n" };
        var interpreter = new ScriptInterpreter(Bind(text), new InterpreterOptions(output, FileName, arguments));
        mainCompleted = interpreter.RunMain();
        interpreter.RunTraceEnd();
        return output.ToString();
    }

    /// <summary>Runs a script that must stop with a runtime error; gives the error and the output before it.</summary>
    public static RuntimeError Fails(string text, out string output)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var interpreter = new ScriptInterpreter(Bind(text), new InterpreterOptions(writer, FileName, []));
        var error = Assert.Throws<RuntimeError>(() =>
        {
            interpreter.RunMain();
            interpreter.RunTraceEnd();
        });
        output = writer.ToString();
        return error;
    }

    public static RuntimeError Fails(string text) => Fails(text, out _);

    /// <summary>An interpreter for a script, not yet run, writing to <see cref="Session.Output"/>.</summary>
    public static Session Start(string text, ISharedVariables? shared = null)
    {
        var bound = Bind(text);
        var output = new StringWriter { NewLine = "\n" };
        return new Session(bound, new ScriptInterpreter(bound, new InterpreterOptions(output, FileName, [], shared)), output);
    }
}

/// <summary>A script, its interpreter and what it printed so far.</summary>
internal sealed record Session(BoundScript Bound, ScriptInterpreter Interpreter, StringWriter Output)
{
    /// <summary>The script's n-th trace or profile block.</summary>
    public BoundProbe Handler(int n = 0) => Bound.Probes.Where(p => p.Kind is FunctionKind.Trace or FunctionKind.Profile).ElementAt(n);

    public HandlerOutcome Fire(IProbeEvent probeEvent, int handler = 0) => Interpreter.RunHandler(Handler(handler), probeEvent);

    /// <summary>The output since the last call.</summary>
    public string Take()
    {
        var text = Output.ToString();
        Output.GetStringBuilder().Clear();
        return text;
    }
}
