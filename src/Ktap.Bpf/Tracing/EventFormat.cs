using System.Globalization;
using System.Text;

namespace Ktap.Bpf.Tracing;

/// <summary>
/// A trace event's tracefs <c>format</c> file: its id (the perf tracepoint <c>config</c>), the
/// layout of its record (what a tracepoint program's context points to), and the print format
/// the kernel uses for it in <c>trace</c>, with which <see cref="Output.TraceRecordRenderer"/>
/// renders records as the kernel does.
/// </summary>
public sealed class EventFormat
{
    private readonly Dictionary<string, EventField> byName;

    private EventFormat(string name, int id, IReadOnlyList<EventField> fields, string printFormat)
    {
        Name = name;
        Id = id;
        Fields = fields;
        PrintFormat = printFormat;
        byName = new Dictionary<string, EventField>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            byName.TryAdd(field.Name, field);
        }

        (PrintFormatString, PrintArguments) = SplitPrintFormat(printFormat);
    }

    /// <summary>The event's name without its subsystem, as <c>sys_enter_openat</c>.</summary>
    public string Name { get; }

    /// <summary>The <c>ID:</c> line: the config of a PERF_TYPE_TRACEPOINT event; 0 when the file has none.</summary>
    public int Id { get; }

    /// <summary>Every field in record order, the common header first.</summary>
    public IReadOnlyList<EventField> Fields { get; }

    /// <summary>The fields of this event, without the <c>common_*</c> header.</summary>
    public IEnumerable<EventField> EventFields => Fields.Where(f => !f.IsCommon);

    /// <summary>The <c>print fmt:</c> line as written: a C string literal, then the argument expressions.</summary>
    public string PrintFormat { get; }

    /// <summary>The print format's string literal, unquoted and unescaped (<c>"filename=%s pid=%d"</c>); empty if the line has none.</summary>
    public string PrintFormatString { get; }

    /// <summary>The print format's arguments, split at top-level commas (<c>__get_str(filename)</c>, <c>REC->pid</c>).</summary>
    public IReadOnlyList<string> PrintArguments { get; }

    /// <summary>The smallest record size that holds every inline field.</summary>
    public int FixedSize => Fields.Count == 0 ? 0 : Fields.Max(f => f.Offset + f.Size);

    public EventField? Field(string name) => byName.GetValueOrDefault(name);

    /// <summary>Parses the text of a <c>format</c> file.</summary>
    /// <exception cref="FormatException">The text is not a trace event format.</exception>
    public static EventFormat Parse(string text)
    {
        string? name = null;
        var id = 0;
        var fields = new List<EventField>();
        var printFormat = string.Empty;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.StartsWith("name:", StringComparison.Ordinal))
            {
                name = line["name:".Length..].Trim();
            }
            else if (line.StartsWith("ID:", StringComparison.Ordinal))
            {
                id = int.Parse(line["ID:".Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("field:", StringComparison.Ordinal))
            {
                fields.Add(ParseField(line));
            }
            else if (line.StartsWith("print fmt:", StringComparison.Ordinal))
            {
                printFormat = line["print fmt:".Length..].Trim();
            }
        }

        if (name is null)
        {
            throw new FormatException("not a trace event format: no 'name:' line");
        }

        return new EventFormat(name, id, fields, printFormat);
    }

    // "field:const char * filename;	offset:24;	size:8;	signed:0;"
    private static EventField ParseField(string line)
    {
        string? declaration = null;
        int? offset = null, size = null;
        var signed = false;
        foreach (var part in line.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var value = part[(colon + 1)..].Trim();
            switch (part[..colon])
            {
                case "field":
                    declaration = value;
                    break;
                case "offset":
                    offset = ParseNumber(value, line);
                    break;
                case "size":
                    size = ParseNumber(value, line);
                    break;
                case "signed":
                    signed = value == "1";
                    break;
            }
        }

        if (declaration is null || offset is null || size is null)
        {
            throw new FormatException($"malformed field line: {line}");
        }

        return ParseDeclaration(declaration, offset.Value, size.Value, signed);
    }

    /// <summary>Splits a C declaration into the field's name and type, and finds arrays and <c>__data_loc</c>.</summary>
    internal static EventField ParseDeclaration(string declaration, int offset, int size, bool signed)
    {
        var text = declaration.Trim();

        // A fixed array keeps its length after the name: "char prev_comm[16]".
        string? length = null;
        if (text.EndsWith(']') && text.LastIndexOf('[') is var open and > 0)
        {
            length = text[(open + 1)..^1].Trim();
            text = text[..open].TrimEnd();
        }

        var nameStart = text.Length;
        while (nameStart > 0 && (char.IsAsciiLetterOrDigit(text[nameStart - 1]) || text[nameStart - 1] == '_'))
        {
            nameStart--;
        }

        if (nameStart == text.Length)
        {
            throw new FormatException($"no field name in '{declaration}'");
        }

        var name = text[nameStart..];
        var baseType = text[..nameStart].TrimEnd();
        var storage = FieldStorage.Inline;
        var elementType = baseType;
        var isArray = length is not null;
        int? arrayLength = null;

        // Dynamic arrays carry "[]" on the type: "__data_loc char[] name", "__rel_loc u8[] buf".
        foreach (var (prefix, kind) in new[] { ("__data_loc", FieldStorage.DataLoc), ("__rel_loc", FieldStorage.RelLoc) })
        {
            if (baseType.StartsWith(prefix + " ", StringComparison.Ordinal))
            {
                storage = kind;
                isArray = true;
                elementType = baseType[prefix.Length..].Trim();
                if (elementType.EndsWith("[]", StringComparison.Ordinal))
                {
                    elementType = elementType[..^2].TrimEnd();
                }
            }
        }

        // "char buf[]" with size 0 is a C flexible array: the rest of the record, length unknown.
        if (length is { Length: > 0 })
        {
            arrayLength = int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : ElementSize(elementType) is { } elementSize && size % elementSize == 0 ? size / elementSize : null;
        }

        var type = length is null ? baseType : $"{baseType}[{length}]";
        return new EventField(name, declaration.Trim(), type, offset, size, signed)
        {
            Storage = storage,
            ElementType = elementType,
            IsArray = isArray,
            ArrayLength = arrayLength,
        };
    }

    /// <summary>Sizes of the element types whose length can be inferred when the kernel writes a macro instead of a number.</summary>
    private static int? ElementSize(string type) => type switch
    {
        "char" or "signed char" or "unsigned char" or "u8" or "s8" or "__u8" or "__s8" or "uint8_t" or "int8_t" => 1,
        "short" or "unsigned short" or "u16" or "s16" or "__u16" or "__s16" or "uint16_t" or "int16_t" => 2,
        "int" or "unsigned int" or "u32" or "s32" or "__u32" or "__s32" or "uint32_t" or "int32_t" => 4,
        "long" or "unsigned long" or "u64" or "s64" or "__u64" or "__s64" or "uint64_t" or "int64_t" => 8,
        _ when type.EndsWith('*') => 8,
        _ => null,
    };

    private static int ParseNumber(string value, string line) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"malformed number '{value}' in: {line}");

    // "\"filename=%s pid=%d\", __get_str(filename), REC->pid": one C string literal, then
    // expressions separated by commas outside parentheses, braces, brackets and strings.
    private static (string Format, IReadOnlyList<string> Arguments) SplitPrintFormat(string text)
    {
        var arguments = new List<string>();
        var format = new StringBuilder();
        var i = 0;
        if (text.StartsWith('"'))
        {
            for (i = 1; i < text.Length && text[i] != '"'; i++)
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    i++;
                    format.Append(text[i] switch { 'n' => '\n', 't' => '\t', var c => c });
                }
                else
                {
                    format.Append(text[i]);
                }
            }

            i++;
        }

        var depth = 0;
        var start = -1;
        var inString = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '(' or '{' or '[':
                    depth++;
                    break;
                case ')' or '}' or ']':
                    depth--;
                    break;
                case ',' when depth == 0:
                    AddArgument(start, i);
                    start = i + 1;
                    continue;
            }

            if (start < 0)
            {
                start = i;
            }
        }

        AddArgument(start, text.Length);
        return (format.ToString(), arguments);

        void AddArgument(int from, int to)
        {
            if (from >= 0 && from < to && text[from..to].Trim() is { Length: > 0 } argument)
            {
                arguments.Add(argument);
            }
        }
    }
}
