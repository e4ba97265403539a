using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Language.Tests;

/// <summary>
/// tests/scripts/errors/err.KTnnnn.NAME.kp are end-to-end cases for bin/ktap (exit 255 and
/// "error KTnnnn:"). Here the front end's (KT1xxx) are checked against the front end alone: each
/// reports its own code and no other. Every compile-time code, the type checker's KT2xxx too, has a case.
/// </summary>
public sealed class ErrorScriptTests
{
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

    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(ErrorsDirectory(), "err.KT1*.kp").Order(StringComparer.Ordinal))
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
        Binder.Bind(Parser.Parse(source, diagnostics), diagnostics);
        Assert.NotEmpty(diagnostics.Items);
        Assert.All(diagnostics.Items, d => Assert.True(d.Code.Id() == expected, DiagnosticPrinter.Render(d)));
    }

    [Fact]
    public void EveryCodeHasAnErrorScript()
    {
        var covered = Directory.GetFiles(ErrorsDirectory(), "err.*.kp").Select(p => Path.GetFileName(p).Split('.')[1]).ToHashSet();
        // KT30xx are the verifier's verdicts at load time, not compile errors (exit status 1, not
        // 255): tests/Ktap.Runtime.Tests/Kernel covers them.
        var missing = Enum.GetValues<DiagnosticCode>().Where(c => (int)c < 3000).Select(c => c.Id()).Where(id => !covered.Contains(id)).ToList();
        Assert.True(missing.Count == 0, "no tests/scripts/errors case for " + string.Join(", ", missing));
    }
}
