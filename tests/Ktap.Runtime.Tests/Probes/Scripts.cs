using System.Text;
using Ktap.Bpf.Symbols;
using Ktap.Bpf.Tracing;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Tests.Probes;

/// <summary>Binds scripts the way the command will, and resolves their probes.</summary>
internal static class Scripts
{
    /// <summary>One resolver for the tests that use the machine's tracefs and kallsyms: each is read once.</summary>
    public static ProbeResolver Machine { get; } = new();

    public static BoundScript Bind(string text)
    {
        var bag = new DiagnosticBag();
        var bound = Binder.Bind(Parser.Parse(new SourceText("t.kp", text), bag), bag);
        Assert.True(bag.Items.Count == 0, "unexpected diagnostics:\n" + string.Join("\n", bag.Items));
        return bound;
    }

    /// <summary>The script's single probe, resolved.</summary>
    public static ResolvedProbe Resolve(string script, ProbeResolver? resolver = null) =>
        (resolver ?? Machine).Resolve(Bind(script).Probes.Single());

    /// <summary>The script's single probe resolves to exactly one target.</summary>
    public static ResolvedTarget Single(string script, ProbeResolver? resolver = null) =>
        Assert.Single(Resolve(script, resolver).Targets);

    /// <summary>Resolving the script's single probe fails; the error and the source text it points at.</summary>
    public static (string Message, string At) Fails(string script, ProbeResolver? resolver = null)
    {
        var probe = Bind(script).Probes.Single();
        var error = Assert.Throws<ProbeResolutionException>(() => (resolver ?? Machine).Resolve(probe));
        Assert.DoesNotContain('\n', error.Message);
        return (error.Message, script.Substring(error.Span.Start, error.Span.Length));
    }

    /// <summary>A resolver whose kallsyms is the text given, and which has no tracefs.</summary>
    public static ProbeResolver WithKallsyms(string kallsyms)
    {
        var bytes = Encoding.UTF8.GetBytes(kallsyms);
        var table = KernelSymbols.Parse(bytes, bytes.Length, "test-kallsyms");
        return new ProbeResolver(() => throw new InvalidOperationException("no tracefs in this test"), () => table, ElfFileCache.Shared);
    }

    /// <summary>A resolver over a tracefs directory the test wrote.</summary>
    public static ProbeResolver WithTraceFs(string root) =>
        new(() => new TraceEventCatalog(root), () => throw new InvalidOperationException("no kallsyms in this test"), ElfFileCache.Shared);
}
