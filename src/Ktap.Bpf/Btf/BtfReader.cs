using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Ktap.Bpf.Btf;

/// <summary>
/// A parsed BTF blob: the kernel's own types (<see cref="Vmlinux"/>, read from
/// <c>/sys/kernel/btf/vmlinux</c> the first time it is asked for), a module's (split BTF on top
/// of vmlinux) or any other. Loading reads the file once and records where each type starts;
/// type records are made only when asked for, and the name index only at the first lookup by name.
/// Safe to share between threads.
/// </summary>
public sealed unsafe class BtfReader
{
    public const string VmlinuxPath = "/sys/kernel/btf/vmlinux";

    /// <summary>The kernel follows typedef and qualifier chains at most this deep (MAX_RESOLVE_DEPTH in kernel/bpf/btf.c).</summary>
    private const int MaxResolveDepth = 32;

    private static readonly Lazy<BtfReader> VmlinuxBtf = new(LoadVmlinux);

    /// <summary>The blob: an array, or for <see cref="Vmlinux"/> where the kernel allows it, a read-only mapping of the file.</summary>
    private readonly byte[]? array;
    private readonly byte* mapped;
    private readonly int length;
    private readonly int stringStart;
    private readonly int stringLength;

    /// <summary>The first string offset of this blob: 0, or for split BTF the base's string section length.</summary>
    private readonly int stringBase;

    /// <summary>Where each type's record starts in the blob: type <c>FirstId + i</c> at <c>offsets[i]</c>.</summary>
    private readonly int[] offsets;
    private readonly int typeCount;
    private BtfNameIndex? names;

    private BtfReader(byte[]? array, byte* mapped, int length, BtfReader? baseBtf)
    {
        this.array = array;
        this.mapped = mapped;
        this.length = length;
        var data = Data;
        Base = baseBtf;
        FirstId = baseBtf is null ? 1 : baseBtf.LastId + 1;
        stringBase = baseBtf is null ? 0 : baseBtf.stringBase + baseBtf.stringLength;

        if (data.Length < BtfFormat.HeaderSize)
        {
            throw new InvalidDataException($"BTF blob of {data.Length} bytes is shorter than its header");
        }

        var magic = BinaryPrimitives.ReadUInt16LittleEndian(data);
        if (magic != BtfFormat.Magic)
        {
            throw new InvalidDataException(magic == BinaryPrimitives.ReverseEndianness(BtfFormat.Magic)
                ? "BTF of the other byte order: ktap reads little-endian BTF only"
                : $"not BTF: magic 0x{magic:x4}, expected 0x{BtfFormat.Magic:x4}");
        }

        if (data[2] != BtfFormat.Version)
        {
            throw new InvalidDataException($"BTF version {data[2]}; ktap reads version {BtfFormat.Version}");
        }

        // Section offsets count from the end of the header, whose length the header gives (a
        // newer kernel may append fields; the ones we read stay where they are).
        var headerLength = (uint)U32(4);
        var typeOffset = (uint)U32(8);
        var typeLength = (uint)U32(12);
        var stringOffset = (uint)U32(16);
        var stringSize = (uint)U32(20);
        if (headerLength < BtfFormat.HeaderSize || headerLength > data.Length
            || (long)typeOffset + typeLength > data.Length - headerLength
            || (long)stringOffset + stringSize > data.Length - headerLength
            || typeOffset % 4 != 0)
        {
            throw new InvalidDataException("BTF header describes sections outside the blob");
        }

        // Like the kernel (btf_parse_str_sec): strings end in NUL, and offset 0 is the empty
        // name, except in split BTF, whose offsets start where its base's end.
        var strings = data.Slice((int)(headerLength + stringOffset), (int)stringSize);
        if (baseBtf is null ? strings.IsEmpty || strings[0] != 0 || strings[^1] != 0 : !strings.IsEmpty && strings[^1] != 0)
        {
            throw new InvalidDataException("BTF string section is empty, or does not start or end in NUL");
        }

        stringLength = (int)stringSize;
        stringStart = (int)(headerLength + stringOffset);
        offsets = IndexTypes((int)(headerLength + typeOffset), (int)typeLength, out typeCount);
    }

