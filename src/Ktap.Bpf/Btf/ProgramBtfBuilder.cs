using System.Buffers.Binary;
using System.Text;
using Ktap.Bpf.Programs;

namespace Ktap.Bpf.Btf;

/// <summary>
/// Builds the small BTF a program load carries for its debug info: one FUNC per subprogram
/// (with INT, PTR and FUNC_PROTO types for their signatures) and a string table holding names,
/// file names and line texts, plus the func_info and line_info records that point into them.
/// The kernel then shows the caller's own text beside the instructions: in
/// <c>bpftool prog dump xlated ... linum</c>, in the verifier log and in perf annotations.
/// </summary>
/// <remarks>
/// Usage: <see cref="AddFunction(string, int)"/> for the entry point at instruction 0 and each
/// subprogram, <see cref="AddLine"/> for any instruction a source line starts at, then
/// <see cref="Load"/> and pass the result as <see cref="ProgramSpec.DebugInfo"/>.
/// </remarks>
public sealed class ProgramBtfBuilder
{
    private readonly List<byte> types = [];
    private readonly BtfStringTable strings = new();
    private readonly SortedDictionary<int, int> functions = [];
    private readonly SortedDictionary<int, LineRecord> lines = [];
    private int typeCount;
    private int intId;
    private int contextPrototypeId;

    /// <summary>The id of <c>int</c> (4 bytes, signed), added on first use.</summary>
    public int IntId => intId != 0 ? intId : intId = AddInt("int", 4, signed: true);

    /// <summary>
    /// The id of <c>int (void *ctx)</c>, added on first use: the signature of an entry point of
    /// every tracing program type (kprobe, tracepoint, raw_tp, perf_event). The kernel ignores the
    /// entry point's parameter types (its R1 is always the context), but a global subprogram is
    /// verified from its prototype alone, so give those their real one.
    /// </summary>
    public int ContextPrototypeId =>
        contextPrototypeId != 0 ? contextPrototypeId : contextPrototypeId = AddFunctionPrototype(IntId, new BtfParameter("ctx", AddPointer(0)));

