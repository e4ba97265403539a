using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Ktap.Cli.Tests;

/// <summary>
/// Expected output of a script case: the text, byte for byte, except that <c>{N..M}</c> matches
/// one decimal integer from N to M inclusive with any spaces around it (the padding of a printf
/// field, which changes with the number's width), and <c>{@N..M}</c> a bar of N to M '@'. Times
/// and process ids are the only values a workload cannot fix (and the bars drawn from times); a
/// range still says how big they must be.
/// </summary>
internal static partial class ExpectedText
{
    public static bool Matches(string expected, string actual)
    {
        var ranges = Range().Matches(expected);
        if (ranges.Count == 0)
        {
            return expected == actual;
        }

        var pattern = new StringBuilder("^");
        var at = 0;
        foreach (Match range in ranges)
        {
            pattern.Append(Regex.Escape(expected[at..range.Index])).Append(range.Groups[1].Success ? "(@*)" : " *(-?[0-9]+) *");
            at = range.Index + range.Length;
        }

        pattern.Append(Regex.Escape(expected[at..])).Append(@"\z");
        var match = Regex.Match(actual, pattern.ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant);
        if (!match.Success)
        {
            return false;
        }

        for (var i = 0; i < ranges.Count; i++)
        {
            var text = match.Groups[i + 1].Value;
            var value = ranges[i].Groups[1].Success ? text.Length : long.Parse(text, CultureInfo.InvariantCulture);
            var low = long.Parse(ranges[i].Groups[2].Value, CultureInfo.InvariantCulture);
            var high = long.Parse(ranges[i].Groups[3].Value, CultureInfo.InvariantCulture);
            if (value < low || value > high)
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex(@"\{(@)?(-?[0-9]+)\.\.(-?[0-9]+)\}")]
    private static partial Regex Range();
}