    /// <summary>The running kernel's BTF, read on first use. Throws when the kernel has none (CONFIG_DEBUG_INFO_BTF=n).</summary>
    public static BtfReader Vmlinux => VmlinuxBtf.Value;

    /// <summary>Whether anything has asked for <see cref="Vmlinux"/> yet (nothing is read before).</summary>
    public static bool IsVmlinuxLoaded => VmlinuxBtf.IsValueCreated;

    /// <summary>The BTF this one extends (split BTF, as a module's), or null.</summary>
    public BtfReader? Base { get; }

    /// <summary>The first type id this blob defines: 1, or for split BTF the one after the base's last.</summary>
    public int FirstId { get; }

    /// <summary>The highest type id defined (by this blob or its base).</summary>
    public int LastId => FirstId + typeCount - 1;

    /// <summary>Reads a blob held in memory; the reader keeps <paramref name="data"/>, which must not change.</summary>
    public static BtfReader Parse(byte[] data, BtfReader? baseBtf = null) => new(data, null, data.Length, baseBtf);

    public static BtfReader Load(string path, BtfReader? baseBtf = null) => Parse(File.ReadAllBytes(path), baseBtf);

    /// <summary>A kernel module's BTF (<c>/sys/kernel/btf/MODULE</c>), split on top of <see cref="Vmlinux"/>.</summary>
    public static BtfReader LoadModule(string module) => Load(Path.Combine("/sys/kernel/btf", module), Vmlinux);

    /// <summary>The id of the first type (lowest id) with this name and kind, or 0.</summary>
    public int FindTypeId(string name, BtfKind kind)
    {
        var id = Names.Find(name, kind);
        return id != 0 ? id : Base?.FindTypeId(name, kind) ?? 0;
    }

    /// <summary>The ids of every type with this name, of any kind, lowest first (base types first).</summary>
    public IReadOnlyList<int> FindTypeIds(string name)
    {
        var ids = Base is null ? [] : new List<int>(Base.FindTypeIds(name));
        Names.FindAll(name, ids);
        return ids;
    }

    public BtfType? FindType(string name, BtfKind kind) => FindTypeId(name, kind) is var id and not 0 ? GetType(id) : null;

    public BtfStruct? FindStruct(string name) => (BtfStruct?)FindType(name, BtfKind.Struct);

    public BtfStruct? FindUnion(string name) => (BtfStruct?)FindType(name, BtfKind.Union);

    /// <summary>A function (a FUNC, with its prototype), as <c>vfs_read</c>, or null.</summary>
    public BtfFunction? FindFunction(string name) => (BtfFunction?)FindType(name, BtfKind.Function);

    /// <summary>
    /// A member by name, looking through anonymous struct and union members the way C does
    /// (<c>task_struct</c> keeps many fields in anonymous unions); its bit offset is then from
    /// the start of <paramref name="type"/>. Null when there is none.
    /// </summary>
    public BtfMember? FindMember(BtfStruct type, string name)
    {
        foreach (var member in type.Members)
        {
            if (member.Name == name)
            {
                return member;
            }
        }

        foreach (var member in type.Members)
        {
            if (member.Name.Length == 0 && Resolve(member.TypeId) is BtfStruct inner && FindMember(inner, name) is { } found)
            {
                return found with { BitOffset = member.BitOffset + found.BitOffset };
            }
        }

        return null;
    }

