using Ktap.Language.Syntax;

namespace Ktap.Compiler.Types;

/// <summary>A type during inference: a known type, a table of two terms, or a variable to be unified.</summary>
internal abstract class Term;

/// <summary>A type without parts: nil, number, boolean, string, stack, address. One instance per kind.</summary>
internal sealed class PrimitiveTerm : Term
{
    public static readonly PrimitiveTerm Nil = new(TypeKind.Nil);
    public static readonly PrimitiveTerm Number = new(TypeKind.Number);
    public static readonly PrimitiveTerm Boolean = new(TypeKind.Boolean);
    public static readonly PrimitiveTerm String = new(TypeKind.String);
    public static readonly PrimitiveTerm Stack = new(TypeKind.Stack);
    public static readonly PrimitiveTerm Address = new(TypeKind.Address);
    public static readonly PrimitiveTerm Aggregate = new(TypeKind.Aggregate);

    private PrimitiveTerm(TypeKind kind) => Kind = kind;

    public TypeKind Kind { get; }
}

internal sealed class TableTerm(Term key, Term value) : Term
{
    public Term Key { get; } = key;

    public Term Value { get; } = value;
}

/// <summary>
/// A value of the ktap process that kernel code never sees (a user-side local, a call of a
/// user function): it agrees with every type and decides none.
/// </summary>
internal sealed class DynamicTerm : Term
{
    public static readonly DynamicTerm Instance = new();
}

/// <summary>A type variable (union-find node). <see cref="Origin"/> is where it met a known type.</summary>
internal sealed class VariableTerm : Term
{
    public Term? Target { get; set; }

    public TextSpan? Origin { get; set; }
}
