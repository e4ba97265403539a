using System.Buffers.Binary;
using Ktap.Bpf.Btf;

namespace Ktap.Bpf.Tests.Btf;

/// <summary>The reader on hand-made blobs: every kind, both bitfield encodings, split BTF, broken input.</summary>
public sealed class BtfReaderTests
{
    /// <summary>INT encoding word: encoding bits 24-27, bit offset 16-23, bit count 0-7.</summary>
    private static uint IntBits(int bits, bool signed = false, int offset = 0) => (signed ? 1u << 24 : 0) | ((uint)offset << 16) | (uint)bits;

    [Fact]
    public void ReadsEveryKind()
    {
        var raw = new RawBtf();
        var u32 = raw.Add(BtfKind.Int, "unsigned int", 0, false, 4, IntBits(32));                     // 1
        var chr = raw.Add(BtfKind.Int, "char", 0, false, 1, IntBits(8, signed: true) | (2u << 24));  // 2
        var ptr = raw.Add(BtfKind.Pointer, string.Empty, 0, false, (uint)chr);                        // 3
        var arr = raw.Add(BtfKind.Array, string.Empty, 0, false, 0, (uint)chr, (uint)u32, 16);       // 4
        var cst = raw.Add(BtfKind.Const, string.Empty, 0, false, (uint)chr);                          // 5
        var vol = raw.Add(BtfKind.Volatile, string.Empty, 0, false, (uint)u32);                       // 6
        var res = raw.Add(BtfKind.Restrict, string.Empty, 0, false, (uint)ptr);                       // 7
        var tdf = raw.Add(BtfKind.Typedef, "u32", 0, false, (uint)vol);                               // 8
        var fwd = raw.Add(BtfKind.Forward, "later", 0, true, 0);                                      // 9
        var enm = raw.Add(BtfKind.Enum, "color", 2, true, 4, raw.S("RED"), unchecked((uint)-1), raw.S("BLUE"), 7); // 10
        var e64 = raw.Add(BtfKind.Enum64, "big", 1, false, 8, raw.S("HUGE"), 0x89abcdef, 0xf0000000);        // 11
        var flt = raw.Add(BtfKind.Float, "double", 0, false, 8);                                      // 12
        var proto = raw.Add(BtfKind.FunctionProto, string.Empty, 3, false, (uint)u32, raw.S("fmt"), (uint)cst, raw.S("n"), (uint)tdf, 0, 0); // 13
        var func = raw.Add(BtfKind.Function, "printk_like", 1, false, (uint)proto);                   // 14
        var tag = raw.Add(BtfKind.TypeTag, "user", 0, false, (uint)chr);                              // 15
        var var = raw.Add(BtfKind.Variable, "counter", 0, false, (uint)u32, 1);                       // 16
        var sec = raw.Add(BtfKind.DataSection, ".data", 1, false, 4, (uint)var, 0, 4);                // 17
        var decl = raw.Add(BtfKind.DeclTag, "kfunc", 0, false, (uint)func, unchecked((uint)-1));      // 18
        var btf = BtfReader.Parse(raw.Build());

        Assert.Equal(18, btf.LastId);
        Assert.Equal(new BtfInt(u32, "unsigned int", 4, BtfIntEncoding.None, 0, 32), btf.GetType(u32));
        Assert.Equal(BtfIntEncoding.Signed | BtfIntEncoding.Char, ((BtfInt)btf.GetType(chr)).Encoding);
        Assert.Equal(new BtfPointer(ptr, chr), btf.GetType(ptr));
        Assert.Equal(new BtfArray(arr, chr, u32, 16), btf.GetType(arr));
        Assert.Equal(new BtfQualifier(cst, BtfKind.Const, string.Empty, chr), btf.GetType(cst));
        Assert.Equal(BtfKind.Volatile, btf.GetType(vol).Kind);
        Assert.Equal(BtfKind.Restrict, btf.GetType(res).Kind);
        Assert.Equal(new BtfTypedef(tdf, "u32", vol), btf.GetType(tdf));
        Assert.Equal(new BtfForward(fwd, "later", true), btf.GetType(fwd));

        var color = (BtfEnum)btf.GetType(enm);
        Assert.True(color.IsSigned);
        Assert.Equal([new BtfEnumValue("RED", -1), new BtfEnumValue("BLUE", 7)], color.Values);
        var big = (BtfEnum)btf.GetType(e64);
        Assert.Equal(BtfKind.Enum64, big.Kind);
        Assert.Equal(0xf000000089abcdefUL, (ulong)big.Values[0].Value);

        Assert.Equal(new BtfFloat(flt, "double", 8), btf.GetType(flt));
        var function = (BtfFunction)btf.GetType(func);
        Assert.Equal(BtfLinkage.Global, function.Linkage);
        Assert.True(function.Prototype.IsVariadic);
        Assert.Equal([new BtfParameter("fmt", cst), new BtfParameter("n", tdf)], function.Prototype.Parameters);
        Assert.Equal("unsigned int printk_like(const char fmt, u32 n, ...)", btf.Describe(func));
        Assert.Equal(new BtfQualifier(tag, BtfKind.TypeTag, "user", chr), btf.GetType(tag));
        Assert.Equal(new BtfVariable(var, "counter", u32, BtfLinkage.Global), btf.GetType(var));
        Assert.Equal([new BtfSectionVariable(var, 0, 4)], ((BtfDataSection)btf.GetType(sec)).Variables);
        Assert.Equal(new BtfDeclTag(decl, "kfunc", func, -1), btf.GetType(decl));

        Assert.Equal("char[16]", btf.Describe(arr));
        Assert.Equal("restrict char *", btf.Describe(res));
        Assert.Equal(16, btf.SizeOf(arr));
        Assert.Equal(4, btf.SizeOf(tdf));
        Assert.Equal(u32, btf.ResolveId(tdf));
        Assert.Equal(8, btf.SizeOf(res));
        Assert.Throws<InvalidOperationException>(() => btf.SizeOf(fwd));
        Assert.Throws<InvalidOperationException>(() => btf.SizeOf(0));
    }