    /// <summary>The type with this id; id 0 is <see cref="BtfVoid"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such id.</exception>
    public BtfType GetType(int id)
    {
        if (id < FirstId)
        {
            return id == 0 ? BtfVoid.Instance : Base?.GetType(id) ?? throw NoSuchType(id);
        }

        var position = Position(id);
        var name = GetString(U32(position));
        var info = (uint)U32(position + 4);
        var sizeOrType = U32(position + 8);
        var vlen = BtfFormat.VLen(info);
        var flag = BtfFormat.KindFlag(info);
        var trailer = position + BtfFormat.TypeSize;
        var kind = BtfFormat.Kind(info);
        switch (kind)
        {
            case BtfKind.Int:
                var encoding = U32(trailer);
                return new BtfInt(id, name, sizeOrType, (BtfIntEncoding)((encoding >> 24) & 0x0f), (encoding >> 16) & 0xff, encoding & 0xff);
            case BtfKind.Pointer:
                return new BtfPointer(id, sizeOrType);
            case BtfKind.Array:
                return new BtfArray(id, U32(trailer), U32(trailer + 4), U32(trailer + 8));
            case BtfKind.Struct or BtfKind.Union:
                return new BtfStruct(id, name, kind == BtfKind.Union, sizeOrType, ReadMembers(trailer, vlen, flag));
            case BtfKind.Enum or BtfKind.Enum64:
                return new BtfEnum(id, name, sizeOrType, flag, kind == BtfKind.Enum64, ReadEnumValues(trailer, vlen, flag, kind == BtfKind.Enum64));
            case BtfKind.Forward:
                return new BtfForward(id, name, flag);
            case BtfKind.Typedef:
                return new BtfTypedef(id, name, sizeOrType);
            case BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag:
                return new BtfQualifier(id, kind, name, sizeOrType);
            case BtfKind.Function:
                return new BtfFunction(id, name, (BtfLinkage)vlen, GetType(sizeOrType) as BtfFunctionProto
                    ?? throw new InvalidDataException($"BTF function {id} '{name}' refers to type {sizeOrType}, which is not a FUNC_PROTO"));
            case BtfKind.FunctionProto:
                return ReadPrototype(id, sizeOrType, trailer, vlen);
            case BtfKind.Variable:
                return new BtfVariable(id, name, sizeOrType, (BtfLinkage)U32(trailer));
            case BtfKind.DataSection:
                var variables = new BtfSectionVariable[vlen];
                for (var i = 0; i < vlen; i++)
                {
                    var entry = trailer + (12 * i);
                    variables[i] = new BtfSectionVariable(U32(entry), U32(entry + 4), U32(entry + 8));
                }

                return new BtfDataSection(id, name, sizeOrType, variables);
            case BtfKind.Float:
                return new BtfFloat(id, name, sizeOrType);
            case BtfKind.DeclTag:
                return new BtfDeclTag(id, name, sizeOrType, U32(trailer));
            default:
                throw new InvalidDataException($"BTF type {id} has kind {(int)kind}");
        }
    }

    /// <summary>The kind of a type, without making its record.</summary>
    public BtfKind KindOf(int id) =>
        id < FirstId
            ? id == 0 ? BtfKind.Void : Base?.KindOf(id) ?? throw NoSuchType(id)
            : BtfFormat.Kind((uint)U32(Position(id) + 4));

    /// <summary>The name of a type, without making its record ("" for anonymous types and void).</summary>
    public string NameOf(int id) =>
        id < FirstId
            ? id == 0 ? string.Empty : Base?.NameOf(id) ?? throw NoSuchType(id)
            : GetString(U32(Position(id)));

    /// <summary>The id under typedefs, const, volatile, restrict and type tags.</summary>
    public int ResolveId(int id)
    {
        for (var depth = 0; depth <= MaxResolveDepth; depth++)
        {
            if (KindOf(id) is not (BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag))
            {
                return id;
            }

            id = Referenced(id);
        }

        throw new InvalidDataException($"BTF type chain deeper than {MaxResolveDepth} (a loop?) at type {id}");
    }

    /// <summary>The type under typedefs and qualifiers (<see cref="ResolveId"/>).</summary>
    public BtfType Resolve(int id) => GetType(ResolveId(id));

