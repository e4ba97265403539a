using System.Globalization;
using Ktap.Bpf.Asm;
using Ktap.Compiler.Filters;
using static Ktap.Compiler.Tests.Filters.FilterTargets;

namespace Ktap.Compiler.Tests.Filters;

/// <summary>
/// The emitter's output without a kernel: its size, its shape for a few filters, and the
/// contract with the code generator. Whether the kernel accepts and agrees with it is for
/// Ktap.Runtime.Tests (Filters), which runs thousands of filters through the verifier.
/// </summary>
public sealed class FilterEmitterTests
{
    private const int StackOffset = -264;

    [Theory]
    [InlineData("pid == 42", 2)]
    [InlineData("pid != 42", 2)]
    [InlineData("common_pid == 42", 2)]
    [InlineData("cpu == 1", 2)]
    [InlineData("ret < -1", 2)]
    [InlineData("uid >= 0xffffffff", 2)]
    [InlineData("flags == 0x100000000", 4)]
    [InlineData("prio < 0", 4)]
    [InlineData("flags & 4", 3)]
    [InlineData("!(flags & 4)", 2)]
    [InlineData("pid == 1 || pid == 2", 4)]
    [InlineData("pid == 1 && ret > 0 && level <= 3", 6)]
    [InlineData("prev_comm == \"bash\"", 4)]
    [InlineData("prev_comm ~ \"ba*\"", 2)]
    [InlineData("comm == \"bash\"", 8)]
    [InlineData("filename == \"/bin/true\"", 13)]
    [InlineData("filename ~ \"*true\"", 14)]
    [InlineData("path.ustring ~ \"/tmp/*\"", 9)]
    [InlineData("comm ~ \"*sh*\"", 18)]
    [InlineData("prev_comm ~ \"*sh\"", 22)]
    public void InstructionCounts(string filter, int count) => Assert.Equal(count, Emit(filter).FilterLength);

    [Fact]
    public void AnIntegerEqualityIsALoadAndAJump() =>
        AssertProgram(
            "pid == 42",
            """
               0: (61) r0 = *(u32 *)(r6 +8)
               1: (56) if w0 != 0x2a goto pc+2
            """);

    [Fact]
    public void AShortSignedFieldIsSignExtendedForOrdering() =>
        AssertProgram(
            "prio < 0",
            """
               0: (71) r0 = *(u8 *)(r6 +48)
               1: (64) w0 <<= 24
               2: (c4) w0 s>>= 24
               3: (76) if w0 s>= 0x0 goto pc+2
            """);

    [Fact]
    public void OrSkipsTheRestOnceOneSideHolds() =>
        AssertProgram(
            "pid == 1 || !(ret < 0)",
            """
               0: (61) r0 = *(u32 *)(r6 +8)
               1: (16) if w0 == 0x1 goto pc+2
               2: (79) r0 = *(u64 *)(r6 +40)
               3: (c5) if r0 s< 0x0 goto pc+2
            """);

    [Fact]
    public void ACharArrayIsComparedInPlaceWithItsNul() =>
        AssertProgram(
            "prev_comm == \"bash\"",
            """
               0: (61) r0 = *(u32 *)(r6 +12)
               1: (56) if w0 != 0x68736162 goto pc+4
               2: (71) r0 = *(u8 *)(r6 +16)
               3: (56) if w0 != 0x0 goto pc+2
            """);

    [Fact]
    public void ADataLocStringIsCopiedThenCompared() =>
        AssertProgram(
            "filename == \"/bin/true\"",
            """
               0: (61) r3 = *(u32 *)(r6 +28)
               1: (57) r3 &= 65535
               2: (0f) r3 += r6
               3: (bf) r1 = r10
               4: (07) r1 += -264
               5: (b7) r2 = 10
               6: (85) call bpf_probe_read_kernel#113
               7: (79) r0 = *(u64 *)(r10 -264)
               8: (18) r1 = 0x7572742f6e69622f
              10: (5d) if r0 != r1 goto pc+4
              11: (69) r0 = *(u16 *)(r10 -256)
              12: (56) if w0 != 0x65 goto pc+2
            """);

    [Fact]
    public void ASubstringIsOneLoopOverThePositions() =>
        AssertProgram(
            "comm ~ \"*sh*\"",
            """
               0: (bf) r1 = r10
               1: (07) r1 += -264
               2: (b7) r2 = 16
               3: (85) call bpf_get_current_comm#16
               4: (bf) r1 = r10
               5: (07) r1 += -264
               6: (b7) r2 = 15
               7: (71) r3 = *(u8 *)(r1 +0)
               8: (15) if r3 == 0x0 goto pc+11
               9: (a7) r3 ^= 115
              10: (71) r0 = *(u8 *)(r1 +1)
              11: (a7) r0 ^= 104
              12: (4f) r3 |= r0
              13: (15) if r3 == 0x0 goto pc+4
              14: (07) r1 += 1
              15: (07) r2 += -1
              16: (55) if r2 != 0x0 goto pc-10
              17: (05) goto pc+2
            """);

