namespace Ktap.Bpf.Tracing.Output;

/// <summary>C's binary operators on two integers (a kernel address counts as <c>unsigned long</c>).</summary>
internal static class PrintArithmetic
{
    public static PrintValue Apply(BinaryOperator op, PrintValue left, PrintValue right)
    {
        var leftType = AsInteger(left.Type);
        var rightType = AsInteger(right.Type);
        if (op is BinaryOperator.ShiftLeft or BinaryOperator.ShiftRight)
        {
            // The result has the promoted left operand's type. A count past the width is
            // undefined in C; x86's shift instructions use it modulo the width, and so do we.
            var type = leftType.Promoted;
            var count = (int)(right.Bits & (type.Size == 8 ? 63ul : 31ul));
            var bits = op == BinaryOperator.ShiftLeft
                ? left.Bits << count
                : type.IsSigned ? (ulong)((long)left.Bits >> count) : Truncated(left.Bits, type) >> count;
            return PrintValue.Integer(bits, type);
        }

        var common = CType.Common(leftType, rightType);
        var a = common.Normalize(left.Bits);
        var b = common.Normalize(right.Bits);
        return op switch
        {
            BinaryOperator.Multiply => PrintValue.Integer(a * b, common),
            BinaryOperator.Divide or BinaryOperator.Remainder => Divide(op, a, b, common),
            BinaryOperator.Add => PrintValue.Integer(a + b, common),
            BinaryOperator.Subtract => PrintValue.Integer(a - b, common),
            BinaryOperator.BitwiseAnd => PrintValue.Integer(a & b, common),
            BinaryOperator.BitwiseXor => PrintValue.Integer(a ^ b, common),
            BinaryOperator.BitwiseOr => PrintValue.Integer(a | b, common),
            _ => Truth(Compare(op, a, b, common.IsSigned)),
        };
    }

    private static CType AsInteger(CType type) => type.IsInteger ? type : CType.UnsignedLong;

    /// <summary>The value's bits within its type's width, zero-extended: what a logical right shift sees.</summary>
    private static ulong Truncated(ulong bits, CType type) => type.Size >= 8 ? bits : bits & ((1ul << (type.Size * 8)) - 1);

    private static PrintValue Divide(BinaryOperator op, ulong a, ulong b, CType type)
    {
        if (b == 0)
        {
            return PrintValue.Unsupported("division by zero");
        }

        if (!type.IsSigned)
        {
            var unsignedA = Truncated(a, type);
            var unsignedB = Truncated(b, type);
            return PrintValue.Integer(op == BinaryOperator.Divide ? unsignedA / unsignedB : unsignedA % unsignedB, type);
        }

        var x = (long)a;
        var y = (long)b;
        if (y == -1)
        {
            // long.MinValue / -1 overflows in C# (and traps on x86); C's wrapped answer is the negation.
            return PrintValue.Integer(op == BinaryOperator.Divide ? 0ul - a : 0ul, type);
        }

        return PrintValue.Integer((ulong)(op == BinaryOperator.Divide ? x / y : x % y), type);
    }

    private static bool Compare(BinaryOperator op, ulong a, ulong b, bool signed)
    {
        var order = signed ? ((long)a).CompareTo((long)b) : a.CompareTo(b);
        return op switch
        {
            BinaryOperator.Less => order < 0,
            BinaryOperator.Greater => order > 0,
            BinaryOperator.LessOrEqual => order <= 0,
            BinaryOperator.GreaterOrEqual => order >= 0,
            BinaryOperator.Equal => order == 0,
            _ => order != 0,
        };
    }

    private static PrintValue Truth(bool value) => PrintValue.Integer(value ? 1ul : 0ul, CType.Int);
}
