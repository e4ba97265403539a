using Ktap.Bpf.Programs;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Types;
using Ktap.Runtime.Audit;
using Ktap.Runtime.Kernel;
using Ktap.Runtime.Output;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Session;

/// <summary>A handler program loaded for one or more targets.</summary>
public sealed record LoadedHandler(CompiledHandler Handler, BpfProgram Program, List<ResolvedTarget> Targets);

/// <summary>
/// A script resolved, compiled and loaded, not yet attached: every probe's targets, one program
/// per distinct handler (targets whose handler compiles to the same instructions share it), and
/// the maps.
/// </summary>
public sealed class PreparedScript : IDisposable
{
    private PreparedScript(KernelScript kernel, IReadOnlyList<LoadedHandler> handlers)
    {
        Kernel = kernel;
        Handlers = handlers;
    }

    private EventRecordRenderer? eventRecords;

    public KernelScript Kernel { get; }

    /// <summary>Renders the tracepoint records <c>argstr</c> prints, with the formats of every traced event.</summary>
    public EventRecordRenderer EventRecords => eventRecords ??= new(Handlers.SelectMany(h => h.Targets).Select(t => t.Format).OfType<Bpf.Tracing.EventFormat>());

    public IReadOnlyList<LoadedHandler> Handlers { get; }

    /// <summary>The programs that follow <c>-- CMD</c> into its children; null without one.</summary>
    public ProcessTracker? Tracker { get; private init; }

    /// <summary>
    /// Resolves, compiles and loads, and leaves the script's source and <paramref name="origin"/>
    /// in the kernel, bound to every program (Audit/SourceMap). Errors surface as the exceptions
    /// of each stage.
    /// </summary>
    /// <exception cref="ProbeResolutionException">A probe names nothing that exists.</exception>
    /// <exception cref="KernelCompileException">A handler uses what the kernel cannot run.</exception>
    /// <exception cref="Compiler.Filters.FilterException">A filter does not fit its event.</exception>
    /// <exception cref="Bpf.Sys.VerifierException">The verifier refused a handler.</exception>
    /// <param name="followCommand">Load the process tracker that keeps the process map of <c>-- CMD</c> (the script is compiled with <see cref="CompilerOptions.FilterProcesses"/>).</param>
    public static PreparedScript Prepare(TypedScript typed, ProbeResolver resolver, ScriptOrigin origin, CompilerOptions? options = null, bool followCommand = false) =>
        Prepare(typed, resolver.ResolveAll(typed.Bound), origin, options, followCommand);

    /// <inheritdoc cref="Prepare(TypedScript, ProbeResolver, ScriptOrigin, CompilerOptions?, bool)"/>
    /// <param name="probes">Every trace and profile block of the script, resolved.</param>
    public static PreparedScript Prepare(TypedScript typed, IReadOnlyList<ResolvedProbe> probes, ScriptOrigin origin, CompilerOptions? options = null, bool followCommand = false)
    {
        var compiler = new ScriptCompiler(typed, options);
        var compiled = new List<(CompiledHandler Handler, ResolvedTarget Target)>();
        foreach (var probe in probes)
        {
            foreach (var target in probe.Targets)
            {
                compiled.Add((compiler.Compile(probe.Probe, target.Target), target));
            }
        }

        // Maps after every handler: the data map's size grows with their error sites.
        var kernel = KernelScript.Create(compiler);
        try
        {
            var handlers = new List<LoadedHandler>();
            var byCode = new Dictionary<string, LoadedHandler>(StringComparer.Ordinal);
            foreach (var (handler, target) in compiled)
            {
                var key = handler.ProgramType + ":" + string.Join(',', handler.Instructions.Select(i => i.Encode()));
                if (!byCode.TryGetValue(key, out var loaded))
                {
                    loaded = new LoadedHandler(handler, kernel.Load(handler), []);
                    byCode[key] = loaded;
                    handlers.Add(loaded);
                }

                loaded.Targets.Add(target);
            }

            // The tracker's programs are the session's too: published and bound like the handlers.
            var tracker = followCommand
                ? ProcessTracker.Load(kernel.Map(compiler.ProcessMapIndex), Bpf.Tracing.TraceEventCatalog.Open().GetFormat(ProcessTracker.ForkEvent))
                : null;
            var prepared = new PreparedScript(kernel, handlers) { Tracker = tracker };
            SessionPublisher.Publish(origin, typed.Bound.Source, handlers, tracker);
            return prepared;
        }
        catch
        {
            kernel.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Tracker?.Dispose();
        Kernel.Dispose();
    }
}
