using System.Globalization;
using System.Text.RegularExpressions;

namespace Ktap.Bpf.Tests.Tracing.Output;

/// <summary>
/// One entry of a tracefs <c>trace</c> file: <c>COMM-PID [CPU] FLAGS SECS.USECS: TEXT</c>, as
/// trace_print_context() writes it; <see cref="Text"/> is all after the timestamp.
/// </summary>
internal sealed partial record TraceFileLine(int Pid, int Cpu, long Microseconds, string Text)
{
    /// <summary>
    /// The entries of a <c>trace</c> file, its <c>#</c> header skipped. An entry whose text holds
    /// a newline continues on lines without a header; they are joined back to it.
    /// </summary>
    public static List<TraceFileLine> Parse(string trace)
    {
        var lines = new List<TraceFileLine>();
        foreach (var line in trace.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var match = Header().Match(line);
            if (match.Success)
            {
                lines.Add(new TraceFileLine(
                    int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture),
                    int.Parse(match.Groups["cpu"].Value, CultureInfo.InvariantCulture),
                    (long.Parse(match.Groups["seconds"].Value, CultureInfo.InvariantCulture) * 1_000_000)
                        + long.Parse(match.Groups["microseconds"].Value, CultureInfo.InvariantCulture),
                    match.Groups["text"].Value));
            }
            else if (lines.Count > 0)
            {
                lines[^1] = lines[^1] with { Text = lines[^1].Text + "\n" + line };
            }
        }

        return lines;
    }

    // The command is "%16s" and may hold '-', so the pid is the last "-digits" before " [cpu]".
    [GeneratedRegex(@"^\s*(?<comm>.*)-(?<pid>\d+)\s+\[(?<cpu>\d+)\]\s+\S+\s+(?<seconds>\d+)\.(?<microseconds>\d{6}): (?<text>.*)$")]
    private static partial Regex Header();
}
