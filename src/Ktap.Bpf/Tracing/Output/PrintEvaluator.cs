using System.Buffers.Binary;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// Computes bound argument expressions for one record with C's semantics on x86-64: integer
/// promotion and the usual arithmetic conversions, truncation and sign extension on casts,
/// short-circuit <c>&amp;&amp;</c>, <c>||</c> and <c>?:</c>. Never throws on record contents:
/// what cannot be computed (a division by zero, memory outside the record) is an
/// <see cref="PrintValueKind.Unsupported"/> value that renders as a placeholder.
/// </summary>
internal sealed class PrintEvaluator(ReadOnlyMemory<byte> record, int localCount, PrintEnvironment environment)
{
    private readonly PrintValue[] locals = localCount == 0 ? [] : new PrintValue[localCount];

    public ReadOnlyMemory<byte> Record { get; } = record;

    public PrintEnvironment Environment { get; } = environment;

    public PrintValue Evaluate(PrintExpression expression) => expression switch
    {
        IntegerLiteral literal => PrintValue.Integer(literal.Value, literal.Type),
        StringLiteral literal => PrintValue.Pointer(literal.Bytes, CType.CharPointer),
        BoundField field => ReadField(field),
        BoundLocal local => locals[local.Slot],
        UnaryExpression unary => EvaluateUnary(unary),
        BinaryExpression binary => EvaluateBinary(binary),
        ConditionalExpression conditional => Evaluate(conditional.Condition) switch
        {
            { IsUnsupported: true } condition => condition,
            var condition => Evaluate(condition.IsTrue ? conditional.WhenTrue : conditional.WhenFalse),
        },
        CastExpression cast => Cast(Evaluate(cast.Operand), cast.Type),
        SizeOfExpression { Size: { } size } => PrintValue.Integer((ulong)size, CType.UnsignedLong),
        IndexExpression index => EvaluateIndex(index),
        CallExpression call => PrintHelpers.Call(call, this),
        StatementExpression statement => EvaluateStatement(statement),
        UnsupportedExpression unsupported => PrintValue.Unsupported(unsupported.What),
        _ => PrintValue.Unsupported(Describe(expression)),
    };

    /// <summary>The record's bytes from <paramref name="offset"/> on; empty past its end.</summary>
    public ReadOnlyMemory<byte> RecordFrom(int offset) =>
        offset >= 0 && offset <= Record.Length ? Record[offset..] : ReadOnlyMemory<byte>.Empty;

    /// <summary>A little-endian integer of <paramref name="size"/> bytes; bytes past the end of <paramref name="memory"/> read as zero.</summary>
    public static ulong ReadInteger(ReadOnlySpan<byte> memory, int size)
    {
        Span<byte> buffer = stackalloc byte[8];
        buffer.Clear();
        var available = Math.Min(Math.Min(size, 8), memory.Length);
        if (available > 0)
        {
            memory[..available].CopyTo(buffer);
        }

        return BinaryPrimitives.ReadUInt64LittleEndian(buffer);
    }

    /// <summary>A value converted to <paramref name="type"/> as a C cast does; a null type (an unknown typedef) keeps it.</summary>
    public static PrintValue Cast(PrintValue value, CType? type)
    {
        if (type is null || value.IsUnsupported || type.Kind == CTypeKind.Void)
        {
            return value;
        }

        if (value.Kind == PrintValueKind.Memory)
        {
            // (char *)__get_dynamic_array(x) still points at the same bytes; an integer cast of
            // it would need the kernel address of the record, which is not ours to know.
            return type.IsPointer ? PrintValue.Pointer(value.Memory, type) : PrintValue.Unsupported("address of record data");
        }

        return PrintValue.Integer(value.Bits, type);
    }

    private PrintValue ReadField(BoundField bound)
    {
        var field = bound.Field;
        var type = bound.Type;
        if (type.IsPointer && (field.IsArray || (field.Storage == FieldStorage.Inline && !field.IsPointer)))
        {
            // An array (or a struct) in the record: its name is a pointer to its first element.
            return PrintValue.Pointer(RecordFrom(field.Offset), type);
        }

        return PrintValue.Integer(ReadInteger(RecordFrom(field.Offset).Span, Math.Min(field.Size, 8)), type);
    }

    private PrintValue EvaluateUnary(UnaryExpression unary)
    {
        if (unary.Operator == UnaryOperator.AddressOf)
        {
            return unary.Operand is BoundField field
                ? PrintValue.Pointer(RecordFrom(field.Field.Offset), CType.PointerTo(field.Type.IsPointer && field.Field.IsArray ? field.Type.Target! : field.Type))
                : PrintValue.Unsupported("&" + Describe(unary.Operand));
        }

        var operand = Evaluate(unary.Operand);
        if (operand.IsUnsupported)
        {
            return operand;
        }

        if (unary.Operator == UnaryOperator.Dereference)
        {
            return Load(operand, 0);
        }

        if (unary.Operator == UnaryOperator.LogicalNot)
        {
            return PrintValue.Integer(operand.IsTrue ? 0ul : 1ul, CType.Int);
        }

        if (operand.Kind == PrintValueKind.Memory)
        {
            return PrintValue.Unsupported("arithmetic on an address of record data");
        }

        var type = operand.Type.IsInteger ? operand.Type.Promoted : CType.UnsignedLong;
        return unary.Operator switch
        {
            UnaryOperator.Negate => PrintValue.Integer(0ul - operand.Bits, type),
            UnaryOperator.BitwiseNot => PrintValue.Integer(~operand.Bits, type),
            _ => PrintValue.Integer(operand.Bits, type),
        };
    }

