using Ktap.Bpf.Tracing;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Events;
using Ktap.Compiler.Types;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Runtime.Dump;

/// <summary>
/// A stand-in tracepoint layout for <c>ktap -d</c> without root. tracefs keeps the event formats
/// from other users (on Linux 6.18 its root directory is 0700 and every <c>format</c> file 0440,
/// root's), so the real layout is out of reach; the listing then shows the handler compiled for a
/// record that has the common header at its usual place (<c>struct trace_entry</c>, 8 bytes),
/// <c>argN</c> as 8 bytes at <c>8 + 8N</c>, and every field the handler or its filter names as 8
/// bytes from offset 8 on, in order of use. Offsets and widths differ from the event's own; the
/// instructions are the same in kind and close in number.
/// </summary>
internal static class GenericTracepoint
{
    /// <summary>Said once on standard error when the stand-in is used.</summary>
    public const string Notice =
        "ktap: the tracepoint formats in tracefs are readable by root only: tracepoint handlers are listed for a generic record layout (every field 8 bytes from offset 8), not their events' own";

    private const int HeaderSize = 8;

    private static readonly string[] FilterOnlyNames = ["CPU", "cpu", "COMM", "comm"];

    /// <summary>
    /// Can this process read tracepoint formats? As root tracefs is readable, or mountable by the
    /// resolver; otherwise it must be mounted and one format must open.
    /// </summary>
    public static bool FormatsReadable()
    {
        if (Environment.IsPrivilegedProcess)
        {
            return true;
        }

        try
        {
            if (TraceFs.Find() is not { } root)
            {
                return false;
            }

            var format = Directory.EnumerateDirectories(Path.Combine(root, "events"))
                .SelectMany(Directory.EnumerateDirectories)
                .Select(directory => Path.Combine(directory, "format"))
                .FirstOrDefault(File.Exists);
            if (format is null)
            {
                return false;
            }

            using var stream = File.OpenRead(format);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    /// <summary>The stand-in target for <paramref name="spec"/> (one for a whole glob), named after it.</summary>
    public static ProbeTarget For(EventSpecSyntax spec, BoundProbe probe, TypedScript typed)
    {
        var fields = new List<ContextField>
        {
            new("common_type", 0, 2, FieldKind.Unsigned),
            new("common_flags", 2, 1, FieldKind.Unsigned),
            new("common_preempt_count", 3, 1, FieldKind.Unsigned),
            new("common_pid", 4, 4, FieldKind.Signed),
        };
        var uses = EventFieldUses.Of(typed, probe).Concat(probe.Filter is { } filter ? FilterFieldNames(filter.Text) : []);
        foreach (var use in uses)
        {
            if (fields.Any(f => f.Name == use.Name))
            {
                continue;
            }

            var offset = HeaderSize + (8 * (fields.Count - 4));
            fields.Add(use.IsString
                ? new ContextField(use.Name, offset, 4, FieldKind.DataLocString)
                : new ContextField(use.Name, offset, 8, FieldKind.Unsigned));
        }

        var arguments = Enumerable.Range(0, 10).Select(n => new ContextField("arg" + n, HeaderSize + (8 * n), 8, FieldKind.Unsigned)).ToList();
        return new ProbeTarget(spec.Text, ContextKind.Tracepoint, arguments, fields);
    }

    /// <summary>
    /// The field names of a filter (<c>FIELD [.ustring] OP VALUE</c>), each a string when it is
    /// compared with a quoted value. Quoted text, numbers and the filter's own names (<c>comm</c>,
    /// <c>cpu</c>) are skipped.
    /// </summary>
    internal static IEnumerable<EventFieldUse> FilterFieldNames(string filter)
    {
        var i = 0;
        while (i < filter.Length)
        {
            var c = filter[i];
            if (c is '"' or '\'')
            {
                i = SkipQuoted(filter, i);
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < filter.Length && (char.IsAsciiLetterOrDigit(filter[i]) || filter[i] == '_'))
                {
                    i++;
                }

                var name = filter[start..i];
                var isSuffix = start > 0 && filter[start - 1] == '.';
                if (!isSuffix && !FilterOnlyNames.Contains(name))
                {
                    // A pointer read as a string through '.ustring' is an 8-byte field itself.
                    var pointer = filter.AsSpan(i).StartsWith(".ustring", StringComparison.Ordinal);
                    yield return new EventFieldUse(name, !pointer && ComparedWithString(filter, i));
                }
            }
            else if (char.IsAsciiDigit(c))
            {
                while (i < filter.Length && char.IsAsciiLetterOrDigit(filter[i]))
                {
                    i++;
                }
            }
            else
            {
                i++;
            }
        }
    }

    private static bool ComparedWithString(string filter, int i)
    {
        while (i < filter.Length && (char.IsWhiteSpace(filter[i]) || filter[i] is '=' or '!' or '~' or '<' or '>' or '&'))
        {
            i++;
        }

        return i < filter.Length && filter[i] is '"' or '\'';
    }

    private static int SkipQuoted(string filter, int i)
    {
        var quote = filter[i++];
        while (i < filter.Length && filter[i] != quote)
        {
            i += filter[i] == '\\' ? 2 : 1;
        }

        return i + 1;
    }
}
