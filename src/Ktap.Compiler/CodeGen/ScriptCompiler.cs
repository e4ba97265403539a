using Ktap.Bpf.Maps;
using Ktap.Compiler.Events;
using Ktap.Compiler.Filters;
using Ktap.Compiler.Types;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.CodeGen;

/// <summary>Choices the user makes on the command line.</summary>
/// <param name="StringLength">The capacity of a kernel string, its terminating NUL included (<c>--strlen</c>).</param>
public sealed record CompilerOptions(int StringLength = CompilerOptions.DefaultStringLength)
{
    /// <summary>
    /// Room in an output record for the tracepoint record <c>argstr</c> carries: the fixed fields
    /// of every event here fit in 256, and its strings get --strlen more.
    /// </summary>
    public int EventRecordSize => 256 + ValueEncoding.Align(StringLength);

    public const int DefaultStringLength = 256;

    /// <summary>Handlers run only in the processes listed in the process map (<c>-p</c>, <c>-- CMD</c>).</summary>
    public bool FilterProcesses { get; init; }

    /// <summary>Handlers run only on this CPU (<c>-C</c>); null: on every CPU.</summary>
    public int? Cpu { get; init; }

    /// <summary>Every output record carries the time it was made (<c>-T</c>), at <see cref="ScriptCompiler.TimestampOffset"/>.</summary>
    public bool Timestamps { get; init; }

    /// <summary>Entries of a table whose size the script does not give (<c>table.new</c>).</summary>
    public const int DefaultTableCapacity = 10240;

    /// <summary>A loop stops with an error after this many iterations, as in ktap.</summary>
    public const int LoopLimit = 100000;

    /// <summary>Bytes of the ring buffer that carries records to the ktap process.</summary>
    public const int EventsBufferSize = 4 << 20;

    /// <summary>
    /// The frames <c>stack()</c> records when the script does not say, as in ktap, and the most
    /// it can: the kernel refuses deeper stack maps than kernel.perf_event_max_stack (127 by default).
    /// </summary>
    public const int DefaultStackDepth = 10;

    public const int MaxStackDepth = 127;

    /// <summary>Bytes of frames a stack trace map holds at most: 16384 stacks of 32 frames, fewer deeper ones.</summary>
    public const int StackMapBytes = 4 << 20;

    /// <summary>Stacks a stack map of <paramref name="depth"/> frames holds (ids are hashes of the stack: a collision loses the newer stack).</summary>
    public static int StackMapCapacity(int depth) => Math.Clamp(StackMapBytes / (depth * 8), 1024, 16384);
}

/// <summary>
/// The code generator for one script (DESIGN §1): lays out its maps once, then compiles each
/// handler for each of its targets. Output sites, error sites and counters are numbered as
/// handlers meet them, so <see cref="Maps"/> is final only after the last handler is compiled.
/// </summary>
public sealed class ScriptCompiler
{
    /// <summary>The data map's first word holds 1, the value a table's first <c>+= 1</c> stores.</summary>
    public const int OneOffset = 0;

    /// <summary>Records the ring buffer had no room for.</summary>
    public const int LostRecordsOffset = 8;

    /// <summary>CLOCK_REALTIME minus CLOCK_BOOTTIME in nanoseconds, written by the ktap process: kernel code has no wall clock.</summary>
    public const int RealtimeOffsetOffset = 16;

    /// <summary>Stacks <c>stack()</c> could not record: two stacks hashed to one slot of the stack map.</summary>
    public const int LostStacksOffset = 24;

    private const int FirstGlobalOffset = 32;

    /// <summary>
    /// With <see cref="CompilerOptions.Timestamps"/>, where a record holds <c>bpf_ktime_get_ns</c>
    /// (CLOCK_MONOTONIC) at its making: after the site id and its pad word.
    /// </summary>
    public const int TimestampOffset = 8;

    private readonly Dictionary<VariableSymbol, TableLayout> tables = [];
    private readonly Dictionary<VariableSymbol, GlobalLayout> globals = [];
    private readonly List<OutputSite> outputSites = [];
    private readonly Dictionary<BoundExpression, OutputSite> outputSiteOf = new(ReferenceEqualityComparer.Instance);
    private readonly List<ErrorSite> errorSites = [];
    private readonly Dictionary<(TextSpan, string), ErrorSite> errorSiteOf = [];
    private readonly Dictionary<(BoundProbe, string), int> programNumbers = [];
    private readonly SortedDictionary<int, int> stackMaps = [];
    private readonly Dictionary<string, int> programCounts = [];
    private int dataSize;
    private int nextMapIndex;
    private int? scratchMapIndex;
    private int scratchSize;
    private HashSet<VariableSymbol>? nullableLocals;

