using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Events;
using Ktap.Language.Semantics;

namespace Ktap.Compiler.Tests.CodeGen;

/// <summary>
/// Where handlers keep their frame (the stack, or the per-CPU scratch map when 512 bytes are
/// not enough) and how table walks become callbacks. What the kernel makes of them is the
/// differential corpus's job (Ktap.Runtime.Tests); these pin the shape.
/// </summary>
public sealed class FrameTests
{
    private const string SmallHandler = "var t = {}\ntrace t:t { t[arg0] += 1 }\n";

    /// <summary>Three 256-byte strings and their 512-byte concatenation: more than the stack.</summary>
    private const string LargeHandler = "var t = {}\nt[1] = \"abc\"\ntrace t:t { var a = t[1]\n var b = t[1]\n var c = a .. b\n print(c) }\n";

    [Fact]
    public void ASmallHandlerKeepsItsFrameOnTheStack()
    {
        var handler = Compile(SmallHandler, out var compiler);
        Assert.Equal(0, handler.ScratchSize);
        Assert.DoesNotContain(compiler.Maps, m => m.Role == MapRole.Scratch);
    }

    [Fact]
    public void AHandlerLargerThanTheStackGetsAScratchFrameAsLargeAsItNeeds()
    {
        var handler = Compile(LargeHandler, out var compiler);
        Assert.True(handler.ScratchSize > 512, $"scratch frame of {handler.ScratchSize} bytes");
        var scratch = Assert.Single(compiler.Maps, m => m.Role == MapRole.Scratch);
        Assert.Equal(Bpf.Maps.MapType.PerCpuArray, scratch.Spec.Type);
        Assert.Equal((uint)handler.ScratchSize, scratch.Spec.ValueSize);
    }

    [Fact]
    public void AHandlerThatNeedsMoreThanAScratchFrameIsACompileError()
    {
        var typed = Script.Valid(LargeHandler);
        var compiler = new ScriptCompiler(typed, new CompilerOptions(StringLength: 8192));
        var error = Assert.Throws<KernelCompileException>(() => compiler.Compile(Probe(typed.Bound), ProbeTarget.RawTracepoint("t")));
        Assert.Contains("--strlen", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("var t = {}\ntrace t:t { var n = 0\n for (k, v in pairs(t)) { n += v }\n print(n) }\n", 2)]
    [InlineData("var t = {}\nvar u = {}\ntrace t:t { var n = 0\n for (k, v in pairs(t)) { for (j, w in pairs(u)) { n += v * w } }\n print(n) }\n", 3)]
    [InlineData("var t = {}\ntrace t:t { print(len(t))\n print(len(t))\n delete(t)\n delete(t) }\n", 3)]
    public void EachTableWalkIsAFunctionAndCountingAndClearingShareOne(string script, int functions)
    {
        var handler = Compile(script, out _);
        Assert.Equal(functions, handler.FunctionStarts.Count);
    }

    private static CompiledHandler Compile(string script, out ScriptCompiler compiler)
    {
        var typed = Script.Valid(script);
        compiler = new ScriptCompiler(typed);
        return compiler.Compile(Probe(typed.Bound), ProbeTarget.RawTracepoint("t"));
    }

    private static BoundProbe Probe(BoundScript bound) => bound.Probes.Single(p => p.Kind == FunctionKind.Trace);
}
