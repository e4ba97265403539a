namespace Ktap.Cli;

/// <summary>What the user asked for on the command line.</summary>
internal sealed record CommandLine
{
    public string? ScriptPath { get; init; }

    public string? InlineScript { get; init; }

    public bool ScriptFromStdin { get; init; }

    public string? OutputPath { get; init; }

    public bool Quiet { get; init; }

    public bool Verbose { get; init; }

    /// <summary>Print every handler's eBPF with the script's lines instead of running (-d, -b).</summary>
    public bool Dump { get; init; }

    /// <summary>The capacity of a string in kernel code, its NUL included (--strlen); null for the compiler's default.</summary>
    public int? StringLength { get; init; }

    /// <summary>The range --strlen takes: room for a word, and at most what a handler frame holds several of.</summary>
    public const int MinStringLength = 8;

    public const int MaxStringLength = 4096;

    public bool ShowVersion { get; init; }

    public bool ShowHelp { get; init; }

    /// <summary>List the probes <see cref="ListPattern"/> matches, or all (-l; -lv with details).</summary>
    public bool List { get; init; }

    public string? ListPattern { get; init; }

    /// <summary>List the ktap sessions running on the machine (--ps).</summary>
    public bool ListSessions { get; init; }

    /// <summary>Print the source of the running session with this process or program id (--source ID).</summary>
    public uint? SourceOf { get; init; }

    /// <summary>-p: trace only this process, and stop when it ends.</summary>
    public int? Pid { get; init; }

    /// <summary>-C: trace only on this CPU.</summary>
    public int? Cpu { get; init; }

    /// <summary>-T: the time of each kernel record before its output.</summary>
    public bool Timestamps { get; init; }

    /// <summary>--dry-run: compile, load, attach, detach, and run nothing.</summary>
    public bool DryRun { get; init; }

    public IReadOnlyList<string> ScriptArguments { get; init; } = [];

