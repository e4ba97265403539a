using Ktap.Bpf.Asm;
using Ktap.Compiler.Types;
using Ktap.Language.Semantics;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>print, printf and exit: a ring buffer record of the site's id and its arguments.</summary>
internal sealed partial class HandlerEmitter
{
    private void EmitOutput(BoundCall call, OutputKind kind, string? format, IReadOnlyList<BoundExpression> arguments)
    {
        var site = script.OutputSiteFor(call, id => LayOutRecord(id, kind, format, arguments, call));
        var record = Allocate(site.RecordSize);
        builder.Emit(Store(MemorySize.DoubleWord, Register.R10, record, site.Id));
        if (script.Options.Timestamps)
        {
            builder.Emit(Call(HelperFunction.KtimeGetNs));
            builder.Emit(Store(MemorySize.DoubleWord, Register.R10, (short)(record + ScriptCompiler.TimestampOffset), Register.R0));
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

    private OutputSite LayOutRecord(int id, OutputKind kind, string? format, IReadOnlyList<BoundExpression> arguments, BoundCall call)
    {
        var fields = new List<RecordField>();
        // The site id (u32) and a pad word, so values stay 8-byte aligned; then the time with -T.
        var offset = script.RecordHeaderSize;
        foreach (var argument in arguments)
        {
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
                TypeKind.Number or TypeKind.Boolean or TypeKind.Stack => 8,
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
        switch (field.Type.Kind)
        {
            case TypeKind.String:
                EmitStringInto(argument, at, field.Size, isNil);
                break;
            case TypeKind.Number or TypeKind.Boolean or TypeKind.Stack:
            {
                var register = Acquire(argument.Span);
                EmitNumber(argument, register, isNil);
                builder.Emit(Store(MemorySize.DoubleWord, Register.R10, at, register));
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
            builder.Emit(Store(MemorySize.DoubleWord, Register.R10, (short)(record + field.PresenceOffset), 1));
            builder.Ja(done);
            builder.MarkLabel(isNil);
            builder.Emit(Store(MemorySize.DoubleWord, Register.R10, (short)(record + field.PresenceOffset), 0));
        }

        builder.MarkLabel(done);
    }
}
