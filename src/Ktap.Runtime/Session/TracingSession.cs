using System.Runtime.InteropServices;
using Ktap.Bpf.RingBuffer;
using Ktap.Bpf.Sys;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Types;
using Ktap.Interpreter;
using Ktap.Language.Syntax;
using Ktap.Runtime.Kernel;

namespace Ktap.Runtime.Session;

/// <summary>
/// A tracing session (DESIGN §1): runs the top-level code, attaches every handler, prints the
/// kernel's records as they come, and on Ctrl-C, SIGTERM or <c>exit()</c> detaches, drains
/// what is left, runs trace_end and reports what went wrong in the kernel.
/// </summary>
public sealed class TracingSession
{
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
        var interpreter = new ScriptInterpreter(
            Compiler.Typed.Bound,
            new InterpreterOptions(options.Output, options.ScriptName, options.Arguments, new DataMapVariables(prepared.Kernel)));
        try
        {
            var attachments = new Attachments();
            using var epoll = new Epoll();
            using var ring = new RingBufferReader(prepared.Kernel.Map(Compiler.EventsMapIndex));
            var printer = new RecordPrinter(Compiler.OutputSites, prepared.Kernel.Stacks, prepared.EventRecords, options.Output, options.Errors, options.ScriptName, Line);
            using (StopOn(PosixSignal.SIGINT, epoll))
            using (StopOn(PosixSignal.SIGTERM, epoll))
            {
                if (interpreter.RunMain())
                {
                    try
                    {
                        Attach(attachments);
                    }
                    catch (KernelException e)
                    {
                        attachments.Dispose();
                        options.Output.Flush();
                        options.Errors.WriteLine($"ktap: {e.Message}");
                        return SessionExitCodes.RuntimeError;
                    }

                    if (!options.Quiet)
                    {
                        options.Output.WriteLine(SessionOptions.Banner);
                    }

                    options.Output.Flush();
                    epoll.Add(ring.Map.Handle, 1);
                    while (!stopRequested && !printer.Exited)
                    {
                        epoll.Wait(-1);
                        ring.Consume(printer.Print);
                        options.Output.Flush();
                    }
                }

                // Detach first, then drain: nothing can be added once the handlers are gone.
                attachments.Dispose();
                ring.Consume(printer.Print);
                options.Output.Flush();
            }

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

    private void Attach(Attachments attachments)
    {
        foreach (var loaded in prepared.Handlers)
        {
            foreach (var target in loaded.Targets)
            {
                attachments.Attach(loaded.Program, target.Attach);
            }

            if (options.Verbose)
            {
                var info = loaded.Program.GetInfo();
                options.Errors.WriteLine(
                    $"ktap: {loaded.Handler.Name} (program id {info.Id}, {loaded.Handler.Instructions.Count} instructions) attached to {loaded.Targets.Count} target{(loaded.Targets.Count == 1 ? "" : "s")}: {string.Join(", ", loaded.Targets.Take(5).Select(t => t.Attach))}{(loaded.Targets.Count > 5 ? ", ..." : "")}");
            }
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
                options.Errors.WriteLine($"error: {site.Message} ({options.ScriptName}:{Line(site.Span.Start)}), {count} time{(count == 1 ? "" : "s")}");
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
