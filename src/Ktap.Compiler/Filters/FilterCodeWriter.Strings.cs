using System.Buffers.Binary;
using System.Text;
using Ktap.Bpf.Asm;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.Filters;

/// <summary>
/// String predicates. A <c>char[]</c> field is compared in place, loading the context directly;
/// any other string is first copied to the filter's stack area (<c>bpf_get_current_comm</c>,
/// <c>bpf_probe_read_kernel</c> from the record for a <c>__data_loc</c> string, or
/// <c>bpf_probe_read_user_str</c> through a pointer). Exact and prefix tests then compare the
/// known bytes of the literal, unrolled; suffix and substring tests scan (see Scan).
/// </summary>
internal sealed partial class FilterCodeWriter
{
    /// <summary>The filter's answer when it does not depend on the string, else null.</summary>
    private static bool? StringConstant(StringPredicate predicate)
    {
        var length = predicate.Pattern.Length;
        if (length == 0 && predicate.Match != StringMatch.Exact)
        {
            return true; // "*", "**": every string matches
        }

        var size = predicate.Subject.Kind switch
        {
            SubjectKind.CharArray => predicate.Subject.Size,
            SubjectKind.Comm => predicate.Subject.Size,
            _ => FilterEmitter.StackSize,
        };
        return predicate.Match switch
        {
            // The kernel's prefix test on a fixed array (regex_match_front) is false when the
            // array is shorter than the prefix.
            StringMatch.Prefix when length > size => false,
            StringMatch.Suffix or StringMatch.Contains when ScanWidth(predicate) > ScannedBytes(predicate) => false,
            _ => null,
        };
    }

    private void EmitString(StringPredicate predicate, Label target, bool jumpIf)
    {
        var subject = predicate.Subject;
        var pattern = Encoding.Latin1.GetBytes(predicate.Pattern);
        var terminated = (byte[])[.. pattern, 0];
        var match = predicate.Match;
        switch (subject.Kind)
        {
            case SubjectKind.CharArray when match == StringMatch.Exact:
                // strncmp semantics over the array: the literal and its NUL, or as much as fits.
                CompareBytes(Context, subject.Offset, terminated.AsSpan(0, Math.Min(terminated.Length, subject.Size)), target, jumpIf);
                return;
            case SubjectKind.CharArray when match == StringMatch.Prefix:
                CompareBytes(Context, subject.Offset, pattern, target, jumpIf);
                return;
            case SubjectKind.CharArray:
                // _str stops at the array's NUL, or adds one after a full array.
                builder.Emit(Mov64(Register.R3, Context), Alu64(AluOperation.Add, Register.R3, subject.Offset));
                ReadToStack(HelperFunction.ProbeReadKernelStr, ScannedBytes(predicate));
                break;
            case SubjectKind.Comm:
                ReadToStack(HelperFunction.GetCurrentComm, subject.Size);
                break;
            case SubjectKind.DataLocString when match == StringMatch.Suffix:
                EmitDataLocSuffix(subject, pattern, target, jumpIf);
                return;
            case SubjectKind.DataLocString:
                // The u32 at the field: offset of the string in the record (low half), length
                // with its NUL (high half). Only the bytes compared are copied; a substring test
                // takes the string up to its NUL.
                LoadDataLocAddress(subject);
                ReadToStack(
                    match == StringMatch.Contains ? HelperFunction.ProbeReadKernelStr : HelperFunction.ProbeReadKernel,
                    match switch
                    {
                        StringMatch.Exact => terminated.Length,
                        StringMatch.Prefix => pattern.Length,
                        _ => ScannedBytes(predicate),
                    });
                break;
            case SubjectKind.UserString:
                // One byte more than compared: _str truncates with a NUL, and "abcd" cut to the
                // size of "abc" would otherwise pass as "abc".
                builder.Emit(Load(MemorySize.DoubleWord, Register.R3, Context, Offset(subject.Offset)));
                ReadToStack(
                    HelperFunction.ProbeReadUserStr,
                    match switch
                    {
                        StringMatch.Exact => terminated.Length + 1,
                        StringMatch.Prefix => pattern.Length + 1,
                        _ => ScannedBytes(predicate),
                    });
                break;
            default:
                throw new ArgumentException($"{subject.Name} is not a string", nameof(predicate));
        }

        switch (match)
        {
            case StringMatch.Exact:
                var size = subject.Kind == SubjectKind.Comm ? Math.Min(terminated.Length, subject.Size) : terminated.Length;
                CompareBytes(Register.R10, stackOffset, terminated.AsSpan(0, size), target, jumpIf);
                break;
            case StringMatch.Prefix:
                CompareBytes(Register.R10, stackOffset, pattern, target, jumpIf);
                break;
            default:
                Scan(match == StringMatch.Suffix ? terminated : pattern, ScannedBytes(predicate), target, jumpIf);
                break;
        }
    }

