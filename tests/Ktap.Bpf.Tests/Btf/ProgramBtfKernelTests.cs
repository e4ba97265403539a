using System.Buffers.Binary;
using System.Globalization;
using Ktap.Bpf.Asm;
using Ktap.Bpf.Btf;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Btf;

/// <summary>Program BTF through the kernel: BPF_BTF_LOAD, then a program load that uses it, then bpftool to read it back.</summary>
public sealed class ProgramBtfKernelTests
{
    private const string File = ProgramBtfBuilderTests.File;

    private static readonly (int Instruction, string Text, int Line, int Column)[] ScriptLines =
    [
        (0, "trace raw_syscalls:sys_enter {", 1, 1),
        (1, "    count[execname] += 1 -- café", 2, 5),
        (2, "    total += 2  # ünïcödé ✓ 計数", 3, 5),
    ];

    [KernelFact]
    public void ScriptLinesShowInBpftoolsTranslatedDump()
    {
        // r0 = 0; r0 += 1; r0 += 2; exit
        Instruction[] program = [Mov64(Register.R0, 0), Alu64(AluOperation.Add, Register.R0, 1), Alu64(AluOperation.Add, Register.R0, 2), Exit()];
        var builder = new ProgramBtfBuilder();
        builder.AddFunction("ktap_main", 0);
        foreach (var (instruction, text, line, column) in ScriptLines)
        {
            builder.AddLine(instruction, File, text, line, column);
        }

        var debug = builder.Load();
        using var btf = debug.Btf;
        using var loaded = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, program, "ktap_t_lines") { DebugInfo = debug });
        Assert.Equal(3u, loaded.TestRun(new byte[8]));

        var info = loaded.GetInfo();
        Assert.Equal((uint)ScriptLines.Length, info.LineInfoCount);
        Assert.NotEqual(0u, info.BtfId);

        var dump = Tool.Run("bpftool", "prog", "dump", "xlated", "id", info.Id.ToString(CultureInfo.InvariantCulture), "linum");
        Assert.Contains("int ktap_main(void * ctx):", dump);
        foreach (var (_, text, line, column) in ScriptLines)
        {
            // bpftool (like the verifier log) drops a line's leading blanks; the rest is as sent, bytes and all.
            Assert.Contains($"; {text.TrimStart()} [file:{File} line_num:{line} line_col:{column}]", dump);
        }
    }

    [KernelTheory]
    [InlineData(BtfLinkage.Static)]
    [InlineData(BtfLinkage.Global)]
    public void EverySubprogramHasItsFunctionAndLines(BtfLinkage linkage)
    {
        Instruction[] program =
        [
            Mov64(Register.R1, 20),                     // 0  main
            CallFunction(1),                            // 1  call helper (src 1: BPF_PSEUDO_CALL, pc-relative)
            Exit(),                                     // 2
            Mov64(Register.R0, Register.R1),            // 3  helper(x): x + 22
            Alu64(AluOperation.Add, Register.R0, 22),   // 4
            Exit(),                                     // 5
        ];
        var builder = new ProgramBtfBuilder();
        builder.AddFunction("ktap_main", 0);
        var u64 = builder.AddInt("unsigned long long", 8, signed: false);
        builder.AddFunction("ktap_helper", 3, builder.AddFunctionPrototype(u64, new BtfParameter("x", u64)), linkage);
        builder.AddLine(0, File, "trace raw_syscalls:sys_enter { print(helper(20)) }", 1, 1);
        builder.AddLine(2, File, "}", 1, 50);
        builder.AddLine(3, File, "function helper(x) { return x + 22 }", 3, 1);

        var debug = builder.Load();
        using var btf = debug.Btf;
        using var loaded = BpfProgram.Load(new ProgramSpec(ProgramType.RawTracepoint, program, "ktap_t_subprog") { DebugInfo = debug });
        Assert.Equal(42u, loaded.TestRun(new byte[8]));
        Assert.Equal(3u, loaded.GetInfo().LineInfoCount);

        var dump = Tool.Run("bpftool", "prog", "dump", "xlated", "id", loaded.GetInfo().Id.ToString(CultureInfo.InvariantCulture), "linum");
        Assert.Contains("int ktap_main(void * ctx):", dump);
        Assert.Contains("unsigned long long ktap_helper(unsigned long long x):", dump);
        Assert.Contains($"; function helper(x) {{ return x + 22 }} [file:{File} line_num:3 line_col:1]", dump);
    }

    /// <summary>The <c>int (void *ctx)</c> entry point signature suits every program type ktap loads.</summary>
    [KernelTheory]
    [InlineData(ProgramType.RawTracepoint)]
    [InlineData(ProgramType.Tracepoint)]
    [InlineData(ProgramType.Kprobe)]
    [InlineData(ProgramType.PerfEvent)]
    public void TheContextSignatureFitsEveryTracingProgramType(ProgramType type)
    {
        var builder = new ProgramBtfBuilder();
        builder.AddFunction("ktap_main", 0);
        builder.AddLine(0, File, "r0 = 0", 1, 1);
        builder.AddLine(1, File, "exit", 2, 1);
        var debug = builder.Load();
        using var btf = debug.Btf;
        using var loaded = BpfProgram.Load(new ProgramSpec(type, [Mov64(Register.R0, 0), Exit()], "ktap_t_sig") { DebugInfo = debug });
        Assert.Equal(2u, loaded.GetInfo().LineInfoCount);
    }

    [KernelFact]
    public void ARefusedBtfCarriesTheKernelsLog()
    {
        var builder = new ProgramBtfBuilder();
        builder.AddFunction("main", 0);
        var built = builder.Build();

        // Type 1 is "int": claim 3 bytes for its 32 bits.
        var blob = (byte[])built.Blob.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(24 + 8), 3);
        var error = Assert.Throws<KernelException>(() => (built with { Blob = blob }).Load());
        Assert.Equal(Errnos.EINVAL, error.Errno);
        Assert.Equal("bpf(BPF_BTF_LOAD)", error.Call);
        Assert.Contains("BTF log:", error.Message);
        Assert.Contains("[1] INT int", error.Message);
    }
}
