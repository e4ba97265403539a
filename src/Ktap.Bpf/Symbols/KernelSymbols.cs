using System.Globalization;
using System.Text;
using Ktap.Bpf.Text;

namespace Ktap.Bpf.Symbols;

/// <summary>
/// The kernel's symbol table from <c>/proc/kallsyms</c>, read once and searched by address
/// (stack traces, <c>ksym()</c>) and by name or glob (probe expansion, <c>kaddr()</c>).
/// </summary>
/// <remarks>
/// kallsyms is ~120k lines (more with modules and CONFIG_KALLSYMS_ALL), so the parser works on
/// the file's bytes: names stay slices of the text until a caller asks for one, and addresses are
/// parsed straight from hex. The table is a snapshot; modules loaded later and BPF programs
/// (listed as <c>bpf_prog_&lt;tag&gt;_&lt;name&gt; [bpf]</c>) need a fresh <see cref="Load"/>.
/// <para>
/// Without the right to see kernel addresses every address reads as 0: that is
/// <c>kernel.kptr_restrict</c> ≥ 1 without CAP_SYSLOG, or 0 with
/// <c>kernel.perf_event_paranoid</c> ≥ 2 and no CAP_SYSLOG (kallsyms_show_value() in
/// kernel/ksyms_common.c). Names are still listed, so globbing works, but
/// <see cref="AddressesHidden"/> is set and every question about an address throws.
/// </para>
/// </remarks>
public sealed class KernelSymbols
{
    public const string DefaultPath = "/proc/kallsyms";

    private static readonly Lazy<KernelSymbols> SharedTable = new(() => Load(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly byte[] text;
    private readonly ulong[] addresses;
    private readonly int[] nameStarts;
    private readonly int[] nameLengths;
    private readonly byte[] types;
    private readonly short[] moduleIds;
    private readonly string[] modules;
    private NameIndex? nameIndex;
    private string?[]? names;

    private KernelSymbols(
        string source, byte[] text, ulong[] addresses, int[] nameStarts, int[] nameLengths, byte[] types,
        short[] moduleIds, string[] modules)
    {
        Source = source;
        this.text = text;
        this.addresses = addresses;
        this.nameStarts = nameStarts;
        this.nameLengths = nameLengths;
        this.types = types;
        this.moduleIds = moduleIds;
        this.modules = modules;
        AddressesHidden = addresses.Length > 0 && addresses[^1] == 0;
    }

    /// <summary>
    /// The running kernel's table, read from <c>/proc/kallsyms</c> the first time it is asked
    /// for and then kept (DESIGN §3: loaded lazily and only once).
    /// </summary>
    public static KernelSymbols Shared => SharedTable.Value;

    /// <summary>Where the table was read from (a path, or a name given to <see cref="Parse"/>).</summary>
    public string Source { get; }

    public int Count => addresses.Length;

    /// <summary>
    /// Every address read as 0: the kernel hides them from this process (see the remarks).
    /// <see cref="Resolve"/> and <see cref="Lookup"/> then throw rather than answer wrongly.
    /// </summary>
    public bool AddressesHidden { get; }

    /// <summary>The modules that have symbols in the table, in the order first seen.</summary>
    public IReadOnlyList<string> Modules => modules;

    /// <summary>The symbols in address order; symbols at one address keep the file's order.</summary>
    public KernelSymbol this[int index] => Symbol(index);

    /// <summary>Reads and parses a kallsyms file (by default the running kernel's).</summary>
    public static KernelSymbols Load(string path = DefaultPath)
    {
        var (bytes, length) = ReadAll(path);
        return Parse(bytes, length, path);
    }

    /// <summary>Parses kallsyms text: <c>&lt;hex address&gt; &lt;type&gt; &lt;name&gt;[\t[module]]</c> per line.</summary>
    public static KernelSymbols Parse(byte[] text, int length, string source = "kallsyms")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, text.Length);

        // About 40 bytes a line; lists grow if the guess is short.
        var capacity = Math.Max(16, length / 36);
        var addresses = new List<ulong>(capacity);
        var nameStarts = new List<int>(capacity);
        var nameLengths = new List<int>(capacity);
        var types = new List<byte>(capacity);
        var moduleIds = new List<short>(capacity);
        var modules = new List<string>();
        var moduleIndex = new Dictionary<string, short>(StringComparer.Ordinal);
        var lastModule = ReadOnlySpan<byte>.Empty;
        short lastModuleId = -1;

        var all = text.AsSpan(0, length);
        var position = 0;
        while (position < length)
        {
            var end = all[position..].IndexOf((byte)'\n');
            end = end < 0 ? length : position + end;
            var line = all[position..end];
            if (!line.IsEmpty)
            {
                // Address: hex digits up to the first space.
                ulong address = 0;
                var i = 0;
                for (; i < line.Length && line[i] != ' '; i++)
                {
                    var digit = HexValue(line[i]);
                    if (digit < 0 || i >= 16)
                    {
                        throw Malformed(source, all, position, "the address is not a 64-bit hex number");
                    }

                    address = (address << 4) | (uint)digit;
                }

                // " T name": a space, one type letter, a space, the name.
                if (i == 0 || line.Length < i + 4 || line[i + 2] != ' ')
                {
                    throw Malformed(source, all, position, "expected '<address> <type> <name>'");
                }

                var type = line[i + 1];
                var nameStart = i + 3;
                var rest = line[nameStart..];
                var tab = rest.IndexOf((byte)'\t');
                var name = tab < 0 ? rest : rest[..tab];
                if (name.IsEmpty)
                {
                    throw Malformed(source, all, position, "the symbol has no name");
                }

                short moduleId = -1;
                if (tab >= 0)
                {
                    // "\t[ext4]": module code is listed after the vmlinux symbols, a run per module.
                    var module = rest[(tab + 1)..].Trim((byte)' ');
                    if (module.Length < 3 || module[0] != '[' || module[^1] != ']')
                    {
                        throw Malformed(source, all, position, "expected a module as '[name]' after the tab");
                    }

                    module = module[1..^1];
                    if (!module.SequenceEqual(lastModule))
                    {
                        var moduleName = Encoding.UTF8.GetString(module);
                        if (!moduleIndex.TryGetValue(moduleName, out lastModuleId))
                        {
                            lastModuleId = checked((short)modules.Count);
                            moduleIndex.Add(moduleName, lastModuleId);
                            modules.Add(moduleName);
                        }

                        lastModule = module;
                    }

                    moduleId = lastModuleId;
                }

                addresses.Add(address);
                nameStarts.Add(position + nameStart);
                nameLengths.Add(name.Length);
                types.Add(type);
                moduleIds.Add(moduleId);
            }

            position = end + 1;
        }

        return Sorted(source, text, [.. addresses], [.. nameStarts], [.. nameLengths], [.. types], [.. moduleIds], [.. modules]);
    }

