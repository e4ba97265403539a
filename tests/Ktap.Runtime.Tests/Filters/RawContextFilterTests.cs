using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Ktap.Bpf.Programs;
using Ktap.Compiler.Events;
using Ktap.Compiler.Filters;

namespace Ktap.Runtime.Tests.Filters;

/// <summary>
/// Filters run with BPF_PROG_TEST_RUN on a raw tracepoint program, whose context is whatever
/// bytes the test passes (96 of them: 12 u64 arguments). A made-up target lays fields of every
/// kind over those bytes, so every code path of the emitter runs in the kernel, checked against
/// <see cref="FilterReference"/> on thousands of random filters and contexts.
/// </summary>
public sealed unsafe class RawContextFilterTests
{
    private const int ContextSize = 96;
    private const int StringStart = 64;
    private const string ThreadName = "abba";

    private static readonly ProbeTarget Target = new(
        "raw_sample",
        ContextKind.RawTracepoint,
        [],
        [
            new("ub", 0, 1, FieldKind.Unsigned),
            new("sb", 1, 1, FieldKind.Signed),
            new("uh", 2, 2, FieldKind.Unsigned),
            new("sh", 4, 2, FieldKind.Signed),
            new("uw", 8, 4, FieldKind.Unsigned),
            new("sw", 12, 4, FieldKind.Signed),
            new("ud", 16, 8, FieldKind.Unsigned),
            new("sd", 24, 8, FieldKind.Signed),
            new("carr", 32, 16, FieldKind.CharArray),
            new("dloc", 48, 4, FieldKind.DataLocString),
            new("ustr", 56, 8, FieldKind.Unsigned),

            // Not aligned to their size: read through the stack.
            new("mw", 5, 4, FieldKind.Unsigned),
            new("mh", 9, 2, FieldKind.Signed),
            new("md", 13, 8, FieldKind.Signed),
        ]);

    private static readonly string[] IntegerFields = ["ub", "sb", "uh", "sh", "uw", "sw", "ud", "sd", "mw", "mh", "md"];
    private static readonly string[] StringFields = ["carr", "dloc", "ustr.ustring", "comm"];
    private static readonly string[] Operators = ["==", "!=", "<", "<=", ">", ">=", "&"];
    private static readonly string[] Words = ["", "a", "b", "ab", "ba", "bb", "aab", "abba", "babab", "abbaabba"];

    [KernelFact]
    public void RandomFiltersAgreeWithTheReference() => OnNamedThread(() =>
    {
        var random = new Random(20261126);
        var user = (byte*)NativeMemory.AllocZeroed(64);
        var passed = 0;
        try
        {
            for (var round = 0; round < 300; round++)
            {
                var text = RandomFilter(random, depth: 3);
                var filter = FilterParser.Parse(text, 0, Target);
                using var program = Load(filter, text);
                for (var run = 0; run < 24; run++)
                {
                    var context = RandomContext(random, user);
                    var expected = new FilterReference(context, p => UserString(user, p), ThreadName).Evaluate(filter);
                    var actual = program.TestRun(context);
                    passed += (int)actual;
                    Assert.True(
                        actual == (expected ? 1u : 0u),
                        $"filter {text} gave {actual} on {Convert.ToHexString(context)} (user string \"{UserString(user, (ulong)user)}\")");
                }
            }
        }
        finally
        {
            NativeMemory.Free(user);
        }

        // Both answers are common, or the comparison would prove little.
        Assert.InRange(passed, 300 * 24 / 5, 300 * 24 * 4 / 5);
    });

    [KernelTheory]
    [InlineData("cpu == 1", 1)]
    [InlineData("CPU == 0", 0)]
    [InlineData("cpu >= 1 && cpu < 2", 1)]
    [InlineData("cpu < 0", 0)]
    public void CpuIsWhereTheEventHappens(string text, uint expected)
    {
        // BPF_F_TEST_RUN_ON_CPU (1) runs the program on the CPU asked for.
        using var program = Load(FilterParser.Parse(text, 0, Target), text);
        Assert.Equal(expected, program.TestRun(new byte[ContextSize], flags: 1, cpu: 1));
    }

    [KernelTheory]
    [InlineData("carr ~ \"abcdefghijklmnopq*\"")]
    [InlineData("comm ~ \"abcdefghijklmnopq*\"")]
    [InlineData("carr ~ \"*\" && carr ~ \"abcdefghijklmnopq*\"")]
    public void AFilterThatIsAlwaysFalseStillLoads(string text)
    {
        using var program = Load(FilterParser.Parse(text, 0, Target), text);
        Assert.Equal(0u, program.TestRun(new byte[ContextSize]));
    }

    [KernelTheory]
    [InlineData("carr ~ \"*\"")]
    [InlineData("comm ~ \"**\" || ub == 1")]
    [InlineData("!(dloc ~ \"abcdefghijklmnopq*\" && ub == 1)")]
    public void AFilterThatIsAlwaysTrueStillLoads(string text)
    {
        using var program = Load(FilterParser.Parse(text, 0, Target), text);
        Assert.Equal(1u, program.TestRun(new byte[ContextSize]));
    }

