using System.Globalization;
using Ktap.Compiler.Events;

namespace Ktap.Runtime.Probes;

/// <summary>
/// The values a kprobe or uprobe handler reads from <c>struct pt_regs</c>, and the perf-probe
/// fetch args that add to them (<c>name=%di</c>, <c>$arg2:s32</c>, <c>$retval</c>). LANGUAGE.md
/// §5: <c>arg0</c> is the probe address (<c>regs-&gt;ip</c>); at a return probe <c>arg0</c> is
/// <c>regs-&gt;ip</c> too, which there is the address the function returns to, and <c>arg1</c>
/// the return value (<c>regs-&gt;ax</c>); then the fetch args, in the order written.
/// </summary>
/// <remarks>
/// A fetch arg reads its register's slot; its type sets the load's size and sign. On a
/// little-endian machine a 4-byte load at the slot's offset is the register's low half, so
/// <c>$retval:s32</c> is an <c>int</c> return value sign-extended, while the plain 8-byte
/// <c>arg1</c> of a function returning <c>int</c> shows -1 as 4294967295 (the upper half of rax
/// is not part of the ABI's return value).
/// </remarks>
internal static class FetchArgs
{
    public static (List<ContextField> Arguments, List<ContextField> Fields) Parse(IEnumerable<SpecToken> fetchArgs, bool isReturn)
    {
        var arguments = new List<ContextField> { new("ip", PtRegs.Ip, 8, FieldKind.Unsigned) };
        if (isReturn)
        {
            // rax as a whole: the ABI leaves a narrower return value's upper bytes undefined,
            // so a script that knows the type asks for it with $retval:s32.
            arguments.Add(new ContextField("retval", PtRegs.Ax, 8, FieldKind.Signed));
        }

        var fields = new List<ContextField>();
        foreach (var token in fetchArgs)
        {
            var field = ParseOne(token, isReturn);
            if (fields.Any(f => f.Name == field.Name))
            {
                throw Error(token, $"the name '{field.Name}' is used twice; name the fetch args apart (name=%REG)");
            }

            arguments.Add(field);
            fields.Add(field);
        }

        return (arguments, fields);
    }

    private static ContextField ParseOne(SpecToken token, bool isReturn)
    {
        var text = token.Text;
        string? name = null;
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals >= 0)
        {
            name = text[..equals];
            text = text[(equals + 1)..];
            if (!IsIdentifier(name))
            {
                throw Error(token, $"'{name}' is not a name: a fetch arg is NAME=VALUE with NAME a letter or '_' then letters, digits or '_'");
            }
        }

        string? type = null;
        var colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            type = text[(colon + 1)..];
            text = text[..colon];
        }

        var (offset, defaultName) = Value(token, text, isReturn);
        var (size, kind) = type is null ? (8, FieldKind.Unsigned) : Type(token, type);
        return new ContextField(name ?? defaultName, offset, size, kind);
    }

    /// <summary>Where in pt_regs the value is, and the name it gets without <c>NAME=</c>.</summary>
    private static (int Offset, string Name) Value(SpecToken token, string text, bool isReturn)
    {
        if (text == "%return")
        {
            throw Error(token, "'%return' goes right after the function, without a space: probe:FUNCTION%return");
        }

        if (text.StartsWith('%'))
        {
            var register = text[1..];
            return PtRegs.FindKernelName(register) is { } slot
                ? (slot.Offset, register)
                : throw Error(token, $"unknown register '%{register}'; x86-64 pt_regs has {PtRegs.KernelNameList}");
        }

        if (text == "$retval")
        {
            return isReturn
                ? (PtRegs.Ax, "retval")
                : throw Error(token, "$retval is the return value: it exists only in a %return probe");
        }

        if (text.StartsWith("$arg", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            if (n < 1)
            {
                throw Error(token, "function arguments count from $arg1");
            }

            if (isReturn)
            {
                // The argument registers are caller-saved: by the return they hold anything.
                throw Error(token, $"{text} is not available in a %return probe yet: the argument registers have been reused by then");
            }

            return n <= PtRegs.ArgumentRegisters.Count
                ? (PtRegs.FindKernelName(PtRegs.ArgumentRegisters[n - 1])!.Value.Offset, text[1..])
                : throw Error(token, $"{text} is passed on the stack (System V passes six arguments in registers): not supported yet");
        }

        var why = text switch
        {
            _ when text.StartsWith('$') => $"{text} is not supported yet (supported: %REG, $argN, $retval)",
            _ when text.StartsWith('@') => "reading memory at a symbol is not supported yet",
            _ when text.StartsWith('\\') => "immediate values are not supported yet",
            _ when text.Contains('(', StringComparison.Ordinal) => "memory dereferences are not supported yet",
            _ when text.Length == 0 => "no value: write %REG, $argN or $retval",
            _ => "variables by name need the function's debug info: not supported; use %REG or $argN",
        };
        throw Error(token, why);
    }

    /// <summary>A type suffix: load size and sign (kprobetrace.rst's types).</summary>
    private static (int Size, FieldKind Kind) Type(SpecToken token, string type)
    {
        if (type.Length >= 2 && type[0] is 'u' or 's' or 'x'
            && int.TryParse(type.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var bits)
            && bits is 8 or 16 or 32 or 64)
        {
            // x is unsigned printed in hex by the kernel; ktap prints numbers its own way.
            return (bits / 8, type[0] == 's' ? FieldKind.Signed : FieldKind.Unsigned);
        }

        return type switch
        {
            "string" or "ustring" or "symbol" or "symstr" or "char" => throw Error(token, $"the type '{type}' is not supported yet (supported: u8..u64, s8..s64, x8..x64)"),
            _ when type.StartsWith('b') && type.Contains('@', StringComparison.Ordinal) => throw Error(token, "bitfield types are not supported yet"),
            _ => throw Error(token, $"unknown type '{type}' (supported: u8, u16, u32, u64, s8, s16, s32, s64, x8..x64)"),
        };
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static ProbeResolutionException Error(SpecToken token, string why) => new(token.Span, $"fetch arg '{token.Text}': {why}");
}
