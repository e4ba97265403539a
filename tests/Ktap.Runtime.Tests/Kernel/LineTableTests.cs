using System.Globalization;
using Ktap.Bpf.Asm;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Events;
using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
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

    /// <summary>ktap reads a script as bytes, one char each; BTF strings are UTF-8, so UTF-8 text comes out as written.</summary>
    [KernelFact]
    public void AUtf8LineIsShownAsWritten()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes("trace raw_syscalls:sys_enter {\n    printf(\"café ✓ %d\\n\", arg0)\n}\n");
        var bag = new DiagnosticBag();
        var source = SourceText.FromBytes("u.kp", bytes);
        var typed = TypeChecker.Check(Binder.Bind(Parser.Parse(source, bag), bag), bag);
        Assert.Empty(bag.Items);
        var compiler = new ScriptCompiler(typed);
        var handler = compiler.Compile(typed.Bound.Probes.Single(), ProbeTarget.RawTracepoint("test"));
        using var kernel = KernelScript.Create(compiler);
        var program = kernel.Load(handler);

        var dump = Tool.Run("bpftool", "prog", "dump", "xlated", "id", program.GetInfo().Id.ToString(CultureInfo.InvariantCulture), "linum");
        Assert.Contains("; printf(\"café ✓ %d\\n\", arg0) [file:u.kp line_num:2 line_col:5]", dump);
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

    /// <summary>
    /// KT3002: a loop whose every iteration leaves the verifier one more branch to explore, until
    /// it gives up ("The sequence of 8193 jumps is too complex."). Without a log the kernel says
    /// only ENOMEM; the load asks again with one. The code generator made such a loop of the
    /// script below until it learned to hide loop variables from the verifier; the instructions
    /// are written out here so that the test does not depend on it.
    /// </summary>
    [KernelFact]
    public void ALoopTooBranchyForTheVerifierIsReportedAtTheLoop()
    {
        const string script = """
            var t = {}
            trace raw_syscalls:sys_enter {
                var i = 0
                while (i < 100000) {
                    t[i % 13] += arg0 / (i + 1)
                    i += 1
                }
            }
            """;
        var handler = DifferentialRun.CompileHandler(script, out var compiler);
        Instruction[] loop =
        [
            Mov64(Register.R7, 0),                                  // 0  i = 0
            Mov64(Register.R8, 0),                                  // 1
            Call(HelperFunction.GetPrandomU32),                     // 2  loop: an unknown number
            Jump(JumpOperation.Jeq, Register.R0, 0, 1),             // 3  a branch the verifier must try both ways
            Alu64(AluOperation.Add, Register.R8, 1),                // 4
            Alu64(AluOperation.Add, Register.R7, 1),                // 5  i += 1: a known count, so no state is like another
            Jump(JumpOperation.Jlt, Register.R7, 100_000, -5),      // 6  while (i < 100000)
            Mov64(Register.R0, 0),                                  // 7
            Exit(),                                                 // 8
        ];
        var whileLine = new TextSpan(script.IndexOf("while", StringComparison.Ordinal), 5);
        var crafted = handler with
        {
            Instructions = loop,
            Relocations = [],
            Spans = [.. Enumerable.Repeat(handler.Probe.Span, 2), .. Enumerable.Repeat(whileLine, 7)],
            FunctionStarts = [0],
        };

        using var kernel = KernelScript.Create(compiler);
        var error = Assert.Throws<HandlerRejectedException>(() => kernel.Load(crafted));
        Assert.Equal(DiagnosticCode.HandlerTooComplex, error.Code);
        Assert.Equal(4, error.Line);
        Assert.Equal($"{DifferentialRun.FileName}:4: error KT3002: the kernel refused this handler: The sequence of 8193 jumps is too complex.", error.Message);
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