    [Fact]
    public void BitfieldsInBothEncodings()
    {
        var raw = new RawBtf();
        var u32 = raw.Add(BtfKind.Int, "unsigned int", 0, false, 4, IntBits(32));
        var u3 = raw.Add(BtfKind.Int, "unsigned int", 0, false, 4, IntBits(3, offset: 2));
        // Kind flag set: the member offset word is bitfield_size << 24 | bit_offset.
        var modern = raw.Add(BtfKind.Struct, "flags", 3, true, 8,
            raw.S("a"), (uint)u32, 0,
            raw.S("b"), (uint)u32, (5u << 24) | 32,
            raw.S("c"), (uint)u32, (1u << 24) | 37);
        // Kind flag clear (old BTF): the bitfield lives in the INT's own offset and width.
        var legacy = raw.Add(BtfKind.Struct, "old", 2, false, 8, raw.S("x"), (uint)u32, 0, raw.S("y"), (uint)u3, 32);
        var btf = BtfReader.Parse(raw.Build());

        var flags = (BtfStruct)btf.GetType(modern);
        Assert.Equal(
            [new BtfMember("a", u32, 0, 0), new BtfMember("b", u32, 32, 5), new BtfMember("c", u32, 37, 1)],
            flags.Members);
        Assert.Equal(4, flags.Members[1].ByteOffset);
        var old = (BtfStruct)btf.GetType(legacy);
        Assert.Equal([new BtfMember("x", u32, 0, 0), new BtfMember("y", u3, 34, 3)], old.Members);
    }

    [Fact]
    public void MembersOfAnonymousUnionsAreFoundThroughThem()
    {
        var raw = new RawBtf();
        var u64 = raw.Add(BtfKind.Int, "u64", 0, false, 8, IntBits(64));
        var inner = raw.Add(BtfKind.Struct, string.Empty, 2, false, 16, raw.S("lo"), (uint)u64, 0, raw.S("hi"), (uint)u64, 64);
        var union = raw.Add(BtfKind.Union, string.Empty, 2, false, 16, raw.S("whole"), (uint)u64, 0, 0, (uint)inner, 0);
        var outer = raw.Add(BtfKind.Struct, "outer", 2, false, 24, raw.S("head"), (uint)u64, 0, 0, (uint)union, 64);
        var btf = BtfReader.Parse(raw.Build());

        var type = btf.FindStruct("outer")!;
        Assert.Equal(outer, type.Id);
        Assert.Equal(new BtfMember("hi", u64, 128, 0), btf.FindMember(type, "hi"));
        Assert.Equal(new BtfMember("whole", u64, 64, 0), btf.FindMember(type, "whole"));
        Assert.Equal(new BtfMember("head", u64, 0, 0), btf.FindMember(type, "head"));
        Assert.Null(btf.FindMember(type, "missing"));
    }

