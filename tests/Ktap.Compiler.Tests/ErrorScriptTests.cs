using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.Tests;

/// <summary>The type checker's end-to-end cases (tests/scripts/errors/err.KT2nnn.*.kp) each report their own code and no other.</summary>
public sealed class ErrorScriptTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(ErrorsDirectory(), "err.KT2*.kp").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void ScriptReportsOnlyItsCode(string fileName)
    {
        var expected = fileName.Split('.')[1];
        var source = SourceText.FromBytes(fileName, File.ReadAllBytes(Path.Combine(ErrorsDirectory(), fileName)));
        var diagnostics = new DiagnosticBag();
        var bound = Binder.Bind(Parser.Parse(source, diagnostics), diagnostics);
        Assert.Empty(diagnostics.Items);
        TypeChecker.Check(bound, diagnostics);
        Assert.NotEmpty(diagnostics.Items);
        Assert.All(diagnostics.Items, d => Assert.True(d.Code.Id() == expected, DiagnosticPrinter.Render(d)));
    }

    private static string ErrorsDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "scripts", "errors");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/scripts/errors not found above " + AppContext.BaseDirectory);
    }
}
