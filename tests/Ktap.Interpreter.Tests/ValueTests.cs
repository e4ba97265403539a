using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;

namespace Ktap.Interpreter.Tests;

public class ValueTests
{
    private static Value Builtin(string name) => Value.Function(new BuiltinValue(Builtins.Functions[name]));

    private static Value Closure() => Value.Function(new Closure(Script.Bind("var x = 1").Main, []));

    [Fact]
    public void Only_nil_and_false_are_false()
    {
        Assert.False(Value.Nil.IsTruthy);
        Assert.False(default(Value).IsTruthy);
        Assert.False(Value.False.IsTruthy);
        Assert.False(Value.Boolean(false).IsTruthy);

        Assert.True(Value.True.IsTruthy);
        Assert.True(Value.Number(0).IsTruthy);
        Assert.True(Value.Number(-1).IsTruthy);
        Assert.True(Value.String(string.Empty).IsTruthy);
        Assert.True(Value.String("false").IsTruthy);
        Assert.True(Value.Table(new KtapTable()).IsTruthy);
        Assert.True(Builtin("print").IsTruthy);
        Assert.True(Closure().IsTruthy);
    }

    [Fact]
    public void The_default_value_is_nil()
    {
        Assert.True(default(Value).IsNil);
        Assert.Equal(ValueKind.Nil, default(Value).Kind);
        Assert.Equal(Value.Nil, default);
    }

    [Fact]
    public void Strings_are_equal_by_content()
    {
        var a = Value.String("hello");
        var b = Value.String(new string(['h', 'e', 'l', 'l', 'o']));
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(Value.String("hello"), Value.String("Hello"));
        Assert.NotEqual(Value.String(string.Empty), Value.Nil);
    }

    [Fact]
    public void Tables_and_functions_are_equal_by_identity()
    {
        var table = new KtapTable();
        Assert.Equal(Value.Table(table), Value.Table(table));
        Assert.NotEqual(Value.Table(new KtapTable()), Value.Table(new KtapTable()));

        var print = new BuiltinValue(Builtins.Functions["print"]);
        Assert.Equal(Value.Function(print), Value.Function(print));
        Assert.NotEqual(Value.Function(print), Value.Function(new BuiltinValue(Builtins.Functions["print"])));
    }

    [Fact]
    public void Values_of_different_kinds_are_never_equal()
    {
        Assert.NotEqual(Value.Number(1), Value.String("1"));
        Assert.NotEqual(Value.Number(1), Value.True);
        Assert.NotEqual(Value.Number(0), Value.False);
        Assert.NotEqual(Value.Number(0), Value.Nil);
        Assert.NotEqual(Value.False, Value.Nil);
        Assert.NotEqual(Value.String("nil"), Value.Nil);
        Assert.NotEqual(Value.String("true"), Value.True);
    }

    [Fact]
    public void Numbers_and_booleans_are_equal_by_value()
    {
        Assert.Equal(Value.Number(long.MinValue), Value.Number(long.MinValue));
        Assert.NotEqual(Value.Number(1), Value.Number(2));
        Assert.Equal(Value.True, Value.Boolean(true));
        Assert.Equal(Value.False, Value.Boolean(false));
        Assert.NotEqual(Value.True, Value.False);
        Assert.Equal(Value.Nil, Value.Nil);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(42L, "42")]
    [InlineData(-42L, "-42")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    public void Numbers_print_in_decimal(long number, string expected) =>
        Assert.Equal(expected, Value.Number(number).ToString());

    [Fact]
    public void Other_values_print_as_print_shows_them()
    {
        Assert.Equal("nil", Value.Nil.ToString());
        Assert.Equal("true", Value.True.ToString());
        Assert.Equal("false", Value.False.ToString());
        Assert.Equal("a\tb\u00ff", Value.String("a\tb\u00ff").ToString());
        Assert.Equal(string.Empty, Value.String(string.Empty).ToString());

        var table = new KtapTable();
        Assert.Equal($"table: 0x{table.Id:x8}", Value.Table(table).ToString());
        Assert.Matches("^table: 0x[0-9a-f]{8}$", Value.Table(table).ToString());

        var closure = Closure();
        Assert.Equal($"function: 0x{closure.AsFunction.Id:x8}", closure.ToString());
        Assert.Equal("builtin: print", Builtin("print").ToString());
    }

    [Fact]
    public void Tables_print_with_distinct_ids()
    {
        Assert.NotEqual(Value.Table(new KtapTable()).ToString(), Value.Table(new KtapTable()).ToString());
    }

    [Fact]
    public void Type_names_are_the_ones_error_messages_use()
    {
        Assert.Equal("nil", Value.Nil.TypeName);
        Assert.Equal("boolean", Value.True.TypeName);
        Assert.Equal("number", Value.Number(1).TypeName);
        Assert.Equal("string", Value.String("x").TypeName);
        Assert.Equal("table", Value.Table(new KtapTable()).TypeName);
        Assert.Equal("function", Builtin("print").TypeName);
        Assert.Equal("function", Closure().TypeName);
    }

    [Fact]
    public void Accessors_return_what_was_stored()
    {
        Assert.Equal(long.MinValue, Value.Number(long.MinValue).AsNumber);
        Assert.Equal("s", Value.String("s").AsString);
        Assert.True(Value.True.AsBoolean);
        Assert.False(Value.False.AsBoolean);
        var table = new KtapTable();
        Assert.Same(table, Value.Table(table).AsTable);
    }
}
