using System.Globalization;
using Ktap.Compiler.Events;

namespace Ktap.Runtime.Probes;

/// <summary>
/// A USDT marker's arguments from its note's spec string, <c>-4@%edi 8@%rax -4@-20(%rbp) 8@$5</c>
/// (&lt;sys/sdt.h&gt;: <c>SIZE@OPERAND</c>, the operand as the assembler printed it for an "nor"
/// constraint; a negative size is a signed value). A register operand reads the register's slot
/// in <c>struct pt_regs</c>; memory operands and constants cannot be described as context
/// fields yet, so the arguments stop at the first of them and the rest are listed as
/// unsupported, with the spec, for the compiler's error message.
/// </summary>
internal static class UsdtArguments
{
    public static (List<ContextField> Arguments, List<UnsupportedValue> Unsupported) Parse(string specs)
    {
        // arg0 is the marker's address (LANGUAGE.md §5: the probe address, as for uprobes).
        var arguments = new List<ContextField> { new("ip", PtRegs.Ip, 8, FieldKind.Unsigned) };
        var unsupported = new List<UnsupportedValue>();
        var index = 0;
        foreach (var spec in specs.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            index++;
            var name = "arg" + index.ToString(CultureInfo.InvariantCulture);
            var (field, reason) = ParseOne(name, spec);
            if (field is not null && unsupported.Count == 0)
            {
                arguments.Add(field);
            }
            else if (field is null)
            {
                unsupported.Add(new UnsupportedValue(name, index, $"USDT argument {name} is '{spec}': {reason}"));
            }
            else
            {
                unsupported.Add(new UnsupportedValue(name, index, $"USDT argument {name} comes after an unsupported one"));
            }
        }

        return (arguments, unsupported);
    }

    private static (ContextField? Field, string? Reason) ParseOne(string name, string spec)
    {
        // Version 1 notes (before sdt.h wrote sizes) have a bare operand: a long.
        var size = 8;
        var signed = false;
        var operand = spec;
        var at = spec.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (!int.TryParse(spec.AsSpan(0, at), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out size)
                || Math.Abs(size) is not (1 or 2 or 4 or 8))
            {
                return (null, $"the size '{spec[..at]}' is not supported (1, 2, 4 or 8 bytes, negative for signed)");
            }

            signed = size < 0;
            size = Math.Abs(size);
            operand = spec[(at + 1)..];
        }

        if (operand.StartsWith('$'))
        {
            return (null, "constant arguments are not supported yet");
        }

        if (!operand.StartsWith('%') || operand.Contains('(', StringComparison.Ordinal) || operand.Contains(':', StringComparison.Ordinal))
        {
            return (null, "arguments in memory are not supported yet");
        }

        if (PtRegs.FindAssemblerName(operand[1..]) is not { } register)
        {
            return (null, $"register '{operand}' is not in pt_regs (floating-point and vector registers are not supported)");
        }

        // A register narrower than the declared size has nothing defined above its width
        // (writing eax zeroes rax's upper half, but ax and al leave it as it was).
        var load = Math.Min(size, register.Size);
        return (new ContextField(name, register.Offset, load, signed ? FieldKind.Signed : FieldKind.Unsigned), null);
    }
}
