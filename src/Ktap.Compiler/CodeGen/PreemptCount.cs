using Ktap.Bpf.Btf;
using Ktap.Bpf.Symbols;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// Where this CPU's preempt count lives: the per-CPU variable <c>__preempt_count</c> (x86 since
/// Linux 6.15), or the <c>preempt_count</c> member of the per-CPU <c>pcpu_hot</c> before it. A
/// program reaches it with bpf_this_cpu_ptr on the variable's BTF id (ld_imm64 with
/// BPF_PSEUDO_BTF_ID), which the verifier resolves through kallsyms (check_pseudo_btf_id): a
/// kernel whose kallsyms lists no variables (no CONFIG_KALLSYMS_ALL) cannot give it.
/// Tracepoint records do not help: a BPF program's record has the pt_regs pointer where the
/// common fields would be (perf_trace_run_bpf_submit).
/// </summary>
/// <param name="VariableId">The BTF id of the per-CPU variable (a VAR in vmlinux's .data..percpu).</param>
/// <param name="Offset">Bytes from the variable's start to the count.</param>
internal sealed record PreemptCount(int VariableId, int Offset)
{
    /// <summary>in_interrupt(): the NMI, hard IRQ and soft IRQ bits of the count (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK in linux/preempt.h).</summary>
    public const int InterruptMask = 0x00ffff00;

    private static readonly Lazy<PreemptCount?> ThisKernel = new(() =>
    {
        try
        {
            return Find(BtfReader.Vmlinux, name => KernelSymbols.Shared.Find(name) is not null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    });

    /// <summary>The count on the running kernel, or null when a program cannot reach it.</summary>
    public static PreemptCount? OfThisKernel() => ThisKernel.Value;

    /// <param name="listed">Whether kallsyms lists a symbol.</param>
    public static PreemptCount? Find(BtfReader btf, Func<string, bool> listed)
    {
        if (btf.FindTypeId("__preempt_count", BtfKind.Variable) is var id and not 0)
        {
            return listed("__preempt_count") ? new PreemptCount(id, 0) : null;
        }

        var hot = btf.FindTypeId("pcpu_hot", BtfKind.Variable);
        if (hot != 0 && listed("pcpu_hot") && btf.GetType(hot) is BtfVariable variable && btf.Resolve(variable.TypeId) is BtfStruct layout
            && btf.FindMember(layout, "preempt_count") is { } member)
        {
            return new PreemptCount(hot, member.ByteOffset);
        }

        return null;
    }
}
