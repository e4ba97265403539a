using System.Globalization;
using System.Text;

namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// <c>%p</c> and its extensions, after pointer() in lib/vsprintf.c. The ones that read memory
/// (<c>%pM</c>, <c>%pI4</c>, <c>%pU</c>, <c>%ph</c>, <c>%pb</c>, ...) work when the pointer is
/// into the record; a kernel address this process cannot read prints the kernel's "(null)" or
/// "(efault)" where the kernel would, else a placeholder. Plain <c>%p</c> prints the address
/// unhashed, as the kernel does with the <c>hash-ptr</c> trace option off: the hashed form
/// depends on a key only the kernel knows.
/// </summary>
internal static class PointerFormat
{
    /// <summary>Bytes of the kernel's first page: a pointer below is reported as "(efault)" (check_pointer_msg()).</summary>
    private const ulong PageSize = 4096;

    /// <summary>The highest errno an ERR_PTR() encodes (MAX_ERRNO).</summary>
    private const ulong MaxErrno = 4095;

    public static void Append(StringBuilder output, PrintValue value, FormatSpec spec, PrintEnvironment environment)
    {
        var extension = spec.PointerExtension;
        var kind = extension.Length > 0 ? extension[0] : '\0';
        var next = extension.Length > 1 ? extension[1] : '\0';
        switch (kind)
        {
            case 'S' or 's' or 'B':
                WithAddress(output, value, spec, address => Symbol(address, kind, environment.Symbols), asString: true);
                return;
            case 'x' or 'K':
                // %pK prints the real address to a reader with CAP_SYSLOG under kptr_restrict 1,
                // and hashes it under 0: like plain %p, unhashed here.
                WithAddress(output, value, spec, address => PointerString(address, spec));
                return;
            case 'e' when value.Kind == PrintValueKind.Integer && IsError(value.Bits):
                // err_ptr(): the kernel prints the errno's name (-ENOMEM) with
                // CONFIG_SYMBOLIC_ERRNAME, the number without it; no event of Linux 6.18 uses
                // %pe, so the number it is.
                KernelNumberFormat.AppendNumber(output, value.Bits, spec.Flags | FormatFlags.Sign, 10, spec.Width, spec.Precision);
                return;
            case 'M' or 'm':
                WithMemory(output, value, spec, 6, bytes => NetworkAddressFormat.Mac(bytes, extension));
                return;
            case 'I' or 'i':
                WithMemory(output, value, spec, next == 'S' ? 28 : next == '6' ? 16 : 4, bytes => NetworkAddressFormat.Format(bytes, extension));
                return;
            case 'U':
                WithMemory(output, value, spec, 16, bytes => Uuid(bytes, next));
                return;
            case 'h':
                AppendHex(output, value, spec, next);
                return;
            case 'b':
                AppendBitmap(output, value, spec, next == 'l');
                return;
            case 'a':
                WithMemory(output, value, spec, 8, bytes => SpecialHex(PrintEvaluator.ReadInteger(bytes, 8), 8), padded: false);
                return;
            case 'k' or 'u':
                AppendUserOrKernelString(output, value, spec, next);
                return;
            case 'f' when next != 'w':
                // %pf and %pF (function descriptors) were removed in Linux 5.5; 'f' is now the
                // fwnode extension, which only knows "%pfw".
                KernelNumberFormat.AppendError(output, "(%pf?)", spec.Flags, spec.Width, spec.Precision);
                return;
            case var _ when ReadsKernelObject(extension):
                WithMemory(output, value, spec, 1, _ => PrintValue.Placeholder("%p" + extension), unreadable: "%p" + extension);
                return;
            default:
                WithAddress(output, value, spec, address => PointerString(address, spec));
                return;
        }
    }

