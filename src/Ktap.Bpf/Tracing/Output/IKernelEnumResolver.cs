namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// The value of a kernel enum constant by name. A format file shows an enum constant by name
/// when the event's header did not export it with TRACE_DEFINE_ENUM (hrtimer_start's
/// <c>HRTIMER_MODE_ABS</c>, writeback's <c>I_DIRTY_SYNC</c>); the kernel's own output knows the
/// value, and so must we.
/// </summary>
public interface IKernelEnumResolver
{
    bool TryGetValue(string name, out long value);
}
