using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.Tests;

/// <summary>The type checker over every script of tests/scripts: it never throws, and passing cases stay clean.</summary>
public sealed class ScriptCorpusTests
{
    private static string ScriptsDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "scripts");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/scripts not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Scripts()
    {
        var root = ScriptsDirectory();
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(root, "*.kp", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(root, path));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void ChecksWithoutThrowing(string relativePath)
    {
        var source = SourceText.FromBytes(relativePath, File.ReadAllBytes(Path.Combine(ScriptsDirectory(), relativePath)));
        var diagnostics = new DiagnosticBag();
        var bound = Binder.Bind(Parser.Parse(source, diagnostics), diagnostics);
        var frontEndErrors = diagnostics.Items.Count;
        TypeChecker.Check(bound, diagnostics);
        if (frontEndErrors == 0 && Path.GetFileName(relativePath).StartsWith("tst.", StringComparison.Ordinal))
        {
            Assert.True(diagnostics.Items.Count == 0, string.Join("\n", diagnostics.Items));
        }
    }
}
