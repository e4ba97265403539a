using Ktap.Runtime.Kernel;

namespace Ktap.Runtime.Tests.Kernel;

/// <summary>Reading verifier logs as the kernel writes them (Linux 6.18); no kernel needed.</summary>
public sealed class VerifierLogReaderTests
{
    private const string Level1 = """
        arg#0 reference type('UNKNOWN ') size cannot be determined: -22
        0: R1=ctx() R10=fp0
        ; trace raw_syscalls:sys_enter { @ d.kp:2
        0: (bf) r6 = r1                       ; R1=ctx() R6=ctx()
        ; counts[arg0] += 1 @ d.kp:3
        1: (79) r7 = *(u64 *)(r6 +0)          ; R6=ctx() R7=scalar()
        13: (05) goto pc+11
        ; if (arg1 > 5) { @ d.kp:4
        25: (79) r7 = *(u64 *)(r6 +8)         ; R6=ctx() R7=scalar()
        mark_precise: frame0: regs=r7 stack= before 25: (79) r7 = *(u64 *)(r6 +8)
        26: R7=scalar()
        ; printf("big %d\n", arg1) @ d.kp:5
        27: (b7) r10 = 0
        frame pointer is read only
        processed 16 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0

        """;

    [Fact]
    public void TheLastInstructionPrintedIsWhereTheVerifierStopped() => Assert.Equal(27, VerifierLogReader.LastInstruction(Level1));

    [Fact]
    public void TheReasonIsTheLastLineAboveTheStatistics() => Assert.Equal("frame pointer is read only", VerifierLogReader.Reason(Level1));

    [Fact]
    public void TheLastSourceLineIsTheNumberAfterTheFile() => Assert.Equal(5, VerifierLogReader.LastSourceLine(Level1));

    [Fact]
    public void ASourceLineMayHoldAtSignsAndColons() =>
        Assert.Equal(12, VerifierLogReader.LastSourceLine("; printf(\"a @ b:7\") @ dir:x/s.kp:12\n0: (95) exit\n"));

    [Fact]
    public void BeforeAnyInstructionTheMessageNamesOne()
    {
        Assert.Equal(10, VerifierLogReader.LastInstruction("back-edge from insn 10 to 5\nprocessed 0 insns (limit 1000000)\n"));
        Assert.Equal(3, VerifierLogReader.LastInstruction("jump out of range from insn 3 to 10003\n"));
        Assert.Null(VerifierLogReader.LastInstruction("unknown opcode 8d\n"));
    }

    [Fact]
    public void TheTailKeepsTheLastLines()
    {
        Assert.Equal(
            ["27: (b7) r10 = 0", "frame pointer is read only", "processed 16 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0"],
            VerifierLogReader.Tail(Level1, 3));
        Assert.Equal(["only"], VerifierLogReader.Tail("only\n", 10));
    }
}
