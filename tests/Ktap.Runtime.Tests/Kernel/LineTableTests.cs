using System.Globalization;
using Ktap.Bpf.Asm;
using Ktap.Compiler.CodeGen;
using Ktap.Language.Diagnostics;
using Ktap.Runtime.Kernel;
using Ktap.Runtime.Tests.Differential;
using Ktap.Runtime.Tests.Probes;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Runtime.Tests.Kernel;

/// <summary>A loaded handler carries the script's lines (DESIGN §4); a refused one is reported at its script line.</summary>
public sealed class LineTableTests
{
    private const string Script = """
        var counts = {}
        trace raw_syscalls:sys_enter {
            counts[arg0] += 1
            if (arg1 > 5) {
                printf("big %d\n", arg1)
            }
        }
        """;

    [KernelFact]
    public void BpftoolShowsTheScriptLinesOfALoadedHandler()
    {
        var handler = DifferentialRun.CompileHandler(Script, out var compiler);
        using var kernel = KernelScript.Create(compiler);
        var program = kernel.Load(handler);

        var info = program.GetInfo();
        Assert.NotEqual(0u, info.BtfId);
        Assert.Equal("ktap_trace_0", info.Name);

        var dump = Tool.Run("bpftool", "prog", "dump", "xlated", "id", info.Id.ToString(CultureInfo.InvariantCulture), "linum");
        Assert.Contains("int ktap_trace_0(void * ctx):", dump);
        Assert.Contains($"; counts[arg0] += 1 [file:{DifferentialRun.FileName} line_num:3 line_col:5]", dump);
        Assert.Contains($"; if (arg1 > 5) {{ [file:{DifferentialRun.FileName} line_num:4 line_col:", dump);
        Assert.Contains($"; printf(\"big %d\\n\", arg1) [file:{DifferentialRun.FileName} line_num:5 line_col:9]", dump);
    }

    [KernelFact]
    public void ARefusalNamesTheScriptLineOfTheInstructionTheVerifierStoppedAt()
    {
        var handler = DifferentialRun.CompileHandler(Script, out var compiler);

        // The first instruction of the printf line writes the frame pointer, which the verifier
        // never allows: a refusal at a known instruction of a known line.
        var source = compiler.Typed.Bound.Source;
        var slot = Enumerable.Range(0, handler.Spans.Count).First(i => source.GetLineColumn(handler.Spans[i].Start).Line == 5);
        var instructions = handler.Instructions.ToArray();
        instructions[slot] = Mov64(Register.R10, 0);
        var broken = handler with { Instructions = instructions };

        using var kernel = KernelScript.Create(compiler);
        var error = Assert.Throws<HandlerRejectedException>(() => kernel.Load(broken));
        Assert.Equal(5, error.Line);
        Assert.Equal(slot, error.Instruction);
        Assert.Equal(DiagnosticCode.KernelRefused, error.Code);
        Assert.Equal("frame pointer is read only", error.Reason);
        Assert.Equal($"{DifferentialRun.FileName}:5: error KT3001: the kernel refused this handler: frame pointer is read only", error.Message);

        var verbose = HandlerRejectedException.Render(error, verbose: true).Split('\n');
        Assert.Equal(error.Message, verbose[0]);
        Assert.Contains(verbose, l => l.StartsWith($"    {slot}: (b7) r10 = 0", StringComparison.Ordinal));
        Assert.Equal(error.Message + "\n", HandlerRejectedException.Render(error, verbose: false));
    }

    [KernelFact]
    public void AJumpOutOfTheProgramIsReportedAtItsLine()
    {
        var handler = DifferentialRun.CompileHandler(Script, out var compiler);

        // Refused before any instruction is printed ("jump out of range from insn N to M"):
        // the instruction comes from the message.
        var source = compiler.Typed.Bound.Source;
        var slot = Enumerable.Range(0, handler.Spans.Count).First(i => source.GetLineColumn(handler.Spans[i].Start).Line == 4);
        var instructions = handler.Instructions.ToArray();
        instructions[slot] = Ja(10_000);

        using var kernel = KernelScript.Create(compiler);
        var error = Assert.Throws<HandlerRejectedException>(() => kernel.Load(handler with { Instructions = instructions }));
        Assert.Equal(4, error.Line);
        Assert.StartsWith("jump out of range", error.Reason, StringComparison.Ordinal);
    }
}
