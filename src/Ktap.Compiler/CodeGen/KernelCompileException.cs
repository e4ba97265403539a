using Ktap.Language.Diagnostics;
using Ktap.Language.Syntax;

namespace Ktap.Compiler.CodeGen;

/// <summary>A handler uses something the code generator cannot put in the kernel; reported as a diagnostic at <see cref="Span"/>.</summary>
public sealed class KernelCompileException(DiagnosticCode code, TextSpan span, string message) : Exception(message)
{
    public DiagnosticCode Code { get; } = code;

    public TextSpan Span { get; } = span;
}
