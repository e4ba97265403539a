using Ktap.Bpf.Asm;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Bpf.Tests.Asm;

public sealed class ProgramBuilderTests
{
    [Fact]
    public void ForwardJumpCountsFromTheNextInstruction()
    {
        var builder = new ProgramBuilder();
        var done = builder.DefineLabel();
        builder.Jump(JumpOperation.Jeq, Register.R1, 0, done);
        builder.Emit(Mov64(Register.R0, 1));
        builder.Emit(Mov64(Register.R0, 2));
        builder.MarkLabel(done);
        builder.Emit(Exit());

        var program = builder.Build().Instructions;
        Assert.Equal(2, program[0].Offset);
        Assert.Equal(Jump(JumpOperation.Jeq, Register.R1, 0, 2), program[0]);
    }

    [Fact]
    public void BackwardJumpIsNegative()
    {
        var builder = new ProgramBuilder();
        builder.Emit(Mov64(Register.R0, 0));
        var loop = builder.MarkNewLabel();
        builder.Emit(Alu64(AluOperation.Add, Register.R0, 1));
        builder.Jump32(JumpOperation.Jlt, Register.R0, Register.R1, loop);
        builder.Emit(Exit());

        var program = builder.Build().Instructions;
        Assert.Equal(-2, program[2].Offset);
        Assert.Equal(InstructionClass.Jmp32, program[2].Class);
    }

    [Fact]
    public void SelfJumpIsMinusOneAndJaWorks()
    {
        var builder = new ProgramBuilder();
        var here = builder.MarkNewLabel();
        builder.Ja(here);
        Assert.Equal(Ja(-1), builder.Build().Instructions[0]);
    }

    [Fact]
    public void JumpsOverAWideLoadCountBothSlots()
    {
        var builder = new ProgramBuilder();
        var skip = builder.DefineLabel();
        builder.Ja(skip);
        builder.Emit(LoadImm64(Register.R1, 1L << 40));
        builder.MarkLabel(skip);
        builder.Emit(Exit());
        Assert.Equal(2, builder.Build().Instructions[0].Offset);
    }

