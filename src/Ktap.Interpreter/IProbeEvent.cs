using Ktap.Interpreter.Values;

namespace Ktap.Interpreter;

/// <summary>
/// One probe hit as a handler sees it (LANGUAGE.md §5): what <c>arg0</c>..<c>arg9</c>,
/// <c>args.NAME</c>, <c>probename</c>, <c>pid</c>, <c>tid</c>, <c>uid</c>, <c>cpu</c> and
/// <c>execname</c> read while <see cref="ScriptInterpreter.RunHandler"/> runs a handler for it.
/// The interpreter reads a member each time the script reads the variable, so an implementation
/// should be cheap to ask and give the same answer every time.
/// </summary>
public interface IProbeEvent
{
    /// <summary>The event's name, as <c>probename</c> gives it: <c>sys_enter_read</c>, <c>vfs_read</c>.</summary>
    string ProbeName { get; }

    /// <summary>Process id (the thread-group id, as perf and bpftrace mean it).</summary>
    long Pid { get; }

    /// <summary>Thread id.</summary>
    long Tid { get; }

    long Uid { get; }

    long Cpu { get; }

    /// <summary>The task's name (<c>comm</c>).</summary>
    string Execname { get; }

    /// <summary><c>arg0</c>..<c>arg9</c>: <paramref name="n"/> is 0 to 9.</summary>
    long Argument(int n);

    /// <summary>
    /// <c>args.NAME</c>: the field called <paramref name="name"/>, or nil when the event has no such
    /// field (no field's value is nil: fields are numbers or strings). The interpreter reports a nil
    /// as a runtime error naming the field.
    /// </summary>
    Value Field(string name);
}