    public ScriptCompiler(TypedScript typed, CompilerOptions? options = null)
    {
        Typed = typed;
        Options = options ?? new CompilerOptions();
        DataMapIndex = 0;
        EventsMapIndex = 1;
        dataSize = FirstGlobalOffset;
        LayOut();
        ProcessMapIndex = Options.FilterProcesses ? nextMapIndex++ : -1;
    }

    public TypedScript Typed { get; }

    /// <summary>Locals of kernel code that can hold nil, computed once for every handler.</summary>
    internal HashSet<VariableSymbol> NullableLocals => nullableLocals ??= CodeGen.NullableLocals.Analyze(Typed);

    public CompilerOptions Options { get; }

    public int DataMapIndex { get; }

    public int EventsMapIndex { get; }

    /// <summary>The map of the processes handlers run in (<see cref="ProcessScope"/>), or -1 when they run in every process.</summary>
    public int ProcessMapIndex { get; }

    public IReadOnlyCollection<TableLayout> Tables => tables.Values;

    public IReadOnlyCollection<GlobalLayout> Globals => globals.Values;

    public IReadOnlyList<OutputSite> OutputSites => outputSites;

    public IReadOnlyList<ErrorSite> ErrorSites => errorSites;

    /// <summary>Every map, by index: the data map, the ring buffer, then one per table.</summary>
    public IReadOnlyList<MapLayout> Maps
    {
        get
        {
            var maps = new List<MapLayout>
            {
                new(DataMapIndex, MapRole.Data, new MapSpec(MapType.Array, 4, (uint)dataSize, 1, "ktap_data") { Flags = MapFlags.Mmapable }, null),
                new(EventsMapIndex, MapRole.Events, new MapSpec(MapType.RingBuffer, 0, 0, CompilerOptions.EventsBufferSize, "ktap_events"), null),
            };
            foreach (var table in tables.Values.OrderBy(t => t.MapIndex))
            {
                var type = table.PerCpu ? MapType.PerCpuHash : MapType.Hash;
                var name = MapName(table.Variable.Name);
                maps.Add(new(table.MapIndex, MapRole.Table, new MapSpec(type, (uint)table.KeySize, (uint)table.ValueSize, (uint)table.Capacity, name), table.Variable));
            }

            if (scratchMapIndex is { } scratch)
            {
                maps.Add(new(scratch, MapRole.Scratch, new MapSpec(MapType.PerCpuArray, 4, (uint)scratchSize, 1, "ktap_scratch"), null));
            }

            foreach (var (depth, index) in stackMaps)
            {
                var spec = new MapSpec(MapType.StackTrace, 4, (uint)(depth * 8), (uint)CompilerOptions.StackMapCapacity(depth), $"ktap_stack_{depth}");
                maps.Add(new(index, MapRole.Stacks, spec, null) { StackDepth = depth });
            }

            if (ProcessMapIndex >= 0)
            {
                maps.Add(new(ProcessMapIndex, MapRole.Processes, ProcessScope.MapSpec, null));
            }

            return maps.OrderBy(m => m.Index).ToList();
        }
    }

    public int DataSize => dataSize;

    /// <summary>Bytes before a record's first argument: the site id and a pad word, then the time with <see cref="CompilerOptions.Timestamps"/>.</summary>
    public int RecordHeaderSize => Options.Timestamps ? TimestampOffset + 8 : TimestampOffset;

    public TableLayout? TableOf(VariableSymbol variable) => tables.GetValueOrDefault(variable);

    public GlobalLayout? GlobalOf(VariableSymbol variable) => globals.GetValueOrDefault(variable);

    /// <summary>Compiles <paramref name="probe"/>'s handler for one of its targets.</summary>
    /// <exception cref="KernelCompileException">The handler uses something the kernel cannot run here.</exception>
    /// <exception cref="FilterException">The probe's /filter/ does not fit the target's fields.</exception>
    public CompiledHandler Compile(BoundProbe probe, ProbeTarget target)
    {
        var kind = probe.Kind == FunctionKind.Profile ? "profile" : "trace";
        var key = (probe, target.ProbeName);
        if (!programNumbers.TryGetValue(key, out var number))
        {
            // Numbered per kind: a program name is 15 characters at most (bpf_obj_name_cpy), so
            // ktap_profile_N has room for two digits, which hundreds of trace targets before a
            // profile block would otherwise take past.
            number = programCounts.GetValueOrDefault(kind);
            programCounts[kind] = number + 1;
            programNumbers[key] = number;
        }

        // The filter's fields are the target's: parse it for each target.
        var filter = probe.Filter is { } syntax ? FilterParser.Parse(syntax, Typed.Bound.Source, target) : null;
        var name = $"ktap_{kind}_{number}";
        var handler = new HandlerEmitter(this, probe, target, filter, FrameKind.Stack).Emit(name)
            ?? new HandlerEmitter(this, probe, target, filter, FrameKind.Scratch).Emit(name)!;
        scratchSize = Math.Max(scratchSize, handler.ScratchSize);
        return handler;
    }