    [Theory]
    [InlineData("prev_comm ~ \"abcdefghijklmnopq*\"", "if r0 == 0x0")]
    [InlineData("pid == 1 && prev_comm ~ \"abcdefghijklmnopq*\"", "if r0 == 0x0")]
    [InlineData("prev_comm ~ \"*\"", "if r0 != 0x0")]
    [InlineData("comm ~ \"**\" || pid == 1", "if r0 != 0x0")]
    public void AConstantFilterIsOneConditionalJumpToReject(string filter, string jump)
    {
        var (program, length) = Emit(filter);
        Assert.Equal(2, length);
        Assert.Equal("(b7) r0 = 0", Disassembler.Format(program, 0));
        Assert.Equal($"({(jump.Contains("==", StringComparison.Ordinal) ? "15" : "55")}) {jump} goto pc+2", Disassembler.Format(program, 1));
    }

    [Fact]
    public void AConstantSideOfAnAndOrAnOrDisappears()
    {
        Assert.Equal(Emit("pid == 1").Program, Emit("pid == 1 && comm ~ \"*\"").Program);
        Assert.Equal(Emit("pid == 1").Program, Emit("prev_comm ~ \"abcdefghijklmnopq*\" || pid == 1").Program);
    }

    [Theory]
    [InlineData("pid == 1 && ret < 0 || !(flags & 0x100000000) && prio >= -3")]
    [InlineData("comm ~ \"*a*\" && filename ~ \"*b\" || prev_comm ~ \"*c\" || path.ustring ~ \"*d*\"")]
    [InlineData("filename == \"x\" || path.ustring == \"y\" || prev_comm != \"z\" || comm ~ \"w*\"")]
    public void TheFilterKeepsToItsRegistersAndStack(string filter)
    {
        var (program, length) = Emit(filter);
        for (var i = 0; i < length; i++)
        {
            var instruction = program[i];
            if (instruction.Class is InstructionClass.Alu or InstructionClass.Alu64 or InstructionClass.Ldx or InstructionClass.Ld)
            {
                Assert.True(instruction.Destination <= Register.R5, $"instruction {i} writes {instruction.Destination}");
            }

            Assert.False(instruction.Class is InstructionClass.St or InstructionClass.Stx, $"instruction {i} stores");
            if (instruction.Class == InstructionClass.Ldx && instruction.Source == Register.R10)
            {
                Assert.InRange(instruction.Offset, StackOffset, StackOffset + FilterEmitter.StackSize - 1);
            }
        }
    }

    [Fact]
    public void TheSameFilterGivesTheSameCode() =>
        Assert.Equal(Emit("comm ~ \"*x*\" && pid > 3").Program, Emit("comm ~ \"*x*\" && pid > 3").Program);

    [Fact]
    public void TheFilterComposesWithCodeAndLabelsBeforeIt()
    {
        var builder = new ProgramBuilder();
        var early = builder.DefineLabel();
        builder.Emit(Instructions.Mov64(Register.R6, Register.R1));
        builder.Jump(JumpOperation.Jeq, Register.R6, 0, early);
        var reject = builder.DefineLabel();
        FilterEmitter.Emit(builder, Parse("pid == 1 || pid == 2"), reject, StackOffset);
        builder.MarkLabel(early);
        builder.Emit(Instructions.Mov64(Register.R0, 1), Instructions.Exit());
        builder.MarkLabel(reject);
        builder.Emit(Instructions.Mov64(Register.R0, 0), Instructions.Exit());
        Assert.Equal(
            """
               0: (bf) r6 = r1
               1: (15) if r6 == 0x0 goto pc+4
               2: (61) r0 = *(u32 *)(r6 +8)
               3: (16) if w0 == 0x1 goto pc+2
               4: (61) r0 = *(u32 *)(r6 +8)
               5: (56) if w0 != 0x2 goto pc+2
               6: (b7) r0 = 1
               7: (95) exit
               8: (b7) r0 = 0
               9: (95) exit
            """,
            Disassembler.Disassemble(builder.Build().Instructions).TrimEnd('\n'));
    }

    [Theory]
    [InlineData(-260)]
    [InlineData(-255)]
    [InlineData(-520)]
    [InlineData(0)]
    public void TheStackAreaMustFitTheFrame(int stackOffset)
    {
        var builder = new ProgramBuilder();
        Assert.Throws<ArgumentOutOfRangeException>(() => FilterEmitter.Emit(builder, Parse("pid == 1"), builder.DefineLabel(), stackOffset));
    }

    private static void AssertProgram(string filter, string expected)
    {
        var (program, length) = Emit(filter);
        var lines = Disassembler.Lines(program).Where(l => int.Parse(l.Split(':')[0], CultureInfo.InvariantCulture) < length);
        Assert.Equal(expected.TrimEnd('\n'), string.Join("\n", lines.Select(l => l.TrimEnd())));
    }

    private static (IReadOnlyList<Instruction> Program, int FilterLength) Emit(string filter)
    {
        var builder = new ProgramBuilder();
        var reject = builder.DefineLabel();
        FilterEmitter.Emit(builder, Parse(filter), reject, StackOffset);
        var length = builder.Count;
        builder.Emit(Instructions.Mov64(Register.R0, 1), Instructions.Exit());
        builder.MarkLabel(reject);
        builder.Emit(Instructions.Mov64(Register.R0, 0), Instructions.Exit());
        return (builder.Build().Instructions, length);
    }
}
