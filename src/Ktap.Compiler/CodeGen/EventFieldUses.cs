using Ktap.Compiler.Types;
using Ktap.Language.Semantics;

namespace Ktap.Compiler.CodeGen;

/// <summary>One <c>args.NAME</c> a handler reads, and whether the script uses it as a string.</summary>
public sealed record EventFieldUse(string Name, bool IsString);

/// <summary>
/// The event fields (<c>args.NAME</c>) a handler and the functions it calls read, in order of
/// first use. What a layout must offer for the handler to compile: <c>ktap -d</c> builds a stand-in
/// layout from it when the real one (a tracefs format) is out of reach.
/// </summary>
public static class EventFieldUses
{
    public static IReadOnlyList<EventFieldUse> Of(TypedScript typed, BoundProbe probe)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(probe);
        var functions = new List<FunctionSymbol>();
        var seen = new HashSet<FunctionSymbol>();
        var pending = new Queue<FunctionSymbol>([probe.Handler]);
        while (pending.TryDequeue(out var function))
        {
            if (seen.Add(function))
            {
                functions.Add(function);
                foreach (var callee in function.Callees)
                {
                    pending.Enqueue(callee);
                }
            }
        }

        var uses = new List<EventFieldUse>();
        foreach (var field in functions.SelectMany(f => BoundWalker.Expressions(f.Body)).OfType<BoundEventField>())
        {
            var isString = typed.TryGetType(field, out var type) && type.Kind == TypeKind.String;
            var index = uses.FindIndex(u => u.Name == field.Field);
            if (index < 0)
            {
                uses.Add(new EventFieldUse(field.Field, isString));
            }
            else if (isString)
            {
                uses[index] = uses[index] with { IsString = true };
            }
        }

        return uses;
    }
}