    /// <summary>
    /// <c>~ "*suffix"</c> on a <c>__data_loc</c> string: its length is in the record, so only the
    /// last bytes are copied and compared, as the kernel does (regex_match_end).
    /// </summary>
    private void EmitDataLocSuffix(FilterSubject subject, byte[] pattern, Label target, bool jumpIf)
    {
        var fail = jumpIf ? builder.DefineLabel() : target;
        builder.Emit(
            Load(MemorySize.Word, Register.R0, Context, Offset(subject.Offset)),
            Mov64(Register.R3, Register.R0),
            Alu64(AluOperation.And, Register.R3, 0xffff),
            Alu64(AluOperation.Rsh, Register.R0, 16));

        // The length counts the NUL: a string shorter than the suffix fails.
        builder.Jump(JumpOperation.Jlt, Register.R0, pattern.Length + 1, fail);
        builder.Emit(
            Alu64(AluOperation.Add, Register.R3, Register.R0),
            Alu64(AluOperation.Add, Register.R3, -(pattern.Length + 1)),

            // The context pointer plus a variable offset may go to a helper (see ReadToStack);
            // only loads through it are refused ("variable ctx access var_off=... disallowed").
            Alu64(AluOperation.Add, Register.R3, Context));
        ReadToStack(HelperFunction.ProbeReadKernel, pattern.Length);
        CompareBytes(Register.R10, stackOffset, pattern, target, jumpIf);
        if (jumpIf)
        {
            builder.MarkLabel(fail);
        }
    }

    /// <summary>R3 = the context pointer plus the string's offset from the <c>__data_loc</c> word.</summary>
    private void LoadDataLocAddress(FilterSubject subject) =>
        builder.Emit(
            Load(MemorySize.Word, Register.R3, Context, Offset(subject.Offset)),
            Alu64(AluOperation.And, Register.R3, 0xffff),
            Alu64(AluOperation.Add, Register.R3, Context));

    /// <summary>
    /// <c>helper(stack area, size, R3)</c>: R3 already holds the source (unused by
    /// get_current_comm). A constant size tells the verifier exactly which stack bytes the helper
    /// initialises; the compares read only those. When R3 is the context pointer plus an offset,
    /// the verifier lets it through the probe_read helpers' "any value" argument only for a loader
    /// with CAP_PERFMON (it would otherwise leak a kernel address: "R3 leaks addr into helper
    /// function", check_func_arg); ktap runs as root.
    /// </summary>
    private void ReadToStack(HelperFunction helper, int size) =>
        builder.Emit(
            Mov64(Register.R1, Register.R10),
            Alu64(AluOperation.Add, Register.R1, stackOffset),
            Mov64(Register.R2, size),
            Call(helper));

    /// <summary>
    /// Jumps when the bytes at <c>baseRegister + offset</c> equal <paramref name="expected"/>
    /// (<paramref name="jumpIf"/> true) or differ from them (false), with the widest loads the
    /// alignment allows: the verifier refuses a context or stack access that is not aligned to
    /// its size (check_ptr_alignment is strict for the stack; the context's is_valid_access
    /// checks off % size).
    /// </summary>
    private void CompareBytes(Register baseRegister, int offset, ReadOnlySpan<byte> expected, Label target, bool jumpIf)
    {
        if (expected.IsEmpty)
        {
            if (jumpIf)
            {
                builder.Ja(target);
            }

            return;
        }

        var mismatch = jumpIf ? builder.DefineLabel() : target;
        for (var position = 0; position < expected.Length;)
        {
            var size = ChunkSize(offset + position, expected.Length - position);
            var chunk = expected.Slice(position, size);
            var value = size switch
            {
                1 => chunk[0],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(chunk),
                4 => BinaryPrimitives.ReadUInt32LittleEndian(chunk),
                _ => BinaryPrimitives.ReadInt64LittleEndian(chunk),
            };
            builder.Emit(Load(SizeOf(size), Register.R0, baseRegister, Offset(offset + position)));
            position += size;

            // When jumping on a match, the last chunk jumps on equality and a mismatch falls through.
            var (operation, destination) = jumpIf && position == expected.Length
                ? (JumpOperation.Jeq, target)
                : (JumpOperation.Jne, mismatch);
            if (size == 8)
            {
                Jump64(operation, value, destination);
            }
            else
            {
                builder.Jump32(operation, Register.R0, (int)value, destination);
            }
        }

        if (jumpIf)
        {
            builder.MarkLabel(mismatch);
        }
    }

    /// <summary>The widest of 8, 4, 2, 1 bytes that fits what is left and is aligned at <paramref name="address"/>.</summary>
    private static int ChunkSize(int address, int remaining)
    {
        var size = 8;
        while (size > remaining || (address & (size - 1)) != 0)
        {
            size /= 2;
        }

        return size;
    }
}
