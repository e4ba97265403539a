using System.Text;

namespace Ktap.Language.Diagnostics;

/// <summary>
/// Renders a diagnostic as the compiler prints it: the <c>FILE:LINE:COL: error KTnnnn:</c> line,
/// the source line and a caret under the column.
/// </summary>
public static class DiagnosticPrinter
{
    /// <summary>How much of a long source line is shown around the column.</summary>
    private const int Window = 100;

    public static string Render(Diagnostic diagnostic)
    {
        var (line, column) = diagnostic.Location;
        var text = diagnostic.Source.GetLine(line);
        var caretAt = Math.Min(column - 1, text.Length);

        // A 10 MB line is shown as the part around the column only.
        var start = Math.Clamp(caretAt - (Window / 2), 0, Math.Max(0, text.Length - Window));
        var end = Math.Min(text.Length, start + Window);
        var shown = Printable(text[start..end]);
        var prefix = start > 0 ? "..." : string.Empty;
        var suffix = end < text.Length ? "..." : string.Empty;

        var builder = new StringBuilder();
        builder.Append(diagnostic.ToString()).Append('\n');
        builder.Append("    ").Append(prefix).Append(shown).Append(suffix).Append('\n');
        builder.Append("    ").Append(' ', prefix.Length);
        AppendCaretIndent(builder, shown, caretAt - start);
        builder.Append("^\n");
        return builder.ToString();
    }

    /// <summary>
    /// Control bytes are shown as '?', and so is every non-ASCII byte of a line that is not valid
    /// UTF-8 (binary garbage), so the terminal is not disturbed.
    /// </summary>
    private static string Printable(string text)
    {
        var validUtf8 = System.Text.Unicode.Utf8.IsValid(Encoding.Latin1.GetBytes(text));
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if ((chars[i] < ' ' && chars[i] != '\t') || chars[i] == (char)0x7F || (!validUtf8 && chars[i] >= (char)0x80))
            {
                chars[i] = '?';
            }
        }

        return new string(chars);
    }

    /// <summary>
    /// Indents the caret the way the line is displayed: tabs stay tabs, and UTF-8 continuation
    /// bytes (the source is kept as bytes) take no column of their own.
    /// </summary>
    private static void AppendCaretIndent(StringBuilder builder, string shown, int count)
    {
        for (var i = 0; i < count && i < shown.Length; i++)
        {
            var c = shown[i];
            if (c == '\t')
            {
                builder.Append('\t');
            }
            else if (c is < (char)0x80 or >= (char)0xC0)
            {
                builder.Append(' ');
            }
        }
    }
}