    [Fact]
    public void LookupsTakeTheKindIntoAccountAndFindTheFirstDefinition()
    {
        var raw = new RawBtf();
        var typedef = raw.Add(BtfKind.Typedef, "thing", 0, false, 0);
        var first = raw.Add(BtfKind.Struct, "thing", 0, false, 0);
        var second = raw.Add(BtfKind.Struct, "thing", 0, false, 8);
        var café = raw.Add(BtfKind.Struct, "café", 0, false, 4);
        var btf = BtfReader.Parse(raw.Build());

        Assert.Equal(first, btf.FindTypeId("thing", BtfKind.Struct));
        Assert.Equal(typedef, btf.FindTypeId("thing", BtfKind.Typedef));
        Assert.Equal(0, btf.FindTypeId("thing", BtfKind.Union));
        Assert.Equal([typedef, first, second], btf.FindTypeIds("thing"));
        Assert.Equal(café, btf.FindStruct("café")!.Id);
        Assert.Null(btf.FindStruct("cafe"));
        Assert.Null(btf.FindStruct(new string('x', 1000)));
    }

    /// <summary>
    /// Names are hashed a word at a time, in place up to their NUL when indexing and from a span
    /// when looking up; every length, and names at the very end of the string section (where
    /// fewer than 8 bytes remain), must hash the same both ways.
    /// </summary>
    [Fact]
    public void NamesOfEveryLengthAreFoundWhereverTheyEnd()
    {
        for (var length = 1; length <= 40; length++)
        {
            var raw = new RawBtf();
            var names = Enumerable.Range(0, 3).Select(n => string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + ((i + n) % 26))))).ToArray();
            var ids = names.Select(name => raw.Add(BtfKind.Struct, name, 0, false, 0)).ToArray();
            var btf = BtfReader.Parse(raw.Build());
            for (var i = 0; i < names.Length; i++)
            {
                Assert.Equal(ids[i], btf.FindTypeId(names[i], BtfKind.Struct));
                Assert.Equal(0, btf.FindTypeId(names[i] + "x", BtfKind.Struct));
                Assert.Equal(0, btf.FindTypeId(names[i][..^1], BtfKind.Struct));
            }
        }
    }

    [Fact]
    public void SplitBtfContinuesItsBasesIdsAndStrings()
    {
        var baseRaw = new RawBtf();
        var u32 = baseRaw.Add(BtfKind.Int, "u32", 0, false, 4, IntBits(32));
        var baseBtf = BtfReader.Parse(baseRaw.Build());

        var split = new RawBtf((uint)baseRaw.StringLength);
        split.Add(BtfKind.Struct, "module_thing", 1, false, 4, split.S("count"), (uint)u32, 0);
        var module = BtfReader.Parse(split.Build(), baseBtf);

        Assert.Equal(2, module.FirstId);
        var thing = module.FindStruct("module_thing")!;
        Assert.Equal(2, thing.Id);
        Assert.Equal("u32", module.Describe(thing.Members[0].TypeId));
        Assert.Equal(u32, module.FindTypeId("u32", BtfKind.Int));
        Assert.Equal(4, module.SizeOf(thing.Id));
        Assert.Same(baseBtf, module.Base);
    }

    [Fact]
    public void BrokenBlobsAreRefusedWithAReason()
    {
        var raw = new RawBtf();
        raw.Add(BtfKind.Int, "int", 0, false, 4, IntBits(32, signed: true));
        var good = raw.Build();
        Assert.Equal("int", BtfReader.Parse(good).NameOf(1));

        Assert.Contains("magic", Refused(b => b[0] = 0x42));
        Assert.Contains("byte order", Refused(b => BinaryPrimitives.WriteUInt16BigEndian(b, 0xeB9F)));
        Assert.Contains("version", Refused(b => b[2] = 2));
        Assert.Contains("outside", Refused(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), 1000)));
        Assert.Contains("kind 31", Refused(b => b[24 + 7] = 0x1f));
        Assert.Contains("cut off", Refused(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), 12)));
        Assert.Contains("NUL", Refused(b => b[^1] = (byte)'x'));
        Assert.Contains("NUL", Refused(b => b[24 + 16] = (byte)'x'));
        Assert.Contains("outside", Refused(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), 0xfffffff8)));
        Assert.Throws<InvalidDataException>(() => BtfReader.Parse(good[..10]));

        string Refused(Action<byte[]> damage)
        {
            var copy = (byte[])good.Clone();
            damage(copy);
            return Assert.Throws<InvalidDataException>(() => BtfReader.Parse(copy)).Message;
        }
    }
}
