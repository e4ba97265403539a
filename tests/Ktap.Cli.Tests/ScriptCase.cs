using System.Text;
using System.Text.RegularExpressions;

namespace Ktap.Cli.Tests;

/// <summary>What a case under <c>tests/scripts</c> expects (see tests/scripts/README.md).</summary>
internal enum CaseKind
{
    /// <summary><c>tst.NAME.kp</c>: must print its <c>.out</c> and <c>.err</c> and exit with its <c>.status</c>.</summary>
    Test,

    /// <summary><c>err.KTnnnn.NAME.kp</c>: must fail to compile with diagnostic KTnnnn (exit status 255).</summary>
    Error,
}

/// <summary>One end-to-end case: a script and the files beside it that say what it must do.</summary>
internal sealed partial class ScriptCase
{
    /// <summary>ktap's exit status for a compile error.</summary>
    public const int CompileErrorStatus = 255;

    private ScriptCase(string path, CaseKind kind, string? diagnosticCode)
    {
        ScriptPath = path;
        Kind = kind;
        DiagnosticCode = diagnosticCode;
    }

    public string ScriptPath { get; }

    public string Directory => Path.GetDirectoryName(ScriptPath)!;

    public string FileName => Path.GetFileName(ScriptPath);

    public CaseKind Kind { get; }

    /// <summary>The <c>KTnnnn</c> of an <c>err.</c> case; null for a <c>tst.</c> case.</summary>
    public string? DiagnosticCode { get; }

    /// <summary>Expected stdout: the <c>.out</c> file (Latin-1, <c>{workloads}</c> expanded), or null if there is none.</summary>
    public string? ExpectedStdout => ReadSibling(".out") is { } text ? ScriptWorkloads.Expand(text) : null;

    /// <summary>Expected stderr: the <c>.err</c> file (Latin-1), or null if there is none.</summary>
    public string? ExpectedStderr => ReadSibling(".err");

    /// <summary>Expected exit status: the integer in the <c>.status</c> file, or null if there is none.</summary>
    public int? ExpectedStatus
    {
        get
        {
            var text = ReadSibling(".status");
            if (text is null)
            {
                return null;
            }

            if (!int.TryParse(text.Trim(), out var status))
            {
                throw new InvalidDataException($"{FileName}.status must hold one integer, not \"{text.Trim()}\"");
            }

            return status;
        }
    }

    /// <summary>All scripts under <paramref name="root"/>, as paths relative to it with '/' separators, sorted.</summary>
    public static IReadOnlyList<string> Enumerate(string root)
    {
        if (!System.IO.Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"the script case folder {root} does not exist");
        }

        return [.. System.IO.Directory.EnumerateFiles(root, "*.kp", SearchOption.AllDirectories)
            .Where(p => p.EndsWith(".kp", StringComparison.Ordinal))
            .Select(p => Path.GetRelativePath(root, p).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Reads a case from its script path; a file name that fits no convention is an error.</summary>
    public static ScriptCase Load(string path)
    {
        var name = Path.GetFileName(path);
        if (name.StartsWith("tst.", StringComparison.Ordinal))
        {
            return new ScriptCase(path, CaseKind.Test, null);
        }

        if (name.StartsWith("err.", StringComparison.Ordinal))
        {
            var match = ErrorName().Match(name);
            if (!match.Success)
            {
                throw new InvalidDataException(
                    $"{name}: an error case must be named err.KTnnnn.NAME.kp (KT and four digits)");
            }

            return new ScriptCase(path, CaseKind.Error, match.Groups[1].Value);
        }

        throw new InvalidDataException($"{name}: a script case must be named tst.NAME.kp or err.KTnnnn.NAME.kp");
    }

    /// <summary>
    /// The command line around the script path, from the optional <c>.args</c> file: one word per
    /// line, placed after the script; if the first line is <c>--options</c>, the lines up to a line
    /// <c>--</c> go before the script instead (ktap options) and the rest after it.
    /// </summary>
    public (IReadOnlyList<string> Before, IReadOnlyList<string> After) ReadArguments()
    {
        var lines = ReadWords(".args");
        if (lines is null)
        {
            return ([], []);
        }

        if (lines.Count == 0 || lines[0] != "--options")
        {
            return ([], lines);
        }

        var end = lines.IndexOf("--", 1);
        if (end < 0)
        {
            throw new InvalidDataException(
                $"{FileName}.args starts with --options but has no line \"--\" to end the options");
        }

        return (lines[1..end], lines[(end + 1)..]);
    }

    /// <summary>
    /// The optional <c>.workload</c>: a command, one word per line, that the case runs once ktap
    /// has printed its banner; ktap then gets SIGINT. Null when there is none.
    /// </summary>
    public IReadOnlyList<string>? ReadWorkload() => ReadWords(".workload");

    /// <summary>A file of words, one per line (an empty line an empty word), or null if there is none.</summary>
    private List<string>? ReadWords(string suffix)
    {
        // UTF-8, not Latin-1: the process API encodes each argument as UTF-8, so this is the
        // decoding that hands ktap the file's own bytes. Bytes that are not UTF-8 cannot be passed.
        var path = ScriptPath + suffix;
        if (!File.Exists(path))
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(File.ReadAllBytes(path));
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"{FileName}{suffix} is not UTF-8: arguments can only be passed as UTF-8");
        }

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    private string? ReadSibling(string suffix)
    {
        var path = ScriptPath + suffix;
        return File.Exists(path) ? Encoding.Latin1.GetString(File.ReadAllBytes(path)) : null;
    }

    [GeneratedRegex(@"^err\.(KT[0-9]{4})\.[^/]+\.kp$")]
    private static partial Regex ErrorName();
}
