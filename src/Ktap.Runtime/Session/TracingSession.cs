using System.Runtime.InteropServices;
using Ktap.Bpf.RingBuffer;
using Ktap.Bpf.Sys;
using Ktap.Bpf.Tracing;
using Ktap.Compiler.CodeGen;
using Ktap.Interpreter;
using Ktap.Language.Syntax;
using Ktap.Runtime.Kernel;
using Ktap.Runtime.Probes;

namespace Ktap.Runtime.Session;

/// <summary>
/// A tracing session (DESIGN §1): runs the top-level code, attaches every handler, then waits on
/// one epoll set for the kernel's records, the tick timers, the traced process and the signals.
/// It stops on Ctrl-C, SIGTERM, <c>exit()</c> on either side or the end of the traced process;
/// then it detaches, drains what is left, reports what went wrong in the kernel and runs
/// trace_end.
/// </summary>
public sealed class TracingSession
{
    /// <summary>Records handled between two looks at the other sources: under a flood, Ctrl-C and the timers still get their turn.</summary>
    private const int RecordBatch = 1024;

    private const ulong RingToken = 1;
    private const ulong TimerToken = 2;
    private const ulong ProcessToken = 3;

    private readonly PreparedScript prepared;
    private readonly SessionOptions options;
    private readonly SourceText source;
    private volatile bool stopRequested;

    public TracingSession(PreparedScript prepared, SessionOptions options)
    {
        this.prepared = prepared;
        this.options = options;
        source = prepared.Kernel.Compiler.Typed.Bound.Source;
    }

    private ScriptCompiler Compiler => prepared.Kernel.Compiler;

    /// <summary>Runs the session to its end and returns ktap's exit code.</summary>
    public int Run()
    {
        if (options.DryRun)
        {
            return DryRun();
        }

        var interpreter = new ScriptInterpreter(
            Compiler.Typed.Bound,
            new InterpreterOptions(options.Output, options.ScriptName, options.Arguments, new DataMapVariables(prepared.Kernel)));
        try
        {
            using var epoll = new Epoll();
            using var ring = new RingBufferReader(prepared.Kernel.Map(Compiler.EventsMapIndex));
            using var timers = new TickTimers(Compiler.Typed.Bound.Probes);
            var printer = new RecordPrinter(Compiler.OutputSites, prepared.Kernel.Stacks, prepared.EventRecords, options.Output, options.Errors, options.ScriptName, Line, Compiler.Options.Timestamps);

            // Started in the background by a shell without job control, ktap would inherit
            // SIGINT ignored, and Ctrl-C (or kill -INT) could not end the session. The handlers
            // stay until the last perf event is closed: a signal during that wait must not kill
            // ktap (status 130 or 143 after its output was complete), and dying would not make
            // the kernel close them any sooner.
            Signals.RestoreDefault(Signals.Interrupt);
            using var interrupt = StopOn(PosixSignal.SIGINT, epoll);
            using var terminate = StopOn(PosixSignal.SIGTERM, epoll);

            // Disposed first, when Run returns: its perf events take the kernel a while to
            // close (Attachments), and the session's output is printed by then.
            using var attachments = new Attachments();
            if (interpreter.RunMain())
            {
                if (!TryStart(attachments))
                {
                    return SessionExitCodes.RuntimeError;
                }

                epoll.Add(ring.Map.Handle, RingToken);
                if (timers.Handle is { } timer)
                {
                    epoll.Add(timer, TimerToken);
                }

                if (options.Target is { } target)
                {
                    epoll.Add(target.Handle, ProcessToken);
                }

                timers.Start();
                Loop(epoll, ring, timers, printer, interpreter);
            }

            // Detach first, then drain: nothing can be added once the handlers are gone.
            attachments.Detach();
            ring.Consume(printer.Print);
            options.Output.Flush();
            ReportTarget();
            ReportKernelErrors();
            interpreter.RunTraceEnd();
            options.Output.Flush();
            return SessionExitCodes.Success;
        }
        catch (RuntimeError error)
        {
            options.Output.Flush();
            options.Errors.WriteLine(error.Render());
            return SessionExitCodes.RuntimeError;
        }
    }

    /// <summary>
    /// Waits on every source until something ends the session. Records come first; before a
    /// tick block runs, the records committed so far are printed, so the block's output follows
    /// the events that happened before it.
    /// </summary>
    private void Loop(Epoll epoll, RingBufferReader ring, TickTimers timers, RecordPrinter printer, ScriptInterpreter interpreter)
    {
        var behind = false;
        while (!stopRequested)
        {
            var ready = epoll.Wait(behind ? 0 : -1);
            behind = ring.Consume(printer.Print, RecordBatch) == RecordBatch;
            if (printer.Exited)
            {
                break;
            }

            if (ready.Contains(TimerToken))
            {
                ring.ConsumeCommitted(printer.Print);
                if (printer.Exited || !timers.RunDue(interpreter.RunTick))
                {
                    break;
                }
            }

            options.Output.Flush();
            if (ready.Contains(ProcessToken))
            {
                break;
            }
        }

        options.Output.Flush();
    }