    /// <summary>The per-CPU array whose element is the frame of handlers the stack is too small for.</summary>
    internal int ScratchMapIndex => scratchMapIndex ??= nextMapIndex++;

    /// <summary>The stack trace map of stacks <paramref name="depth"/> frames deep: one per depth, so equal stacks get equal ids.</summary>
    internal int StackMapIndex(int depth)
    {
        if (!stackMaps.TryGetValue(depth, out var index))
        {
            index = nextMapIndex++;
            stackMaps[depth] = index;
        }

        return index;
    }

    internal OutputSite OutputSiteFor(BoundExpression call, Func<int, OutputSite> create)
    {
        if (!outputSiteOf.TryGetValue(call, out var site))
        {
            site = create(outputSites.Count);
            outputSites.Add(site);
            outputSiteOf[call] = site;
        }

        return site;
    }

    internal ErrorSite ErrorSiteFor(string message, TextSpan span)
    {
        if (!errorSiteOf.TryGetValue((span, message), out var site))
        {
            site = new ErrorSite(errorSites.Count, message, span, AllocateData(8));
            errorSites.Add(site);
            errorSiteOf[(span, message)] = site;
        }

        return site;
    }

    private int AllocateData(int size)
    {
        var offset = dataSize;
        dataSize += ValueEncoding.Align(size);
        return offset;
    }

    private void LayOut()
    {
        var usage = TableUsage.Analyze(Typed);
        nextMapIndex = EventsMapIndex + 1;
        foreach (var variable in Typed.SharedVariables)
        {
            var type = Typed.TypeOf(variable);
            if (type.Kind == TypeKind.Table && type.Value!.Kind == TypeKind.Aggregate)
            {
                tables[variable] = AggregationLayout(variable, type, usage);
            }
            else if (type.Kind == TypeKind.Table)
            {
                var keySize = type.Key!.Kind == TypeKind.String ? ValueEncoding.Align(usage.KeyCapacity(variable, Options.StringLength)) : 8;
                var valueSize = ValueEncoding.SizeOf(type.Value!, Options.StringLength);
                tables[variable] = new TableLayout(
                    variable, nextMapIndex++, type.Key, type.Value!, keySize, valueSize, usage.Capacity(variable), usage.IsAddOnly(variable), AllocateData(8));
            }
            else
            {
                var valueSize = ValueEncoding.SizeOf(type, Options.StringLength);
                globals[variable] = new GlobalLayout(variable, type, AllocateData(8 + valueSize), valueSize);
            }
        }
    }

    /// <summary>
    /// An aggregation as a per-CPU hash (no atomics: each CPU records alone, the ktap process
    /// merges): statistics cells by key, histogram counts by key and bucket. Its shape must be
    /// known before the handlers load, so the top level declares it with written numbers.
    /// </summary>
    private TableLayout AggregationLayout(VariableSymbol variable, KtapType type, TableUsage usage)
    {
        var spec = usage.Aggregation(variable) ?? throw new KernelCompileException(
            DiagnosticCode.NotInKernel, variable.Declaration,
            $"the aggregation '{variable.Name}' must be declared at the top level as var {variable.Name} = aggr(), hist() or lhist(MIN, MAX, STEP) with numbers written in the script: the kernel lays out its map before the handlers load");
        var keySize = type.Key!.Kind == TypeKind.String ? ValueEncoding.Align(usage.KeyCapacity(variable, Options.StringLength)) : 8;
        var (mapKeySize, valueSize) = spec.IsHistogram ? (keySize + 8, 8) : (keySize, TableLayout.StatisticsSize);
        var capacity = usage.Capacity(variable) * (spec.IsHistogram ? 4 : 1);
        return new TableLayout(variable, nextMapIndex++, type.Key, type.Value!, mapKeySize, valueSize, capacity, PerCpu: true, AllocateData(8)) { Aggregation = spec };
    }

    /// <summary>A map name from a variable's: the kernel keeps 15 characters of [A-Za-z0-9_.].</summary>
    private static string MapName(string variable)
    {
        var name = new string(variable.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray());
        return name.Length > 15 ? name[..15] : name;
    }
}
