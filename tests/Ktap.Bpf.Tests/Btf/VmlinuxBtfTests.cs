using System.Globalization;
using System.Text;
using Ktap.Bpf.Btf;

namespace Ktap.Bpf.Tests.Btf;

/// <summary>The running kernel's BTF (world-readable: no root needed), checked against bpftool.</summary>
public sealed class VmlinuxBtfTests
{
    private static readonly Lazy<string[]> BpftoolRaw = new(() =>
        Tool.Run("bpftool", "btf", "dump", "file", BtfReader.VmlinuxPath, "format", "raw").Split('\n', StringSplitOptions.RemoveEmptyEntries));

    private static BtfReader Vmlinux => BtfReader.Vmlinux;

    [Fact]
    public void TaskStructPidIsWhereBpftoolSaysItIs()
    {
        var taskStruct = Vmlinux.FindStruct("task_struct");
        Assert.NotNull(taskStruct);
        var pid = Vmlinux.FindMember(taskStruct, "pid");
        var tgid = Vmlinux.FindMember(taskStruct, "tgid");
        Assert.NotNull(pid);
        Assert.NotNull(tgid);

        var block = BpftoolBlock($"STRUCT 'task_struct' size={taskStruct.Size} ");
        Assert.Contains($"\t'pid' type_id={pid.Value.TypeId} bits_offset={pid.Value.BitOffset}", block);
        Assert.Contains($"\t'tgid' type_id={tgid.Value.TypeId} bits_offset={tgid.Value.BitOffset}", block);
        Assert.Equal("pid_t", Vmlinux.Describe(pid.Value.TypeId));
        Assert.Equal(4, Vmlinux.SizeOf(pid.Value.TypeId));
        Assert.Equal(pid.Value.ByteOffset + 4, tgid.Value.ByteOffset);
        Assert.False(pid.Value.IsBitfield);
    }

    [Fact]
    public void VfsReadHasItsFourParameters()
    {
        var function = Vmlinux.FindFunction("vfs_read");
        Assert.NotNull(function);
        Assert.Equal(["file", "buf", "count", "pos"], function.Prototype.Parameters.Select(p => p.Name));
        Assert.Equal(
            ["struct file *", "char *", "size_t", "loff_t *"],
            function.Prototype.Parameters.Select(p => Vmlinux.Describe(p.TypeId)));
        Assert.Equal("ssize_t", Vmlinux.Describe(function.Prototype.ReturnTypeId));
        Assert.Equal("ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)", Vmlinux.Describe(function.Id));
        Assert.False(function.Prototype.IsVariadic);
        Assert.Equal(8, Vmlinux.SizeOf(function.Prototype.Parameters[2].TypeId));
    }

    [Fact]
    public void MissingNamesAreNull()
    {
        Assert.Null(Vmlinux.FindStruct("no_such_struct_in_any_kernel"));
        Assert.Null(Vmlinux.FindFunction("no_such_function_in_any_kernel"));
        Assert.Null(Vmlinux.FindFunction("task_struct"));
        Assert.Null(Vmlinux.FindStruct("vfs_read"));
        Assert.Null(Vmlinux.FindMember(Vmlinux.FindStruct("task_struct")!, "no_such_member"));
        Assert.Equal(0, Vmlinux.FindTypeId(string.Empty, BtfKind.Struct));
        Assert.Empty(Vmlinux.FindTypeIds("no_such_name_ß"));
    }

    [Fact]
    public void MembersInsideAnonymousStructsAndUnionsAreFoundWithTheirFullOffset()
    {
        // sk_buff keeps most of its fields in anonymous structs and unions; a field found
        // through one is at the sum of the offsets along the path.
        var skBuff = Vmlinux.FindStruct("sk_buff")!;
        var seen = 0;
        foreach (var anonymous in skBuff.Members.Where(m => m.Name.Length == 0))
        {
            var inner = Assert.IsType<BtfStruct>(Vmlinux.Resolve(anonymous.TypeId));
            foreach (var member in inner.Members.Where(m => m.Name.Length > 0 && skBuff.Members.All(o => o.Name != m.Name)))
            {
                var found = Vmlinux.FindMember(skBuff, member.Name);
                Assert.NotNull(found);
                Assert.Equal(anonymous.BitOffset + member.BitOffset, found.Value.BitOffset);
                seen++;
            }
        }

        Assert.True(seen > 0, "sk_buff has no named member inside an anonymous struct or union any more; pick another struct");
    }