    /// <summary>Adds an INT. Type names need not be identifiers (<c>unsigned int</c> is fine).</summary>
    public int AddInt(string name, int size, bool signed)
    {
        // The kernel accepts 1, 2, 4, 8 and 16-byte ints whose bits fill them (btf_int_check_meta).
        if (size is not (1 or 2 or 4 or 8 or 16))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "a BTF INT is 1, 2, 4, 8 or 16 bytes");
        }

        return AddType(strings.Add(name), BtfFormat.Info(BtfKind.Int, 0), size, (signed ? 1 << 24 : 0) | (size * 8));
    }

    /// <summary>Adds a pointer to <paramref name="targetId"/> (0 for <c>void *</c>).</summary>
    public int AddPointer(int targetId) => AddType(0, BtfFormat.Info(BtfKind.Pointer, 0), CheckId(targetId));

    /// <summary>Adds a FUNC_PROTO. Parameter names must be C identifiers or empty.</summary>
    public int AddFunctionPrototype(int returnTypeId, params ReadOnlySpan<BtfParameter> parameters)
    {
        var trailer = new int[parameters.Length * 2];
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].Name.Length > 0 && !IsIdentifier(parameters[i].Name))
            {
                throw new ArgumentException($"parameter name '{parameters[i].Name}' is not a C identifier", nameof(parameters));
            }

            trailer[2 * i] = strings.Add(parameters[i].Name);
            trailer[(2 * i) + 1] = CheckId(parameters[i].TypeId);
        }

        // A FUNC_PROTO has no name: the kernel refuses one that has (btf_func_proto_check_meta).
        return AddType(0, BtfFormat.Info(BtfKind.FunctionProto, parameters.Length), CheckId(returnTypeId), trailer);
    }

    /// <summary>Adds the entry point or a subprogram with the <c>int (void *ctx)</c> signature and global linkage.</summary>
    public int AddFunction(string name, int instructionOffset) =>
        AddFunction(name, instructionOffset, ContextPrototypeId, BtfLinkage.Global);

    /// <summary>
    /// Adds a function starting at <paramref name="instructionOffset"/> (in 8-byte instructions)
    /// and returns its FUNC id. Every subprogram needs one, the entry point at 0 included: the
    /// kernel wants exactly one func_info per subprogram, in order, each at its first instruction.
    /// </summary>
    /// <param name="name">A C identifier (the kernel checks, and shows it as the function's name).</param>
    /// <param name="linkage">Static or global; a global subprogram is verified on its own from its prototype.</param>
    public int AddFunction(string name, int instructionOffset, int prototypeId, BtfLinkage linkage)
    {
        if (!IsIdentifier(name))
        {
            throw new ArgumentException($"function name '{name}' is not a C identifier; the kernel refuses it", nameof(name));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(instructionOffset);
        if (functions.ContainsKey(instructionOffset))
        {
            throw new ArgumentException($"a function already starts at instruction {instructionOffset}", nameof(instructionOffset));
        }

        if (linkage is not (BtfLinkage.Static or BtfLinkage.Global))
        {
            throw new ArgumentOutOfRangeException(nameof(linkage), linkage, "a BPF program's functions are static or global");
        }

        var id = AddType(strings.Add(name), BtfFormat.Info(BtfKind.Function, (int)linkage), CheckId(prototypeId));
        functions.Add(instructionOffset, id);
        return id;
    }

    /// <summary>
    /// Says that the source line <paramref name="lineText"/> (any text, any UTF-8: it is shown,
    /// never parsed) starts at <paramref name="instructionOffset"/>. A second line at the same
    /// instruction replaces the first: the kernel allows one per instruction, and the later
    /// statement is the one whose code is there (the earlier one made none).
    /// </summary>
    /// <param name="line">1-based; kept in 22 bits, so larger numbers are capped at 4,194,303.</param>
    /// <param name="column">1-based, or 0 for none; kept in 10 bits, so larger numbers are capped at 1023.</param>
    public void AddLine(int instructionOffset, string fileName, string lineText, int line, int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(instructionOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(line);
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        var lineColumn = ((uint)Math.Min(line, BtfFormat.MaxLine) << BtfFormat.ColumnBits) | (uint)Math.Min(column, BtfFormat.MaxColumn);
        lines[instructionOffset] = new LineRecord(strings.Add(fileName), strings.Add(lineText), lineColumn);
    }

    /// <summary>The blob and records, checked against the kernel's rules for them.</summary>
    /// <exception cref="InvalidOperationException">No function at instruction 0, or a function without a line where it starts.</exception>
    public ProgramBtf Build()
    {
        // check_btf_func (kernel/bpf/verifier.c): func_info[0].insn_off must be 0, and the records
        // must match the subprograms one for one, by increasing insn_off.
        if (!functions.ContainsKey(0))
        {
            throw new InvalidOperationException("no function at instruction 0: the first func_info must describe the entry point");
        }

        // check_btf_line: line_info insn_offs strictly increase, and each subprogram's first
        // instruction has one ("missing bpf_line_info for func#N"). Having no line info at all is fine.
        if (lines.Count > 0)
        {
            foreach (var start in functions.Keys)
            {
                if (!lines.ContainsKey(start))
                {
                    throw new InvalidOperationException(
                        $"the function at instruction {start} has no line where it starts: the kernel needs one at each function's first instruction");
                }
            }
        }

        var funcInfo = new byte[functions.Count * BtfFormat.FuncInfoSize];
        var index = 0;
        foreach (var (offset, id) in functions)
        {
            var record = funcInfo.AsSpan(index++ * BtfFormat.FuncInfoSize);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)offset);
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)id);
        }

        var lineInfo = new byte[lines.Count * BtfFormat.LineInfoSize];
        index = 0;
        foreach (var (offset, line) in lines)
        {
            var record = lineInfo.AsSpan(index++ * BtfFormat.LineInfoSize);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)offset);
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)line.FileNameOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)line.LineOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], line.LineColumn);
        }

        return new ProgramBtf(Blob(), funcInfo, functions.Count, lineInfo, lines.Count);
    }

    /// <summary><see cref="Build"/>, then <see cref="ProgramBtf.Load"/>.</summary>
    public ProgramDebugInfo Load() => Build().Load();

    /// <summary>
    /// A C identifier, as the kernel requires of FUNC names (btf_name_valid_identifier) and
    /// parameter names. The kernel also allows '.' after the first character; ktap never needs it.
    /// </summary>
    private static bool IsIdentifier(string name) =>
        name.Length is > 0 and < 128 && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private int CheckId(int id) =>
        (uint)id <= (uint)typeCount ? id : throw new ArgumentOutOfRangeException(nameof(id), id, $"no type {id} in this BTF yet");

    private int AddType(int nameOffset, uint info, int sizeOrType, params ReadOnlySpan<int> trailer)
    {
        Span<byte> word = stackalloc byte[4];
        foreach (var value in (ReadOnlySpan<int>)[nameOffset, (int)info, sizeOrType, .. trailer])
        {
            BinaryPrimitives.WriteInt32LittleEndian(word, value);
            types.AddRange(word);
        }

        return ++typeCount;
    }

    private byte[] Blob()
    {
        // Header, then the types, then the strings. The kernel wants the sections in that order
        // with no gap and nothing after them (btf_check_sec_info), types 4-byte aligned (they are:
        // every record is a multiple of 4), and the strings to begin and end with NUL.
        var stringBytes = strings.Bytes;
        var blob = new byte[BtfFormat.HeaderSize + types.Count + stringBytes.Length];
        var header = blob.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(header, BtfFormat.Magic);
        header[2] = BtfFormat.Version;
        header[3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], BtfFormat.HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)types.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)types.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)stringBytes.Length);
        types.CopyTo(blob, BtfFormat.HeaderSize);
        stringBytes.CopyTo(blob.AsSpan(BtfFormat.HeaderSize + types.Count));
        return blob;
    }

    private readonly record struct LineRecord(int FileNameOffset, int LineOffset, uint LineColumn);
}

/// <summary>
/// The BTF string section: offset 0 is the empty string, every string is NUL-terminated UTF-8,
/// and each distinct string is stored once (a file name is shared by all its lines).
/// </summary>
internal sealed class BtfStringTable
{
    private readonly Dictionary<string, int> offsets = new(StringComparer.Ordinal) { [string.Empty] = 0 };
    private readonly List<byte> bytes = [0];

    public ReadOnlySpan<byte> Bytes => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);

    public int Add(string text)
    {
        if (offsets.TryGetValue(text, out var offset))
        {
            return offset;
        }

        // An embedded NUL would end the string early in the kernel's eyes: show it as U+FFFD instead.
        var encoded = Encoding.UTF8.GetBytes(text.Replace('\0', '\uFFFD'));
        offset = bytes.Count;
        if (offset + encoded.Length > BtfFormat.MaxNameOffset)
        {
            throw new InvalidOperationException($"BTF strings past {BtfFormat.MaxNameOffset} bytes: the kernel cannot address them");
        }

        bytes.AddRange(encoded);
        bytes.Add(0);
        offsets.Add(text, offset);
        return offset;
    }
}
