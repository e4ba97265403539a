using System.Globalization;

namespace Ktap.Runtime.Kernel;

/// <summary>
/// Reads what ktap needs from a verifier log: where the verifier stopped and why. At log level 1
/// the verifier prints each instruction it checks as <c>12: (85) call bpf_map_lookup_elem#1</c>,
/// preceded, when the program has line info, by <c>; TEXT @ FILE:LINE</c> whenever the line
/// changes; on an error it keeps only the path that failed (it rewinds the log at each branch it
/// leaves behind), so the last instruction printed is the one it refused.
/// </summary>
internal static class VerifierLogReader
{
    /// <summary>The slot index of the last instruction the log shows, or null when it shows none.</summary>
    public static int? LastInstruction(string log)
    {
        int? last = null;
        foreach (var line in Lines(log))
        {
            if (InstructionIndex(line) is { } index)
            {
                last = index;
            }
        }

        // No instruction printed: the checks before do_check (the control-flow graph's, the
        // calls') name the instruction in the message, as "back-edge from insn 10 to 5".
        if (last is null && Reason(log) is var reason && reason.IndexOf("insn ", StringComparison.Ordinal) is >= 0 and var at)
        {
            last = LeadingNumber(reason.AsSpan(at + "insn ".Length));
        }

        return last;
    }

    /// <summary>The script line of the last <c>; TEXT @ FILE:LINE</c> the log shows, or null.</summary>
    public static int? LastSourceLine(string log)
    {
        int? last = null;
        foreach (var line in Lines(log))
        {
            // The text and the file may hold anything: the number after the last ':' ends the line.
            var colon = line.LastIndexOf(':');
            if (line.StartsWith(';') && line.Contains(" @ ", StringComparison.Ordinal) && colon > 0
                && int.TryParse(line.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                last = number;
            }
        }

        return last;
    }

    /// <summary>
    /// The verifier's reason: its last line above the statistics it appends at every level
    /// ("processed N insns ...", "verification time ...", "stack depth ..."); the rule
    /// <see cref="Bpf.Sys.VerifierException"/> uses for its message.
    /// </summary>
    public static string Reason(string log)
    {
        var lines = Lines(log);
        return lines.LastOrDefault(l => !IsStatistics(l)) ?? lines.LastOrDefault() ?? "no reason given";
    }

    /// <summary>The last <paramref name="count"/> lines of the log, statistics included.</summary>
    public static IReadOnlyList<string> Tail(string log, int count)
    {
        var lines = Lines(log);
        return lines[Math.Max(0, lines.Length - count)..];
    }

    private static bool IsStatistics(string line) =>
        line.StartsWith("processed ", StringComparison.Ordinal)
        || line.StartsWith("verification time", StringComparison.Ordinal)
        || line.StartsWith("stack depth", StringComparison.Ordinal);

    private static string[] Lines(string log) => log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// N in <c>N: (OP) ...</c>, as kernel/bpf/disasm.c prints an instruction; null for other
    /// lines, the register states of level 2 (<c>N: R0=...</c>) among them.
    /// </summary>
    private static int? InstructionIndex(string line)
    {
        var colon = line.IndexOf(": (", StringComparison.Ordinal);
        if (colon <= 0 || line.Length < colon + 6 || line[colon + 5] != ')'
            || !char.IsAsciiHexDigitLower(line[colon + 3]) || !char.IsAsciiHexDigitLower(line[colon + 4]))
        {
            return null;
        }

        return int.TryParse(line.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    private static int? LeadingNumber(ReadOnlySpan<char> text)
    {
        var length = 0;
        while (length < text.Length && char.IsAsciiDigit(text[length]))
        {
            length++;
        }

        return int.TryParse(text[..length], NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
    }
}