    /// <summary>The size in bytes of a value of this type.</summary>
    /// <exception cref="InvalidOperationException">void, a function or a forward declaration: no size.</exception>
    public int SizeOf(int id)
    {
        var resolved = ResolveId(id);
        switch (KindOf(resolved))
        {
            case BtfKind.Int or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Struct or BtfKind.Union or BtfKind.Float or BtfKind.DataSection:
                return Referenced(resolved);
            case BtfKind.Pointer:
                // BTF does not record pointer width; ktap runs on 64-bit kernels only.
                return 8;
            case BtfKind.Array:
                var array = (BtfArray)GetType(resolved);
                return checked(SizeOf(array.ElementId) * array.Length);
            default:
                throw new InvalidOperationException($"type {id} ({Describe(id)}) has no size");
        }
    }

    /// <summary>The type as C would write it, without a declarator name: <c>struct file *</c>, <c>ssize_t (struct file *file, ...)</c>.</summary>
    public string Describe(int id) => BtfDescriber.Describe(this, id);

    /// <summary>A string from the string section (names, or line_info file and line strings).</summary>
    public string GetString(int offset) => Encoding.UTF8.GetString(NameBytes(offset));

    internal BtfNameIndex Names => LazyInitializer.EnsureInitialized(ref names, () => new BtfNameIndex(this));

    /// <summary>Types defined by this blob, not counting its base's.</summary>
    internal int LocalCount => typeCount;

    /// <summary>Where each local type's record starts in <see cref="Data"/> (the first <see cref="LocalCount"/> entries count).</summary>
    internal ReadOnlySpan<int> LocalOffsets => offsets.AsSpan(0, typeCount);

    internal ReadOnlySpan<byte> Data => array is not null ? array : new ReadOnlySpan<byte>(mapped, length);

    /// <summary>This blob's own string section; string offsets below <see cref="StringBase"/> are the base's.</summary>
    internal ReadOnlySpan<byte> LocalStrings => Data.Slice(stringStart, stringLength);

    internal int StringBase => stringBase;

    internal int LocalNameOffset(int local) => U32(offsets[local]);

    internal BtfKind LocalKind(int local) => BtfFormat.Kind((uint)U32(offsets[local] + 4));

    internal ReadOnlySpan<byte> NameBytes(int offset)
    {
        if (offset < stringBase)
        {
            return Base!.NameBytes(offset);
        }

        var local = offset - stringBase;
        if ((uint)local >= (uint)stringLength)
        {
            throw new InvalidDataException($"BTF string offset {offset} is outside the string section");
        }

        var rest = Data.Slice(stringStart + local, stringLength - local);
        var end = rest.IndexOf((byte)0);
        return end < 0 ? rest : rest[..end];
    }

    /// <summary>The size-or-type word of a type: its size, or the type it refers to.</summary>
    private int Referenced(int id) => id < FirstId ? Base!.Referenced(id) : U32(Position(id) + 8);

    private int Position(int id)
    {
        var local = id - FirstId;
        return (uint)local < (uint)typeCount ? offsets[local] : throw NoSuchType(id);
    }

    private ArgumentOutOfRangeException NoSuchType(int id) =>
        new(nameof(id), id, $"no BTF type {id}: ids run from 1 to {LastId}");

    /// <summary>One pass over the type section to find where each record starts (their lengths vary by kind).</summary>
    /// <remarks>Optimized at once: it runs once per process, so tiered JIT would leave it unoptimized.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int[] IndexTypes(int start, int sectionLength, out int count)
    {
        var data = Data;
        var end = start + sectionLength;
        var starts = new int[Math.Max(16, sectionLength / 16)];
        count = 0;
        for (var position = start; position < end;)
        {
            if (end - position < BtfFormat.TypeSize)
            {
                throw BadRecord(FirstId + count, "is cut off by the end of the type section");
            }

            var info = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(position + 4, 4));
            var trailer = BtfFormat.TrailerSize(BtfFormat.Kind(info), BtfFormat.VLen(info));
            if (trailer < 0)
            {
                throw BadRecord(FirstId + count, $"has kind {(int)BtfFormat.Kind(info)}, which ktap does not know");
            }

            if (count == starts.Length)
            {
                Array.Resize(ref starts, count * 2);
            }

            starts[count++] = position;
            position += BtfFormat.TypeSize + trailer;
            if (position > end)
            {
                throw BadRecord(FirstId + count - 1, "is cut off by the end of the type section");
            }
        }

