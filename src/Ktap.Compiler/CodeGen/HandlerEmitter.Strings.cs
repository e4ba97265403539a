using Ktap.Bpf.Asm;
using Ktap.Compiler.Events;
using Ktap.Compiler.Types;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// Strings: NUL-terminated in a stack buffer whose size is a multiple of 8, always zero-padded
/// to its end, so copies and comparisons work a word at a time and a string used as a map key
/// hashes the same however it was made.
/// </summary>
internal sealed partial class HandlerEmitter
{
    /// <summary>Where a string value is: its buffer on the stack and the buffer's size.</summary>
    private readonly record struct StringBuffer(short Offset, int Size);

    /// <summary>The bytes a string expression needs, its NUL included, rounded to words.</summary>
    private int BufferSizeOf(BoundExpression expression) => expression switch
    {
        BoundLocal l when locals.TryGetValue(l.Variable, out var slot) => slot.Size,
        BoundLocal l => stringCapacities.GetValueOrDefault(l.Variable, ValueEncoding.Align(StringLength)),
        BoundSlot s => s.Slot.Size,
        BoundCall { Callee: BoundLocal or BoundUpvalue } c when NullableLocals.CalledFunction(c) is { } function => ReturnBufferSize(function),
        BoundBinary { Operator: BinaryOperator.Concatenate } c => Math.Min(BufferSizeOf(c.Left) + BufferSizeOf(c.Right), ValueEncoding.Align(StringLength)),
        BoundString s => ValueEncoding.Align(Math.Min(s.Value.Length + 1, StringLength)),
        BoundProbeVariable { Variable: ProbeVariable.Execname } => StringCapacity.TaskComm,
        BoundEventField f when target.FindField(f.Field) is { Kind: FieldKind.CharArray } field => ValueEncoding.Align(Math.Min(field.Size + 1, StringLength)),
        BoundProbeVariable { Variable: >= ProbeVariable.Arg0 and <= ProbeVariable.Arg9 } a when ArgumentOrNull(a) is { Kind: FieldKind.CharArray } field => ValueEncoding.Align(Math.Min(field.Size + 1, StringLength)),
        _ => ValueEncoding.Align(StringLength),
    };

    /// <summary>
    /// The buffer each string local needs: the largest string any store puts in it (a literal,
    /// execname, a char[] field, another local), solved to a fixed point; --strlen when unbounded.
    /// </summary>
    private Dictionary<VariableSymbol, int> StringCapacities()
    {
        var stores = typed.KernelFunctions.SelectMany(NullableLocals.Stores)
            .Where(s => typed.TryGetType(s.Variable, out var type) && type.Kind == TypeKind.String)
            .ToList();

        // BufferSizeOf reads this while it grows from zero.
        var capacities = stores.Select(s => s.Variable).Distinct().ToDictionary(v => v, _ => 0);
        stringCapacities = capacities;
        bool changed;
        do
        {
            changed = false;
            foreach (var (variable, value) in stores)
            {
                var size = value is null or BoundNil ? 8 : BufferSizeOf(value);
                if (size > capacities.GetValueOrDefault(variable))
                {
                    capacities[variable] = size;
                    changed = true;
                }
            }
        }
        while (changed);
        return capacities;
    }

    /// <summary>Evaluates a string: a local's own buffer, or a new one. Jumps to <paramref name="onNil"/> when it is nil.</summary>
    private StringBuffer EmitString(BoundExpression expression, Label onNil)
    {
        switch (expression)
        {
            case BoundLocal local:
            {
                var slot = SlotOf(local.Variable);
                EmitPresenceCheck(slot, onNil);
                return new StringBuffer(slot.Offset, slot.Size);
            }

            case BoundSlot { Slot: var slot }:
                EmitPresenceCheck(slot, onNil);
                return new StringBuffer(slot.Offset, slot.Size);
        }

        var size = BufferSizeOf(expression);
        var offset = Allocate(size);
        EmitStringInto(expression, offset, size, onNil);
        return new StringBuffer(offset, size);
    }