    [Fact]
    public void BitfieldsComeFromTheKindFlag()
    {
        var block = BpftoolBlock("STRUCT 'task_struct' size=");
        var line = block.First(l => l.Contains("bitfield_size=", StringComparison.Ordinal));
        var name = line.Split('\'')[1];
        var member = Vmlinux.FindMember(Vmlinux.FindStruct("task_struct")!, name)!.Value;
        Assert.True(member.IsBitfield);
        Assert.EndsWith($"bits_offset={member.BitOffset} bitfield_size={member.BitfieldSize}", line, StringComparison.Ordinal);
    }

    /// <summary><see cref="BtfReader.Vmlinux"/> maps the file where the kernel lets it (6.16); reading it must give the same.</summary>
    [Fact]
    public void ReadingTheFileGivesWhatMappingItGives()
    {
        var read = BtfReader.Load(BtfReader.VmlinuxPath);
        Assert.Equal(Vmlinux.LastId, read.LastId);
        Assert.Equal(Vmlinux.FindStruct("task_struct"), read.FindStruct("task_struct"), new StructComparer());
        Assert.Equal(Vmlinux.Describe(Vmlinux.FindTypeId("vfs_read", BtfKind.Function)), read.Describe(read.FindTypeId("vfs_read", BtfKind.Function)));
    }

    [Fact]
    public void ResolvingSizeAndKindsAgree()
    {
        var pidType = Vmlinux.FindType("pid_t", BtfKind.Typedef);
        Assert.IsType<BtfTypedef>(pidType);
        Assert.Equal(BtfKind.Int, Vmlinux.Resolve(pidType.Id).Kind);
        Assert.True(((BtfInt)Vmlinux.Resolve(pidType.Id)).IsSigned);
        var comm = Vmlinux.FindMember(Vmlinux.FindStruct("task_struct")!, "comm")!.Value;
        Assert.Equal(16, Vmlinux.SizeOf(comm.TypeId));
        Assert.Equal("char[16]", Vmlinux.Describe(comm.TypeId));
        Assert.Equal(Vmlinux.FindStruct("task_struct")!.Size, Vmlinux.SizeOf(Vmlinux.FindTypeId("task_struct", BtfKind.Struct)));
        Assert.Throws<InvalidOperationException>(() => Vmlinux.SizeOf(Vmlinux.FindFunction("vfs_read")!.Id));
        Assert.Throws<ArgumentOutOfRangeException>(() => Vmlinux.GetType(Vmlinux.LastId + 1));
        Assert.Same(BtfVoid.Instance, Vmlinux.GetType(0));
    }

