namespace Ktap.Bpf.Tracing;

/// <summary>A trace event's full name, <c>subsystem:event</c> as perf writes it (<c>syscalls:sys_enter_openat</c>).</summary>
public readonly record struct TraceEventName(string Subsystem, string Event) : IComparable<TraceEventName>
{
    /// <summary>Splits <c>subsystem:event</c> (or the tracefs path form <c>subsystem/event</c>) at its first separator.</summary>
    /// <exception cref="FormatException">There is no separator, or a part is empty.</exception>
    public static TraceEventName Parse(string name) =>
        TryParse(name, out var result) ? result : throw new FormatException($"'{name}' is not a trace event name: expected SUBSYSTEM:EVENT");

    public static bool TryParse(string name, out TraceEventName result)
    {
        var separator = name.IndexOfAny([':', '/']);
        if (separator <= 0 || separator == name.Length - 1)
        {
            result = default;
            return false;
        }

        result = new TraceEventName(name[..separator], name[(separator + 1)..]);
        return true;
    }

    public int CompareTo(TraceEventName other)
    {
        var bySubsystem = string.CompareOrdinal(Subsystem, other.Subsystem);
        return bySubsystem != 0 ? bySubsystem : string.CompareOrdinal(Event, other.Event);
    }

    public override string ToString() => $"{Subsystem}:{Event}";
}
