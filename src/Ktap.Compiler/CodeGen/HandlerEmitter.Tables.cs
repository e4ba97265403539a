using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Compiler.Types;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>Tables as hash maps, and shared variables in the data map.</summary>
internal sealed partial class HandlerEmitter
{
    private const string NilIndex = "table index is nil";

    private TableLayout TableOf(BoundIndex index) =>
        TableUsage.TopLevel(index.Target) is { } variable && script.TableOf(variable) is { } table
            ? table
            : throw Unsupported(index.Span, $"indexing '{SourceOf(index.Target)}' (kernel code indexes top-level tables only)");

    /// <summary>Builds the key of <paramref name="index"/> on the stack, zero-padded to the map's key size, and returns its offset.</summary>
    /// <param name="pointer">A callee-saved register to hold the key's address: set first, so building the key can use it too.</param>
    private short EmitKey(BoundIndex index, TableLayout table, Register? pointer = null)
    {
        var offset = Allocate(table.KeySize);
        if (pointer is { } keyRegister)
        {
            StackAddress(keyRegister, offset);
            addressHint = (offset, keyRegister);
        }

        var isNil = ErrorLabel(NilIndex, index.Key.Span);
        if (table.KeyType.Kind == TypeKind.String)
        {
            EmitStringInto(index.Key, offset, table.ScriptKeySize, isNil);
        }
        else
        {
            var register = Acquire(index.Key.Span);
            EmitNumber(index.Key, register, isNil);
            builder.Emit(Store(MemorySize.DoubleWord, Frame, offset, register));
            Release(register);
        }

        addressHint = null;
        return offset;
    }

    /// <summary>R0 = the element's address, or 0 when the key is missing. Clobbers R1–R5.</summary>
    private void EmitLookup(TableLayout table, short key, Register? keyPointer)
    {
        LoadMap(Register.R1, table.MapIndex);
        KeyArgument(Register.R2, key, keyPointer);
        builder.Emit(Call(HelperFunction.MapLookupElem));
    }

    private void KeyArgument(Register destination, short key, Register? keyPointer)
    {
        if (keyPointer is { } pointer)
        {
            builder.Emit(Mov64(destination, pointer));
        }
        else
        {
            StackAddress(destination, key);
        }
    }

