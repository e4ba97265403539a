using System.Buffers.Binary;
using System.Text;
using Ktap.Compiler.Filters;

namespace Ktap.Runtime.Tests.Filters;

/// <summary>
/// What a filter means, computed in C# from the context bytes: the kernel's semantics (as
/// kernel/trace/trace_events_filter.c defines them) for integers, and string tests on the
/// string up to its NUL.
/// </summary>
internal sealed class FilterReference(byte[] context, Func<ulong, string> userString, string comm)
{
    public bool Evaluate(FilterExpression expression) => expression switch
    {
        FilterNot not => !Evaluate(not.Operand),
        FilterAnd both => Evaluate(both.Left) && Evaluate(both.Right),
        FilterOr either => Evaluate(either.Left) || Evaluate(either.Right),
        IntegerPredicate predicate => Integer(predicate),
        StringPredicate predicate => Matches(StringOf(predicate.Subject), predicate.Match, predicate.Pattern),
        _ => throw new ArgumentException(expression.ToString()),
    };

    private bool Integer(IntegerPredicate predicate)
    {
        var subject = predicate.Subject;
        var bits = subject.Size * 8;
        var mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        var raw = Read(subject.Offset, subject.Size);
        var constant = (ulong)predicate.Value;
        var signedField = bits == 64 ? (long)raw : (long)(raw << (64 - bits)) >> (64 - bits);
        return predicate.Operator switch
        {
            IntegerOperator.Equal => raw == (constant & mask),
            IntegerOperator.NotEqual => raw != (constant & mask),
            IntegerOperator.BitAnd => (raw & constant & mask) != 0,
            _ when subject.IsSigned => Order(signedField.CompareTo(predicate.Value), predicate.Operator),
            _ => Order(raw.CompareTo(constant), predicate.Operator),
        };
    }

    private static bool Order(int comparison, IntegerOperator operation) => operation switch
    {
        IntegerOperator.Less => comparison < 0,
        IntegerOperator.LessOrEqual => comparison <= 0,
        IntegerOperator.Greater => comparison > 0,
        _ => comparison >= 0,
    };

    private static bool Matches(string value, StringMatch match, string pattern) => match switch
    {
        StringMatch.Exact => value == pattern,
        StringMatch.Prefix => value.StartsWith(pattern, StringComparison.Ordinal),
        StringMatch.Suffix => value.EndsWith(pattern, StringComparison.Ordinal),
        _ => value.Contains(pattern, StringComparison.Ordinal),
    };

    private string StringOf(FilterSubject subject) => subject.Kind switch
    {
        SubjectKind.CharArray => UpToNul(context.AsSpan(subject.Offset, subject.Size)),
        SubjectKind.DataLocString => UpToNul(context.AsSpan((int)(Read(subject.Offset, 4) & 0xffff))),
        SubjectKind.UserString => userString(Read(subject.Offset, 8)),
        SubjectKind.Comm => comm,
        _ => throw new ArgumentException(subject.ToString()),
    };

    private ulong Read(int offset, int size) => size switch
    {
        1 => context[offset],
        2 => BinaryPrimitives.ReadUInt16LittleEndian(context.AsSpan(offset)),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(context.AsSpan(offset)),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(context.AsSpan(offset)),
    };

    public static string UpToNul(ReadOnlySpan<byte> bytes)
    {
        var nul = bytes.IndexOf((byte)0);
        return Encoding.Latin1.GetString(nul < 0 ? bytes : bytes[..nul]);
    }
}
