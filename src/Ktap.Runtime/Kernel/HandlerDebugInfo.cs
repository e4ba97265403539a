using System.Text;
using Ktap.Bpf.Btf;
using Ktap.Compiler.CodeGen;
using Ktap.Language.Syntax;

namespace Ktap.Runtime.Kernel;

/// <summary>
/// A handler's BTF func and line info (DESIGN §4): one FUNC per function, named like the program,
/// and a line_info record wherever the script line changes, holding that line's own text. The
/// kernel then prints the script beside the instructions in <c>bpftool prog dump xlated ...
/// linum</c>, in perf annotations, and in the verifier's log (<c>; TEXT @ FILE:LINE</c>).
/// </summary>
internal static class HandlerDebugInfo
{
    public static ProgramBtf Build(CompiledHandler handler, SourceText source)
    {
        var builder = new ProgramBtfBuilder();
        for (var i = 0; i < handler.FunctionStarts.Count; i++)
        {
            var start = handler.FunctionStarts[i];
            if (start == 0)
            {
                builder.AddFunction(handler.Name, 0);
            }
            else
            {
                // Static, not global: a global subprogram is verified alone from its prototype,
                // and ktap's (callbacks) take other arguments than the context.
                builder.AddFunction($"{handler.Name}_{i}", start, builder.ContextPrototypeId, BtfLinkage.Static);
            }
        }

        var starts = handler.FunctionStarts.ToHashSet();
        var lines = new Dictionary<int, string>();
        var previousLine = 0;
        for (var slot = 0; slot < handler.Instructions.Count; slot++)
        {
            var (line, column) = source.GetLineColumn(Math.Min(handler.Spans[slot].Start, source.Length));

            // check_btf_line wants a line at each function's first instruction, even one that
            // continues the line before it.
            if (line != previousLine || starts.Contains(slot))
            {
                if (!lines.TryGetValue(line, out var text))
                {
                    text = Readable(source.GetLine(line));
                    lines[line] = text;
                }

                builder.AddLine(slot, source.Name, text, line, column);
                previousLine = line;
            }

            // A line_info record on the second slot of a 64-bit immediate load is refused
            // ("Invalid insn code at line_info[N]"): both slots carry one span, so skip it.
            if (handler.Instructions[slot].IsLoadImm64)
            {
                slot++;
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// A script is read as bytes, one char per byte (<see cref="SourceText.FromBytes"/>); BTF
    /// strings are UTF-8. Bytes that are UTF-8 are shown as such, anything else char for char.
    /// </summary>
    private static string Readable(string line)
    {
        if (line.Any(c => c > '\u00ff'))
        {
            return line;
        }

        var bytes = Encoding.Latin1.GetBytes(line);
        return System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : line;
    }
}