    private PrintValue EvaluateBinary(BinaryExpression binary)
    {
        if (binary.Operator is BinaryOperator.LogicalAnd or BinaryOperator.LogicalOr)
        {
            var first = Evaluate(binary.Left);
            if (first.IsUnsupported)
            {
                return first;
            }

            // && and || stop as soon as the left side decides (C11 6.5.13, 6.5.14).
            if (first.IsTrue == (binary.Operator == BinaryOperator.LogicalOr))
            {
                return PrintValue.Integer(first.IsTrue ? 1ul : 0ul, CType.Int);
            }

            var second = Evaluate(binary.Right);
            return second.IsUnsupported ? second : PrintValue.Integer(second.IsTrue ? 1ul : 0ul, CType.Int);
        }

        var left = Evaluate(binary.Left);
        if (left.IsUnsupported)
        {
            return left;
        }

        var right = Evaluate(binary.Right);
        if (right.IsUnsupported)
        {
            return right;
        }

        if (left.Kind == PrintValueKind.Memory || right.Kind == PrintValueKind.Memory)
        {
            return MemoryArithmetic(binary.Operator, left, right);
        }

        if (binary.Operator is BinaryOperator.Add or BinaryOperator.Subtract && (left.Type.IsPointer || right.Type.IsPointer))
        {
            return AddressArithmetic(binary.Operator, left, right);
        }

        return PrintArithmetic.Apply(binary.Operator, left, right);
    }

    // A kernel address plus or minus an integer moves by whole elements, as in C.
    private static PrintValue AddressArithmetic(BinaryOperator op, PrintValue left, PrintValue right)
    {
        if (left.Type.IsPointer && right.Type.IsPointer)
        {
            return op == BinaryOperator.Subtract
                ? PrintValue.Integer((ulong)((long)(left.Bits - right.Bits) / left.Type.Stride), CType.Long)
                : PrintValue.Unsupported("sum of two pointers");
        }

        var (pointer, offset) = left.Type.IsPointer ? (left, right) : (right, left);
        var delta = offset.Bits * (ulong)pointer.Type.Stride;
        return PrintValue.Integer(op == BinaryOperator.Add ? pointer.Bits + delta : pointer.Bits - delta, pointer.Type);
    }

    // A pointer into the record: moved by an integer, or compared with NULL (it never is NULL).
    private static PrintValue MemoryArithmetic(BinaryOperator op, PrintValue left, PrintValue right)
    {
        if (left.Kind == PrintValueKind.Memory && right.Kind == PrintValueKind.Integer && op is BinaryOperator.Add or BinaryOperator.Subtract)
        {
            // Bounded before multiplying, so no product can wrap around into the record.
            var elements = (long)Math.Min(right.Bits, (ulong)left.Memory.Length + 1);
            var offset = (op == BinaryOperator.Add ? elements : -elements) * Math.Max(1, left.Type.Stride);
            return offset >= 0 && offset <= left.Memory.Length
                ? PrintValue.Pointer(left.Memory[(int)offset..], left.Type)
                : PrintValue.Unsupported("pointer outside the record");
        }

        var nullComparison = (left.Kind == PrintValueKind.Integer && left.Bits == 0) || (right.Kind == PrintValueKind.Integer && right.Bits == 0);
        return op switch
        {
            BinaryOperator.Equal when nullComparison => PrintValue.Integer(0, CType.Int),
            BinaryOperator.NotEqual when nullComparison => PrintValue.Integer(1, CType.Int),
            _ => PrintValue.Unsupported("arithmetic on an address of record data"),
        };
    }

    private PrintValue EvaluateIndex(IndexExpression index)
    {
        var target = Evaluate(index.Target);
        var position = Evaluate(index.Index);
        if (target.IsUnsupported || position.IsUnsupported)
        {
            return target.IsUnsupported ? target : position;
        }

        return position.Kind == PrintValueKind.Integer
            ? Load(target, (long)position.Bits)
            : PrintValue.Unsupported("index by an address");
    }

    /// <summary><c>pointer[index]</c>: the element read from memory this process has.</summary>
    private static PrintValue Load(PrintValue pointer, long index)
    {
        if (pointer.Kind != PrintValueKind.Memory || pointer.Type.Target is not { } element)
        {
            return PrintValue.Unsupported("kernel memory");
        }

        if (index < 0 || index >= pointer.Memory.Length || index * Math.Max(1, element.Size) >= pointer.Memory.Length)
        {
            return PrintValue.Unsupported("pointer outside the record");
        }

        var memory = pointer.Memory[(int)(index * Math.Max(1, element.Size))..];
        return element.IsInteger || element.IsPointer
            ? PrintValue.Integer(ReadInteger(memory.Span, element.Size), element)
            : PrintValue.Pointer(memory, pointer.Type);
    }

    private PrintValue EvaluateStatement(StatementExpression statement)
    {
        foreach (var local in statement.Locals)
        {
            locals[local.Slot] = Cast(Evaluate(local.Value), local.Type);
        }

        return Evaluate(statement.Result);
    }

    private static string Describe(PrintExpression expression) => expression switch
    {
        BoundField field => $"REC->{field.Field.Name}",
        MemberExpression member => member.Member,
        InitializerList => "{...}",
        SizeOfExpression => "sizeof",
        _ => expression.GetType().Name,
    };
}
