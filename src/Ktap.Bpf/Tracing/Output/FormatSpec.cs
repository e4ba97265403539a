namespace Ktap.Bpf.Tracing.Output;

/// <summary>The flags of lib/vsprintf.c's printf_spec.</summary>
[Flags]
internal enum FormatFlags
{
    None = 0,

    /// <summary>A signed conversion (<c>%d</c>, <c>%i</c>).</summary>
    Sign = 1,

    /// <summary><c>-</c>: pad on the right.</summary>
    Left = 2,

    /// <summary><c>+</c>: a plus sign before non-negative signed numbers.</summary>
    Plus = 4,

    /// <summary><c> </c>: a space before non-negative signed numbers.</summary>
    Space = 8,

    /// <summary><c>0</c>: pad numbers with zeros.</summary>
    ZeroPad = 16,

    /// <summary>Lower-case hex digits (<c>%x</c>, and every pointer).</summary>
    Small = 32,

    /// <summary><c>#</c>: <c>0x</c> before hex, <c>0</c> before non-zero octal.</summary>
    Special = 64,
}

internal enum ConversionKind
{
    /// <summary>Text copied as it is.</summary>
    Literal,
    Integer,
    Char,
    String,
    Pointer,
    Percent,

    /// <summary>A conversion the kernel refuses (<c>%n</c>, <c>%f</c>, ...): its vsnprintf() stops there.</summary>
    Invalid,
}

/// <summary>The integer type a conversion reads from the argument list (its length modifier).</summary>
internal enum IntegerSize
{
    /// <summary><c>hh</c>: char.</summary>
    Byte,

    /// <summary><c>h</c>: short.</summary>
    Short,

    /// <summary>No modifier: int.</summary>
    Int,

    /// <summary><c>l</c>, <c>ll</c>, <c>L</c>, <c>z</c>, <c>t</c>: 64 bits on x86-64.</summary>
    Long,
}

/// <summary>One piece of a parsed format string: literal text or one conversion, as format_decode() in lib/vsprintf.c reads it.</summary>
/// <param name="Text">The literal text, or the conversion as written (for placeholders).</param>
/// <param name="Width">The field width; -1 when none.</param>
/// <param name="Precision">The precision; -1 when none.</param>
/// <param name="Base">8, 10 or 16 for an integer conversion.</param>
/// <param name="PointerExtension">The letters and digits after <c>%p</c> (<c>S</c>, <c>I6c</c>, <c>ISpc</c>), which vsnprintf() skips.</param>
internal sealed record FormatSpec(
    ConversionKind Kind,
    string Text,
    FormatFlags Flags = FormatFlags.None,
    int Width = -1,
    bool WidthFromArgument = false,
    int Precision = -1,
    bool PrecisionFromArgument = false,
    IntegerSize Size = IntegerSize.Int,
    int Base = 10,
    string PointerExtension = "")
{
    public bool Has(FormatFlags flag) => (Flags & flag) != 0;
}
