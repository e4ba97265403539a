namespace Ktap.Compiler.Events;

/// <summary>What a handler's context pointer (R1 at entry) points at; it decides the program type.</summary>
public enum ContextKind
{
    /// <summary>A tracepoint's raw record (BPF_PROG_TYPE_TRACEPOINT): the fields of its tracefs format, at their offsets.</summary>
    Tracepoint,

    /// <summary><c>struct bpf_raw_tracepoint_args</c> (BPF_PROG_TYPE_RAW_TRACEPOINT): <c>u64 args[]</c>; what the differential tests run.</summary>
    RawTracepoint,

    /// <summary><c>struct pt_regs</c> (BPF_PROG_TYPE_KPROBE): kprobes, uprobes and USDT markers.</summary>
    Registers,

    /// <summary><c>struct bpf_perf_event_data</c> (BPF_PROG_TYPE_PERF_EVENT): profile blocks.</summary>
    PerfEvent,
}

/// <summary>How a value is stored in the context.</summary>
public enum FieldKind
{
    /// <summary>An integer of <see cref="ContextField.Size"/> bytes, sign-extended to 64 bits.</summary>
    Signed,

    /// <summary>An integer of <see cref="ContextField.Size"/> bytes, zero-extended.</summary>
    Unsigned,

    /// <summary><c>char NAME[Size]</c> inside the record: a string.</summary>
    CharArray,

    /// <summary><c>__data_loc char[] NAME</c>: a 32-bit word, offset in the low 16 bits and length in the high 16, of a string in the record.</summary>
    DataLocString,
}

/// <summary>One value a handler can read from its context: <c>argN</c> or <c>args.NAME</c>.</summary>
/// <param name="Offset">Bytes from the start of the context.</param>
public sealed record ContextField(string Name, int Offset, int Size, FieldKind Kind);

/// <summary>
/// One concrete place a handler runs (a tracepoint, a probed function, a CPU clock): its name for
/// <c>probename</c>, the shape of its context, and where <c>arg0..arg9</c> and <c>args.NAME</c>
/// are in it. The probe resolver makes these; the code generator compiles a handler for one.
/// </summary>
/// <param name="Arguments"><c>argN</c> is <c>Arguments[N]</c> (LANGUAGE.md §5); fewer than ten is fine.</param>
/// <param name="Fields">Every named field, for <c>args.NAME</c> and filters.</param>
public sealed record ProbeTarget(string ProbeName, ContextKind Kind, IReadOnlyList<ContextField> Arguments, IReadOnlyList<ContextField> Fields)
{
    /// <summary>A tracepoint's event id (its format's <c>ID:</c>), which <c>argstr</c> records carry so the ktap process knows the event; 0 otherwise.</summary>
    public int EventId { get; init; }

    /// <summary>A tracepoint record's fixed part in bytes (its fields' end); 0 when unknown.</summary>
    public int RecordSize { get; init; }

    /// <summary>The record has <c>__data_loc</c> or <c>__rel_loc</c> data after its fixed part.</summary>
    public bool HasDynamicData { get; init; }

    /// <summary>A raw tracepoint: <c>argN</c> is <c>args[N]</c>, unsigned 64-bit; no named fields.</summary>
    public static ProbeTarget RawTracepoint(string name, int argumentCount = 10) =>
        new(name, ContextKind.RawTracepoint,
            [.. Enumerable.Range(0, argumentCount).Select(i => new ContextField("arg" + i, i * 8, 8, FieldKind.Unsigned))], []);

    public ContextField? FindField(string name) => Fields.FirstOrDefault(f => f.Name == name);
}