    /// <summary>
    /// Extensions that print a kernel object (resources, escaped strings, va_format, netdev
    /// features, fourcc codes, dentries, files, times, clocks, block devices, flags, device tree
    /// and firmware nodes): this process cannot read them.
    /// </summary>
    public static bool ReadsKernelObject(string extension) =>
        extension.Length > 0 && (extension[0] is 'R' or 'r' or 'E' or 'V' or 'N' or '4' or 'd' or 'D' or 't' or 'C' or 'g' or 'G' or 'O'
            || extension.StartsWith("fw", StringComparison.Ordinal));

    /// <summary>pointer_string(): the address in hex, 16 digits zero-padded unless a width is given.</summary>
    private static string PointerString(ulong address, FormatSpec spec)
    {
        var text = new StringBuilder(16);
        var flags = spec.Flags | FormatFlags.Small;
        var width = spec.Width;
        if (width == -1)
        {
            width = 16;
            flags |= FormatFlags.ZeroPad;
        }

        KernelNumberFormat.AppendNumber(text, address, flags, 16, width, spec.Precision);
        return text.ToString();
    }

    /// <summary>
    /// sprint_symbol() and kin in kernel/kallsyms.c: <c>name+0xoff/0xsize</c>, <c>name</c> for
    /// <c>%ps</c>, <c> [module]</c> after a module's symbol, and <c>0x%lx</c> of the address when
    /// no symbol holds it. <c>%pB</c> looks up the address before (a return address may be just
    /// past the end of a noreturn call's function) and adds the byte back to the offset.
    /// </summary>
    private static string Symbol(ulong address, char kind, IKernelSymbolResolver? symbols)
    {
        var lookup = kind == 'B' ? address - 1 : address;
        if (symbols?.Resolve(lookup) is not { } found)
        {
            return KernelNumberFormat.Hex(address);
        }

        var name = found.Symbol.Name;
        if (kind != 's')
        {
            var offset = kind == 'B' ? found.Offset + 1 : found.Offset;
            name = string.Create(CultureInfo.InvariantCulture, $"{name}+0x{offset:x}/0x{found.Size:x}");
        }

        return found.Symbol.Module is { } module ? $"{name} [{module}]" : name;
    }

    /// <summary>
    /// An extension that prints the address itself, which needs a kernel address, not record
    /// memory. Symbols are padded as strings (string_nocheck()); pointer_string() pads by itself.
    /// </summary>
    private static void WithAddress(StringBuilder output, PrintValue value, FormatSpec spec, Func<ulong, string> format, bool asString = false)
    {
        switch (value.Kind)
        {
            case PrintValueKind.Integer when asString:
                KernelNumberFormat.AppendString(output, format(value.Bits), spec.Flags, spec.Width, spec.Precision);
                return;
            case PrintValueKind.Integer:
                output.Append(format(value.Bits));
                return;
            case PrintValueKind.Memory:
                output.Append(PrintValue.Placeholder("address of record data"));
                return;
            default:
                output.Append(PrintValue.Placeholder(value.Reason!));
                return;
        }
    }

    /// <summary>
    /// An extension that reads what the pointer points to. A kernel address is checked like
    /// check_pointer() does, "(null)" or "(efault)"; any other is memory we cannot read.
    /// </summary>
    private static void WithMemory(
        StringBuilder output, PrintValue value, FormatSpec spec, int size, Func<byte[], string> format, bool padded = true, string unreadable = "kernel memory")
    {
        switch (value.Kind)
        {
            case PrintValueKind.Memory:
                var bytes = new byte[Math.Max(size, 0)];
                var memory = value.Memory.Span;
                memory[..Math.Min(memory.Length, bytes.Length)].CopyTo(bytes);
                var text = format(bytes);
                if (padded)
                {
                    KernelNumberFormat.AppendString(output, text, spec.Flags, spec.Width, spec.Precision);
                }
                else
                {
                    output.Append(text);
                }

                return;
            case PrintValueKind.Integer when CheckPointer(value.Bits) is { } error:
                KernelNumberFormat.AppendError(output, error, spec.Flags, spec.Width, spec.Precision);
                return;
            case PrintValueKind.Integer:
                output.Append(PrintValue.Placeholder(unreadable));
                return;
            default:
                output.Append(PrintValue.Placeholder(value.Reason!));
                return;
        }
    }

