using Ktap.Language.Syntax;

namespace Ktap.Compiler.Types;

/// <summary>Why two terms do not unify, as found, for <see cref="TypeChecker"/> to word.</summary>
/// <param name="Existing">The type the slot already had (a variable's, a requirement's).</param>
/// <param name="ExistingOrigin">Where that type came from, when known.</param>
/// <param name="Incoming">The type met here.</param>
/// <param name="IncomingOrigin">Where the incoming type came from, when known.</param>
/// <param name="Path">The part of a table that disagrees: <c>keys</c>, <c>values</c>, or empty.</param>
/// <param name="Cyclic">A table would contain itself.</param>
internal sealed record Conflict(Term Existing, TextSpan? ExistingOrigin, Term Incoming, TextSpan? IncomingOrigin, string Path, bool Cyclic);

/// <summary>
/// Union-find over <see cref="Term"/>s, with a trail so that a tentative unification (a table
/// constructor in the ktap process, which may legally mix types) can be undone.
/// </summary>
internal sealed class Unifier
{
    private readonly List<(VariableTerm Variable, Term? Target, TextSpan? Origin)> trail = [];

    /// <summary>The representative of a term, and where its known type came from.</summary>
    public static (Term Term, TextSpan? Origin) Find(Term term)
    {
        TextSpan? origin = null;
        while (term is VariableTerm { Target: { } target } variable)
        {
            origin = variable.Origin ?? origin;
            term = target;
        }

        return (term, origin);
    }

    public int Mark => trail.Count;

    public void Rollback(int mark)
    {
        while (trail.Count > mark)
        {
            var (variable, target, origin) = trail[^1];
            trail.RemoveAt(trail.Count - 1);
            variable.Target = target;
            variable.Origin = origin;
        }
    }

    /// <summary>Makes <paramref name="existing"/> and <paramref name="incoming"/> one type; null on success.</summary>
    /// <param name="here">Where the incoming value is: the origin of a type first decided here.</param>
    public Conflict? Unify(Term existing, Term incoming, TextSpan here) => Unify(existing, incoming, here, string.Empty);

    private Conflict? Unify(Term existing, Term incoming, TextSpan here, string path)
    {
        var (a, originA) = Find(existing);
        var (b, originB) = Find(incoming);
        if (a == b || a is DynamicTerm || b is DynamicTerm || a == PrimitiveTerm.Nil || b == PrimitiveTerm.Nil)
        {
            // nil is "no value": reading a missing entry, deleting one; it decides no type.
            return null;
        }

        if (a is VariableTerm va)
        {
            return Bind(va, b, b is VariableTerm ? null : originB ?? here, existing, originA, incoming, originB, path);
        }

        if (b is VariableTerm vb)
        {
            return Bind(vb, a, originA ?? here, existing, originA, incoming, originB, path);
        }

        if (a is TableTerm ta && b is TableTerm tb)
        {
            return Unify(ta.Key, tb.Key, here, Join(path, "keys")) ?? Unify(ta.Value, tb.Value, here, Join(path, "values"));
        }

        return new Conflict(a, originA, b, originB, path, false);
    }

    private Conflict? Bind(VariableTerm variable, Term target, TextSpan? origin, Term existing, TextSpan? originA, Term incoming, TextSpan? originB, string path)
    {
        if (Occurs(variable, target))
        {
            return new Conflict(Find(existing).Term, originA, Find(incoming).Term, originB, path, true);
        }

        trail.Add((variable, variable.Target, variable.Origin));
        variable.Target = target;
        variable.Origin = origin;
        return null;
    }

    private static bool Occurs(VariableTerm variable, Term term)
    {
        var (found, _) = Find(term);
        return found == variable || (found is TableTerm table && (Occurs(variable, table.Key) || Occurs(variable, table.Value)));
    }

    private static string Join(string path, string part) => path.Length == 0 ? part : part + " of the " + path;

    /// <summary>The final type of a term: variables replaced by what they were unified with.</summary>
    public static KtapType Resolve(Term term) => Find(term).Term switch
    {
        PrimitiveTerm p => p.Kind switch
        {
            TypeKind.Nil => KtapType.Nil,
            TypeKind.Number => KtapType.Number,
            TypeKind.Boolean => KtapType.Boolean,
            TypeKind.String => KtapType.String,
            TypeKind.Address => KtapType.Address,
            TypeKind.Aggregate => KtapType.Aggregate,
            _ => KtapType.Stack,
        },
        TableTerm t => KtapType.Table(Resolve(t.Key), Resolve(t.Value)),
        _ => KtapType.Unknown,
    };

    /// <summary>A term as a message names it: <c>number</c>, <c>table</c>.</summary>
    public static string Describe(Term term) => Find(term).Term switch
    {
        PrimitiveTerm p => p.Kind.ToString().ToLowerInvariant(),
        TableTerm => "table",
        _ => "value",
    };
}
