using System.Globalization;
using System.Text.RegularExpressions;

namespace Ktap.Runtime.Tests.Probes;

/// <summary>A tracefs format file read by other means than Ktap.Bpf's parser: the tests' oracle.</summary>
internal sealed partial record FormatOracle(int Id, IReadOnlyList<FormatOracle.Field> Fields)
{
    public const string Root = "/sys/kernel/tracing";

    public IEnumerable<Field> EventFields => Fields.Where(f => !f.Name.StartsWith("common_", StringComparison.Ordinal));

    public static FormatOracle Read(string subsystem, string name)
    {
        var text = File.ReadAllText(Path.Combine(Root, "events", subsystem, name, "format"));
        var id = int.Parse(IdLine().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
        var fields = FieldLine().Matches(text).Select(m => new Field(
            m.Groups[1].Value.Trim(),
            NameOf(m.Groups[1].Value),
            int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
            m.Groups[4].Value == "1")).ToList();
        return new FormatOracle(id, fields);
    }

    /// <summary>The C name: the last identifier before any "[N]".</summary>
    private static string NameOf(string declaration) => DeclaredName().Match(declaration).Groups[1].Value;

    [GeneratedRegex(@"^ID: (\d+)$", RegexOptions.Multiline)]
    private static partial Regex IdLine();

    [GeneratedRegex(@"field:([^;]*);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d);")]
    private static partial Regex FieldLine();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?\s*$")]
    private static partial Regex DeclaredName();

    public sealed record Field(string Declaration, string Name, int Offset, int Size, bool Signed);
}