    [Fact]
    public void AnUnmarkedLabelFailsTheBuild()
    {
        var builder = new ProgramBuilder();
        var nowhere = builder.DefineLabel();
        builder.Emit(Mov64(Register.R0, 0));
        builder.Jump(JumpOperation.Jne, Register.R0, Register.R1, nowhere);
        builder.Emit(Exit());

        var error = Assert.Throws<InvalidOperationException>(builder.Build);
        Assert.Contains("L0", error.Message, StringComparison.Ordinal);
        Assert.Contains("instruction 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnusedUnmarkedLabelIsHarmless()
    {
        var builder = new ProgramBuilder();
        builder.DefineLabel();
        builder.Emit(Mov64(Register.R0, 0), Exit());
        Assert.Equal(2, builder.Build().Instructions.Count);
    }

    [Fact]
    public void ALabelIsMarkedOnce()
    {
        var builder = new ProgramBuilder();
        var label = builder.MarkNewLabel();
        builder.Emit(Exit());
        Assert.Throws<InvalidOperationException>(() => builder.MarkLabel(label));
    }

    [Fact]
    public void ALabelMarkedPastTheEndFailsTheBuild()
    {
        var builder = new ProgramBuilder();
        var end = builder.DefineLabel();
        builder.Ja(end);
        builder.MarkLabel(end);
        Assert.Throws<InvalidOperationException>(builder.Build);
    }

    [Fact]
    public void LabelsBelongToTheirBuilder()
    {
        var other = new ProgramBuilder().DefineLabel();
        var builder = new ProgramBuilder();
        Assert.Throws<ArgumentException>(() => builder.Ja(other));
        Assert.Throws<ArgumentException>(() => builder.MarkLabel(other));
        Assert.Throws<ArgumentException>(() => builder.Ja(default));
    }

    [Fact]
    public void OffsetsBeyondSixteenBitsAreRefused()
    {
        Assert.Equal(short.MaxValue, JumpOver(short.MaxValue).Build().Instructions[0].Offset);

        var error = Assert.Throws<InvalidOperationException>(JumpOver(short.MaxValue + 1).Build);
        Assert.Contains("16 bits", error.Message, StringComparison.Ordinal);

        var backward = new ProgramBuilder();
        var top = backward.MarkNewLabel();
        for (var i = 0; i < 40_000; i++)
        {
            backward.Emit(Mov64(Register.R0, i));
        }

        backward.Ja(top);
        Assert.Throws<InvalidOperationException>(backward.Build);
    }

    [Fact]
    public void SubprogramCallsAndReferencesResolveToImmediates()
    {
        var builder = new ProgramBuilder();
        var twice = builder.DefineLabel();
        var callback = builder.DefineLabel();
        builder.Emit(Mov64(Register.R1, 21));                  // 0
        builder.CallFunction(twice);                           // 1
        builder.LoadFunction(Register.R2, callback);           // 2, 3
        builder.Emit(Exit());                                  // 4
        builder.MarkLabel(twice);
        builder.Emit(Mov64(Register.R0, Register.R1));         // 5
        builder.Emit(Alu64(AluOperation.Lsh, Register.R0, 1)); // 6
        builder.Emit(Exit());                                  // 7
        builder.MarkLabel(callback);
        builder.Emit(Mov64(Register.R0, 0), Exit());           // 8, 9

        var assembled = builder.Build();
        var program = assembled.Instructions;
        Assert.Equal(CallFunction(3), program[1]);
        Assert.Equal((byte)PseudoSource.Call, (byte)program[1].Source);
        Assert.Equal(LoadFunction(Register.R2, 5), program.Skip(2).Take(2));
        Assert.Equal([0, 5, 8], assembled.FunctionStarts);
    }

    [Fact]
    public void TagsFollowEveryInstructionSlot()
    {
        var builder = new ProgramBuilder();
        builder.Emit(Mov64(Register.R0, 0));
        builder.Tag = 42;
        builder.Emit(LoadImm64(Register.R1, 5));
        var label = builder.DefineLabel();
        builder.Jump(JumpOperation.Jeq, Register.R1, 5, label);
        builder.Tag = 7;
        builder.MarkLabel(label);
        builder.Emit(Exit());

        var assembled = builder.Build();
        Assert.Equal([0, 42, 42, 42, 7], assembled.Tags);
        Assert.Equal(assembled.Instructions.Count, assembled.Tags.Count);
        Assert.Equal(5, builder.Count);
    }

    [Fact]
    public void TheSameCallsBuildTheSameProgram()
    {
        static AssembledProgram Make()
        {
            var builder = new ProgramBuilder();
            var exit = builder.DefineLabel();
            var function = builder.DefineLabel();
            builder.Emit(Mov64(Register.R6, Register.R1));
            builder.Jump(JumpOperation.Jsgt, Register.R6, -3, exit);
            builder.CallFunction(function);
            builder.MarkLabel(exit);
            builder.Emit(Exit());
            builder.MarkLabel(function);
            builder.Emit(Mov64(Register.R0, 1), Exit());
            return builder.Build();
        }

        var first = Make();
        var second = Make();
        Assert.Equal(first.Instructions.Select(i => i.Encode()), second.Instructions.Select(i => i.Encode()));
        Assert.Equal(first.Tags, second.Tags);
    }

    [Fact]
    public void BuildingTwiceGivesTheSameResultAndTheBuilderGoesOn()
    {
        var builder = new ProgramBuilder();
        var end = builder.DefineLabel();
        builder.Ja(end);
        builder.MarkLabel(end);
        builder.Emit(Exit());
        var first = builder.Build();
        Assert.Equal(first.Instructions, builder.Build().Instructions);

        builder.Emit(Exit());
        Assert.Equal(3, builder.Build().Instructions.Count);
        Assert.Equal(2, first.Instructions.Count);
    }

    private static ProgramBuilder JumpOver(int count)
    {
        var builder = new ProgramBuilder();
        var target = builder.DefineLabel();
        builder.Ja(target);
        for (var i = 0; i < count; i++)
        {
            builder.Emit(Mov64(Register.R0, i));
        }

        builder.MarkLabel(target);
        builder.Emit(Exit());
        return builder;
    }
}
