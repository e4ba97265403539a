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
}