    private void EmitPresenceCheck(LocalSlot slot, Label onNil)
    {
        if (slot.Presence != 0)
        {
            builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Frame, slot.Presence));
            builder.Jump(JumpOperation.Jeq, Register.R1, 0, onNil);
        }
    }

    /// <summary>Writes a string into the <paramref name="size"/>-byte buffer at R10+<paramref name="offset"/>, truncated and zero-padded.</summary>
    private void EmitStringInto(BoundExpression expression, short offset, int size, Label onNil)
    {
        switch (expression)
        {
            case BoundNil:
                builder.Ja(onNil);
                return;
            case BoundString literal:
                EmitLiteral(literal.Value, offset, size);
                return;
            case BoundProbeVariable { Variable: ProbeVariable.Execname }:
                // bpf_get_current_comm pads the buffer with zeros (strscpy_pad) up to the size it is given.
                StackAddress(Register.R1, offset);
                builder.Emit(Mov64(Register.R2, Math.Min(size, StringCapacity.TaskComm)));
                builder.Emit(Call(HelperFunction.GetCurrentComm));
                EmitZero(offset, StringCapacity.TaskComm, size);
                return;
            case BoundProbeVariable { Variable: ProbeVariable.Probename }:
                EmitLiteral(target.ProbeName, offset, size);
                return;
            case BoundLocal or BoundSlot:
            {
                var source = EmitString(expression, onNil);
                EmitCopyString(source, offset, size);
                return;
            }

            case BoundUpvalue { Variable.IsTopLevel: true } upvalue:
            {
                var global = GlobalOf(upvalue.Variable, expression.Span);
                LoadData(Register.R1, global.Offset);
                builder.Emit(Load(MemorySize.DoubleWord, Register.R2, Register.R1, 0));
                builder.Jump(JumpOperation.Jeq, Register.R2, 0, onNil);
                EmitCopyTruncated(Register.R1, 8, global.ValueSize, offset, size);
                return;
            }

            case BoundIndex index:
            {
                var table = TableOf(index);
                var mark = stackDepth;
                var key = EmitKey(index, table);
                EmitLookup(table, key, null);
                builder.Jump(JumpOperation.Jeq, Register.R0, 0, onNil);
                builder.Emit(Mov64(Register.R1, Register.R0));
                EmitCopyTruncated(Register.R1, 0, table.ValueSize, offset, size);
                ReleaseStack(mark);
                return;
            }

            case BoundEventField field:
                EmitFieldString(FieldOf(field.Field, field.Span), offset, size, field.Span);
                return;
            case BoundProbeVariable { Variable: >= ProbeVariable.Arg0 and <= ProbeVariable.Arg9 } argument:
                EmitFieldString(ArgumentField(argument), offset, size, argument.Span);
                return;
            case BoundBinary { Operator: BinaryOperator.Concatenate } concatenation:
                EmitConcatenation(concatenation, offset, size, onNil);
                return;
            case BoundCall { Callee: BoundBuiltin { Builtin.Function: BuiltinFunction.UserString or BuiltinFunction.KernelString } builtin } call:
            {
                var address = Acquire(call.Span);
                EmitNumber(call.Arguments[0], address, null, $"bad argument #1 to '{builtin.Builtin.Name}' (number expected, got nil)");
                EmitZero(offset, 0, size);
                StackAddress(Register.R1, offset);
                builder.Emit(Mov64(Register.R2, size));
                builder.Emit(Mov64(Register.R3, address));
                builder.Emit(Call(builtin.Builtin.Function == BuiltinFunction.UserString ? HelperFunction.ProbeReadUserStr : HelperFunction.ProbeReadKernelStr));
                Release(address);
                return;
            }

            case BoundCall call:
            {
                var result = EmitInlineCall(call);
                var source = EmitString(new BoundSlot(result, call.Span), onNil);
                EmitCopyString(source, offset, size);
                return;
            }

            default:
                throw Unsupported(expression.Span, $"the string '{SourceOf(expression)}'");
        }
    }

    /// <summary>
    /// <c>a .. b</c>: a copied with bpf_probe_read_kernel_str, whose result (bytes copied, NUL
    /// included) places b right over a's NUL. The second copy writes at a variable stack
    /// offset, which the verifier allows a privileged program when the offset's bounds keep
    /// the whole write inside the buffer: hence a buffer of both capacities, and the checks on
    /// the length. A result longer than --strlen is cut there.
    /// </summary>
    private void EmitConcatenation(BoundBinary concatenation, short offset, int size, Label onNil)
    {
        var mark = stackDepth;
        var left = EmitString(concatenation.Left, onNil);
        var right = EmitString(concatenation.Right, onNil);
        var joinedSize = left.Size + right.Size;
        var joined = Allocate(joinedSize);
        EmitZero(joined, 0, joinedSize);
        StackAddress(Register.R1, joined);
        builder.Emit(Mov64(Register.R2, left.Size));
        StackAddress(Register.R3, left.Offset);
        builder.Emit(Call(HelperFunction.ProbeReadKernelStr));

        // R0 = bytes copied with the NUL (1..left.Size); anything else leaves a alone.
        var done = builder.DefineLabel();
        builder.Jump(JumpOperation.Jslt, Register.R0, 1, done);
        builder.Jump(JumpOperation.Jsgt, Register.R0, left.Size, done);
        builder.Emit(Mov64(Register.R1, Frame));
        builder.Emit(Alu64(AluOperation.Add, Register.R1, Register.R0));
        builder.Emit(Alu64(AluOperation.Add, Register.R1, joined - 1));
        builder.Emit(Mov64(Register.R2, right.Size));
        StackAddress(Register.R3, right.Offset);
        builder.Emit(Call(HelperFunction.ProbeReadKernelStr));
        builder.MarkLabel(done);
        builder.Emit(Mov64(Register.R1, Frame));
        EmitCopyTruncated(Register.R1, joined, joinedSize, offset, size);
        ReleaseStack(mark);
    }

    /// <summary>
    /// <c>len(s)</c>: bpf_probe_read_kernel_str copies a string up to its NUL and returns the
    /// bytes copied, NUL included (it cannot fail on the frame's own memory).
    /// </summary>
    private void EmitStringLength(BoundExpression expression, Register destination)
    {
        var mark = stackDepth;
        var source = EmitString(expression, ErrorLabel("bad argument #1 to 'len' (table or string expected, got nil)", expression.Span));
        var copy = Allocate(source.Size);
        StackAddress(Register.R1, copy);
        builder.Emit(Mov64(Register.R2, source.Size));
        StackAddress(Register.R3, source.Offset);
        builder.Emit(Call(HelperFunction.ProbeReadKernelStr));
        builder.Emit(Mov64(destination, Register.R0));
        builder.Emit(Alu64(AluOperation.Sub, destination, 1));
        ReleaseStack(mark);
    }

    private void EmitCopyString(StringBuffer source, short offset, int size)
    {
        if (source.Offset == offset)
        {
            return;
        }

        builder.Emit(Mov64(Register.R1, Frame));
        EmitCopyTruncated(Register.R1, source.Offset, source.Size, offset, size);
    }

    /// <summary>Copies a zero-padded string of <paramref name="sourceSize"/> bytes at <paramref name="source"/>+<paramref name="sourceOffset"/> into a stack buffer, truncating with a NUL or padding with zeros.</summary>
    private void EmitCopyTruncated(Register source, int sourceOffset, int sourceSize, short offset, int size)
    {
        var words = Math.Min(sourceSize, size);
        for (var i = 0; i < words; i += 8)
        {
            builder.Emit(Load(MemorySize.DoubleWord, Register.R0, source, (short)(sourceOffset + i)));
            builder.Emit(Store(MemorySize.DoubleWord, Frame, (short)(offset + i), Register.R0));
        }

        if (sourceSize > size)
        {
            builder.Emit(Store(MemorySize.Byte, Frame, (short)(offset + size - 1), 0));
        }

        EmitZero(offset, words, size);
    }

    /// <summary>Zeroes bytes [<paramref name="from"/>, <paramref name="size"/>) of a stack buffer (word-aligned).</summary>
    private void EmitZero(short offset, int from, int size)
    {
        for (var i = ValueEncoding.Align(from); i < size; i += 8)
        {
            builder.Emit(Store(MemorySize.DoubleWord, Frame, (short)(offset + i), 0));
        }
    }

    private void EmitLiteral(string value, short offset, int size)
    {
        var bytes = LiteralBytes(value, size);
        for (var i = 0; i < size; i += 8)
        {
            var word = BitConverter.ToInt64(bytes, i);
            if (word is >= int.MinValue and <= int.MaxValue)
            {
                builder.Emit(Store(MemorySize.DoubleWord, Frame, (short)(offset + i), (int)word));
            }
            else
            {
                builder.Emit(LoadImm64(Register.R1, word));
                builder.Emit(Store(MemorySize.DoubleWord, Frame, (short)(offset + i), Register.R1));
            }
        }
    }

    /// <summary>A literal's Latin-1 bytes, truncated to leave room for its NUL and zero-padded to <paramref name="size"/>.</summary>
    private static byte[] LiteralBytes(string value, int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < value.Length && i < size - 1; i++)
        {
            bytes[i] = (byte)value[i];
        }

        return bytes;
    }

    /// <summary>A <c>char[N]</c> or <c>__data_loc char[]</c> field of the event record.</summary>
    private void EmitFieldString(ContextField field, short offset, int size, TextSpan span)
    {
        EmitZero(offset, 0, size);
        switch (field.Kind)
        {
            case FieldKind.CharArray:
                StackAddress(Register.R1, offset);
                builder.Emit(Mov64(Register.R2, Math.Min(size, field.Size + 1)));
                builder.Emit(Mov64(Register.R3, ContextRegister(Register.R3)));
                builder.Emit(Alu64(AluOperation.Add, Register.R3, field.Offset));
                builder.Emit(Call(HelperFunction.ProbeReadKernelStr));
                return;
            case FieldKind.DataLocString:
                // The u32 at the field: the string's offset in the record (low half), its length (high half).
                var context = ContextRegister(Register.R3);
                builder.Emit(Load(MemorySize.Word, Register.R3, context, (short)field.Offset));
                builder.Emit(Alu64(AluOperation.And, Register.R3, 0xffff));

                // The context plus a variable offset may go to a helper; only loads through it are refused.
                builder.Emit(Alu64(AluOperation.Add, Register.R3, ContextRegister(Register.R2)));
                StackAddress(Register.R1, offset);
                builder.Emit(Mov64(Register.R2, size));
                builder.Emit(Call(HelperFunction.ProbeReadKernelStr));
                return;
            default:
                throw new KernelCompileException(
                    Language.Diagnostics.DiagnosticCode.NotInKernel, span,
                    $"'{field.Name}' of {target.ProbeName} is a number, not a string: the probe's targets disagree on its type");
        }
    }

    private void EmitStringEqualityJump(BoundExpression left, BoundExpression right, bool equal, Label target)
    {
        if (left is BoundString)
        {
            (left, right) = (right, left);
        }

        var isNil = builder.DefineLabel();
        var done = builder.DefineLabel();
        var mark = stackDepth;
        var a = EmitString(left, isNil);
        var differ = builder.DefineLabel();
        if (right is BoundString literal)
        {
            var bytes = LiteralBytes(literal.Value, Math.Max(a.Size, BufferSizeOf(literal)));
            for (var i = 0; i < bytes.Length; i += 8)
            {
                var word = BitConverter.ToInt64(bytes, i);
                if (i >= a.Size)
                {
                    // A literal longer than the buffer can never match it.
                    if (word != 0)
                    {
                        builder.Ja(differ);
                    }

                    continue;
                }

                builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Frame, (short)(a.Offset + i)));
                if (word is >= int.MinValue and <= int.MaxValue)
                {
                    builder.Jump(JumpOperation.Jne, Register.R1, (int)word, differ);
                }
                else
                {
                    builder.Emit(LoadImm64(Register.R2, word));
                    builder.Jump(JumpOperation.Jne, Register.R1, Register.R2, differ);
                }
            }
        }
        else
        {
            var b = EmitString(right, isNil);
            for (var i = 0; i < Math.Max(a.Size, b.Size); i += 8)
            {
                LoadWordOrZero(Register.R1, a, i);
                LoadWordOrZero(Register.R2, b, i);
                builder.Jump(JumpOperation.Jne, Register.R1, Register.R2, differ);
            }
        }

        ReleaseStack(mark);

        // Equal.
        if (equal)
        {
            builder.Ja(target);
        }

        builder.Ja(done);
        builder.MarkLabel(differ);
        if (!equal)
        {
            builder.Ja(target);
        }

        builder.Ja(done);

        // A nil string equals nothing but nil; comparing two maybe-nil strings compares presence too.
        builder.MarkLabel(isNil);
        if (!equal)
        {
            builder.Ja(target);
        }

        builder.MarkLabel(done);
    }

    private void LoadWordOrZero(Register destination, StringBuffer buffer, int at)
    {
        builder.Emit(at < buffer.Size ? Load(MemorySize.DoubleWord, destination, Frame, (short)(buffer.Offset + at)) : Mov64(destination, 0));
    }

    /// <summary>Strings are not ordered in ktap: the interpreter stops with this error, and so does the handler.</summary>
    private void EmitStringOrderJump(BoundBinary comparison)
    {
        var left = TypeOf(comparison.Left).Kind.ToString().ToLowerInvariant();
        var right = TypeOf(comparison.Right).Kind.ToString().ToLowerInvariant();
        builder.Ja(ErrorLabel($"attempt to compare {left} with {right} (only numbers are ordered)", comparison.OperatorSpan));
    }
}
