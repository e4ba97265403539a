using System.Buffers.Binary;
using System.Globalization;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Events;
using Ktap.Compiler.Filters;
using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Dump;

/// <summary>
/// <c>ktap -d FILE</c>: every handler's eBPF, with the script's lines between the instructions
/// (<see cref="HandlerListing"/>), one listing per distinct program. Nothing is loaded, so it
/// needs no root; without root tracepoints are compiled for a stand-in layout
/// (<see cref="GenericTracepoint"/>), said once on the error stream.
/// </summary>
public static class DumpCommand
{
    /// <summary>A probe spec that names nothing, or nothing ktap can probe (LANGUAGE.md §9: a probe that cannot run).</summary>
    public const int ProbeError = 1;

    /// <summary>A handler the code generator cannot compile for a target (LANGUAGE.md §9: a compile error).</summary>
    public const int CompileError = 255;

    /// <summary>Prints the listings of <paramref name="typed"/> (a script without front-end errors) on <paramref name="output"/>.</summary>
    /// <returns>0, or <see cref="ProbeError"/> or <see cref="CompileError"/> after one <c>FILE:LINE:COL: error ...</c> line on <paramref name="errors"/>.</returns>
    public static int Run(TypedScript typed, TextWriter output, TextWriter errors, CompilerOptions? options = null) =>
        Run(typed, output, errors, options, new ProbeResolver(), GenericTracepoint.FormatsReadable());

    /// <param name="formatsReadable">False to compile tracepoints for <see cref="GenericTracepoint"/> (what an unprivileged user gets).</param>
    internal static int Run(
        TypedScript typed, TextWriter output, TextWriter errors, CompilerOptions? options, ProbeResolver resolver, bool formatsReadable)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        var source = typed.Bound.Source;
        var compiler = new ScriptCompiler(typed, options);
        var probes = typed.Bound.Probes.Where(p => p.Kind is FunctionKind.Trace or FunctionKind.Profile).ToList();

        // Resolve every probe before compiling any: like a run, a bad spec is the first thing said.
        var targets = new List<IReadOnlyList<NamedTarget>>();
        var generic = false;
        foreach (var probe in probes)
        {
            try
            {
                targets.Add(Targets(probe, typed, resolver, formatsReadable, ref generic));
            }
            catch (ProbeResolutionException e)
            {
                var (line, column) = source.GetLineColumn(e.Span.Start);
                errors.Write(string.Create(CultureInfo.InvariantCulture, $"{source.Name}:{line}:{column}: error: {e.Message}\n"));
                return ProbeError;
            }
        }

        if (generic)
        {
            errors.Write(GenericTracepoint.Notice + "\n");
        }

        var listings = new List<Listing>();
        for (var i = 0; i < probes.Count; i++)
        {
            try
            {
                listings.AddRange(Compile(compiler, probes[i], targets[i]));
            }
            catch (KernelCompileException e)
            {
                errors.Write(new Diagnostic(e.Code, e.Message, source, e.Span) + "\n");
                return CompileError;
            }
            catch (FilterException e)
            {
                errors.Write(new Diagnostic(DiagnosticCode.InvalidFilter, e.Message, source, e.Span) + "\n");
                return CompileError;
            }
        }

        // The maps are final only now: a listing names them as the last handler left them.
        for (var i = 0; i < listings.Count; i++)
        {
            if (i > 0)
            {
                output.Write('\n');
            }

            HandlerListing.Write(output, listings[i].Handler, compiler, listings[i].SharedBy, listings[i].TargetName);
        }

        return 0;
    }

    private static IReadOnlyList<NamedTarget> Targets(BoundProbe probe, TypedScript typed, ProbeResolver resolver, bool formatsReadable, ref bool generic)
    {
        if (formatsReadable || probe.Kind != FunctionKind.Trace)
        {
            return [.. resolver.Resolve(probe).Targets.Select(Named)];
        }

        // As the resolver does, but a tracepoint spec gets the stand-in layout. Targets two
        // specs both name are compiled once.
        var targets = new List<NamedTarget>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in probe.Specs)
        {
            var isTracepoint = !spec.Text.StartsWith(ProbeLocation.Prefix, StringComparison.Ordinal)
                && !spec.Text.StartsWith(UsdtResolver.Prefix, StringComparison.Ordinal);
            generic |= isTracepoint;
            var found = isTracepoint
                ? [new NamedTarget(GenericTracepoint.For(spec, probe, typed), spec.Text)]
                : resolver.ResolveSpec(spec).Select(Named);
            targets.AddRange(found.Where(t => seen.Add(t.Name)));
        }

        return targets;
    }

    /// <summary>A target as the script would name it: <c>syscalls:sys_enter_openat</c>, <c>probe:vfs_read%return</c>.</summary>
    private static NamedTarget Named(ResolvedTarget resolved) => resolved.Attach switch
    {
        TracepointAttach tracepoint => new(resolved.Target, tracepoint.ToString()),
        KprobeAttach kprobe => new(resolved.Target, ProbeLocation.Prefix + kprobe),
        _ => new(resolved.Target, resolved.Target.ProbeName),
    };

    /// <summary>The handler compiled for each target; targets that give the same program are listed once.</summary>
    private static List<Listing> Compile(ScriptCompiler compiler, BoundProbe probe, IReadOnlyList<NamedTarget> targets)
    {
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        var listings = new List<Listing>();
        foreach (var target in targets)
        {
            var handler = compiler.Compile(probe, target.Target);
            var key = Identity(handler);
            if (groups.TryGetValue(key, out var index))
            {
                listings[index] = listings[index] with { SharedBy = listings[index].SharedBy + 1 };
            }
            else
            {
                groups[key] = listings.Count;
                listings.Add(new Listing(handler, target.Name, 1));
            }
        }

        return listings;
    }

    /// <summary>The program as the kernel would get it: its instructions and which map each reference names.</summary>
    private static string Identity(CompiledHandler handler)
    {
        var bytes = new byte[(handler.Instructions.Count * 8) + (handler.Relocations.Count * 8)];
        for (var i = 0; i < handler.Instructions.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), handler.Instructions[i].Encode());
        }

        var at = handler.Instructions.Count * 8;
        foreach (var relocation in handler.Relocations)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), relocation.Instruction);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at + 4), relocation.MapIndex);
            at += 8;
        }

        return Convert.ToBase64String(bytes);
    }

    private sealed record NamedTarget(ProbeTarget Target, string Name);

    private sealed record Listing(CompiledHandler Handler, string TargetName, int SharedBy);
}
