using System.Text;

namespace Ktap.Language.Syntax;

/// <summary>
/// A script's text. ktap strings are byte strings, so the source is decoded as Latin-1: every
/// byte becomes one char and every char one byte. Invalid UTF-8 and binary input are therefore
/// just text, string literals keep their exact bytes, and output written back as Latin-1 is
/// byte-identical to the source.
/// </summary>
public sealed class SourceText
{
    private int[]? lineStarts;

    public SourceText(string name, string text)
    {
        Name = name;
        Text = text;
    }

    /// <summary>The name used in diagnostics: a path, <c>-e</c> or <c>&lt;stdin&gt;</c>.</summary>
    public string Name { get; }

    public string Text { get; }

    public int Length => Text.Length;

    public char this[int index] => Text[index];

    public static SourceText FromBytes(string name, ReadOnlySpan<byte> bytes) => new(name, Encoding.Latin1.GetString(bytes));

    /// <summary>One-based line and column (in bytes) of a position.</summary>
    public (int Line, int Column) GetLineColumn(int position)
    {
        var starts = LineStarts;
        var line = Array.BinarySearch(starts, position);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return (line + 1, position - starts[line] + 1);
    }

    /// <summary>The text of a one-based line, without its line break.</summary>
    public string GetLine(int line)
    {
        var starts = LineStarts;
        var start = starts[line - 1];
        var end = line < starts.Length ? starts[line] : Text.Length;
        while (end > start && (Text[end - 1] == '\n' || Text[end - 1] == '\r'))
        {
            end--;
        }

        return Text[start..end];
    }

    private int[] LineStarts => lineStarts ??= ComputeLineStarts(Text);

    private static int[] ComputeLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return [.. starts];
    }
}