        return starts;
    }

    /// <summary>Out of line, to keep the message formatting out of the optimized loop above.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static InvalidDataException BadRecord(int id, string problem) => new($"BTF type {id} {problem}");

    private BtfMember[] ReadMembers(int position, int count, bool kindFlag)
    {
        var members = new BtfMember[count];
        for (var i = 0; i < count; i++)
        {
            var entry = position + (12 * i);
            var name = GetString(U32(entry));
            var type = U32(entry + 4);
            var offset = (uint)U32(entry + 8);
            if (kindFlag)
            {
                // Kind flag set: offset holds the bitfield size in its top 8 bits, the bit offset below.
                members[i] = new BtfMember(name, type, (int)(offset & 0xffffff), (int)(offset >> 24));
            }
            else if (KindOf(type) == BtfKind.Int && GetType(type) is BtfInt { } integer
                && (integer.BitOffset != 0 || integer.Bits != integer.Size * 8))
            {
                // Kind flag clear (BTF before kernel 5.0): a bitfield's width and extra offset live in its INT.
                members[i] = new BtfMember(name, type, (int)offset + integer.BitOffset, integer.Bits);
            }
            else
            {
                members[i] = new BtfMember(name, type, (int)offset, 0);
            }
        }

        return members;
    }

    private BtfEnumValue[] ReadEnumValues(int position, int count, bool signed, bool is64)
    {
        var values = new BtfEnumValue[count];
        var stride = is64 ? 12 : 8;
        for (var i = 0; i < count; i++)
        {
            var entry = position + (stride * i);
            var low = (uint)U32(entry + 4);
            var value = is64
                ? (long)(((ulong)(uint)U32(entry + 8) << 32) | low)
                : signed ? (int)low : (long)low;
            values[i] = new BtfEnumValue(GetString(U32(entry)), value);
        }

        return values;
    }

    private BtfFunctionProto ReadPrototype(int id, int returnType, int position, int count)
    {
        // A last parameter with neither name nor type is C's "...".
        var variadic = count > 0 && U32(position + (8 * (count - 1))) == 0 && U32(position + (8 * (count - 1)) + 4) == 0;
        var parameters = new BtfParameter[variadic ? count - 1 : count];
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] = new BtfParameter(GetString(U32(position + (8 * i))), U32(position + (8 * i) + 4));
        }

        return new BtfFunctionProto(id, returnType, parameters, variadic);
    }

    private int U32(int position) => (int)BinaryPrimitives.ReadUInt32LittleEndian(Data.Slice(position, 4));

    private static BtfReader LoadVmlinux()
    {
        try
        {
            return Map(VmlinuxPath) ?? Load(VmlinuxPath);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException(
                $"{VmlinuxPath} is missing: this kernel was built without BTF (CONFIG_DEBUG_INFO_BTF=y is needed)", VmlinuxPath, e);
        }
    }

    /// <summary>
    /// Maps the file read-only instead of copying it: kernel 6.16 lets /sys/kernel/btf/vmlinux be
    /// mapped (MAP_PRIVATE and PROT_READ only; anything writable or shared is EACCES), which
    /// saves copying 5 MB in 4 KB reads. Null where the kernel refuses, to read it instead. The
    /// mapping is never undone: it is only made for <see cref="Vmlinux"/>, which lives as long
    /// as the process.
    /// </summary>
    private static BtfReader? Map(string path)
    {
        const int protRead = 1;
        const int mapPrivate = 2;
        using var file = File.OpenHandle(path);
        var size = RandomAccess.GetLength(file);
        if (size is < BtfFormat.HeaderSize or > int.MaxValue)
        {
            return null;
        }

        var address = Sys.Libc.Mmap(0, (nuint)size, protRead, mapPrivate, (int)file.DangerousGetHandle(), 0);
        return address is 0 or -1 ? null : new BtfReader(null, (byte*)address, (int)size, null);
    }
}
