using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Tracing;
using Ktap.Compiler.Events;
using Ktap.Compiler.Filters;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Runtime.Tests.Filters;

/// <summary>
/// Wraps a filter the way the code generator will (R6 = context, the filter, then the body) with
/// a body of our own: return 1, or count the event in an array map.
/// </summary>
internal static class FilterPrograms
{
    /// <summary>The filter's 256 bytes sit just below the 8 bytes the counter's key uses.</summary>
    public const int StackOffset = -8 - FilterEmitter.StackSize;

    /// <summary>A program that returns 1 when the filter passes and 0 when it rejects.</summary>
    public static BpfProgram LoadVerdict(FilterExpression filter, ProgramType type = ProgramType.RawTracepoint)
    {
        var builder = new ProgramBuilder();
        var reject = builder.DefineLabel();
        builder.Emit(Mov64(Register.R6, Register.R1));
        FilterEmitter.Emit(builder, filter, reject, StackOffset);
        builder.Emit(Mov64(Register.R0, 1), Exit());
        builder.MarkLabel(reject);
        builder.Emit(Mov64(Register.R0, 0), Exit());
        return BpfProgram.Load(new ProgramSpec(type, builder.Build().Instructions, "ktap_t_filter"));
    }

    /// <summary>A tracepoint program that adds one to <c>counter[0]</c> for each event the filter passes.</summary>
    public static BpfProgram LoadCounter(FilterExpression filter, BpfMap counter)
    {
        var builder = new ProgramBuilder();
        var reject = builder.DefineLabel();
        builder.Emit(Mov64(Register.R6, Register.R1));
        FilterEmitter.Emit(builder, filter, reject, StackOffset);
        builder.Emit(
            Store(MemorySize.Word, Register.R10, -4, 0),
            Mov64(Register.R2, Register.R10),
            Alu64(AluOperation.Add, Register.R2, -4));
        builder.Emit(LoadMapFd(Register.R1, counter.Handle.Fd));
        builder.Emit(Call(HelperFunction.MapLookupElem));

        // map_lookup_elem may return NULL; the verifier insists on the check.
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, reject);
        builder.Emit(Mov64(Register.R1, 1), AtomicAdd(MemorySize.DoubleWord, Register.R0, 0, Register.R1));
        builder.MarkLabel(reject);
        builder.Emit(Mov64(Register.R0, 0), Exit());
        return BpfProgram.Load(new ProgramSpec(ProgramType.Tracepoint, builder.Build().Instructions, "ktap_t_filter"));
    }

    public static BpfMap CreateCounter() => BpfMap.Create(new MapSpec(MapType.Array, 4, 8, 1, "ktap_t_filter"));

    public static ulong Read(BpfMap counter) => counter.TryLookup(0, out ulong value) ? value : 0;

    /// <summary>
    /// The probe target of a tracepoint, as the probe resolver will make it: every field of its
    /// format at its offset, strings by kind.
    /// </summary>
    public static ProbeTarget Tracepoint(TraceEventCatalog catalog, TraceEventName name)
    {
        var format = catalog.GetFormat(name);
        var fields = format.Fields.Select(f => new ContextField(f.Name, f.Offset, f.Size, KindOf(f))).ToList();
        return new ProbeTarget(format.Name, ContextKind.Tracepoint, [], fields);
    }

    private static FieldKind KindOf(EventField field) => field switch
    {
        { IsString: true, Storage: FieldStorage.DataLoc } => FieldKind.DataLocString,
        { IsString: true, Storage: FieldStorage.Inline } => FieldKind.CharArray,
        { IsSigned: true } => FieldKind.Signed,
        _ => FieldKind.Unsigned,
    };
}
