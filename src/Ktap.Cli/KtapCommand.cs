using System.Diagnostics;
using System.Text;
using Ktap.Bpf.Sys;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Events;
using Ktap.Compiler.Filters;
using Ktap.Compiler.Types;
using Ktap.Interpreter;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using Ktap.Runtime.Audit;
using Ktap.Runtime.Dump;
using Ktap.Runtime.Kernel;
using Ktap.Runtime.Listing;
using Ktap.Runtime.Probes;
using Ktap.Runtime.Session;

namespace Ktap.Cli;

/// <summary>The <c>ktap</c> command: read, compile, run, report.</summary>
internal static class KtapCommand
{
    public const string Version = "ktap 0.5.0";

    /// <summary>Standard error, written as Latin-1 so script bytes in messages pass through unchanged.</summary>
    private static readonly TextWriter Errors = new StreamWriter(Console.OpenStandardError(), Encoding.Latin1) { AutoFlush = true };

    public static int Run(string[] args)
    {
        try
        {
            return RunUnguarded(args);
        }
        catch (IOException e) when (IsBrokenPipe(e))
        {
            return ExitCodes.BrokenPipe;
        }
#pragma warning disable CA1031 // The last line of defence: the user sees one line, never a .NET stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Errors.WriteLine($"ktap: internal error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.RuntimeError;
        }
    }

    private static int RunUnguarded(string[] args)
    {
        var (options, usageError) = CommandLine.Parse(args);
        if (options is null)
        {
            Errors.WriteLine("ktap: " + usageError);
            return ExitCodes.Usage;
        }

        if (options.ShowHelp || options.ShowVersion)
        {
            Console.Out.Write(options.ShowHelp ? CommandLine.Usage + "\n" : Version + "\n");
            return ExitCodes.Success;
        }

        if (options.List)
        {
            using var listing = new StreamWriter(StandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16);
            return ListCommand.Run(options.ListPattern, options.Verbose, listing, Errors);
        }

        if (options.ListSessions)
        {
            using var table = new StreamWriter(StandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            return PsCommand.Run(table, Errors, options.Verbose);
        }

        if (options.SourceOf is { } id)
        {
            using var stdout = StandardOutput();
            return SourceCommand.Run(id, stdout, Errors);
        }

        if (!TryLoad(options, out var source))
        {
            return ExitCodes.Usage;
        }

        var watch = Stopwatch.StartNew();
        var diagnostics = new DiagnosticBag();
        var syntax = Parser.Parse(source, diagnostics);
        var script = Binder.Bind(syntax, diagnostics);
        TypedScript? typed = null;
        var traces = script.Probes.Any(p => p.Kind is FunctionKind.Trace or FunctionKind.Profile);
        if (!diagnostics.HasErrors && !(traces && !options.Dump))
        {
            // What the kernel cannot run is a compile error before anything runs (KT2xxx). A
            // script that traces is checked once its probes are resolved (Trace).
            typed = TypeChecker.Check(script, diagnostics);
        }

        if (diagnostics.HasErrors)
        {
            return CompileErrors(diagnostics);
        }

        Verbose(options, $"compiled {source.Name} in {watch.Elapsed.TotalMilliseconds:F2} ms: {script.Functions.Count} functions, {script.Probes.Count} probe blocks");
        if (options.Dump)
        {
            return DumpCommand.Run(typed!, Console.Out, Errors, CompilerOptionsOf(options));
        }

        if (traces || script.Probes.Any(p => p.Kind == FunctionKind.Tick))
        {
            return Trace(options, script, typed, args);
        }

        if (options.Pid is not null || options.Command.Count > 0)
        {
            Errors.WriteLine($"ktap: {(options.Pid is null ? "'-- CMD'" : "-p")} needs a script with probes: this one has no trace, profile or tick block");
            return ExitCodes.Usage;
        }

        return Execute(options, script);
    }

    private static int Execute(CommandLine options, BoundScript script)
    {
        using var output = OpenOutput(options);
        if (output is null)
        {
            return ExitCodes.Usage;
        }

        // Scripts handle strings as bytes (one char each); .NET decoded the arguments from UTF-8.
        var arguments = options.ScriptArguments.Select(a => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(a))).ToList();
        var interpreter = new ScriptInterpreter(script, new InterpreterOptions(output, script.Source.Name, arguments));
        try
        {
            interpreter.RunMain();
            interpreter.RunTraceEnd();
            output.Flush();
            return ExitCodes.Success;
        }
        catch (RuntimeError error)
        {
            // The script's output so far comes first, then the error; trace_end is skipped, as in ktap.
            output.Flush();
            Errors.WriteLine(error.Render());
            return ExitCodes.RuntimeError;
        }
    }

    /// <summary>A script with probes: compile its handlers, load and attach them, and run the session.</summary>
    /// <param name="typed">The script checked already, or null when its probes must be resolved first: the events' fields give args.NAME and argN their types.</param>
    private static int Trace(CommandLine options, BoundScript script, TypedScript? typed, string[] args)
    {
        var source = script.Source;
        var origin = new ScriptOrigin(Version, options.ScriptPath is { } path ? Path.GetFullPath(path) : source.Name, args);
        if (options.Cpu is { } cpu && !Cpus.Online().Contains(cpu))
        {
            Errors.WriteLine($"ktap: CPU {cpu} is not online (online: {File.ReadAllText("/sys/devices/system/cpu/online").Trim()})");
            return ExitCodes.RuntimeError;
        }

        // The command starts first, held before its exec, so that it gets ready while the
        // script compiles and loads.
        using var target = OpenTarget(options, out var targetError);
        if (targetError is not null)
        {
            Errors.WriteLine("ktap: " + targetError);
            return ExitCodes.RuntimeError;
        }

        PreparedScript prepared;
        try
        {
            var probes = new ProbeResolver().ResolveAll(script);
            if (typed is null)
            {
                var diagnostics = new DiagnosticBag();
                typed = TypeChecker.Check(script, diagnostics, probes.ToDictionary(p => p.Probe, p => (IReadOnlyList<ProbeTarget>)[.. p.Targets.Select(t => t.Target)]));
                if (diagnostics.HasErrors)
                {
                    return CompileErrors(diagnostics);
                }
            }

            prepared = PreparedScript.Prepare(typed, probes, origin, CompilerOptionsOf(options), followCommand: options.Command.Count > 0);
        }
        catch (ProbeResolutionException e)
        {
            var (line, column) = source.GetLineColumn(e.Span.Start);
            Errors.WriteLine($"{source.Name}:{line}:{column}: error: {e.Message}");
            return ExitCodes.RuntimeError;
        }
        catch (KernelCompileException e)
        {
            return CompileError(new DiagnosticBag(), e.Code, source, e.Span, e.Message);
        }
        catch (FilterException e)
        {
            return CompileError(new DiagnosticBag(), DiagnosticCode.InvalidFilter, source, e.Span, e.Message);
        }
        catch (UnauthorizedAccessException)
        {
            Errors.WriteLine("ktap: tracing needs root (or CAP_BPF and CAP_PERFMON, and read access to tracefs)");
            return ExitCodes.RuntimeError;
        }
        catch (HandlerRejectedException e)
        {
            Errors.WriteLine(HandlerRejectedException.Render(e, options.Verbose));
            return ExitCodes.RuntimeError;
        }
        catch (KernelException e)
        {
            Errors.WriteLine(KernelErrors.Explain(e));
            return ExitCodes.RuntimeError;
        }

        using (prepared)
        {
            if (prepared.Handlers.Count > 0)
            {
                Verbose(options, $"the kernel holds this script: 'ktap --ps' lists it, 'ktap --source {Environment.ProcessId}' prints it, " +
                    $"'bpftool prog dump xlated id {prepared.Handlers[0].Program.Id} linum' shows its lines beside the eBPF");
            }

            using var output = OpenOutput(options);
            if (output is null)
            {
                return ExitCodes.Usage;
            }

            var arguments = options.ScriptArguments.Select(a => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(a))).ToList();
            var sessionOptions = new SessionOptions(output, Errors, source.Name, arguments)
            {
                Quiet = options.Quiet,
                Verbose = options.Verbose,
                DryRun = options.DryRun,
                Target = target,
            };
            return new TracingSession(prepared, sessionOptions).Run();
        }
    }

    /// <summary>What the command line asks of the code: where handlers run, and -T.</summary>
    private static CompilerOptions CompilerOptionsOf(CommandLine options) => new(options.StringLength ?? CompilerOptions.DefaultStringLength)
    {
        FilterProcesses = options.Pid is not null || options.Command.Count > 0,
        Cpu = options.Cpu,
        Timestamps = options.Timestamps,
    };

    /// <summary>
    /// The process -p names, or the command -- CMD runs (held before its exec); null for neither,
    /// and for a dry run's command, which never runs.
    /// </summary>
    private static TracedProcess? OpenTarget(CommandLine options, out string? error)
    {
        error = null;
        if (options.Pid is { } pid)
        {
            try
            {
                return TracedProcess.Existing(pid);
            }
            catch (KernelException e)
            {
                error = e.Errno == Errnos.EINVAL
                    ? $"{pid} is a thread, not a process: give -p its process id (Tgid in /proc/{pid}/status)"
                    : $"no process {pid}";
                return null;
            }
        }

        if (options.Command.Count == 0 || options.DryRun)
        {
            return null;
        }

        var program = HeldProcess.FindProgram(options.Command[0]);
        if (program is null)
        {
            error = $"cannot run '{options.Command[0]}': {(options.Command[0].Contains('/', StringComparison.Ordinal) ? "no such executable file" : "command not found")}";
            return null;
        }

        try
        {
            return TracedProcess.Command(program, options.Command);
        }
        catch (KernelException e)
        {
            error = $"cannot run '{options.Command[0]}': {e.Message}";
            return null;
        }
    }

    private static int CompileError(DiagnosticBag bag, DiagnosticCode code, SourceText source, TextSpan span, string message)
    {
        bag.Report(code, source, span, message);
        return CompileErrors(bag);
    }

    private static int CompileErrors(DiagnosticBag bag)
    {
        foreach (var diagnostic in bag.Sorted())
        {
            Errors.Write(DiagnosticPrinter.Render(diagnostic));
        }

        return ExitCodes.CompileError;
    }

    private static bool TryLoad(CommandLine options, out SourceText source)
    {
        if (options.InlineScript is { } inline)
        {
            // Arguments reach us decoded as UTF-8; the script is handled as bytes like a file.
            source = SourceText.FromBytes("-e", Encoding.UTF8.GetBytes(inline));
            return true;
        }

        if (options.ScriptFromStdin)
        {
            using var stdin = Console.OpenStandardInput();
            using var buffer = new MemoryStream();
            stdin.CopyTo(buffer);
            source = SourceText.FromBytes("<stdin>", buffer.ToArray());
            return true;
        }

        var path = options.ScriptPath!;
        try
        {
            source = SourceText.FromBytes(path, File.ReadAllBytes(path));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Errors.WriteLine($"ktap: cannot read script '{path}': {Reason(e)}");
            source = new SourceText(path, string.Empty);
            return false;
        }
    }

    private static StreamWriter? OpenOutput(CommandLine options)
    {
        Stream stream;
        try
        {
            // Standard output as a plain file descriptor: the console stream ignores EPIPE, so
            // 'ktap ... | head' would go on running after head has gone.
            stream = options.OutputPath is { } path ? File.Create(path) : StandardOutput();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Errors.WriteLine($"ktap: cannot write output file '{options.OutputPath}': {Reason(e)}");
            return null;
        }

        return new StreamWriter(stream, Encoding.Latin1, bufferSize: 1 << 16) { AutoFlush = false };
    }

    /// <summary>Descriptor 1, written with write(2) (<see cref="DescriptorStream"/> says why).</summary>
    private static DescriptorStream StandardOutput() => new(1);

    private static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file or directory",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };

    private static bool IsBrokenPipe(IOException e) => e.HResult == 32 || e.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase);

    private static void Verbose(CommandLine options, string message)
    {
        if (options.Verbose)
        {
            Errors.WriteLine("ktap: " + message);
        }
    }
}
