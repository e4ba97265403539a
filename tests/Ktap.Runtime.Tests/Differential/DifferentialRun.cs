using System.Buffers.Binary;
using Ktap.Bpf.RingBuffer;
using Ktap.Compiler.CodeGen;
using Ktap.Compiler.Events;
using Ktap.Compiler.Types;
using Ktap.Interpreter;
using Ktap.Interpreter.Formatting;
using Ktap.Interpreter.Values;
using Ktap.Language.Diagnostics;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using Ktap.Runtime.Kernel;
using Ktap.Runtime.Output;

namespace Ktap.Runtime.Tests.Differential;

/// <summary>
/// Runs a script's one trace handler over the same events twice: in the interpreter, and in the
/// kernel as a raw tracepoint program run by BPF_PROG_TEST_RUN (DESIGN §1). Both runs print
/// what the script prints, then one line per runtime error site (<c>error: MESSAGE (line N), K
/// times</c>), then what trace_end prints.
/// </summary>
internal static class DifferentialRun
{
    public const string FileName = "d.kp";

    public static (string Interpreter, string Kernel) Both(string script, params long[][] events) =>
        (InInterpreter(script, events), InKernel(script, events));

    public static TypedScript Compile(string script)
    {
        var bag = new DiagnosticBag();
        var syntax = Parser.Parse(new SourceText(FileName, script), bag);
        var bound = Binder.Bind(syntax, bag);
        var typed = TypeChecker.Check(bound, bag);
        Assert.True(bag.Items.Count == 0, "the snippet does not compile:\n" + string.Join("\n", bag.Sorted()));
        return typed;
    }

    public static CompiledHandler CompileHandler(string script, out ScriptCompiler compiler)
    {
        var typed = Compile(script);
        compiler = new ScriptCompiler(typed);
        return compiler.Compile(Probe(typed.Bound), ProbeTarget.RawTracepoint("test"));
    }

    public static string InInterpreter(string script, long[][] events)
    {
        var bound = Compile(script).Bound;
        var output = new StringWriter();
        var interpreter = new ScriptInterpreter(bound, new InterpreterOptions(output, FileName, []));
        interpreter.RunMain();
        var errors = new ErrorTally();
        var probeEvent = new ThisThreadEvent();
        foreach (var arguments in events)
        {
            probeEvent.Arguments = arguments;
            var outcome = interpreter.RunHandler(Probe(bound), probeEvent);
            if (outcome.IsFailed)
            {
                errors.Add(outcome.Error.Message, outcome.Error.Line);
            }
            else if (outcome.Status == HandlerStatus.Exited)
            {
                break;
            }
        }

        output.Write(errors.Render());
        interpreter.RunTraceEnd();
        return output.ToString();
    }

    public static string InKernel(string script, long[][] events)
    {
        var typed = Compile(script);
        var compiler = new ScriptCompiler(typed);
        var handler = compiler.Compile(Probe(typed.Bound), ProbeTarget.RawTracepoint("test"));
        using var kernel = KernelScript.Create(compiler);
        var program = kernel.Load(handler);
        var output = new StringWriter();
        var interpreter = new ScriptInterpreter(typed.Bound, new InterpreterOptions(output, FileName, [], new DataMapVariables(kernel)));
        interpreter.RunMain();
        using var ring = new RingBufferReader(kernel.Map(compiler.EventsMapIndex));
        var printf = new PrintfFormatter();
        var exited = false;
        foreach (var arguments in events)
        {
            var context = new byte[8 * 10];
            for (var i = 0; i < arguments.Length; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(context.AsSpan(8 * i), arguments[i]);
            }

            program.TestRun(context);
            ring.Consume(record =>
            {
                var site = compiler.OutputSites[RecordDecoder.SiteId(record)];
                var values = RecordDecoder.Arguments(site, record);
                switch (site.Kind)
                {
                    case OutputKind.Print:
                        output.Write(ValueFormatter.FormatPrint(values));
                        break;
                    case OutputKind.Printf:
                        output.Write(printf.Format(site.Format!, values));
                        break;
                    default:
                        exited = true;
                        break;
                }
            });
            if (exited)
            {
                break;
            }
        }

        var errors = new ErrorTally();
        foreach (var site in compiler.ErrorSites)
        {
            var count = kernel.Counter(site.CounterOffset);
            for (var i = 0; i < count; i++)
            {
                errors.Add(site.Message, typed.Bound.Source.GetLineColumn(site.Span.Start).Line);
            }
        }

        output.Write(errors.Render());
        interpreter.RunTraceEnd();
        return output.ToString();
    }

    private static BoundProbe Probe(BoundScript bound) => bound.Probes.Single(p => p.Kind == FunctionKind.Trace);

    /// <summary>Error counts by site, rendered in a stable order.</summary>
    private sealed class ErrorTally
    {
        private readonly SortedDictionary<(int Line, string Message), int> counts = [];

        public void Add(string message, int line) => counts[(line, message)] = counts.GetValueOrDefault((line, message)) + 1;

        public string Render() => string.Concat(counts.Select(c => $"error: {c.Key.Message} (line {c.Key.Line}), {c.Value} times\n"));
    }

    /// <summary>The event the kernel sees during TEST_RUN: this thread is the current task.</summary>
    private sealed class ThisThreadEvent : IProbeEvent
    {
        public long[] Arguments { get; set; } = [];

        public string ProbeName => "test";

        public long Pid => Environment.ProcessId;

        public long Tid => Gettid();

        public long Uid => 0;

        public long Cpu => 0;

        public string Execname => File.ReadAllText("/proc/thread-self/comm").TrimEnd('\n');

        public long Argument(int n) => n < Arguments.Length ? Arguments[n] : 0;

        public Value Field(string name) => Value.Nil;

        private static long Gettid() => long.Parse(Path.GetFileName(Path.GetFullPath("/proc/thread-self")), System.Globalization.CultureInfo.InvariantCulture);
    }
}
