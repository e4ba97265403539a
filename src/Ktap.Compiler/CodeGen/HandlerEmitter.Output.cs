using Ktap.Bpf.Asm;
using Ktap.Compiler.Types;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>print, printf and exit: a ring buffer record of the site's id and its arguments.</summary>
internal sealed partial class HandlerEmitter
{
    private void EmitOutput(BoundCall call, OutputKind kind, string? format, IReadOnlyList<BoundExpression> arguments)
    {
        var site = script.OutputSiteFor(call, id => LayOutRecord(id, kind, format, arguments, call));
        var record = Allocate(site.RecordSize);
        builder.Emit(Store(MemorySize.DoubleWord, Frame, record, site.Id));
        if (script.Options.Timestamps)
        {
            builder.Emit(Call(HelperFunction.KtimeGetNs));
            builder.Emit(Store(MemorySize.DoubleWord, Frame, (short)(record + ScriptCompiler.TimestampOffset), Register.R0));
        }

        for (var i = 0; i < arguments.Count; i++)
        {
            EmitRecordField(arguments[i], site.Fields[i], record);
        }

        LoadMap(Register.R1, script.EventsMapIndex);
        StackAddress(Register.R2, record);
        builder.Emit(Mov64(Register.R3, site.RecordSize));
        builder.Emit(Mov64(Register.R4, 0));
        builder.Emit(Call(HelperFunction.RingbufOutput));
        var written = builder.DefineLabel();
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, written);
        EmitCount(ScriptCompiler.LostRecordsOffset);
        builder.MarkLabel(written);
    }

    /// <summary>
    /// The bytes of the record <c>argstr</c> copies: its fixed part, and --strlen more when it has
    /// strings after it. No more: a system call's record is a small struct on the kernel stack
    /// (perf_call_bpf_enter), and reading far past it can run off the stack's end.
    /// </summary>
    private int RecordBytes(int capacity) => target.RecordSize == 0
        ? capacity
        : Math.Min(capacity, target.RecordSize + (target.HasDynamicData ? ValueEncoding.Align(StringLength) : 0));

    /// <summary><c>argstr</c> is a tracepoint's record, rendered by the ktap process: other probes have none, and kernel code cannot render it.</summary>
    private void RequireEventRecord(BoundExpression argstr)
    {
        if (target.Kind != Events.ContextKind.Tracepoint)
        {
            throw new KernelCompileException(
                Language.Diagnostics.DiagnosticCode.NotInKernel, argstr.Span,
                $"'argstr' exists for tracepoints only: {target.ProbeName} has no record with a print format");
        }
    }

    private OutputSite LayOutRecord(int id, OutputKind kind, string? format, IReadOnlyList<BoundExpression> arguments, BoundCall call)
    {
        var fields = new List<RecordField>();
        // The site id (u32) and a pad word, so values stay 8-byte aligned; then the time with -T.
        var offset = script.RecordHeaderSize;
        foreach (var argument in arguments)
        {
            if (argument is BoundProbeVariable { Variable: ProbeVariable.Argstr })
            {
                RequireEventRecord(argument);
                fields.Add(new RecordField(KtapType.String, offset, script.Options.EventRecordSize, -1) { IsEventRecord = true });
                offset += script.Options.EventRecordSize;
                continue;
            }

            var type = TypeOf(argument);
            var presence = -1;
            if (MayBeNil(argument) || type.Kind is TypeKind.Unknown or TypeKind.Nil)
            {
                presence = offset;
                offset += 8;
            }

            var size = type.Kind switch
            {
                TypeKind.String => BufferSizeOf(argument),
                TypeKind.Number or TypeKind.Boolean or TypeKind.Stack or TypeKind.Address => 8,
                TypeKind.Unknown or TypeKind.Nil => 0,
                _ => throw Unsupported(argument.Span, $"printing a {type} in kernel code"),
            };
            fields.Add(new RecordField(type, offset, size, presence));
            offset += size;
        }

        return new OutputSite(id, kind, format, fields, offset, call.Span);
    }

    private void EmitRecordField(BoundExpression argument, RecordField field, short record)
    {
        var isNil = builder.DefineLabel();
        var done = builder.DefineLabel();
        var at = (short)(record + field.Offset);
        if (field.IsEventRecord)
        {
            // The whole record as bytes, for the ktap process to render: bpf_probe_read_kernel zero-fills on a fault.
            var context = ContextRegister(Register.R3);
            if (context != Register.R3)
            {
                builder.Emit(Mov64(Register.R3, context));
            }

            StackAddress(Register.R1, at);
            var length = RecordBytes(field.Size);
            builder.Emit(Mov64(Register.R2, length));
            builder.Emit(Call(HelperFunction.ProbeReadKernel));

            // Where the common header would be, a BPF program's record holds a pt_regs pointer
            // (perf_trace_run_bpf_submit): the event's id and the bytes copied go there, for the renderer.
            builder.Emit(Store(MemorySize.Word, Frame, at, target.EventId));
            builder.Emit(Store(MemorySize.Word, Frame, (short)(at + 4), length));
            return;
        }

        switch (field.Type.Kind)
        {
            case TypeKind.String:
                EmitStringInto(argument, at, field.Size, isNil);
                break;
            case TypeKind.Number or TypeKind.Boolean or TypeKind.Stack or TypeKind.Address:
            {
                var register = Acquire(argument.Span);
                EmitNumber(argument, register, isNil);
                builder.Emit(Store(MemorySize.DoubleWord, Frame, at, register));
                Release(register);
                break;
            }

            default:
                EmitEffects(argument);
                builder.Ja(isNil);
                break;
        }

        if (field.PresenceOffset < 0)
        {
            builder.Ja(done);
            builder.MarkLabel(isNil);
            builder.Ja(ErrorLabel("a nil value where kernel code needs a value", argument.Span));
        }
        else
        {
            builder.Emit(Store(MemorySize.DoubleWord, Frame, (short)(record + field.PresenceOffset), 1));
            builder.Ja(done);
            builder.MarkLabel(isNil);
            builder.Emit(Store(MemorySize.DoubleWord, Frame, (short)(record + field.PresenceOffset), 0));
        }

        builder.MarkLabel(done);
    }
}
