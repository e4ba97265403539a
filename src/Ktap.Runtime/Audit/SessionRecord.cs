using System.Buffers.Binary;
using System.Text;

namespace Ktap.Runtime.Audit;

/// <summary>One program of a session: its kernel id and name, and the probes it is attached to.</summary>
/// <param name="Probes">As a script names them: <c>syscalls:sys_enter_openat</c>, <c>probe:/bin/bash:readline</c>, <c>profile-99</c>.</param>
public sealed record PublishedProgram(uint Id, string Name, IReadOnlyList<string> Probes);

/// <summary>
/// What a running session leaves in the kernel for anyone to read back (doc/auditing.md): the
/// script's exact bytes and who runs it. It is the value of the session's <c>ktap_src</c> map
/// (<see cref="SourceMap"/>), laid out as follows, little-endian, with every string a u32 byte
/// count and that many UTF-8 bytes:
/// <code>
///  0  8  magic "ktapsrc\0"
///  8  4  layout version (1)
/// 12  4  H: header bytes, where the source starts
/// 16  4  S: source bytes
/// 20  4  the ktap process id (in the pid namespace of the process that ran ktap)
/// 24  8  start time, nanoseconds since the Unix epoch
/// 32     ktap's version; the script's path (-e, &lt;stdin&gt;); the argument count (u32) and
///        ktap's arguments; the program count (u32), then per program its id (u32), its name,
///        its probe count (u32) and its probes
///  H  S  the script, byte for byte
/// </code>
/// </summary>
/// <param name="Source">The script as ktap read it: the file's bytes, or <c>-e</c>'s argument in UTF-8.</param>
/// <param name="Arguments">ktap's command line after the program name, as given.</param>
public sealed record SessionRecord(
    string KtapVersion,
    string ScriptPath,
    int ProcessId,
    DateTimeOffset StartTime,
    IReadOnlyList<string> Arguments,
    IReadOnlyList<PublishedProgram> Programs,
    byte[] Source)
{
    /// <summary>The layout this code writes and reads; a reader skips any other.</summary>
    public const uint LayoutVersion = 1;

    private const int FixedSize = 32;

    private static ReadOnlySpan<byte> Magic => "ktapsrc\0"u8;

    public byte[] Encode()
    {
        var header = new List<byte>(FixedSize + 256);
        header.AddRange(new byte[FixedSize]);
        AddString(header, KtapVersion);
        AddString(header, ScriptPath);
        AddCount(header, Arguments.Count);
        foreach (var argument in Arguments)
        {
            AddString(header, argument);
        }

        AddCount(header, Programs.Count);
        foreach (var program in Programs)
        {
            AddCount(header, (int)program.Id);
            AddString(header, program.Name);
            AddCount(header, program.Probes.Count);
            foreach (var probe in program.Probes)
            {
                AddString(header, probe);
            }
        }

        var bytes = new byte[header.Count + Source.Length];
        header.CopyTo(bytes);
        Source.CopyTo(bytes, header.Count);
        var fixedPart = bytes.AsSpan();
        Magic.CopyTo(fixedPart);
        BinaryPrimitives.WriteUInt32LittleEndian(fixedPart[8..], LayoutVersion);
        BinaryPrimitives.WriteInt32LittleEndian(fixedPart[12..], header.Count);
        BinaryPrimitives.WriteInt32LittleEndian(fixedPart[16..], Source.Length);
        BinaryPrimitives.WriteInt32LittleEndian(fixedPart[20..], ProcessId);
        BinaryPrimitives.WriteInt64LittleEndian(fixedPart[24..], (StartTime - DateTimeOffset.UnixEpoch).Ticks * 100);
        return bytes;
    }

    /// <summary>The length a value starting with <paramref name="start"/> (at least 32 bytes) says the record has, or null when it is not a record.</summary>
    public static int? EncodedLength(ReadOnlySpan<byte> start)
    {
        if (start.Length < FixedSize || !start.StartsWith(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(start[8..]) != LayoutVersion)
        {
            return null;
        }

        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(start[12..]);
        var sourceLength = BinaryPrimitives.ReadInt32LittleEndian(start[16..]);
        return headerLength >= FixedSize && sourceLength >= 0 && (long)headerLength + sourceLength <= int.MaxValue
            ? headerLength + sourceLength
            : null;
    }

    /// <summary>
    /// The record in <paramref name="bytes"/>, or null when they are not one: a foreign map may
    /// carry the same name, so every length is checked against what is there, and the strings
    /// must end exactly where the header says the source begins.
    /// </summary>
    public static SessionRecord? Decode(ReadOnlySpan<byte> bytes)
    {
        if (EncodedLength(bytes) is not { } length || length > bytes.Length)
        {
            return null;
        }

        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        var reader = new Reader(bytes[FixedSize..headerLength]);
        var version = reader.String();
        var path = reader.String();
        var arguments = reader.Strings();
        var programCount = reader.Count();
        if (programCount < 0)
        {
            return null;
        }

        var programs = new List<PublishedProgram>();
        for (var i = 0; i < programCount && reader.Ok; i++)
        {
            var id = (uint)reader.Count();
            var name = reader.String();
            programs.Add(new PublishedProgram(id, name, reader.Strings()));
        }

        if (!reader.Ok || !reader.AtEnd)
        {
            return null;
        }

        var nanoseconds = BinaryPrimitives.ReadInt64LittleEndian(bytes[24..]);
        return new SessionRecord(
            version,
            path,
            BinaryPrimitives.ReadInt32LittleEndian(bytes[20..]),
            DateTimeOffset.UnixEpoch.AddTicks(Math.Clamp(nanoseconds / 100, 0, DateTimeOffset.MaxValue.Ticks - DateTimeOffset.UnixEpoch.Ticks)),
            arguments,
            programs,
            bytes[headerLength..length].ToArray());
    }

    private static void AddCount(List<byte> bytes, int count)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(word, count);
        bytes.AddRange(word);
    }

    private static void AddString(List<byte> bytes, string text)
    {
        var encoded = Encoding.UTF8.GetBytes(text);
        AddCount(bytes, encoded.Length);
        bytes.AddRange(encoded);
    }

    /// <summary>Reads the header's strings and counts; any read past the end turns <see cref="Ok"/> off for good.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private ReadOnlySpan<byte> rest = bytes;

        public bool Ok { get; private set; } = true;

        public readonly bool AtEnd => rest.IsEmpty;

        public int Count()
        {
            if (rest.Length < 4)
            {
                Ok = false;
                return 0;
            }

            var value = BinaryPrimitives.ReadInt32LittleEndian(rest);
            rest = rest[4..];
            return value;
        }

        public string String()
        {
            var length = Count();
            if (length < 0 || length > rest.Length)
            {
                Ok = false;
                return string.Empty;
            }

            var text = Encoding.UTF8.GetString(rest[..length]);
            rest = rest[length..];
            return text;
        }

        public List<string> Strings()
        {
            var count = Count();
            var strings = new List<string>();

            // Each string takes 4 bytes at least: a count larger than that cannot be right.
            if (count < 0 || count > rest.Length / 4)
            {
                Ok = false;
                return strings;
            }

            for (var i = 0; i < count && Ok; i++)
            {
                strings.Add(String());
            }

            return strings;
        }
    }
}