    /// <summary>
    /// The symbol containing <paramref name="address"/>: the nearest at or below it, null when
    /// the address is below every symbol. Of several symbols at one address the first listed
    /// wins, which is the kernel's own choice: scripts/kallsyms.c orders aliases global before
    /// weak before local and by fewer leading underscores, and <c>%pS</c> prints the first.
    /// </summary>
    public KernelAddress? Resolve(ulong address)
    {
        ThrowIfHidden();
        var last = LastAtOrBelow(address);
        if (last < 0)
        {
            return null;
        }

        var start = addresses[last];
        var first = last;
        while (first > 0 && addresses[first - 1] == start)
        {
            first--;
        }

        var size = last + 1 < addresses.Length ? addresses[last + 1] - start : 0;
        return new KernelAddress(Symbol(first), address - start, size);
    }

    /// <summary><see cref="Resolve"/> as text (<c>vfs_read+0x1c/0x1a0</c>), or the bare hex address.</summary>
    public string Format(ulong address) =>
        Resolve(address)?.ToString() ?? string.Create(CultureInfo.InvariantCulture, $"0x{address:x}");

    /// <summary>
    /// The address of <paramref name="name"/> (the first listed when several symbols share the
    /// name), or null when there is no such symbol.
    /// </summary>
    public ulong? Lookup(string name, string? module = null)
    {
        ThrowIfHidden();
        return Find(name, module)?.Address;
    }

    /// <summary>The first symbol named <paramref name="name"/> (in <paramref name="module"/> if given).</summary>
    public KernelSymbol? Find(string name, string? module = null)
    {
        foreach (var index in IndicesNamed(name))
        {
            if (module is null || ModuleOf(index) == module)
            {
                return Symbol(index);
            }
        }

        return null;
    }

    /// <summary>Every symbol named <paramref name="name"/>, in address order.</summary>
    public IReadOnlyList<KernelSymbol> FindAll(string name) => [.. IndicesNamed(name).Select(Symbol)];

    /// <summary>
    /// The symbols whose names match the glob <paramref name="pattern"/> (see
    /// <see cref="Glob"/>), in address order: functions only unless
    /// <paramref name="functionsOnly"/> is false. A name listed at two addresses (two static
    /// functions of one name) appears twice.
    /// </summary>
    public IReadOnlyList<KernelSymbol> Match(string pattern, bool functionsOnly = true)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (!Glob.HasWildcards(pattern))
        {
            return [.. IndicesNamed(pattern).Where(i => !functionsOnly || IsFunction(i)).Select(Symbol)];
        }