    /// <summary>
    /// Fills the process map, attaches the process tracker and every handler, prints the banner
    /// and lets a held command run. False, with the reason printed, when something cannot attach.
    /// </summary>
    private bool TryStart(Attachments attachments)
    {
        try
        {
            if (options.Target is { } target)
            {
                target.WaitUntilHeld();
                ProcessTracker.Add(prepared.Kernel.Map(Compiler.ProcessMapIndex), target.Pid, target.IsCommand ? ProcessScope.Held : ProcessScope.Traced);
            }

            Attach(attachments);
        }
        catch (Exception e) when (e is KernelException or InvalidOperationException)
        {
            attachments.Detach();
            options.Output.Flush();
            options.Errors.WriteLine($"ktap: {e.Message}");
            return false;
        }

        if (!options.Quiet)
        {
            options.Output.WriteLine(SessionOptions.Banner);
        }

        options.Output.Flush();
        options.Target?.Start();
        return true;
    }

    /// <summary>--dry-run: attaches everything and detaches again, without running any of the script.</summary>
    private int DryRun()
    {
        try
        {
            using var attachments = new Attachments();
            Attach(attachments);
            return SessionExitCodes.Success;
        }
        catch (Exception e) when (e is KernelException or InvalidOperationException)
        {
            options.Errors.WriteLine($"ktap: {e.Message}");
            return SessionExitCodes.RuntimeError;
        }
    }

    /// <summary>The process tracker first, so that no fork of a traced process is missed; then every handler.</summary>
    private void Attach(Attachments attachments)
    {
        if (prepared.Tracker is { } tracker)
        {
            var catalog = TraceEventCatalog.Open();
            attachments.Attach(tracker.Fork, new TracepointAttach(ProcessTracker.ForkEvent.Subsystem, ProcessTracker.ForkEvent.Event, catalog.GetId(ProcessTracker.ForkEvent)));
            attachments.AttachRawTracepoint(tracker.Exec, ProcessTracker.ExecTracepoint);
            attachments.AttachRawTracepoint(tracker.Exit, ProcessTracker.ExitTracepoint);
            if (options.Verbose)
            {
                options.Errors.WriteLine(
                    $"ktap: following the command from its exec and into its children: ktap_fork (program id {tracker.Fork.GetInfo().Id}) on {ProcessTracker.ForkEvent}, " +
                    $"ktap_exec (program id {tracker.Exec.GetInfo().Id}) and ktap_exit (program id {tracker.Exit.GetInfo().Id}) " +
                    $"on the raw tracepoints {ProcessTracker.ExecTracepoint} and {ProcessTracker.ExitTracepoint}");
            }
        }

        foreach (var loaded in prepared.Handlers)
        {
            foreach (var target in loaded.Targets)
            {
                attachments.Attach(loaded.Program, target.Attach, Compiler.Options.Cpu);
            }

            if (options.Verbose)
            {
                var info = loaded.Program.GetInfo();
                var targets = string.Join(", ", loaded.Targets.Take(5).Select(t => t.Attach)) + (loaded.Targets.Count > 5 ? ", ..." : "");
                options.Errors.WriteLine(
                    $"ktap: {loaded.Handler.Name}: program id {info.Id}, {loaded.Handler.Instructions.Count} instructions " +
                    $"(the verifier processed {info.VerifiedInstructions}), attached to {Plural(loaded.Targets.Count, "target")}: {targets}");
            }
        }

        if (options.Verbose && options.Target is { } traced)
        {
            options.Errors.WriteLine($"ktap: tracing only {traced.Description}{(traced.IsCommand ? " and its children" : "")}");
        }
    }

    /// <summary>With -v: how the command ended (ktap's own status does not change).</summary>
    private void ReportTarget()
    {
        if (options.Target?.TryReap() is { } exit && options.Verbose)
        {
            options.Errors.WriteLine($"ktap: {options.Target.Description} ended with {exit}");
        }
    }

    /// <summary>Handler errors, records the ring buffer had no room for, updates lost to full tables.</summary>
    private void ReportKernelErrors()
    {
        var kernel = prepared.Kernel;
        foreach (var site in Compiler.ErrorSites)
        {
            var count = kernel.Counter(site.CounterOffset);
            if (count > 0)
            {
                options.Errors.WriteLine($"error: {site.Message} ({options.ScriptName}:{Line(site.Span.Start)}), {Plural(count, "time")}");
            }
        }

        var stacks = kernel.Counter(ScriptCompiler.LostStacksOffset);
        if (stacks > 0)
        {
            options.Errors.WriteLine($"ktap: {stacks} stack{(stacks == 1 ? " was" : "s were")} lost: two stacks hashed to the same slot of the stack map");
        }

        var lost = kernel.Counter(ScriptCompiler.LostRecordsOffset);
        if (lost > 0)
        {
            options.Errors.WriteLine($"ktap: {lost} record{(lost == 1 ? " was" : "s were")} lost: the ring buffer was full");
        }

        foreach (var table in Compiler.Tables)
        {
            var updates = kernel.Counter(table.LostCounterOffset);
            if (updates > 0)
            {
                options.Errors.WriteLine($"ktap: table '{table.Variable.Name}' was full ({table.Capacity} entries): {updates} update{(updates == 1 ? " was" : "s were")} lost; size it with table.new");
            }
        }
    }

    private static string Plural(long count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";

    private int Line(int position) => source.GetLineColumn(position).Line;

    /// <summary>Ctrl-C and SIGTERM end the session the normal way: detach, drain, trace_end.</summary>
    private PosixSignalRegistration StopOn(PosixSignal signal, Epoll epoll) =>
        PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            stopRequested = true;
            epoll.Wake();
        });
}
