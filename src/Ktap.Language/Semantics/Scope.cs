namespace Ktap.Language.Semantics;

/// <summary>A block's names. Scopes chain outward across function boundaries: a name found in an
/// enclosing function's scope is that function's variable, reached as an upvalue.</summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, VariableSymbol> names = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public void Declare(VariableSymbol variable) => names[variable.Name] = variable;

    public VariableSymbol? Lookup(string name)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope.names.TryGetValue(name, out var variable))
            {
                return variable;
            }
        }

        return null;
    }
}
