using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Events;
using Ktap.Language.Semantics;

namespace Ktap.Compiler.Tests.CodeGen;

/// <summary>What <c>ktap -d</c> prints for a handler: no kernel needed.</summary>
public sealed class HandlerListingTests
{
    private const string Text = """
        var counts = {}
        var total = 0
        trace raw_syscalls:sys_enter {
            counts[arg0] += 1
            total += arg1
        }
        """;

    [Fact]
    public void TheListingInterleavesTheScriptLinesAndNamesTheMaps()
    {
        var (handler, compiler) = Compile(Text);
        var listing = HandlerListing.Render(handler, compiler);
        var lines = listing.Split('\n');

        Assert.Equal($"ktap_trace_0: trace test ({handler.Instructions.Count} instructions)", lines[0]);
        Assert.Equal("; 3: trace raw_syscalls:sys_enter {", lines[1]);
        Assert.Contains("; 4: counts[arg0] += 1", lines);
        Assert.Contains("; 5: total += arg1", lines);
        Assert.True(Array.IndexOf(lines, "; 4: counts[arg0] += 1") < Array.IndexOf(lines, "; 5: total += arg1"));
        Assert.Contains(lines, l => l.EndsWith(" = map[counts]", StringComparison.Ordinal));

        // total's slot in the data map (its presence word, then its value) is named by its offset.
        var offset = compiler.GlobalOf(Script.TopLevel(compiler.Typed, "total"))!.Offset;
        Assert.Contains(lines, l => l.EndsWith($" = map[ktap_data]+{offset}", StringComparison.Ordinal));
        Assert.DoesNotContain("fd:", listing, StringComparison.Ordinal);
        Assert.Equal("", lines[^1]);
    }

    [Fact]
    public void EveryInstructionIsListedOnceInTheDisassemblersNotation()
    {
        var (handler, compiler) = Compile(Text);
        var instructionLines = HandlerListing.Render(handler, compiler).Split('\n').Skip(1).Where(l => l.Length > 0 && !l.StartsWith(';')).ToList();
        var expected = Bpf.Asm.Disassembler.Lines(handler.Instructions);
        Assert.Equal(expected.Count, instructionLines.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            if (!expected[i].Contains("map[", StringComparison.Ordinal))
            {
                Assert.Equal(expected[i], instructionLines[i]);
            }
        }
    }

    [Fact]
    public void TheListingIsDeterministic()
    {
        var (first, firstCompiler) = Compile(Text);
        var (second, secondCompiler) = Compile(Text);
        Assert.Equal(HandlerListing.Render(first, firstCompiler), HandlerListing.Render(second, secondCompiler));
    }

    [Fact]
    public void ASharedProgramSaysHowManyTargetsShareIt()
    {
        var (handler, compiler) = Compile(Text);
        Assert.StartsWith(
            $"ktap_trace_0: trace test ({handler.Instructions.Count} instructions, shared by 3 targets)\n",
            HandlerListing.Render(handler, compiler, sharedBy: 3),
            StringComparison.Ordinal);
    }

    [Fact]
    public void ALongLineIsCut()
    {
        var padding = new string('x', 150);
        var (handler, compiler) = Compile($"trace raw_syscalls:sys_enter {{ printf(\"{padding}\\n\") }}\n");
        var header = HandlerListing.Render(handler, compiler).Split('\n')[1];
        Assert.Equal($"; 1: trace raw_syscalls:sys_enter {{ printf(\"{padding[..(100 - 39)]}...", header);
    }

    private static (CompiledHandler Handler, ScriptCompiler Compiler) Compile(string text)
    {
        var typed = Script.Valid(text);
        var compiler = new ScriptCompiler(typed);
        var handler = compiler.Compile(typed.Bound.Probes.Single(p => p.Kind == FunctionKind.Trace), ProbeTarget.RawTracepoint("test"));
        return (handler, compiler);
    }
}
