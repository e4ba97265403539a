using System.Text;

namespace Ktap.Cli.Tests;

/// <summary>A small line diff for failure messages, in the style of <c>diff -u</c> without hunks.</summary>
internal static class TextDiff
{
    /// <summary>Past this many lines on either side the LCS table is too big: show both texts whole.</summary>
    private const int MaxLines = 2000;

    /// <summary>Lines of unchanged context kept around each change.</summary>
    private const int Context = 3;

    /// <summary>
    /// Lines prefixed with ' ', '-' (only in <paramref name="expected"/>) or '+' (only in
    /// <paramref name="actual"/>). Control characters are shown escaped, and a missing final
    /// newline is marked, so whitespace differences are visible (a backslash is left as it is:
    /// scripts print many, and doubling them all would make the diff hard to read).
    /// </summary>
    public static string Unified(string expected, string actual)
    {
        var a = SplitLines(expected);
        var b = SplitLines(actual);
        var text = new StringBuilder();
        text.Append("--- expected\n+++ actual\n");
        if (a.Count > MaxLines || b.Count > MaxLines)
        {
            foreach (var line in a)
            {
                text.Append('-').Append(line).Append('\n');
            }

            foreach (var line in b)
            {
                text.Append('+').Append(line).Append('\n');
            }

            return text.ToString();
        }

        // lcs[i, j]: length of the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
        {
            for (var j = b.Count - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<(char Tag, string Line)>();
        int x = 0, y = 0;
        while (x < a.Count || y < b.Count)
        {
            if (x < a.Count && y < b.Count && a[x] == b[y])
            {
                lines.Add((' ', a[x++]));
                y++;
            }
            else if (x < a.Count && (y == b.Count || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                lines.Add(('-', a[x++]));
            }
            else
            {
                lines.Add(('+', b[y++]));
            }
        }

        var skipped = false;
        for (var k = 0; k < lines.Count; k++)
        {
            var near = false;
            for (var d = Math.Max(0, k - Context); d <= Math.Min(lines.Count - 1, k + Context) && !near; d++)
            {
                near = lines[d].Tag != ' ';
            }

            if (near)
            {
                text.Append(lines[k].Tag).Append(lines[k].Line).Append('\n');
                skipped = false;
            }
            else if (!skipped)
            {
                text.Append("@@ ... @@\n");
                skipped = true;
            }
        }

        return text.ToString();
    }

    /// <summary>A value shown on one line, quoted, with control characters escaped.</summary>
    public static string Quote(string value) => "\"" + Escape(value) + "\"";

    private static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(Escape(text[start..i]));
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            lines.Add(Escape(text[start..]) + "\\ (no newline at end)");
        }

        return lines;
    }

    private static string Escape(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            _ = c switch
            {
                '\t' => text.Append("\\t"),
                '\r' => text.Append("\\r"),
                '\n' => text.Append("\\n"),
                < ' ' or (>= '\x7f' and < '\xa0') => text.Append($"\\x{(int)c:x2}"),
                _ => text.Append(c),
            };
        }

        return text.ToString();
    }
}
