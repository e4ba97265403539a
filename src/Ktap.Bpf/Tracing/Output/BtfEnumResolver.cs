using Ktap.Bpf.Btf;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// Enum constants from BTF: every ENUM and ENUM64 of the blob, indexed by constant name the
/// first time a name is asked for. Of two constants with one name, the first (lowest type id) wins.
/// </summary>
public sealed class BtfEnumResolver(Func<BtfReader?> btf) : IKernelEnumResolver
{
    private static readonly Lazy<BtfEnumResolver> RunningKernel = new(() => new BtfEnumResolver(VmlinuxOrNull));

    private readonly Lazy<Dictionary<string, long>> constants = new(() => Index(btf()));

    public BtfEnumResolver(BtfReader btf)
        : this(() => btf)
    {
    }

    /// <summary>The running kernel's enums; its BTF is read at the first question (none: every name is unknown).</summary>
    public static BtfEnumResolver Vmlinux => RunningKernel.Value;

    public bool TryGetValue(string name, out long value) => constants.Value.TryGetValue(name, out value);

    private static BtfReader? VmlinuxOrNull() => File.Exists(BtfReader.VmlinuxPath) ? BtfReader.Vmlinux : null;

    private static Dictionary<string, long> Index(BtfReader? btf)
    {
        var constants = new Dictionary<string, long>(StringComparer.Ordinal);
        if (btf is null)
        {
            return constants;
        }

        for (var id = btf.FirstId; id <= btf.LastId; id++)
        {
            if (btf.KindOf(id) is BtfKind.Enum or BtfKind.Enum64 && btf.GetType(id) is BtfEnum type)
            {
                foreach (var constant in type.Values)
                {
                    constants.TryAdd(constant.Name, constant.Value);
                }
            }
        }

        return constants;
    }
}