    /// <summary>check_pointer_msg(): what the kernel prints instead of reading a bad pointer, or null.</summary>
    public static string? CheckPointer(ulong address) =>
        address == 0 ? "(null)" : address < PageSize || IsError(address) ? "(efault)" : null;

    private static bool IsError(ulong address) => address >= unchecked(0ul - MaxErrno);

    private static string SpecialHex(ulong number, int size)
    {
        var text = new StringBuilder(2 + (2 * size));
        KernelNumberFormat.AppendSpecialHex(text, number, size);
        return text.ToString();
    }

    /// <summary>
    /// <c>%pU</c>: 16 bytes as 8-4-4-4-12 hex digits; <c>b</c> (the default) in byte order,
    /// <c>l</c> with the first three groups little-endian (a GUID); capital letters for upper case.
    /// </summary>
    private static string Uuid(ReadOnlySpan<byte> bytes, char variant)
    {
        ReadOnlySpan<int> uuidOrder = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        ReadOnlySpan<int> guidOrder = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
        var order = variant is 'l' or 'L' ? guidOrder : uuidOrder;
        var format = variant is 'L' or 'B' ? "X2" : "x2";
        var text = new StringBuilder(36);
        for (var i = 0; i < 16; i++)
        {
            text.Append(bytes[order[i]].ToString(format, CultureInfo.InvariantCulture));
            if (i is 3 or 5 or 7 or 9)
            {
                text.Append('-');
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// <c>%ph</c>: the width is the byte count (1 without one, at most 64); bytes separated by a
    /// space, or by <c>:</c> (<c>C</c>), <c>-</c> (<c>D</c>) or nothing (<c>N</c>).
    /// </summary>
    private static void AppendHex(StringBuilder output, PrintValue value, FormatSpec spec, char variant)
    {
        if (spec.Width == 0)
        {
            return;
        }

        var length = spec.Width > 0 ? Math.Min(spec.Width, 64) : 1;
        var separator = variant switch { 'C' => ":", 'D' => "-", 'N' => string.Empty, _ => " " };
        var noPadding = spec with { Width = -1 };
        WithMemory(output, value, noPadding, length, bytes => string.Join(separator, bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture))), padded: false);
    }

    /// <summary>
    /// <c>%*pb</c>: a bitmap of width bits in hex, 32-bit chunks separated by commas, highest
    /// first; <c>%*pbl</c>: the set bits as a list of ranges, <c>0-3,8</c>.
    /// </summary>
    private static void AppendBitmap(StringBuilder output, PrintValue value, FormatSpec spec, bool asList)
    {
        var bits = Math.Max(spec.Width, 0);
        var noPadding = spec with { Width = -1 };
        WithMemory(output, value, noPadding, (bits + 7) / 8, bytes => asList ? BitmapFormat.List(bytes, bits) : BitmapFormat.Hex(bytes, bits), padded: false);
    }

    /// <summary><c>%pks</c> and <c>%pus</c> (BPF's strings from kernel or user memory): a string when the bytes are here.</summary>
    private static void AppendUserOrKernelString(StringBuilder output, PrintValue value, FormatSpec spec, char variant)
    {
        if (variant != 's')
        {
            KernelNumberFormat.AppendError(output, "(einval)", spec.Flags, spec.Width, spec.Precision);
        }
        else if (value.Kind == PrintValueKind.Memory)
        {
            KernelNumberFormat.AppendString(output, value.Memory.Span, spec.Flags, spec.Width, spec.Precision);
        }
        else
        {
            WithMemory(output, value, spec, 0, _ => string.Empty);
        }
    }
}
