using Ktap.Bpf.Asm;

namespace Ktap.Bpf.Tests.Programs;

/// <summary>
/// Instructions by their raw opcodes (Documentation/bpf/standardization/instruction-set.rst), so
/// these tests check the loader and maps without depending on the assembler under test elsewhere.
/// </summary>
internal static class RawAssembly
{
    public static Instruction MovImm(Register dst, int imm) => Instruction.Create(0xb7, dst, Register.R0, 0, imm);

    public static Instruction MovReg(Register dst, Register src) => Instruction.Create(0xbf, dst, src, 0, 0);

    public static Instruction AddImm(Register dst, int imm) => Instruction.Create(0x07, dst, Register.R0, 0, imm);

    public static Instruction LoadDw(Register dst, Register src, short off) => Instruction.Create(0x79, dst, src, off, 0);

    public static Instruction StoreDw(Register dst, short off, Register src) => Instruction.Create(0x7b, dst, src, off, 0);

    public static Instruction StoreWordImm(Register dst, short off, int imm) => Instruction.Create(0x62, dst, Register.R0, off, imm);

    public static Instruction JumpIfZero(Register dst, short off) => Instruction.Create(0x15, dst, Register.R0, off, 0);

    public static Instruction Call(int helper) => Instruction.Create(0x85, Register.R0, Register.R0, 0, helper);

    public static Instruction Exit() => Instruction.Create(0x95, Register.R0, Register.R0, 0, 0);

    /// <summary><c>lddw dst, map</c>: src 1 (BPF_PSEUDO_MAP_FD) makes the verifier swap the fd for the map.</summary>
    public static Instruction[] LoadMap(Register dst, int fd) =>
        [Instruction.Create(0x18, dst, Register.R1, 0, fd), new Instruction(0, 0, 0, 0)];

    /// <summary><c>r0 = 0; exit</c>.</summary>
    public static Instruction[] ReturnZero() => [MovImm(Register.R0, 0), Exit()];
}
