using Ktap.Bpf.Asm;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.Filters;

internal sealed partial class FilterCodeWriter
{
    /// <summary>How many bytes of the string a suffix or substring test copies to the stack and may read.</summary>
    private static int ScannedBytes(StringPredicate predicate) => predicate.Subject.Kind switch
    {
        SubjectKind.CharArray => Math.Min(predicate.Subject.Size + 1, FilterEmitter.StackSize),
        SubjectKind.Comm => predicate.Subject.Size,
        _ => FilterEmitter.StackSize,
    };

    /// <summary>The bytes compared at each position: a suffix is the literal and the string's NUL.</summary>
    private static int ScanWidth(StringPredicate predicate) =>
        predicate.Pattern.Length + (predicate.Match == StringMatch.Suffix ? 1 : 0);

    /// <summary>
    /// Whether <paramref name="window"/> occurs in the NUL-terminated string copied to the stack
    /// area (<paramref name="bytes"/> of it initialised); a suffix is the literal with its NUL,
    /// which can only match at the string's end. One loop over the start positions:
    /// <code>
    ///     r1 = stack area; r2 = positions
    /// loop:
    ///     r3 = r1[0]; if r3 == 0 goto notFound    the string ended: no match here or later
    ///     r3 ^= w[0]; r0 = r1[j]; r0 ^= w[j]; r3 |= r0 ...
    ///     if r3 == 0 goto found
    ///     r1 += 1; r2 -= 1; if r2 != 0 goto loop
    /// notFound:
    /// </code>
    /// The window is compared without a branch per byte (XOR, OR, one test) so each iteration
    /// leaves the verifier two pending branches, not one per byte: it walks every iteration of a
    /// bounded loop (kernel 5.3) and gives up past 8192 pending branches
    /// (BPF_COMPLEXITY_LIMIT_JMP_SEQ). Bytes are loaded one at a time because the position moves
    /// by one and stack loads must be aligned to their size. A match means the window's bytes
    /// equal the literal's, none of them NUL, so it lies inside the string; positions past the
    /// NUL are never tried, so stale bytes behind a short string cannot match.
    /// </summary>
    private void Scan(ReadOnlySpan<byte> window, int bytes, Label target, bool jumpIf)
    {
        var positions = bytes - window.Length + 1;
        var done = builder.DefineLabel();
        var (found, notFound) = jumpIf ? (target, done) : (done, target);
        builder.Emit(
            Mov64(Register.R1, Register.R10),
            Alu64(AluOperation.Add, Register.R1, stackOffset),
            Mov64(Register.R2, positions));
        var loop = builder.MarkNewLabel();
        builder.Emit(Load(MemorySize.Byte, Register.R3, Register.R1, 0));
        builder.Jump(JumpOperation.Jeq, Register.R3, 0, notFound);
        builder.Emit(Alu64(AluOperation.Xor, Register.R3, window[0]));
        for (var j = 1; j < window.Length; j++)
        {
            builder.Emit(Load(MemorySize.Byte, Register.R0, Register.R1, (short)j));
            if (window[j] != 0)
            {
                builder.Emit(Alu64(AluOperation.Xor, Register.R0, window[j]));
            }

            builder.Emit(Alu64(AluOperation.Or, Register.R3, Register.R0));
        }

        builder.Jump(JumpOperation.Jeq, Register.R3, 0, found);
        builder.Emit(Alu64(AluOperation.Add, Register.R1, 1), Alu64(AluOperation.Add, Register.R2, -1));
        builder.Jump(JumpOperation.Jne, Register.R2, 0, loop);
        if (!jumpIf)
        {
            builder.Ja(target);
        }

        builder.MarkLabel(done);
    }
}
