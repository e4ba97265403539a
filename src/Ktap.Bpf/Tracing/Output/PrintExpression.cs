namespace Ktap.Bpf.Tracing.Output;

// The syntax of print format arguments: the C expressions of a TP_printk() as the format file
// shows them, with __entry spelled REC and the helpers (__get_str, __print_flags, ...) left as
// calls. PrintExpressionParser makes them, PrintExpressionBinder resolves their names against
// one event, PrintEvaluator computes them for each record.

internal enum UnaryOperator
{
    Negate,
    Plus,
    LogicalNot,
    BitwiseNot,
    AddressOf,
    Dereference,
}

internal enum BinaryOperator
{
    Multiply,
    Divide,
    Remainder,
    Add,
    Subtract,
    ShiftLeft,
    ShiftRight,
    Less,
    Greater,
    LessOrEqual,
    GreaterOrEqual,
    Equal,
    NotEqual,
    BitwiseAnd,
    BitwiseXor,
    BitwiseOr,
    LogicalAnd,
    LogicalOr,
}

internal abstract record PrintExpression;

/// <summary>An integer or character constant.</summary>
internal sealed record IntegerLiteral(ulong Value, CType Type) : PrintExpression;

/// <summary>A string literal (adjacent literals already joined), with its terminating NUL.</summary>
internal sealed record StringLiteral(byte[] Bytes) : PrintExpression;

/// <summary>A plain name: an enum constant, a kernel variable, or a local of a statement expression.</summary>
internal sealed record NameExpression(string Name) : PrintExpression;

/// <summary><c>REC-&gt;name</c>: a field of the event record.</summary>
internal sealed record FieldExpression(string Name) : PrintExpression;

/// <summary><c>x.name</c> or <c>x-&gt;name</c> on anything but REC: a member of a kernel struct.</summary>
internal sealed record MemberExpression(PrintExpression Target, string Member) : PrintExpression;

internal sealed record IndexExpression(PrintExpression Target, PrintExpression Index) : PrintExpression;

internal sealed record UnaryExpression(UnaryOperator Operator, PrintExpression Operand) : PrintExpression;

internal sealed record BinaryExpression(BinaryOperator Operator, PrintExpression Left, PrintExpression Right) : PrintExpression;

internal sealed record ConditionalExpression(PrintExpression Condition, PrintExpression WhenTrue, PrintExpression WhenFalse) : PrintExpression;

/// <summary>A cast; <see cref="Type"/> null is a typedef this parser does not know, which keeps the value as it is.</summary>
internal sealed record CastExpression(CType? Type, PrintExpression Operand) : PrintExpression;

/// <summary><c>sizeof(type)</c>, or <c>sizeof</c> of an expression whose size the parser cannot know (<see cref="Size"/> null).</summary>
internal sealed record SizeOfExpression(int? Size) : PrintExpression;

/// <summary>A call: a print helper (<c>__print_flags</c>) or a kernel function.</summary>
internal sealed record CallExpression(string Function, IReadOnlyList<PrintExpression> Arguments) : PrintExpression;

/// <summary><c>{ mask, "name" }</c>: one entry of a <c>__print_flags</c> or <c>__print_symbolic</c> table.</summary>
internal sealed record InitializerList(IReadOnlyList<PrintExpression> Items) : PrintExpression;

/// <summary>
/// A GNU statement expression as the kernel's <c>min()</c> and <c>max()</c> expand:
/// <c>({ int x = (a); int y = (b); x &lt; y ? x : y; })</c>. Locals are declared in order; the
/// value is the last statement's.
/// </summary>
internal sealed record StatementExpression(IReadOnlyList<LocalDeclaration> Locals, PrintExpression Result) : PrintExpression;

/// <summary>A local of a statement expression; the binder gives it <see cref="Slot"/>, its place in the evaluation's locals.</summary>
internal sealed record LocalDeclaration(string Name, CType? Type, PrintExpression Value)
{
    public int Slot { get; init; } = -1;
}

/// <summary>A bound <c>REC-&gt;name</c>: the field found in the event's format, with its C type.</summary>
internal sealed record BoundField(EventField Field, CType Type) : PrintExpression;

/// <summary>A bound local of a statement expression: its slot in the evaluation's locals.</summary>
internal sealed record BoundLocal(int Slot, CType? Type) : PrintExpression;

/// <summary>Something that cannot be evaluated (an unknown name or function); renders as a placeholder naming it.</summary>
internal sealed record UnsupportedExpression(string What) : PrintExpression;