    [KernelFact]
    public void LongScansPassTheVerifier()
    {
        // The widest substring test: 254 bytes at each of the 3 positions of a 256-byte copy,
        // and the longest loop: a 1-byte literal tried at 256 positions, both well inside the
        // verifier's limits.
        var longest = new string('a', FilterParser.MaxStringLength);
        foreach (var text in (string[])[$"dloc ~ \"*{longest}*\"", "dloc ~ \"*a*\"", "ustr.ustring ~ \"*b\"", $"ustr.ustring ~ \"*{longest}\""])
        {
            using var program = Load(FilterParser.Parse(text, 0, Target), text);
            Assert.Equal(0u, program.TestRun(new byte[ContextSize]));
        }
    }

    private static BpfProgram Load(FilterExpression filter, string text)
    {
        try
        {
            return FilterPrograms.LoadVerdict(filter);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"filter {text} does not load: {e.Message}", e);
        }
    }

    private static string RandomFilter(Random random, int depth)
    {
        var choice = random.Next(10);
        if (depth == 0 || choice < 4)
        {
            return RandomPredicate(random);
        }

        if (choice < 6)
        {
            return $"!({RandomFilter(random, depth - 1)})";
        }

        var op = choice < 8 ? "&&" : "||";
        return $"({RandomFilter(random, depth - 1)} {op} {RandomFilter(random, depth - 1)})";
    }

    private static string RandomPredicate(Random random)
    {
        if (random.Next(3) == 0)
        {
            var field = StringFields[random.Next(StringFields.Length)];
            var word = Words[random.Next(Words.Length - 1)];
            var glob = random.Next(7) switch
            {
                0 => word + "*",
                1 => "*" + word,
                2 => "*" + word + "*",
                3 => "!" + word + "*",
                4 => "!*" + word,
                _ => word,
            };
            return random.Next(3) switch
            {
                0 => $"{field} == \"{word}\"",
                1 => $"{field} != \"{word}\"",
                _ => $"{field} ~ \"{glob}\"",
            };
        }

        var name = IntegerFields[random.Next(IntegerFields.Length)];
        var size = Target.FindField(name)!.Size;
        var value = Interesting(random, size);
        var literal = random.Next(3) switch
        {
            0 when value >= 0 => "0x" + value.ToString("x", CultureInfo.InvariantCulture),
            1 when value > 0 && value <= int.MaxValue => "0" + Convert.ToString(value, 8),
            _ => value.ToString(CultureInfo.InvariantCulture),
        };
        return $"{name} {Operators[random.Next(Operators.Length)]} {literal}";
    }

    /// <summary>A value that fits <paramref name="size"/> bytes, signed or not, near the edges where comparisons go wrong.</summary>
    private static long Interesting(Random random, int size)
    {
        var bits = size * 8;
        var signedMax = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        var signedMin = -signedMax - 1;
        long[] values = [0, 1, 2, 3, -1, -2, 0x7f, 0x80, signedMax, signedMin, signedMax - 1, signedMin + 1];
        return random.Next(4) == 0 ? random.NextInt64(signedMin, signedMax) : values[random.Next(values.Length)];
    }

    private static byte[] RandomContext(Random random, byte* user)
    {
        var context = new byte[ContextSize];
        foreach (var field in Target.Fields.Where(f => f.Kind is FieldKind.Signed or FieldKind.Unsigned && f.Offset % f.Size == 0))
        {
            var value = Interesting(random, field.Size);
            for (var i = 0; i < field.Size; i++)
            {
                context[field.Offset + i] = (byte)(value >> (8 * i));
            }
        }

        // The char array: a word, its NUL and junk, or sometimes 16 letters and no NUL at all.
        var array = random.Next(8) == 0 ? "abbaabbaabbaabba" : Words[random.Next(Words.Length)];
        WriteJunkAfter(random, context.AsSpan(32, 16), array);

        // The __data_loc string at the end of the record, its length counting the NUL.
        var dynamic = Words[random.Next(Words.Length)];
        WriteJunkAfter(random, context.AsSpan(StringStart), dynamic);
        BinaryPrimitives.WriteUInt32LittleEndian(context.AsSpan(48), (uint)(StringStart | ((dynamic.Length + 1) << 16)));

        // The user string, or a NULL pointer, which reads as "".
        WriteJunkAfter(random, new Span<byte>(user, 64), Words[random.Next(Words.Length)]);
        BinaryPrimitives.WriteUInt64LittleEndian(context.AsSpan(56), random.Next(10) == 0 ? 0 : (ulong)user);
        return context;
    }

    /// <summary>Writes the string, a NUL if it fits, then letters, so a test that reads past the NUL would match them.</summary>
    private static void WriteJunkAfter(Random random, Span<byte> area, string value)
    {
        for (var i = 0; i < area.Length; i++)
        {
            area[i] = i < value.Length ? (byte)value[i] : i == value.Length ? (byte)0 : (byte)"ab"[random.Next(2)];
        }
    }

    private static string UserString(byte* user, ulong pointer) =>
        pointer == (ulong)user ? FilterReference.UpToNul(new ReadOnlySpan<byte>(user, 64)) : "";

    /// <summary>Runs on a thread named <see cref="ThreadName"/>: its comm, which the filters' <c>comm</c> reads.</summary>
    private static void OnNamedThread(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Assert.Equal(ThreadName, File.ReadAllText("/proc/thread-self/comm").TrimEnd('\n'));
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { Name = ThreadName };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new AggregateException(failure);
        }
    }
}
