using Ktap.Bpf.Asm;
using Ktap.Bpf.Maps;
using Ktap.Language.Semantics;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// <c>t[k] &lt;&lt;&lt; v</c> into an aggregation's per-CPU map (<see cref="TableLayout.Aggregation"/>):
/// a histogram adds one to the count of key and bucket, a statistics cell updates its count, sum,
/// minimum and maximum in place. Per-CPU, so plain loads and stores: no other CPU touches this
/// CPU's copy, and no handler interrupts another on a CPU (bpf_prog_active).
/// </summary>
internal sealed partial class HandlerEmitter
{
    private const string NilRecorded = "'<<<' records numbers, not nil";

    private void EmitAggregate(BoundAggregate statement)
    {
        var table = TableOf(statement.Target);
        var spec = table.Aggregation ?? throw Unsupported(statement.Target.Target.Span, $"'<<<' into '{SourceOf(statement.Target.Target)}', which is no aggregation");
        var value = Acquire(statement.Value.Span);
        EmitNumber(statement.Value, value, null, NilRecorded);
        if (spec.IsHistogram)
        {
            EmitHistogramRecord(statement.Target, table, spec, value);
        }
        else
        {
            EmitStatisticsRecord(statement.Target, table, value);
            Release(value);
        }
    }

    /// <summary>One more in the key's bucket: the key is the script's key, then the bucket as a u64. Releases <paramref name="value"/>.</summary>
    private void EmitHistogramRecord(BoundIndex target, TableLayout table, AggregationSpec spec, Register value)
    {
        EmitBucket(spec, value);
        var keyPointer = TryAcquireSpare();
        var key = EmitKey(target, table, keyPointer);
        builder.Emit(Store(MemorySize.DoubleWord, Frame, (short)(key + table.ScriptKeySize), value));
        Release(value);
        EmitIncrementAt(table, key, keyPointer, 1, null);
        ReleaseIfHeld(keyPointer);
    }

    /// <summary><paramref name="value"/> = its bucket, as <see cref="AggregationSpec.Bucket"/> computes it. Uses R1-R3.</summary>
    private void EmitBucket(AggregationSpec spec, Register value)
    {
        var done = builder.DefineLabel();
        if (spec.Kind == AggregationKind.Linear)
        {
            var below = builder.DefineLabel();
            var above = builder.DefineLabel();
            EmitConstant(Register.R1, spec.Min);
            builder.Jump(JumpOperation.Jslt, value, Register.R1, below);
            EmitConstant(Register.R2, spec.Max);
            builder.Jump(JumpOperation.Jsge, value, Register.R2, above);

            // min <= v < max: the difference is non-negative, so an unsigned division is C's.
            builder.Emit(Alu64(AluOperation.Sub, value, Register.R1));
            EmitConstant(Register.R1, spec.Step);
            builder.Emit(Alu64(AluOperation.Div, value, Register.R1));
            builder.Emit(Alu64(AluOperation.Add, value, 1));
            builder.Ja(done);
            builder.MarkLabel(below);
            builder.Emit(Mov64(value, 0));
            builder.Ja(done);
            builder.MarkLabel(above);
            builder.Emit(Mov64(value, spec.BucketCount - 1));
            builder.MarkLabel(done);
            return;
        }

        // Log2: negative 0, zero 1, else 2 + floor(log2 v), found by halving the width each step.
        var negative = builder.DefineLabel();
        var zero = builder.DefineLabel();
        builder.Jump(JumpOperation.Jslt, value, 0, negative);
        builder.Jump(JumpOperation.Jeq, value, 0, zero);
        builder.Emit(Mov64(Register.R1, 2));
        foreach (var width in (int[])[32, 16, 8, 4, 2, 1])
        {
            var narrower = builder.DefineLabel();
            builder.Emit(Mov64(Register.R2, value));
            builder.Emit(Alu64(AluOperation.Rsh, Register.R2, width));
            builder.Jump(JumpOperation.Jeq, Register.R2, 0, narrower);
            builder.Emit(Mov64(value, Register.R2));
            builder.Emit(Alu64(AluOperation.Add, Register.R1, width));
            builder.MarkLabel(narrower);
        }

        builder.Emit(Mov64(value, Register.R1));
        builder.Ja(done);
        builder.MarkLabel(negative);
        builder.Emit(Mov64(value, 0));
        builder.Ja(done);
        builder.MarkLabel(zero);
        builder.Emit(Mov64(value, 1));
        builder.MarkLabel(done);
    }

    /// <summary>The key's cell {count, sum, min, max}: updated in place, or inserted as {1, v, v, v}.</summary>
    private void EmitStatisticsRecord(BoundIndex target, TableLayout table, Register value)
    {
        var keyPointer = TryAcquireSpare();
        var key = EmitKey(target, table, keyPointer);
        var missing = builder.DefineLabel();
        var done = builder.DefineLabel();
        EmitLookup(table, key, keyPointer);
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, missing);
        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Register.R0, 0));
        builder.Emit(Alu64(AluOperation.Add, Register.R1, 1));
        builder.Emit(Store(MemorySize.DoubleWord, Register.R0, 0, Register.R1));
        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Register.R0, 8));
        builder.Emit(Alu64(AluOperation.Add, Register.R1, value));
        builder.Emit(Store(MemorySize.DoubleWord, Register.R0, 8, Register.R1));
        var notSmaller = builder.DefineLabel();
        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Register.R0, 16));
        builder.Jump(JumpOperation.Jsge, value, Register.R1, notSmaller);
        builder.Emit(Store(MemorySize.DoubleWord, Register.R0, 16, value));
        builder.MarkLabel(notSmaller);
        builder.Emit(Load(MemorySize.DoubleWord, Register.R1, Register.R0, 24));
        builder.Jump(JumpOperation.Jsle, value, Register.R1, done);
        builder.Emit(Store(MemorySize.DoubleWord, Register.R0, 24, value));
        builder.Ja(done);

        builder.MarkLabel(missing);
        var cell = Allocate(TableLayout.StatisticsSize);
        builder.Emit(Store(MemorySize.DoubleWord, Frame, cell, 1));
        for (var offset = 8; offset < TableLayout.StatisticsSize; offset += 8)
        {
            builder.Emit(Store(MemorySize.DoubleWord, Frame, (short)(cell + offset), value));
        }

        LoadMap(Register.R1, table.MapIndex);
        KeyArgument(Register.R2, key, keyPointer);
        StackAddress(Register.R3, cell);
        builder.Emit(Mov64(Register.R4, (int)UpdateMode.Any));
        builder.Emit(Call(HelperFunction.MapUpdateElem));
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, done);
        EmitCount(table.LostCounterOffset);
        builder.MarkLabel(done);
        ReleaseIfHeld(keyPointer);
    }
}
