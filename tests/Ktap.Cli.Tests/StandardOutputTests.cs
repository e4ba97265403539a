namespace Ktap.Cli.Tests;

/// <summary>ktap's standard output shares its file offset with the shell, like any command's.</summary>
public sealed class StandardOutputTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ktap-stdout-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void OutputRedirectedToAFileIsFollowedByTheNextCommandsNotOverwritten()
    {
        var log = Path.Combine(directory, "log");
        var result = ProcessRunner.Run(
            "/bin/bash",
            ["-c", "{ \"$0\" -e 'print(\"hello world\")'; echo after; \"$0\" --ps 2> /dev/null; echo end; } > \"$1\"", RepoPaths.Ktap, log],
            directory,
            TimeSpan.FromSeconds(30));
        Assert.Equal(0, result.ExitCode);

        // What --ps lists depends on the machine (and on root); that "end" comes last does not.
        var text = File.ReadAllText(log);
        Assert.StartsWith("hello world\nafter\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\nend\n", text, StringComparison.Ordinal);
    }
}