        var glob = new Glob(pattern);
        var found = new List<KernelSymbol>();
        for (var i = 0; i < addresses.Length; i++)
        {
            if ((!functionsOnly || IsFunction(i)) && glob.IsMatch(NameBytes(i)))
            {
                found.Add(Symbol(i));
            }
        }

        return found;
    }

    private KernelSymbol Symbol(int index) => new(Name(index), addresses[index], (char)types[index], ModuleOf(index));

    /// <summary>
    /// The name as a string, made once: a stack resolves the same few hundred functions again
    /// and again, and each would otherwise cost a new string.
    /// </summary>
    private string Name(int index)
    {
        var cache = LazyInitializer.EnsureInitialized(ref names, () => new string?[addresses.Length]);
        return cache[index] ??= Encoding.UTF8.GetString(NameBytes(index));
    }

    private ReadOnlySpan<byte> NameBytes(int index) => text.AsSpan(nameStarts[index], nameLengths[index]);

    private string? ModuleOf(int index) => moduleIds[index] < 0 ? null : modules[moduleIds[index]];

    private bool IsFunction(int index) => types[index] is (byte)'t' or (byte)'T' or (byte)'w' or (byte)'W';

    private List<int> IndicesNamed(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var index = LazyInitializer.EnsureInitialized(ref nameIndex, () => NameIndex.Build(new Names(this)));
        return index.All(new Names(this), Encoding.UTF8.GetBytes(name));
    }

    /// <summary>The index of the last symbol whose address is at or below <paramref name="address"/>, or -1.</summary>
    private int LastAtOrBelow(ulong address)
    {
        int low = 0, high = addresses.Length;
        while (low < high)
        {
            var middle = (int)((uint)(low + high) >> 1);
            if (addresses[middle] <= address)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low - 1;
    }

    private void ThrowIfHidden()
    {
        if (AddressesHidden)
        {
            throw new InvalidOperationException(
                $"{Source} lists every kernel address as 0: the kernel hides them from this process. " +
                "Run as root (CAP_SYSLOG), and check that kernel.kptr_restrict is 0 or 1.");
        }
    }

    /// <summary>
    /// Orders the table by address, keeping the file's order among equal addresses. The
    /// vmlinux part of /proc/kallsyms is already sorted (scripts/kallsyms.c sorts it at build
    /// time) but module symbols follow in each module's own symtab order.
    /// </summary>
    private static KernelSymbols Sorted(
        string source, byte[] text, ulong[] addresses, int[] nameStarts, int[] nameLengths, byte[] types,
        short[] moduleIds, string[] modules)
    {
        var sorted = true;
        for (var i = 1; i < addresses.Length && sorted; i++)
        {
            sorted = addresses[i - 1] <= addresses[i];
        }

        if (!sorted)
        {
            var keys = (ulong[])addresses.Clone();
            var order = new int[addresses.Length];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            // Array.Sort is not stable: restore file order inside each run of equal addresses.
            Array.Sort(keys, order);
            for (var start = 0; start < keys.Length;)
            {
                var end = start + 1;
                while (end < keys.Length && keys[end] == keys[start])
                {
                    end++;
                }

                if (end - start > 1)
                {
                    Array.Sort(order, start, end - start);
                }

                start = end;
            }

            addresses = keys;
            nameStarts = Permute(nameStarts, order);
            nameLengths = Permute(nameLengths, order);
            types = Permute(types, order);
            moduleIds = Permute(moduleIds, order);
        }

        return new KernelSymbols(source, text, addresses, nameStarts, nameLengths, types, moduleIds, modules);
    }

    private static T[] Permute<T>(T[] values, int[] order)
    {
        var result = new T[values.Length];
        for (var i = 0; i < order.Length; i++)
        {
            result[i] = values[order[i]];
        }

        return result;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static InvalidDataException Malformed(string source, ReadOnlySpan<byte> all, int position, string problem)
    {
        var lineNumber = all[..position].Count((byte)'\n') + 1;
        var end = all[position..].IndexOf((byte)'\n');
        var line = Encoding.UTF8.GetString(end < 0 ? all[position..] : all.Slice(position, end));
        return new InvalidDataException($"{source}:{lineNumber}: {problem}: '{line}'");
    }

    /// <summary>
    /// Reads a whole file whose size is unknown up front: /proc files report a length of 0. Large
    /// reads matter, as seq_file fills each read() with as many lines as fit.
    /// </summary>
    private static (byte[] Bytes, int Length) ReadAll(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        var buffer = new byte[8 << 20];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                return (buffer, length);
            }

            length += read;
        }
    }

    private readonly struct Names(KernelSymbols table) : INameSource
    {
        public int Count => table.addresses.Length;

        public ReadOnlySpan<byte> NameAt(int index) => table.NameBytes(index);
    }
}
