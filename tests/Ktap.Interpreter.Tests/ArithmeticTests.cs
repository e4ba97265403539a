using System.Numerics;
using CsCheck;
using Ktap.Language.Syntax;

namespace Ktap.Interpreter.Tests;

public class ArithmeticTests
{
    private static long? Apply(BinaryOperator op, long left, long right) => Arithmetic.Apply(op, left, right);

    /// <summary>The low 64 bits of an exact result, as two's-complement hardware gives them.</summary>
    private static long Wrap(BigInteger exact) => (long)(ulong)(exact & ulong.MaxValue);

    [Theory]
    [InlineData(long.MaxValue, 1, long.MinValue)]
    [InlineData(long.MinValue, -1, long.MaxValue)]
    [InlineData(long.MaxValue, long.MaxValue, -2)]
    [InlineData(2, 3, 5)]
    [InlineData(-2, -3, -5)]
    public void Add_wraps_around(long left, long right, long expected) =>
        Assert.Equal(expected, Apply(BinaryOperator.Add, left, right));

    [Theory]
    [InlineData(long.MinValue, 1, long.MaxValue)]
    [InlineData(long.MaxValue, -1, long.MinValue)]
    [InlineData(0, long.MinValue, long.MinValue)]
    [InlineData(5, 7, -2)]
    public void Subtract_wraps_around(long left, long right, long expected) =>
        Assert.Equal(expected, Apply(BinaryOperator.Subtract, left, right));

    [Theory]
    [InlineData(long.MaxValue, 2, -2)]
    [InlineData(long.MinValue, -1, long.MinValue)]
    [InlineData(long.MinValue, 2, 0)]
    [InlineData(0x1_0000_0000, 0x1_0000_0000, 0)]
    [InlineData(-6, 7, -42)]
    public void Multiply_wraps_around(long left, long right, long expected) =>
        Assert.Equal(expected, Apply(BinaryOperator.Multiply, left, right));

    [Theory]
    [InlineData(7, 2, 3, 1)]
    [InlineData(-7, 2, -3, -1)]
    [InlineData(7, -2, -3, 1)]
    [InlineData(-7, -2, 3, -1)]
    [InlineData(6, 3, 2, 0)]
    [InlineData(-6, 3, -2, 0)]
    [InlineData(1, 2, 0, 1)]
    [InlineData(-1, 2, 0, -1)]
    [InlineData(0, -5, 0, 0)]
    [InlineData(long.MinValue, 2, long.MinValue / 2, 0)]
    [InlineData(long.MinValue, 3, -3074457345618258602, -2)]
    [InlineData(long.MaxValue, -3, -3074457345618258602, 1)]
    [InlineData(long.MinValue, long.MaxValue, -1, -1)]
    [InlineData(long.MaxValue, long.MinValue, 0, long.MaxValue)]
    public void Divide_truncates_toward_zero_and_remainder_takes_the_dividends_sign(long left, long right, long quotient, long remainder)
    {
        Assert.Equal(quotient, Apply(BinaryOperator.Divide, left, right));
        Assert.Equal(remainder, Apply(BinaryOperator.Remainder, left, right));
    }

    [Fact]
    public void MinValue_divided_by_minus_one_wraps_to_MinValue_with_remainder_zero()
    {
        Assert.Equal(long.MinValue, Apply(BinaryOperator.Divide, long.MinValue, -1));
        Assert.Equal(0, Apply(BinaryOperator.Remainder, long.MinValue, -1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Division_and_remainder_by_zero_give_null(long left)
    {
        Assert.Null(Apply(BinaryOperator.Divide, left, 0));
        Assert.Null(Apply(BinaryOperator.Remainder, left, 0));
    }

    [Fact]
    public void Every_pair_matches_exact_arithmetic_reduced_to_64_bits()
    {
        // Edge values are drawn often: they are where wrapping and sign rules go wrong.
        var edges = Gen.OneOf(0L, 1L, -1L, 2L, -2L, long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1);
        var operand = Gen.Frequency<long>((3, Gen.Long), (1, edges), (2, Gen.Long[-1000, 1000]));
        Gen.Select(operand, operand).Sample((a, b) =>
        {
            Assert.Equal(Wrap((BigInteger)a + b), Apply(BinaryOperator.Add, a, b));
            Assert.Equal(Wrap((BigInteger)a - b), Apply(BinaryOperator.Subtract, a, b));
            Assert.Equal(Wrap((BigInteger)a * b), Apply(BinaryOperator.Multiply, a, b));
            if (b == 0)
            {
                Assert.Null(Apply(BinaryOperator.Divide, a, b));
                Assert.Null(Apply(BinaryOperator.Remainder, a, b));
                return;
            }

            // BigInteger division truncates toward zero and its remainder has the dividend's sign: C's rules.
            Assert.Equal(Wrap(BigInteger.Divide(a, b)), Apply(BinaryOperator.Divide, a, b));
            Assert.Equal(Wrap(BigInteger.Remainder(a, b)), Apply(BinaryOperator.Remainder, a, b));
        });
    }

    [Theory]
    [InlineData(BinaryOperator.Concatenate)]
    [InlineData(BinaryOperator.Equal)]
    [InlineData(BinaryOperator.Less)]
    [InlineData(BinaryOperator.And)]
    public void A_non_arithmetic_operator_is_refused(BinaryOperator op) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Apply(op, 1, 2));
}
