using Ktap.Interpreter.Values;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;

namespace Ktap.Interpreter;

/// <summary>
/// Probe handlers run in the kernel, but the interpreter can run one too, against an event it is
/// given: a differential test runs the same handler on both sides and compares the output.
/// </summary>
public sealed partial class ScriptInterpreter
{
    /// <summary>The event being handled while <see cref="RunHandler"/> runs; null in user-side code.</summary>
    private IProbeEvent? currentEvent;

    /// <summary>
    /// Runs the handler of a <c>trace</c> or <c>profile</c> block once, for
    /// <paramref name="probeEvent"/>: in the handler and in every function it calls, the probe
    /// variables (<c>arg0</c>..<c>arg9</c>, <c>args.NAME</c>, <c>probename</c>, <c>pid</c>,
    /// <c>tid</c>, <c>uid</c>, <c>cpu</c>, <c>execname</c>) read the event. The block's filter is
    /// not applied: the caller decides which events reach the handler. <see cref="RunMain"/> must
    /// have run first, since it registers the handler's closure over the top-level variables.
    /// </summary>
    /// <returns>Completed, Exited (the handler called <c>exit()</c>) or Failed with the runtime
    /// error, which ends this run only; output written before it stays.</returns>
    public HandlerOutcome RunHandler(BoundProbe probe, IProbeEvent probeEvent)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(probeEvent);
        if (probe.Kind is not (FunctionKind.Trace or FunctionKind.Profile))
        {
            throw new ArgumentException($"'{probe.Description}' is not a probe handler: only trace and profile blocks handle events", nameof(probe));
        }

        var handler = HandlerOf(probe)
            ?? throw new InvalidOperationException($"'{probe.Description}' has no handler yet: RunMain registers the handlers of the script it was given");
        var outer = currentEvent;
        currentEvent = probeEvent;
        try
        {
            Invoke(Value.Function(handler), [], probe.Span);
            return HandlerOutcome.Completed;
        }
        catch (ExitRequest)
        {
            return HandlerOutcome.Exited;
        }
        catch (RuntimeError error)
        {
            return HandlerOutcome.Failed(error);
        }
        finally
        {
            currentEvent = outer;
        }
    }

    private Closure? HandlerOf(BoundProbe probe)
    {
        foreach (var (registered, handler) in handlers)
        {
            if (ReferenceEquals(registered, probe))
            {
                return handler;
            }
        }

        return null;
    }

    private Value ProbeVariableValue(BoundProbeVariable variable)
    {
        if (currentEvent is not { } probeEvent)
        {
            return ProbeVariableInProcess(variable);
        }

        return variable.Variable switch
        {
            >= ProbeVariable.Arg0 and <= ProbeVariable.Arg9 => Value.Number(probeEvent.Argument(variable.Variable - ProbeVariable.Arg0)),
            ProbeVariable.Probename => Value.String(probeEvent.ProbeName),
            ProbeVariable.Pid => Value.Number(probeEvent.Pid),
            ProbeVariable.Tid => Value.Number(probeEvent.Tid),
            ProbeVariable.Uid => Value.Number(probeEvent.Uid),
            ProbeVariable.Cpu => Value.Number(probeEvent.Cpu),
            ProbeVariable.Execname => Value.String(probeEvent.Execname),

            // The kernel's own print format of the event: only the kernel side can render it.
            _ => throw Error("argstr needs the kernel", variable.Span),
        };
    }

    /// <summary>Outside a handler, <c>pid</c> and the like describe the ktap process itself.</summary>
    private Value ProbeVariableInProcess(BoundProbeVariable variable) => variable.Variable switch
    {
        ProbeVariable.Pid => Value.Number(Environment.ProcessId),
        ProbeVariable.Tid => Value.Number(SystemInfo.ThreadId()),
        ProbeVariable.Uid => Value.Number(SystemInfo.UserId()),
        ProbeVariable.Cpu => Value.Number(SystemInfo.CurrentCpu()),
        ProbeVariable.Execname => Value.String(SystemInfo.ProcessName()),
        _ => throw Error($"'{SyntaxFacts.Name(variable.Variable)}' only has a value in a probe handler", variable.Span),
    };

    private Value EventField(BoundEventField field)
    {
        if (currentEvent is null)
        {
            throw Error($"'args.{field.Field}' only has a value in a probe handler", field.Span);
        }

        var value = currentEvent.Field(field.Field);
        return value.IsNil
            ? throw Error($"'args.{field.Field}': the event {currentEvent.ProbeName} has no field '{field.Field}'", field.Span)
            : value;
    }
}
