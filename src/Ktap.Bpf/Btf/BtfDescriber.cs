using System.Globalization;
using System.Text;

namespace Ktap.Bpf.Btf;

/// <summary>Writes BTF types the way C declares them, for messages and for tests.</summary>
internal static class BtfDescriber
{
    /// <summary>Deeper than any real type; stops a malformed loop.</summary>
    private const int MaxDepth = 64;

    public static string Describe(BtfReader btf, int id)
    {
        var builder = new StringBuilder();
        Append(btf, id, builder, 0);
        return builder.ToString();
    }

    private static void Append(BtfReader btf, int id, StringBuilder builder, int depth)
    {
        if (depth > MaxDepth)
        {
            builder.Append("...");
            return;
        }

        var type = btf.GetType(id);
        switch (type)
        {
            case BtfVoid:
                builder.Append("void");
                break;
            case BtfStruct s:
                builder.Append(s.IsUnion ? "union " : "struct ").Append(Named(s.Name));
                break;
            case BtfForward f:
                builder.Append(f.IsUnion ? "union " : "struct ").Append(f.Name);
                break;
            case BtfEnum e:
                builder.Append("enum ").Append(Named(e.Name));
                break;
            case BtfPointer p when btf.KindOf(btf.ResolveId(p.TargetId)) == BtfKind.FunctionProto:
                var proto = (BtfFunctionProto)btf.Resolve(p.TargetId);
                Append(btf, proto.ReturnTypeId, builder, depth + 1);
                builder.Append(" (*)");
                AppendParameters(btf, proto, builder, depth);
                break;
            case BtfPointer p:
                Append(btf, p.TargetId, builder, depth + 1);
                builder.Append(builder.Length > 0 && builder[^1] == '*' ? "*" : " *");
                break;
            case BtfArray a:
                Append(btf, a.ElementId, builder, depth + 1);
                builder.Append('[').Append(a.Length.ToString(CultureInfo.InvariantCulture)).Append(']');
                break;
            case BtfQualifier { QualifierKind: BtfKind.TypeTag } tag:
                // A type tag (as __user) says where a pointer points, not what it points to.
                Append(btf, tag.TargetId, builder, depth + 1);
                break;
            case BtfQualifier q:
                builder.Append(q.QualifierKind switch
                {
                    BtfKind.Const => "const ",
                    BtfKind.Volatile => "volatile ",
                    _ => "restrict ",
                });
                Append(btf, q.TargetId, builder, depth + 1);
                break;
            case BtfFunction f:
                Append(btf, f.Prototype.ReturnTypeId, builder, depth + 1);
                builder.Append(' ').Append(f.Name);
                AppendParameters(btf, f.Prototype, builder, depth);
                break;
            case BtfFunctionProto p:
                Append(btf, p.ReturnTypeId, builder, depth + 1);
                builder.Append(' ');
                AppendParameters(btf, p, builder, depth);
                break;
            case BtfVariable v:
                Append(btf, v.TypeId, builder, depth + 1);
                builder.Append(' ').Append(v.Name);
                break;
            default:
                // INT, TYPEDEF and FLOAT are known by name; DATASEC and DECL_TAG have nothing else to show.
                builder.Append(type.Name);
                break;
        }
    }

    private static void AppendParameters(BtfReader btf, BtfFunctionProto proto, StringBuilder builder, int depth)
    {
        builder.Append('(');
        for (var i = 0; i < proto.Parameters.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            Append(btf, proto.Parameters[i].TypeId, builder, depth + 1);
            if (proto.Parameters[i].Name.Length > 0)
            {
                builder.Append(builder[^1] == '*' ? string.Empty : " ").Append(proto.Parameters[i].Name);
            }
        }

        if (proto.IsVariadic)
        {
            builder.Append(proto.Parameters.Count > 0 ? ", ..." : "...");
        }
        else if (proto.Parameters.Count == 0)
        {
            builder.Append("void");
        }

        builder.Append(')');
    }

    private static string Named(string name) => name.Length > 0 ? name : "(anon)";
}
