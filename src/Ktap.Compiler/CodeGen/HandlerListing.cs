using System.Globalization;
using System.Text;
using Ktap.Bpf.Asm;
using Ktap.Language.Semantics;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// A compiled handler as <c>ktap -d</c> prints it: a header, then the instructions in the
/// kernel's notation (<see cref="Disassembler"/>, as <c>bpftool prog dump xlated</c> shows them),
/// each run of them preceded by the script line it came from. Maps are named as the script
/// names them (<c>map[counts]</c>, <c>map[ktap_data]+24</c>): before loading there are no file
/// descriptors or ids to show.
/// </summary>
/// <example>
/// <code>
/// ktap_trace_0: trace syscalls:sys_enter_openat (16 instructions)
/// ; 2: counts[execname] += 1
///    0: (bf) r1 = r10
///    ...
///    5: (18) r1 = map[counts]
/// </code>
/// </example>
public static class HandlerListing
{
    /// <summary>A longer script line is cut to this many characters and <c>...</c>.</summary>
    private const int MaxLineText = 100;

    /// <summary>The listing, each line ending in a newline.</summary>
    /// <param name="sharedBy">How many targets compile to this same program (<c>syscalls:*</c> gives many); 1 for itself alone.</param>
    /// <param name="targetName">
    /// The target as the header names it, as <c>syscalls:sys_enter_openat</c>; by default its
    /// <see cref="Events.ProbeTarget.ProbeName"/> (for a tracepoint, the event name alone).
    /// </param>
    public static string Render(CompiledHandler handler, ScriptCompiler compiler, int sharedBy = 1, string? targetName = null)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(output, handler, compiler, sharedBy, targetName);
        return output.ToString();
    }

    /// <inheritdoc cref="Render"/>
    public static void Write(TextWriter output, CompiledHandler handler, ScriptCompiler compiler, int sharedBy = 1, string? targetName = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(compiler);
        output.Write(Header(handler, sharedBy, targetName ?? handler.Target.ProbeName));
        output.Write('\n');

        var source = compiler.Typed.Bound.Source;
        var mapNames = compiler.Maps.ToDictionary(m => m.Index, m => m.Variable?.Name ?? m.Spec.Name);
        var mapOf = handler.Relocations.ToDictionary(r => r.Instruction, r => r.MapIndex);
        var lines = Disassembler.Lines(handler.Instructions);
        var previousLine = 0;
        var slot = 0;
        foreach (var text in lines)
        {
            var line = source.GetLineColumn(Math.Min(handler.Spans[slot].Start, source.Length)).Line;
            if (line != previousLine)
            {
                output.Write(string.Create(CultureInfo.InvariantCulture, $"; {line}: {Shown(source.GetLine(line))}\n"));
                previousLine = line;
            }

            output.Write(mapOf.TryGetValue(slot, out var map) ? NameMap(text, mapNames[map]) : text);
            output.Write('\n');
            slot += handler.Instructions[slot].IsLoadImm64 ? 2 : 1;
        }
    }

    private static string Header(CompiledHandler handler, int sharedBy, string targetName)
    {
        var what = handler.Probe.Kind == FunctionKind.Trace ? "trace " + targetName : handler.Probe.Description;
        var shared = sharedBy > 1 ? string.Create(CultureInfo.InvariantCulture, $", shared by {sharedBy} targets") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{handler.Name}: {what} ({handler.Instructions.Count} instructions{shared})");
    }

    /// <summary>
    /// <c>map[fd:0]</c> becomes <c>map[NAME]</c>, and <c>map[fd:0][0]+24</c> (the address of the
    /// value's byte 24: the data map is a one-entry array) <c>map[NAME]+24</c>.
    /// </summary>
    private static string NameMap(string text, string name)
    {
        var start = text.IndexOf("map[fd:", StringComparison.Ordinal);
        var end = start < 0 ? -1 : text.IndexOf(']', start);
        if (end < 0)
        {
            return text;
        }

        var rest = text[(end + 1)..];
        return $"{text[..start]}map[{name}]{(rest.StartsWith("[0]", StringComparison.Ordinal) ? rest[3..] : rest)}";
    }

    /// <summary>
    /// The line without its indentation, control characters as '?' (as in diagnostics), cut when
    /// long. The script is held one char per byte: a cut never splits a UTF-8 sequence, and bytes
    /// from 0x80 up are left alone, since they are the parts of one.
    /// </summary>
    private static string Shown(string line)
    {
        var text = line.Trim();
        if (text.Length > MaxLineText)
        {
            var cut = MaxLineText;
            while (cut > 0 && text[cut] is >= '\u0080' and < '\u00c0')
            {
                cut--;
            }

            text = text[..cut] + "...";
        }

        var shown = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            shown.Append((c < ' ' && c != '\t') || c == '\u007f' ? '?' : c);
        }

        return shown.ToString();
    }
}
