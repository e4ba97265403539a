namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// Resolves the names of a parsed argument against one event, once, so rendering a record only
/// computes: <c>REC-&gt;name</c> becomes the field with its C type, a name becomes an enum
/// constant or a statement expression's local, and an unknown name or function becomes an
/// <see cref="UnsupportedExpression"/>. Sub-expressions made only of constants are folded
/// (the masks of a <c>__print_flags</c> table are long constant expressions).
/// </summary>
internal sealed class PrintExpressionBinder(EventFormat format, IKernelEnumResolver? enums)
{
    private readonly List<(string Name, int Slot, CType? Type)> scope = [];

    /// <summary>How many locals the bound expressions use; an evaluation needs this many slots.</summary>
    public int LocalCount { get; private set; }

    public PrintExpression Bind(PrintExpression expression) => expression switch
    {
        FieldExpression field => BindField(field.Name) is { } bound ? bound : new UnsupportedExpression($"REC->{field.Name}"),
        NameExpression name => BindName(name.Name),
        UnaryExpression unary => Fold(unary with { Operand = Bind(unary.Operand) }),
        BinaryExpression binary => Fold(binary with { Left = Bind(binary.Left), Right = Bind(binary.Right) }),
        ConditionalExpression conditional => Fold(new ConditionalExpression(
            Bind(conditional.Condition), Bind(conditional.WhenTrue), Bind(conditional.WhenFalse))),
        CastExpression cast => Fold(cast with { Operand = Bind(cast.Operand) }),
        IndexExpression index => new IndexExpression(Bind(index.Target), Bind(index.Index)),
        MemberExpression member => new UnsupportedExpression(Describe(member)),
        InitializerList list => new InitializerList([.. list.Items.Select(Bind)]),
        CallExpression call => BindCall(call),
        StatementExpression statement => BindStatement(statement),
        _ => expression,
    };

    private PrintExpression BindCall(CallExpression call)
    {
        if (!PrintHelpers.IsKnown(call.Function))
        {
            return new UnsupportedExpression($"{call.Function}()");
        }

        // __get_str(name) and its kin name a field, not a value: "name" is not REC->name.
        if (PrintHelpers.TakesFieldName(call.Function))
        {
            return call.Arguments is [NameExpression { Name: var name }] && BindField(name) is { } field
                ? call with { Arguments = [field] }
                : new UnsupportedExpression($"{call.Function}({string.Join(", ", call.Arguments.Select(Describe))})");
        }

        return call with { Arguments = [.. call.Arguments.Select(Bind)] };
    }

    private StatementExpression BindStatement(StatementExpression statement)
    {
        var outer = scope.Count;
        var locals = new List<LocalDeclaration>();
        foreach (var local in statement.Locals)
        {
            // The initializer is bound before its own name is in scope, as in C.
            var value = Bind(local.Value);
            var slot = LocalCount++;
            scope.Add((local.Name, slot, local.Type));
            locals.Add(local with { Value = value, Slot = slot });
        }

        var result = Bind(statement.Result);
        scope.RemoveRange(outer, scope.Count - outer);
        return new StatementExpression(locals, result);
    }

    private PrintExpression BindName(string name)
    {
        for (var i = scope.Count - 1; i >= 0; i--)
        {
            if (scope[i].Name == name)
            {
                return new BoundLocal(scope[i].Slot, scope[i].Type);
            }
        }

        switch (name)
        {
            case "true":
                return new IntegerLiteral(1, CType.Int);
            case "false":
                return new IntegerLiteral(0, CType.Int);
        }

        if (enums is not null && enums.TryGetValue(name, out var value))
        {
            // An enum constant is an int when it fits (C11 6.7.2.2), else GCC widens it.
            var type = value is >= int.MinValue and <= int.MaxValue ? CType.Int : value < 0 ? CType.Long : CType.UnsignedLong;
            return new IntegerLiteral(type.Normalize((ulong)value), type);
        }

        return new UnsupportedExpression(name);
    }

    private BoundField? BindField(string name) => format.Field(name) is { } field ? new BoundField(field, FieldType(field)) : null;

    /// <summary>
    /// A field's C type. The format's size and signedness decide an integer's type (the type
    /// names are typedefs we need not know); arrays, dynamic arrays and fields of other sizes
    /// (structs) are memory, typed as a pointer to their element.
    /// </summary>
    internal static CType FieldType(EventField field)
    {
        if (field.Storage != FieldStorage.Inline)
        {
            // The field itself is the u32 __data_loc or __rel_loc word.
            return CType.UnsignedInt;
        }

        if (field.IsArray)
        {
            return CType.PointerTo(ElementType(field));
        }

        if (field.IsPointer)
        {
            return CTypeNames.Parse(field.Type) ?? CType.VoidPointer;
        }

        if (field.Size is 1 or 2 or 4 or 8)
        {
            return field.Type is "bool" or "_Bool" ? CType.Bool : CType.Integer(field.Size, field.IsSigned);
        }

        return CType.PointerTo(CType.UnsignedChar);
    }

    /// <summary>An array field's element type: by name, else from its size and length.</summary>
    internal static CType ElementType(EventField field)
    {
        if (CTypeNames.Parse(field.ElementType) is { Kind: CTypeKind.Integer or CTypeKind.Pointer } named)
        {
            return named;
        }

        return field.ArrayLength is { } length && length > 0 && field.Size % length == 0 && field.Size / length is 1 or 2 or 4 or 8
            ? CType.Integer(field.Size / length, field.IsSigned)
            : CType.UnsignedChar;
    }

    /// <summary>Replaces an operation on constants by its value.</summary>
    private static PrintExpression Fold(PrintExpression expression)
    {
        var constant = expression switch
        {
            UnaryExpression { Operator: not UnaryOperator.AddressOf and not UnaryOperator.Dereference, Operand: IntegerLiteral } => true,
            BinaryExpression { Left: IntegerLiteral, Right: IntegerLiteral } => true,
            CastExpression { Type.IsInteger: true, Operand: IntegerLiteral } => true,
            ConditionalExpression { Condition: IntegerLiteral condition } => condition.Value != 0
                ? expression is ConditionalExpression { WhenTrue: IntegerLiteral }
                : expression is ConditionalExpression { WhenFalse: IntegerLiteral },
            _ => false,
        };
        if (!constant)
        {
            return expression;
        }

        var value = new PrintEvaluator(ReadOnlyMemory<byte>.Empty, 0, PrintEnvironment.Empty).Evaluate(expression);
        return value.Kind == PrintValueKind.Integer ? new IntegerLiteral(value.Bits, value.Type) : expression;
    }

    private static string Describe(PrintExpression expression) => expression switch
    {
        NameExpression name => name.Name,
        FieldExpression field => $"REC->{field.Name}",
        MemberExpression member => $"{Describe(member.Target)}.{member.Member}",
        CallExpression call => $"{call.Function}()",
        _ => "...",
    };
}
