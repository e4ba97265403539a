namespace Ktap.Cli.Tests;

/// <summary>Paths in the repository the tests run from, found from the test assembly's folder.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The repository root: the nearest parent folder that holds <c>Ktap.slnx</c>.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The end-to-end cases: <c>tests/scripts</c>.</summary>
    public static string Scripts => Path.Combine(Root, "tests", "scripts");

    /// <summary>The NativeAOT binary that <c>./build.sh</c> leaves at <c>bin/ktap</c>.</summary>
    public static string Ktap => Path.Combine(Root, "bin", "ktap");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ktap.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"no folder above {AppContext.BaseDirectory} contains Ktap.slnx: cannot find the repository root");
    }
}
