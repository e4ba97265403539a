namespace Ktap.Language.Syntax;

/// <summary>
/// One token. <see cref="Text"/> is the identifier's name or the string literal's value (escapes
/// resolved); <see cref="Number"/> is a number literal's value.
/// </summary>
public readonly record struct Token(TokenKind Kind, TextSpan Span, string Text, long Number)
{
    public override string ToString() => Kind switch
    {
        TokenKind.EndOfFile => "<eof>",
        TokenKind.String => '"' + Text + '"',
        _ => Text,
    };
}
