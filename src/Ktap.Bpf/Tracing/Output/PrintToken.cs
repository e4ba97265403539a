namespace Ktap.Bpf.Tracing.Output;

internal enum PrintTokenKind
{
    Identifier,

    /// <summary>An integer or character constant: <see cref="PrintToken.Value"/> of <see cref="PrintToken.Type"/>.</summary>
    Number,

    /// <summary>A string literal, its escapes decoded into <see cref="PrintToken.Bytes"/>.</summary>
    String,

    /// <summary>An operator or punctuator, as <c>-&gt;</c> or <c>(</c>.</summary>
    Punctuator,
    End,
}

/// <summary>One token of a print format argument expression; <see cref="Position"/> counts characters from its start.</summary>
internal sealed record PrintToken(PrintTokenKind Kind, string Text, int Position)
{
    public ulong Value { get; init; }

    public CType Type { get; init; } = CType.Int;

    public byte[] Bytes { get; init; } = [];

    public bool Is(string punctuator) => Kind == PrintTokenKind.Punctuator && Text == punctuator;

    public override string ToString() => Kind == PrintTokenKind.End ? "end of expression" : $"'{Text}'";
}
