using System.Globalization;

namespace Ktap.Language.Syntax;

/// <summary>
/// ktap's number literals: 64-bit integers in decimal, hex (<c>0x1f</c>) or C octal (<c>017</c>),
/// read like C's <c>strtoul(s, 0)</c>, so <c>0xffffffffffffffff</c> is -1.
/// </summary>
public static class NumberLiteral
{
    public static bool TryParse(string literal, out long value, out string problem)
    {
        value = 0;
        problem = string.Empty;
        var (digits, radix) = literal switch
        {
            ['0', 'x' or 'X', ..] => (literal[2..], 16),
            ['0', _, ..] => (literal[1..], 8),
            _ => (literal, 10),
        };

        if (digits.Length == 0)
        {
            problem = "no digits after '0x'";
            return false;
        }

        ulong result = 0;
        foreach (var c in digits)
        {
            var digit = DigitValue(c);
            if (digit < 0 || digit >= radix)
            {
                problem = c == '.' || (radix == 10 && c is 'e' or 'E')
                    ? "ktap numbers are 64-bit integers, there are no fractions"
                    : string.Create(CultureInfo.InvariantCulture, $"'{c}' is not a digit in base {radix}");
                return false;
            }

            var next = unchecked((result * (ulong)radix) + (ulong)digit);
            if (result > ulong.MaxValue / (ulong)radix || next < result * (ulong)radix)
            {
                problem = "it does not fit in 64 bits";
                return false;
            }

            result = next;
        }

        value = unchecked((long)result);
        return true;
    }

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
