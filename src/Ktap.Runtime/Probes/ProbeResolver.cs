using Ktap.Bpf.Symbols;
using Ktap.Bpf.Tracing;
using Ktap.Compiler.Events;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Runtime.Probes;

/// <summary>
/// The probe resolver (DESIGN §1): each event spec of a <c>trace</c> block expanded to concrete
/// attach targets (tracefs events and their record layouts, kallsyms functions, ELF functions,
/// USDT notes), globs expanded and unknown names rejected with the nearest existing ones; a
/// <c>profile</c> block becomes its cpu-clock. Nothing is read before a spec needs it: tracefs
/// for the first tracepoint, kallsyms for the first kprobe, each ELF file once.
/// </summary>
/// <remarks>
/// Spec kinds by prefix: <c>probe:</c> kernel or user functions (a ':' after the prefix names a
/// binary), <c>sdt:</c> USDT markers, anything else a tracepoint. A target that two specs of one
/// block both name is attached once. A resolver caches what it read; use one per script run.
/// </remarks>
public sealed class ProbeResolver
{
    private readonly TracepointResolver tracepoints;
    private readonly KprobeResolver kprobes;
    private readonly UprobeResolver uprobes;
    private readonly UsdtResolver usdt;

    /// <summary>The running kernel's tracefs and kallsyms, and the process-wide ELF cache.</summary>
    public ProbeResolver()
        : this(TraceEventCatalog.Open, () => KernelSymbols.Shared, ElfFileCache.Shared)
    {
    }

    /// <param name="openCatalog">Opens the trace events on the first tracepoint (mounting tracefs if needed).</param>
    /// <param name="loadKernelSymbols">Reads kallsyms on the first kprobe.</param>
    public ProbeResolver(Func<TraceEventCatalog> openCatalog, Func<KernelSymbols> loadKernelSymbols, ElfFileCache elfFiles)
    {
        ArgumentNullException.ThrowIfNull(openCatalog);
        ArgumentNullException.ThrowIfNull(loadKernelSymbols);
        ArgumentNullException.ThrowIfNull(elfFiles);
        tracepoints = new TracepointResolver(openCatalog);
        kprobes = new KprobeResolver(loadKernelSymbols);
        var binaries = new ProbedBinaries(elfFiles);
        uprobes = new UprobeResolver(binaries);
        usdt = new UsdtResolver(binaries);
    }

    /// <summary>Every <c>trace</c> and <c>profile</c> block of the script, in source order.</summary>
    /// <exception cref="ProbeResolutionException">The first spec that names nothing, or nothing ktap can probe.</exception>
    public IReadOnlyList<ResolvedProbe> ResolveAll(BoundScript script)
    {
        ArgumentNullException.ThrowIfNull(script);
        return [.. script.Probes.Where(p => p.Kind is FunctionKind.Trace or FunctionKind.Profile).Select(Resolve)];
    }

    /// <summary>The targets of one <c>trace</c> or <c>profile</c> block.</summary>
    /// <exception cref="ArgumentException">A <c>tick</c> or <c>trace_end</c> block: they run in ktap, not in the kernel.</exception>
    /// <exception cref="ProbeResolutionException">A spec names nothing, or nothing ktap can probe.</exception>
    public ResolvedProbe Resolve(BoundProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        switch (probe.Kind)
        {
            case FunctionKind.Profile:
                return new ResolvedProbe(probe, [Profile(probe)]);
            case FunctionKind.Trace:
                var targets = new List<ResolvedTarget>();
                var seen = new HashSet<AttachPoint>();
                foreach (var spec in probe.Specs)
                {
                    targets.AddRange(ResolveSpec(spec).Where(t => seen.Add(t.Attach)));
                }

                return new ResolvedProbe(probe, targets);
            default:
                throw new ArgumentException($"'{probe.Description}' has no kernel event to resolve: only trace and profile blocks do", nameof(probe));
        }
    }

    /// <summary>The targets one event spec names, in the order the kernel or the file lists them.</summary>
    /// <exception cref="ProbeResolutionException">It names nothing, or nothing ktap can probe.</exception>
    public IReadOnlyList<ResolvedTarget> ResolveSpec(EventSpecSyntax spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var isProbe = spec.Text.StartsWith(ProbeLocation.Prefix, StringComparison.Ordinal);
        var isUsdt = spec.Text.StartsWith(UsdtResolver.Prefix, StringComparison.Ordinal);
        if ((isProbe || isUsdt) && !PtRegs.IsSupportedMachine)
        {
            throw new ProbeResolutionException(spec.Span, $"'{spec.Text}': function probes read struct pt_regs, which ktap knows for x86-64 only");
        }

        if (isUsdt)
        {
            return usdt.Resolve(spec);
        }

        if (!isProbe)
        {
            return tracepoints.Resolve(spec);
        }

        var location = ProbeLocation.Parse(spec);
        return location.Binary is null ? kprobes.Resolve(location) : uprobes.Resolve(location);
    }

    /// <summary>
    /// <c>profile-N</c>: one target for the session to open on every CPU. The context is
    /// <c>struct bpf_perf_event_data</c>; the block has no <c>argN</c>.
    /// </summary>
    private static ResolvedTarget Profile(BoundProbe probe) =>
        new(new ProbeTarget(probe.TimerSpec, ContextKind.PerfEvent, [], []), new CpuClockAttach(probe.IntervalNanoseconds), probe.Span, []);
}
