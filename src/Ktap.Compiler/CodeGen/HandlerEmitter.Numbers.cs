using Ktap.Bpf.Asm;
using Ktap.Compiler.Types;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>Numbers and booleans (0 or 1) into registers; conditions into jumps.</summary>
internal sealed partial class HandlerEmitter
{
    private const string NilArithmetic = "attempt to perform arithmetic on a nil value";

    private bool MayBeNil(BoundExpression expression) => NullableLocals.MayBeNil(expression, nullableLocals);

    /// <summary>
    /// Evaluates a number or boolean into <paramref name="destination"/> (R7–R9). When the value
    /// is nil, jumps to <paramref name="onNil"/>, or, without one, ends the handler with
    /// <paramref name="nilError"/>.
    /// </summary>
    private void EmitNumber(BoundExpression expression, Register destination, Label? onNil = null, string nilError = NilArithmetic)
    {
        Label NilTarget() => onNil ?? ErrorLabel(nilError, expression.Span);

        switch (expression)
        {
            case BoundNumber n:
                EmitConstant(destination, n.Value);
                return;
            case BoundBoolean b:
                builder.Emit(Mov64(destination, b.Value ? 1 : 0));
                return;
            case BoundNil:
                builder.Ja(NilTarget());
                return;
            case BoundLocal local:
                EmitLoadSlot(SlotOf(local.Variable), destination, NilTarget);
                return;
            case BoundSlot slot:
                EmitLoadSlot(slot.Slot, destination, NilTarget);
                return;
            case BoundUpvalue { Variable.IsTopLevel: true } upvalue:
                EmitLoadGlobal(upvalue.Variable, destination, NilTarget(), expression.Span);
                return;
            case BoundProbeVariable variable:
                EmitProbeVariable(variable, destination);
                return;
            case BoundEventField field:
                EmitEventField(field, destination);
                return;
            case BoundIndex index:
                EmitTableRead(index, destination, NilTarget());
                return;
            case BoundUnary { Operator: UnaryOperator.Negate } unary:
                EmitNumber(unary.Operand, destination, null);
                builder.Emit(Neg64(destination));
                return;
            case BoundBinary { Operator: BinaryOperator.And or BinaryOperator.Or } logical when TypeOf(logical).Kind is TypeKind.Number:
                EmitLogicalValue(logical, destination, NilTarget);
                return;
            case BoundBinary binary when IsArithmetic(binary.Operator):
                EmitArithmetic(binary, destination);
                return;
            case BoundUnary or BoundBinary:
                EmitBooleanValue(expression, destination);
                return;
            case BoundCall call:
                EmitCallValue(call, destination, NilTarget);
                return;
            default:
                throw Unsupported(expression.Span, $"'{SourceOf(expression)}'");
        }
    }

    private string SourceOf(BoundExpression expression) => typed.Bound.Source.Text.Substring(expression.Span.Start, expression.Span.Length);