    private void EmitTableRead(BoundIndex index, Register destination, Label onNil)
    {
        var table = TableOf(index);
        var mark = stackDepth;
        var key = EmitKey(index, table);
        EmitLookup(table, key, null);
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, onNil);
        builder.Emit(Load(MemorySize.DoubleWord, destination, Register.R0, 0));
        ReleaseStack(mark);
    }

    /// <summary><c>t[k] = v</c>: an update, or a delete when v is nil.</summary>
    private void EmitTableStore(BoundIndex index, BoundExpression value)
    {
        var table = TableOf(index);
        var key = EmitKey(index, table);
        var delete = builder.DefineLabel();
        var done = builder.DefineLabel();
        var staged = Allocate(table.ValueSize);
        if (table.ValueType.Kind == TypeKind.String)
        {
            EmitStringInto(value, staged, table.ValueSize, delete);
        }
        else if (value is BoundNil)
        {
            builder.Ja(delete);
        }
        else
        {
            var register = Acquire(value.Span);
            EmitNumber(value, register, delete);
            builder.Emit(Store(MemorySize.DoubleWord, Frame, staged, register));
            Release(register);
        }

        LoadMap(Register.R1, table.MapIndex);
        StackAddress(Register.R2, key);
        StackAddress(Register.R3, staged);
        builder.Emit(Mov64(Register.R4, 0));
        builder.Emit(Call(HelperFunction.MapUpdateElem));
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, done);
        EmitCount(table.LostCounterOffset);
        builder.Ja(done);

        builder.MarkLabel(delete);
        LoadMap(Register.R1, table.MapIndex);
        StackAddress(Register.R2, key);
        builder.Emit(Call(HelperFunction.MapDeleteElem));
        builder.MarkLabel(done);
    }

    /// <summary>
    /// <c>t[k] += v</c>, a missing element counting as 0. A per-CPU table adds without atomics (no
    /// other CPU touches this CPU's copy); a shared one adds atomically, and when two CPUs insert
    /// the same key at once, the loser adds to the winner's element. An insert into a full table
    /// is counted as a lost update.
    /// </summary>
    private void EmitTableIncrement(BoundIndex index, BoundExpression value)
    {
        var table = TableOf(index);
        var constant = value is BoundNumber { Value: >= int.MinValue and <= int.MaxValue } n ? (int?)n.Value : null;
        Register? addend = null;
        if (constant is null)
        {
            addend = Acquire(value.Span);
            EmitNumber(value, addend.Value, null);
        }

        // The key's address and the data map's stay in callee-saved registers across the calls when some are free.
        var keyPointer = TryAcquireSpare();
        var key = EmitKey(index, table, keyPointer);
        EmitIncrementAt(table, key, keyPointer, constant, addend);
        ReleaseIfHeld(keyPointer);
        ReleaseIfHeld(addend);
    }

    /// <summary>Adds the addend (a constant, or a register's value) to the element at the key built at <paramref name="key"/>.</summary>
    private void EmitIncrementAt(TableLayout table, short key, Register? keyPointer, int? constant, Register? addend)
    {
        var missing = builder.DefineLabel();
        var done = builder.DefineLabel();
        EmitLookup(table, key, keyPointer);
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, missing);
        EmitAddToElement(table, constant, addend);
        builder.Ja(done);

        builder.MarkLabel(missing);
        var data = TryAcquire();
        if (data is { } dataPointer)
        {
            LoadData(dataPointer, 0);
        }

        // The first value stored is the addend itself: 1 lies ready in the data map's first word.
        if (constant == 1 && data is { } one)
        {
            builder.Emit(Mov64(Register.R3, one));
        }
        else
        {
            var staged = Allocate(8);
            if (addend is { } register)
            {
                builder.Emit(Store(MemorySize.DoubleWord, Frame, staged, register));
            }
            else
            {
                builder.Emit(Store(MemorySize.DoubleWord, Frame, staged, constant!.Value));
            }

            StackAddress(Register.R3, staged);
        }

        LoadMap(Register.R1, table.MapIndex);
        KeyArgument(Register.R2, key, keyPointer);
        builder.Emit(Mov64(Register.R4, table.PerCpu ? (int)UpdateMode.Any : (int)UpdateMode.NoExist));
        builder.Emit(Call(HelperFunction.MapUpdateElem));
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, done);
        if (!table.PerCpu)
        {
            // Another CPU inserted the key between our lookup and update (EEXIST): add to its element.
            EmitLookup(table, key, keyPointer);
            var lost = builder.DefineLabel();
            builder.Jump(JumpOperation.Jeq, Register.R0, 0, lost);
            EmitAddToElement(table, constant, addend);
            builder.Ja(done);
            builder.MarkLabel(lost);
        }

        if (data is { } counters)
        {
            builder.Emit(Mov64(Register.R1, 1));
            builder.Emit(AtomicAdd(MemorySize.DoubleWord, counters, (short)table.LostCounterOffset, Register.R1));
        }
        else
        {
            EmitCount(table.LostCounterOffset);
        }

        builder.MarkLabel(done);
        ReleaseIfHeld(data);
    }

    private void ReleaseIfHeld(Register? register)
    {
        if (register is { } r)
        {
            Release(r);
        }
    }

    /// <summary>*R0 += the addend: a plain add on this CPU's copy of a per-CPU table, an atomic one otherwise.</summary>
    private void EmitAddToElement(TableLayout table, int? constant, Register? addend)
    {
        if (table.PerCpu)
        {
            builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Register.R0, 0));
            builder.Emit(addend is { } register ? Alu64(AluOperation.Add, Register.R1, register) : Alu64(AluOperation.Add, Register.R1, constant!.Value));
            builder.Emit(Store(MemorySize.DoubleWord, Register.R0, 0, Register.R1));
            return;
        }

        if (addend is { } value)
        {
            builder.Emit(AtomicAdd(MemorySize.DoubleWord, Register.R0, 0, value));
        }
        else
        {
            builder.Emit(Mov64(Register.R1, constant!.Value));
            builder.Emit(AtomicAdd(MemorySize.DoubleWord, Register.R0, 0, Register.R1));
        }
    }

    // ---- Shared top-level variables -----------------------------------------------------

    private GlobalLayout GlobalOf(VariableSymbol variable, TextSpan span) =>
        script.GlobalOf(variable) ?? throw Unsupported(span, $"using table '{variable.Name}' as a value");

    private void EmitLoadGlobal(VariableSymbol variable, Register destination, Label onNil, TextSpan span)
    {
        var global = GlobalOf(variable, span);
        LoadData(Register.R1, global.Offset);
        builder.Emit(Load(MemorySize.DoubleWord, destination, Register.R1, 0));
        builder.Jump(JumpOperation.Jeq, destination, 0, onNil);
        builder.Emit(Load(MemorySize.DoubleWord, destination, Register.R1, 8));
    }

    private void EmitStoreGlobal(GlobalLayout global, BoundExpression value)
    {
        var isNil = builder.DefineLabel();
        var done = builder.DefineLabel();
        if (global.Type.Kind == TypeKind.String)
        {
            var mark = stackDepth;
            var staged = Allocate(global.ValueSize);
            EmitStringInto(value, staged, global.ValueSize, isNil);
            LoadData(Register.R1, global.ValueOffset);
            EmitCopyWords(Register.R1, 0, Frame, staged, global.ValueSize);
            ReleaseStack(mark);
        }
        else
        {
            var register = Acquire(value.Span);
            EmitNumber(value, register, isNil);
            LoadData(Register.R1, global.ValueOffset);
            builder.Emit(Store(MemorySize.DoubleWord, Register.R1, 0, register));
            Release(register);
        }

        LoadData(Register.R1, global.Offset);
        builder.Emit(Store(MemorySize.DoubleWord, Register.R1, 0, 1));
        builder.Ja(done);
        builder.MarkLabel(isNil);
        LoadData(Register.R1, global.Offset);
        builder.Emit(Store(MemorySize.DoubleWord, Register.R1, 0, 0));
        builder.MarkLabel(done);
    }

    /// <summary><c>x += v</c> on a shared variable: one atomic add, so handlers on every CPU and the ktap process can all count.</summary>
    private void EmitGlobalIncrement(GlobalLayout global, BoundIncrement increment)
    {
        var register = Acquire(increment.Value.Span);
        EmitNumber(increment.Value, register, null);
        LoadData(Register.R1, global.Offset);
        builder.Emit(Load(MemorySize.DoubleWord, Register.R2, Register.R1, 0));
        builder.Jump(JumpOperation.Jeq, Register.R2, 0, ErrorLabel("'+=' on a variable that holds nil: give it a number first", increment.Span));
        builder.Emit(AtomicAdd(MemorySize.DoubleWord, Register.R1, 8, register));
        Release(register);
    }

    /// <summary>Copies <paramref name="size"/> bytes (a multiple of 8) word by word. Uses R0.</summary>
    private void EmitCopyWords(Register destination, short destinationOffset, Register source, short sourceOffset, int size)
    {
        for (var i = 0; i < size; i += 8)
        {
            builder.Emit(Load(MemorySize.DoubleWord, Register.R0, source, (short)(sourceOffset + i)));
            builder.Emit(Store(MemorySize.DoubleWord, destination, (short)(destinationOffset + i), Register.R0));
        }
    }
}