    /// <summary>-- CMD [args...]: run CMD, trace only it and its children, stop when it ends. Empty without.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    public const string Usage = """
        Usage: ktap [options] FILE [script args...] [-- CMD [args...]]
               ktap [options] -e 'SCRIPT' [script args...] [-- CMD [args...]]
               ktap [options] - [script args...]        (script on standard input)
               ktap -l [PATTERN], ktap -lv [PATTERN]     (probes a script can name)
               ktap --ps [-v]                            (running sessions)
               ktap --source ID                          (a running session's script)

        Options:
          -e SCRIPT     run SCRIPT given on the command line
          -o FILE       write the script's output to FILE
          -p PID        trace only process PID, and stop when it ends
          -C CPU        trace only on CPU
          -T            print the time of each kernel record before it
          -q            quiet: no "Tracing..." banner
          -v            verbose: say what ktap does, on standard error
          -d, -b        print each handler's eBPF with the script's lines, and exit
          --strlen N    strings in handlers hold N bytes, the NUL included (default 256)
          --dry-run     compile, load, attach and detach every probe, and exit
          -V            print the version and exit
          -l [PATTERN]  list the probes PATTERN matches, as a script names them, and exit:
                        tracepoints (syscalls:sys_enter_open*), kernel functions where the
                        kernel can probe them (probe:vfs_*; kprobes need CONFIG_KPROBES), a
                        binary's functions and USDT markers (/path/bin or /path/bin:GLOB);
                        without PATTERN, every tracepoint and kernel function
          -lv [PATTERN] the same, with each tracepoint's fields (type and argN) and each USDT
                        marker's arguments
          --ps          list the ktap sessions running on this machine, read back from the
                        kernel: process, script, programs, probes, run counts (-v: every probe)
          --source ID   print the exact script of the running session whose ktap process id
                        or BPF program id is ID
          -h            print this help and exit
          -- CMD        run CMD, trace only it and its children, stop when it ends

        Exit status: 0 success, 1 runtime error, 2 usage error, 255 compile error.
        """;

    /// <summary>Options of LANGUAGE.md §9 this build does not have yet; they are refused.</summary>
    private static readonly HashSet<string> KernelOptions = new(StringComparer.Ordinal)
    {
        "-f",
    };

    /// <summary>Parses the arguments, or returns a one-line error. Options come before the script.</summary>
    public static (CommandLine? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var options = new CommandLine();
        var i = 0;
        for (; i < args.Count && options.InlineScript is null; i++)
        {
            var arg = args[i];
            if (arg == "-" || !arg.StartsWith('-'))
            {
                break;
            }

            if (KernelOptions.Contains(arg) || (arg.Length > 2 && arg[1] != '-' && KernelOptions.Contains(arg[..2])))
            {
                return (null, $"option '{arg}' is not in this build of ktap");
            }

            switch (arg)
            {
                case "-q":
                    options = options with { Quiet = true };
                    break;
                case "-v":
                    options = options with { Verbose = true };
                    break;
                case "-d" or "-b":
                    options = options with { Dump = true };
                    break;
                case "-T":
                    options = options with { Timestamps = true };
                    break;
                case "--dry-run":
                    options = options with { DryRun = true };
                    break;
                case "--":
                    return (null, "no script before '--': give a FILE, -e 'SCRIPT' or - (see 'ktap -h')");
                case "-V" or "--version":
                    return (options with { ShowVersion = true }, null);
                case "-h" or "--help" or "-?":
                    return (options with { ShowHelp = true }, null);
                case "-l" or "-lv":
                    // The pattern is optional: the next argument, unless it is another option.
                    var pattern = i + 1 < args.Count && !args[i + 1].StartsWith('-') ? args[++i] : null;
                    options = options with { List = true, ListPattern = pattern, Verbose = options.Verbose || arg == "-lv" };
                    break;
                case "--ps":
                    options = options with { ListSessions = true };
                    break;
                case "--source":
                    if (i + 1 >= args.Count)
                    {
                        return (null, "option '--source' needs a value");
                    }

                    if (!uint.TryParse(args[++i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                    {
                        return (null, $"option '--source' takes a process id or a BPF program id, not '{args[i]}'");
                    }

                    options = options with { SourceOf = id };
                    break;
                case ['-', 'e' or 'o' or 'p' or 'C', ..]:
                    // The value is the next word, or the rest of this one (-p1234).
                    if (arg.Length == 2 && i + 1 >= args.Count)
                    {
                        return (null, $"option '{arg}' needs a value");
                    }

                    (options, var error) = WithValue(options, arg[..2], arg.Length > 2 ? arg[2..] : args[++i]);
                    if (error is not null)
                    {
                        return (null, error);
                    }

                    break;
                case "--strlen":
                    if (i + 1 >= args.Count || !int.TryParse(args[++i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
                        || length is < MinStringLength or > MaxStringLength)
                    {
                        return (null, $"option '--strlen' needs a number of bytes from {MinStringLength} to {MaxStringLength}");
                    }

                    options = options with { StringLength = length };
                    break;
                default:
                    return (null, $"unknown option '{arg}' (see 'ktap -h')");
            }
        }

        // ktap -l -v PATTERN: the pattern may come after the other options.
        if (options.List && options.ListPattern is null && options.InlineScript is null && i == args.Count - 1)
        {
            options = options with { ListPattern = args[i++] };
        }

        var modes = new[] { (options.List, "-l"), (options.ListSessions, "--ps"), (options.SourceOf is not null, "--source") }.Where(m => m.Item1).ToList();
        if (modes.Count > 0)
        {
            // They read the kernel and run nothing: a script or a second mode is a mistake.
            return options.InlineScript is not null || i < args.Count || modes.Count > 1
                ? (null, $"option '{modes[0].Item2}' runs no script and takes no other arguments")
                : (options, null);
        }

        if (options.InlineScript is null)
        {
            if (i >= args.Count)
            {
                return (null, "no script: give a FILE, -e 'SCRIPT' or - (see 'ktap -h')");
            }

            options = args[i] == "-" ? options with { ScriptFromStdin = true } : options with { ScriptPath = args[i] };
            i++;
        }

        var rest = args.Skip(i).ToList();
        var separator = rest.IndexOf("--");
        if (separator < 0)
        {
            return (options with { ScriptArguments = rest }, null);
        }

        if (separator == rest.Count - 1)
        {
            return (null, "'--' needs a command to run (see 'ktap -h')");
        }

        if (options.Pid is not null)
        {
            return (null, "-p and '-- CMD' cannot go together: trace a process, or a command ktap starts");
        }

        return (options with { ScriptArguments = rest[..separator], Command = rest[(separator + 1)..] }, null);
    }

    private static (CommandLine Options, string? Error) WithValue(CommandLine options, string option, string value)
    {
        switch (option)
        {
            case "-e":
                return (options with { InlineScript = value }, null);
            case "-o":
                return (options with { OutputPath = value }, null);
            default:
                // -p and -C: a process id (above 0) or a CPU number (0 and up), in decimal.
                var minimum = option == "-p" ? 1 : 0;
                if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < minimum)
                {
                    var what = option == "-p" ? "a process id" : "a CPU number";
                    return (options, $"option '{option}' needs {what}, not '{value}'");
                }

                return (option == "-p" ? options with { Pid = number } : options with { Cpu = number }, null);
        }
    }
}
