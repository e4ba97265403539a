using System.Buffers.Binary;
using CsCheck;
using Ktap.Runtime.Audit;

namespace Ktap.Runtime.Tests.Audit;

/// <summary>The ktap_src layout: what a session writes is read back whole, and nothing else is taken for it.</summary>
public sealed class SessionRecordTests
{
    internal static SessionRecord Sample(byte[] source) => new(
        "ktap 0.5.0",
        "/root/naïve.kp",
        4242,
        new DateTimeOffset(2026, 12, 4, 20, 34, 51, 123, TimeSpan.Zero),
        ["-q", "/root/naïve.kp", "a b", ""],
        [new PublishedProgram(10631, "ktap_trace_0", ["syscalls:sys_enter_openat"]), new PublishedProgram(10632, "ktap_trace_1", [])],
        source);

    [Fact]
    public void ARecordReadsBackWhole()
    {
        // Not UTF-8 (0xff), a NUL, and a line without its newline: the source is bytes.
        var source = "# café\n\xff\0trace x:y { }"u8.ToArray();
        var record = Sample(source);
        var decoded = SessionRecord.Decode(record.Encode());
        Assert.NotNull(decoded);
        Assert.Equal(source, decoded.Source);
        Assert.Equal(
            (record.KtapVersion, record.ScriptPath, record.ProcessId, record.StartTime),
            (decoded.KtapVersion, decoded.ScriptPath, decoded.ProcessId, decoded.StartTime));
        Assert.Equal(record.Arguments, decoded.Arguments);
        Assert.Equal(record.Programs.Select(p => (p.Id, p.Name, string.Join('|', p.Probes))), decoded.Programs.Select(p => (p.Id, p.Name, string.Join('|', p.Probes))));
    }

    [Fact]
    public void TheHeaderSaysWhereTheSourceIs()
    {
        var bytes = Sample("print(1)\n"u8.ToArray()).Encode();
        Assert.Equal("ktapsrc\0"u8.ToArray(), bytes[..8]);
        Assert.Equal(SessionRecord.LayoutVersion, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        Assert.Equal(9, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(4242, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(20)));
        Assert.Equal("print(1)\n"u8.ToArray(), bytes[headerLength..]);
        Assert.Equal(bytes.Length, SessionRecord.EncodedLength(bytes));
    }

    [Fact]
    public void EveryTruncationIsRefused()
    {
        var bytes = Sample("trace a:b { }\n"u8.ToArray()).Encode();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Null(SessionRecord.Decode(bytes.AsSpan(0, length)));
        }
    }

    [Fact]
    public void AnotherLayoutVersionOrMagicIsRefused()
    {
        var bytes = Sample([]).Encode();
        var version = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(version.AsSpan(8), SessionRecord.LayoutVersion + 1);
        var magic = (byte[])bytes.Clone();
        magic[0] = (byte)'K';
        Assert.NotNull(SessionRecord.Decode(bytes));
        Assert.Null(SessionRecord.Decode(version));
        Assert.Null(SessionRecord.Decode(magic));
    }

    [Fact]
    public void AHeaderWhoseStringsDoNotEndWhereTheSourceBeginsIsRefused()
    {
        var bytes = Sample("x"u8.ToArray()).Encode();
        var longer = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(longer.AsSpan(12), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)) - 1);
        BinaryPrimitives.WriteInt32LittleEndian(longer.AsSpan(16), 2);
        Assert.Null(SessionRecord.Decode(longer));
    }

    [Fact]
    public void RandomAndMutatedBytesNeverThrow()
    {
        var valid = Sample("trace a:b { n += 1 }\n"u8.ToArray()).Encode();
        Gen.Byte.Array[0, 200].Sample(bytes => SessionRecord.Decode(bytes));
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[0, valid.Length]).Sample((at, value, length) =>
        {
            var mutated = valid[..length];
            if (at < length)
            {
                mutated[at] = value;
            }

            // Either a record that fits in the bytes, or nothing.
            if (SessionRecord.Decode(mutated) is { } record)
            {
                Assert.True(record.Source.Length <= mutated.Length);
            }
        });
    }
}
