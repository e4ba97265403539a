using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.Tests;

/// <summary>Parses, binds and type-checks snippets the way the command will.</summary>
internal static class Script
{
    /// <summary>Type-checks a script whose front end reports nothing; gives the type checker's diagnostics.</summary>
    public static TypedScript Check(string text, out IReadOnlyList<Diagnostic> diagnostics, string fileName = "t.kp")
    {
        var bag = new DiagnosticBag();
        var syntax = Parser.Parse(new SourceText(fileName, text), bag);
        var bound = Binder.Bind(syntax, bag);
        Assert.True(bag.Items.Count == 0, "unexpected front-end diagnostics:\n" + string.Join("\n", bag.Items));
        var typed = TypeChecker.Check(bound, bag);
        diagnostics = bag.Sorted();
        return typed;
    }

    /// <summary>Type-checks a script that must have no errors.</summary>
    public static TypedScript Valid(string text)
    {
        var typed = Check(text, out var diagnostics);
        Assert.True(diagnostics.Count == 0, "unexpected diagnostics:\n" + string.Join("\n", diagnostics));
        return typed;
    }

    /// <summary>Type-checks a script that must fail with exactly one diagnostic, of this code.</summary>
    public static Diagnostic Fails(string text, DiagnosticCode code)
    {
        Check(text, out var diagnostics);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(code, diagnostic.Code);
        return diagnostic;
    }

    public static VariableSymbol TopLevel(TypedScript typed, string name) =>
        typed.Bound.Main.Frame.Single(v => v.Name == name);

    public static VariableSymbol Local(TypedScript typed, string name) =>
        typed.Bound.Functions.Where(f => f.Kind != FunctionKind.Main).SelectMany(f => f.Frame).Single(v => v.Name == name);

    public static FunctionSymbol Function(TypedScript typed, string name) =>
        typed.Bound.Functions.Single(f => f.Name == name);
}
