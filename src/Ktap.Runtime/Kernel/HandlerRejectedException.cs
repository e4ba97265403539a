using System.Globalization;
using System.Text;
using Ktap.Bpf.Sys;
using Ktap.Compiler.CodeGen;
using Ktap.Language.Diagnostics;
using Ktap.Language.Syntax;

namespace Ktap.Runtime.Kernel;

/// <summary>
/// The verifier refused a compiled handler (KT3001, or KT3002 when the handler is too costly for it).
/// The line is the script's, found through the line table: the verifier's log names the last
/// instruction it checked, and <see cref="CompiledHandler.Spans"/> maps it back.
/// <see cref="Message"/> is <c>FILE:LINE: error KT3001: the kernel refused this handler: REASON</c>.
/// </summary>
/// <remarks>
/// A <see cref="KernelException"/> still (the failed call and its errno), so that code which
/// reports any failed load as <c>ktap: MESSAGE</c> goes on working, with the better message.
/// </remarks>
public sealed class HandlerRejectedException : KernelException
{
    /// <summary>Lines of the verifier's log kept for <c>-v</c>: its last instructions, the reason and its statistics.</summary>
    public const int LogTailLines = 10;

    private readonly string message;

    public HandlerRejectedException(CompiledHandler handler, SourceText source, VerifierException refusal)
        : this(handler, source, refusal, Read(handler, source, refusal.Log))
    {
    }

    private HandlerRejectedException(CompiledHandler handler, SourceText source, VerifierException refusal, Finding finding)
        : base(refusal.Call, refusal.Errno, finding.Reason)
    {
        message = Describe(source.Name, finding.Line, finding.Code, finding.Reason);
        HandlerName = handler.Name;
        FileName = source.Name;
        Instruction = finding.Instruction;
        Span = finding.Span;
        Line = finding.Line;
        Reason = finding.Reason;
        Code = finding.Code;
        Log = refusal.Log;
        LogTail = VerifierLogReader.Tail(refusal.Log, LogTailLines);
    }

    /// <summary><c>FILE:LINE: error KTnnnn: the kernel refused this handler: REASON</c>.</summary>
    public override string Message => message;

    public DiagnosticCode Code { get; }

    /// <summary>The program's name, as <c>ktap_trace_0</c>.</summary>
    public string HandlerName { get; }

    public string FileName { get; }

    /// <summary>The one-based script line of <see cref="Span"/>.</summary>
    public int Line { get; }

    /// <summary>The source of the refused instruction, or the probe when the log names none.</summary>
    public TextSpan Span { get; }

    /// <summary>The slot the verifier stopped at, when its log says.</summary>
    public int? Instruction { get; }

    /// <summary>The verifier's reason, one line as it wrote it.</summary>
    public string Reason { get; }

    /// <summary>The verifier's whole log.</summary>
    public string Log { get; }

    /// <summary>The last <see cref="LogTailLines"/> lines of the verifier's log, for <c>-v</c>.</summary>
    public IReadOnlyList<string> LogTail { get; }

    /// <summary>
    /// The error as ktap prints it: <see cref="Exception.Message"/>, then with
    /// <paramref name="verbose"/> the verifier's last lines, indented by four spaces.
    /// </summary>
    public static string Render(HandlerRejectedException error, bool verbose)
    {
        ArgumentNullException.ThrowIfNull(error);
        var text = new StringBuilder(error.Message).Append('\n');
        if (verbose)
        {
            var at = error.Instruction is { } slot ? string.Create(CultureInfo.InvariantCulture, $", stopped at instruction {slot}") : string.Empty;
            text.Append(CultureInfo.InvariantCulture, $"    the verifier's last lines for {error.HandlerName}{at}:\n");
            foreach (var line in error.LogTail)
            {
                text.Append("    ").Append(line).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Describe(string file, int line, DiagnosticCode code, string reason) =>
        string.Create(CultureInfo.InvariantCulture, $"{file}:{line}: error {code.Id()}: the kernel refused this handler: {reason}");

    /// <summary>
    /// KT3002 for the verifier's limits on how much it explores ("BPF program is too large.
    /// Processed 1000001 insn", "The sequence of 8193 jumps is too complex.", "combined stack
    /// size of 3 calls is 576. Too large"): the handler is valid but needs to be smaller.
    /// </summary>
    private static DiagnosticCode CodeOf(string reason) =>
        reason.Contains("too large", StringComparison.OrdinalIgnoreCase) || reason.Contains("too complex", StringComparison.OrdinalIgnoreCase)
            ? DiagnosticCode.HandlerTooComplex
            : DiagnosticCode.KernelRefused;

    private static Finding Read(CompiledHandler handler, SourceText source, string log)
    {
        var reason = VerifierLogReader.Reason(log);
        var code = CodeOf(reason);
        var instruction = VerifierLogReader.LastInstruction(log);
        if (instruction is { } slot && (uint)slot < (uint)handler.Spans.Count)
        {
            var span = handler.Spans[slot];
            return new(slot, span, LineOf(source, span), reason, code);
        }

        // No instruction (or one past the program): the line info the verifier printed, else the probe.
        var probe = handler.Probe.Span;
        return new(null, probe, VerifierLogReader.LastSourceLine(log) ?? LineOf(source, probe), reason, code);
    }

    private static int LineOf(SourceText source, TextSpan span) => source.GetLineColumn(Math.Min(span.Start, source.Length)).Line;

    private sealed record Finding(int? Instruction, TextSpan Span, int Line, string Reason, DiagnosticCode Code);
}