    private void EmitConstant(Register destination, long value)
    {
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            builder.Emit(Mov64(destination, (int)value));
        }
        else
        {
            builder.Emit(LoadImm64(destination, value));
        }
    }

    private static bool IsArithmetic(BinaryOperator op) =>
        op is BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Remainder;

    private void EmitArithmetic(BoundBinary binary, Register destination)
    {
        EmitNumber(binary.Left, destination, null);
        var operation = binary.Operator switch
        {
            BinaryOperator.Add => AluOperation.Add,
            BinaryOperator.Subtract => AluOperation.Sub,
            BinaryOperator.Multiply => AluOperation.Mul,
            BinaryOperator.Divide => AluOperation.Div,
            _ => AluOperation.Mod,
        };
        var divides = operation is AluOperation.Div or AluOperation.Mod;

        if (divides && binary.Right is BoundNumber { Value: > 1 } power && long.IsPow2(power.Value))
        {
            EmitPowerOfTwoDivision(destination, (int)long.Log2(power.Value), operation == AluOperation.Mod);
            return;
        }

        if (binary.Right is BoundNumber { Value: >= int.MinValue and <= int.MaxValue } constant && !(divides && constant.Value == 0))
        {
            builder.Emit(divides ? SignedAlu64(operation, destination, (int)constant.Value) : Alu64(operation, destination, (int)constant.Value));
            return;
        }

        WithOperand(binary.Right, destination, right =>
        {
            if (divides)
            {
                // BPF defines x / 0 as 0 and x % 0 as x; ktap's scripts get an error instead.
                builder.Jump(JumpOperation.Jeq, right, 0, ErrorLabel("division by zero", binary.OperatorSpan));
                builder.Emit(SignedAlu64(operation, destination, right));
            }
            else
            {
                builder.Emit(Alu64(operation, destination, right));
            }
        });
    }

    /// <summary>
    /// <c>x / 2^k</c> and <c>x % 2^k</c> with shifts instead of a signed division, which the JIT
    /// makes an idiv: a negative x is biased by 2^k - 1 first, so the quotient truncates toward
    /// zero and the remainder keeps x's sign, as C's (and the interpreter's) do.
    /// </summary>
    private void EmitPowerOfTwoDivision(Register value, int k, bool remainder)
    {
        builder.Emit(Mov64(Register.R1, value));
        builder.Emit(Alu64(AluOperation.Arsh, Register.R1, 63));
        builder.Emit(Alu64(AluOperation.Rsh, Register.R1, 64 - k));
        if (!remainder)
        {
            builder.Emit(Alu64(AluOperation.Add, value, Register.R1));
            builder.Emit(Alu64(AluOperation.Arsh, value, k));
            return;
        }

        // x - ((x + bias) with its low k bits cleared).
        builder.Emit(Alu64(AluOperation.Add, Register.R1, value));
        builder.Emit(Alu64(AluOperation.Rsh, Register.R1, k));
        builder.Emit(Alu64(AluOperation.Lsh, Register.R1, k));
        builder.Emit(Alu64(AluOperation.Sub, value, Register.R1));
    }

    /// <summary>
    /// Evaluates <paramref name="operand"/> while <paramref name="held"/> keeps its value, and runs
    /// <paramref name="use"/> with the register holding it. With no callee-saved register left,
    /// <paramref name="held"/> is spilled to the stack for the duration.
    /// </summary>
    /// <remarks>On a jump to <paramref name="onNil"/> a spilled <paramref name="held"/> is not restored.</remarks>
    private void WithOperand(BoundExpression operand, Register held, Action<Register> use, Label? onNil = null)
    {
        if (TryAcquire() is { } register)
        {
            EmitNumber(operand, register, onNil);
            use(register);
            Release(register);
            return;
        }

        var mark = stackDepth;
        var spill = Allocate(8);
        builder.Emit(Store(MemorySize.DoubleWord, Frame, spill, held));
        EmitNumber(operand, held, onNil);

        // No helper call between here and the use: R1 and R2 are free.
        builder.Emit(Mov64(Register.R2, held));
        builder.Emit(Load(MemorySize.DoubleWord, held, Frame, spill));
        use(Register.R2);
        ReleaseStack(mark);
    }

    /// <summary>A comparison or <c>!</c> as a value: 1 or 0.</summary>
    private void EmitBooleanValue(BoundExpression expression, Register destination)
    {
        var done = builder.DefineLabel();
        var isFalse = builder.DefineLabel();
        EmitJumpIf(expression, false, isFalse);
        builder.Emit(Mov64(destination, 1));
        builder.Ja(done);
        builder.MarkLabel(isFalse);
        builder.Emit(Mov64(destination, 0));
        builder.MarkLabel(done);
    }

    /// <summary><c>a &amp;&amp; b</c> and <c>a || b</c> as values: one of the operands, as in Lua.</summary>
    private void EmitLogicalValue(BoundBinary logical, Register destination, Func<Label> nilTarget)
    {
        var done = builder.DefineLabel();
        var useRight = builder.DefineLabel();
        var leftNil = builder.DefineLabel();
        EmitNumber(logical.Left, destination, leftNil);
        if (logical.Operator == BinaryOperator.And)
        {
            // A number is always true: 'a && b' is b unless a is nil (or false).
            if (TypeOf(logical.Left).Kind == TypeKind.Boolean)
            {
                builder.Jump(JumpOperation.Jeq, destination, 0, done);
            }

            builder.Ja(useRight);
            builder.MarkLabel(leftNil);
            builder.Ja(nilTarget());
        }
        else
        {
            if (TypeOf(logical.Left).Kind == TypeKind.Boolean)
            {
                builder.Jump(JumpOperation.Jeq, destination, 0, useRight);
            }

            builder.Ja(done);
            builder.MarkLabel(leftNil);
        }

        builder.MarkLabel(useRight);
        EmitNumber(logical.Right, destination, nilTarget());
        builder.MarkLabel(done);
    }

    // ---- Conditions ---------------------------------------------------------------------

    /// <summary>Jumps to <paramref name="target"/> when the truth of <paramref name="condition"/> is <paramref name="when"/>; falls through otherwise.</summary>
    private void EmitJumpIf(BoundExpression condition, bool when, Label target)
    {
        switch (condition)
        {
            case BoundUnary { Operator: UnaryOperator.Not } not:
                EmitJumpIf(not.Operand, !when, target);
                return;
            case BoundBinary { Operator: BinaryOperator.And } and:
                if (when)
                {
                    var skip = builder.DefineLabel();
                    EmitJumpIf(and.Left, false, skip);
                    EmitJumpIf(and.Right, true, target);
                    builder.MarkLabel(skip);
                }
                else
                {
                    EmitJumpIf(and.Left, false, target);
                    EmitJumpIf(and.Right, false, target);
                }

                return;
            case BoundBinary { Operator: BinaryOperator.Or } or:
                if (when)
                {
                    EmitJumpIf(or.Left, true, target);
                    EmitJumpIf(or.Right, true, target);
                }
                else
                {
                    var skip = builder.DefineLabel();
                    EmitJumpIf(or.Left, true, skip);
                    EmitJumpIf(or.Right, false, target);
                    builder.MarkLabel(skip);
                }

                return;
            case BoundBinary { Operator: BinaryOperator.Equal or BinaryOperator.NotEqual } equality:
                EmitEqualityJump(equality, when, target);
                return;
            case BoundBinary { Operator: BinaryOperator.Less or BinaryOperator.LessEqual or BinaryOperator.Greater or BinaryOperator.GreaterEqual } comparison:
                EmitComparisonJump(comparison, when, target);
                return;
            case BoundBoolean b:
                if (b.Value == when)
                {
                    builder.Ja(target);
                }

                return;
            case BoundNil:
                if (!when)
                {
                    builder.Ja(target);
                }

                return;
        }

        // Lua truth: nil and false are false, every other value (0 and "" included) is true.
        var type = TypeOf(condition);
        var isNil = builder.DefineLabel();
        var end = builder.DefineLabel();
        if (type.Kind == TypeKind.Boolean)
        {
            var register = Acquire(condition.Span);
            EmitNumber(condition, register, isNil);
            builder.Jump(when ? JumpOperation.Jne : JumpOperation.Jeq, register, 0, target);
            Release(register);
        }
        else if (MayBeNil(condition))
        {
            EmitPresence(condition, isNil);
            if (when)
            {
                builder.Ja(target);
            }
        }
        else
        {
            EmitEffects(condition);
            if (when)
            {
                builder.Ja(target);
            }
        }

        builder.Ja(end);
        builder.MarkLabel(isNil);
        if (!when)
        {
            builder.Ja(target);
        }

        builder.MarkLabel(end);
    }

    /// <summary>Evaluates an expression for its effects and its presence: jumps to <paramref name="isNil"/> when it is nil.</summary>
    private void EmitPresence(BoundExpression expression, Label isNil)
    {
        var mark = stackDepth;
        if (TypeOf(expression).Kind == TypeKind.String)
        {
            EmitString(expression, isNil);
        }
        else
        {
            var register = Acquire(expression.Span);
            EmitNumber(expression, register, isNil);
            Release(register);
        }

        ReleaseStack(mark);
    }

    private void EmitEffects(BoundExpression expression)
    {
        if (expression is BoundNumber or BoundString or BoundBoolean or BoundLocal or BoundProbeVariable)
        {
            return;
        }

        var skip = builder.DefineLabel();
        EmitPresence(expression, skip);
        builder.MarkLabel(skip);
    }

    private void EmitComparisonJump(BoundBinary comparison, bool when, Label target)
    {
        var op = comparison.Operator;
        if (!when)
        {
            op = op switch
            {
                BinaryOperator.Less => BinaryOperator.GreaterEqual,
                BinaryOperator.LessEqual => BinaryOperator.Greater,
                BinaryOperator.Greater => BinaryOperator.LessEqual,
                _ => BinaryOperator.Less,
            };
        }

        var jump = op switch
        {
            BinaryOperator.Less => JumpOperation.Jslt,
            BinaryOperator.LessEqual => JumpOperation.Jsle,
            BinaryOperator.Greater => JumpOperation.Jsgt,
            _ => JumpOperation.Jsge,
        };

        if (TypeOf(comparison.Left).Kind == TypeKind.String || TypeOf(comparison.Right).Kind == TypeKind.String)
        {
            EmitStringOrderJump(comparison);
            return;
        }

        const string message = "attempt to compare nil with number (only numbers are ordered)";
        var left = Acquire(comparison.Span);
        EmitNumber(comparison.Left, left, null, message);
        if (comparison.Right is BoundNumber { Value: >= int.MinValue and <= int.MaxValue } constant)
        {
            builder.Jump(jump, left, (int)constant.Value, target);
        }
        else
        {
            WithOperand(comparison.Right, left, right => builder.Jump(jump, left, right, target));
        }

        Release(left);
    }

    private void EmitEqualityJump(BoundBinary equality, bool when, Label target)
    {
        var equal = (equality.Operator == BinaryOperator.Equal) == when;
        var (left, right) = (equality.Left, equality.Right);
        if (left is BoundNil)
        {
            (left, right) = (right, left);
        }

        if (right is BoundNil)
        {
            // 'x == nil': a presence test.
            var isNil = builder.DefineLabel();
            var end = builder.DefineLabel();
            EmitPresence(left, isNil);
            if (!equal)
            {
                builder.Ja(target);
            }

            builder.Ja(end);
            builder.MarkLabel(isNil);
            if (equal)
            {
                builder.Ja(target);
            }

            builder.MarkLabel(end);
            return;
        }

        if (TypeOf(left).Kind == TypeKind.String)
        {
            EmitStringEqualityJump(left, right, equal, target);
            return;
        }

        // nil equals only nil.
        var jump = equal ? JumpOperation.Jeq : JumpOperation.Jne;
        var leftNil = builder.DefineLabel();
        var rightNil = builder.DefineLabel();
        var done = builder.DefineLabel();
        var register = Acquire(equality.Span);
        EmitNumber(left, register, leftNil);
        if (right is BoundNumber { Value: >= int.MinValue and <= int.MaxValue } constant)
        {
            builder.Jump(jump, register, (int)constant.Value, target);
        }
        else
        {
            WithOperand(right, register, r => builder.Jump(jump, register, r, target), rightNil);
        }

        Release(register);
        builder.Ja(done);

        // One side nil, the other not: not equal.
        builder.MarkLabel(rightNil);
        if (!equal)
        {
            builder.Ja(target);
        }

        builder.Ja(done);

        // Left nil: equal exactly when right is nil too.
        builder.MarkLabel(leftNil);
        var bothNil = builder.DefineLabel();
        EmitPresence(right, bothNil);
        if (!equal)
        {
            builder.Ja(target);
        }

        builder.Ja(done);
        builder.MarkLabel(bothNil);
        if (equal)
        {
            builder.Ja(target);
        }

        builder.MarkLabel(done);
    }
}