    /// <summary>
    /// Every type, member, parameter, enum value and section entry of the kernel's BTF, printed
    /// the way <c>bpftool btf dump format raw</c> prints them, must match bpftool line for line.
    /// </summary>
    [Fact]
    public void EveryTypeMatchesBpftool()
    {
        var expected = BpftoolRaw.Value;
        var actual = new List<string>(expected.Length);
        for (var id = 1; id <= Vmlinux.LastId; id++)
        {
            RenderRaw(Vmlinux, Vmlinux.GetType(id), actual);
        }

        var mismatches = expected.Zip(actual).Where(pair => pair.First != pair.Second).Take(5).ToList();
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches.Select(m => $"bpftool: {m.First}\nktap:    {m.Second}")));
        Assert.Equal(expected.Length, actual.Count);
    }

    /// <summary>Looks types up by name for every named type and gets the same id back (or an earlier one of the same name).</summary>
    [Fact]
    public void EveryNamedTypeIsFoundByName()
    {
        for (var id = 1; id <= Vmlinux.LastId; id++)
        {
            var name = Vmlinux.NameOf(id);
            if (name.Length > 0)
            {
                var found = Vmlinux.FindTypeId(name, Vmlinux.KindOf(id));
                Assert.True(found != 0 && found <= id && Vmlinux.NameOf(found) == name, $"{name} ({id}) found as {found}");
            }
        }
    }

    private static string[] BpftoolBlock(string header)
    {
        var lines = BpftoolRaw.Value;
        var start = Array.FindIndex(lines, l => l.Contains(header, StringComparison.Ordinal));
        Assert.True(start >= 0, $"bpftool printed no '{header}'");
        return lines.Skip(start + 1).TakeWhile(l => l.StartsWith('\t')).ToArray();
    }

    /// <summary>bpftool 7's plain raw format (tools/bpf/bpftool/btf.c, dump_btf_type), one kind at a time.</summary>
    internal static void RenderRaw(BtfReader btf, BtfType type, List<string> lines)
    {
        var kindName = type.Kind switch
        {
            BtfKind.Pointer => "PTR",
            BtfKind.Forward => "FWD",
            BtfKind.Function => "FUNC",
            BtfKind.FunctionProto => "FUNC_PROTO",
            BtfKind.Variable => "VAR",
            BtfKind.DataSection => "DATASEC",
            BtfKind.DeclTag => "DECL_TAG",
            BtfKind.TypeTag => "TYPE_TAG",
            var kind => kind.ToString().ToUpperInvariant(),
        };
        var head = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"[{type.Id}] {kindName} '{Anon(type.Name)}'"));
        switch (type)
        {
            case BtfInt i:
                var encoding = i.Encoding switch
                {
                    BtfIntEncoding.None => "(none)",
                    BtfIntEncoding.Signed => "SIGNED",
                    BtfIntEncoding.Char => "CHAR",
                    BtfIntEncoding.Bool => "BOOL",
                    _ => "UNKN",
                };
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" size={i.Size} bits_offset={i.BitOffset} nr_bits={i.Bits} encoding={encoding}").ToString());
                break;
            case BtfPointer p:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" type_id={p.TargetId}").ToString());
                break;
            case BtfTypedef t:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" type_id={t.TargetId}").ToString());
                break;
            case BtfQualifier q:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" type_id={q.TargetId}").ToString());
                break;
            case BtfArray a:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" type_id={a.ElementId} index_type_id={a.IndexId} nr_elems={a.Length}").ToString());
                break;
            case BtfStruct s:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" size={s.Size} vlen={s.Members.Count}").ToString());
                foreach (var m in s.Members)
                {
                    var bitfield = m.IsBitfield ? $" bitfield_size={m.BitfieldSize}" : string.Empty;
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"\t'{Anon(m.Name)}' type_id={m.TypeId} bits_offset={m.BitOffset}{bitfield}"));
                }

                break;
            case BtfEnum e:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" encoding={(e.IsSigned ? "SIGNED" : "UNSIGNED")} size={e.Size} vlen={e.Values.Count}").ToString());
                foreach (var v in e.Values)
                {
                    var value = e.Is64
                        ? e.IsSigned ? $"{v.Value}LL" : $"{(ulong)v.Value}ULL"
                        : v.Value.ToString(CultureInfo.InvariantCulture);
                    lines.Add($"\t'{v.Name}' val={value}");
                }

                break;
            case BtfForward f:
                lines.Add(head.Append(f.IsUnion ? " fwd_kind=union" : " fwd_kind=struct").ToString());
                break;
            case BtfFunction f:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" type_id={f.Prototype.Id} linkage={f.Linkage.ToString().ToLowerInvariant()}").ToString());
                break;
            case BtfFunctionProto p:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" ret_type_id={p.ReturnTypeId} vlen={p.Parameters.Count + (p.IsVariadic ? 1 : 0)}").ToString());
                foreach (var parameter in p.Parameters)
                {
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"\t'{Anon(parameter.Name)}' type_id={parameter.TypeId}"));
                }

                if (p.IsVariadic)
                {
                    lines.Add("\t'(anon)' type_id=0");
                }

                break;
            case BtfVariable v:
                var linkage = v.Linkage switch
                {
                    BtfLinkage.Static => "static",
                    BtfLinkage.Global => "global",
                    _ => "extern",
                };
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" type_id={v.TypeId}, linkage={linkage}").ToString());
                break;
            case BtfDataSection d:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" size={d.Size} vlen={d.Variables.Count}").ToString());
                foreach (var entry in d.Variables)
                {
                    lines.Add(string.Create(
                        CultureInfo.InvariantCulture,
                        $"\ttype_id={entry.TypeId} offset={entry.Offset} size={entry.Size} (VAR '{btf.NameOf(entry.TypeId)}')"));
                }

                break;
            case BtfFloat f:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" size={f.Size}").ToString());
                break;
            case BtfDeclTag t:
                lines.Add(head.Append(CultureInfo.InvariantCulture, $" type_id={t.TargetId} component_idx={t.ComponentIndex}").ToString());
                break;
            default:
                throw new InvalidOperationException($"no raw format for {type}");
        }
    }

    private static string Anon(string name) => name.Length == 0 ? "(anon)" : name;
}

/// <summary>Records compare lists by reference; this compares a struct's members by value.</summary>
internal sealed class StructComparer : IEqualityComparer<BtfStruct?>
{
    public bool Equals(BtfStruct? x, BtfStruct? y) =>
        x is not null && y is not null
            ? (x.Id, x.Name, x.Size, x.IsUnion) == (y.Id, y.Name, y.Size, y.IsUnion) && x.Members.SequenceEqual(y.Members)
            : x is null && y is null;

    public int GetHashCode(BtfStruct? obj) => obj?.Id ?? 0;
}
