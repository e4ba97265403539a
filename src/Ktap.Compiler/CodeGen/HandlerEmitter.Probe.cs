using Ktap.Bpf.Asm;
using Ktap.Compiler.Events;
using Ktap.Language.Semantics;
using Ktap.Language.Syntax;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>Probe variables and event fields: the context and the helpers that describe the current task.</summary>
internal sealed partial class HandlerEmitter
{
    private void EmitProbeVariable(BoundProbeVariable variable, Register destination)
    {
        switch (variable.Variable)
        {
            case >= ProbeVariable.Arg0 and <= ProbeVariable.Arg9:
                EmitLoadField(ArgumentField(variable), destination, variable.Span);
                return;

            case ProbeVariable.Pid or ProbeVariable.Tid:
                // bpf_get_current_pid_tgid: the thread group id (what user space calls the pid) in the high half.
                builder.Emit(Call(HelperFunction.GetCurrentPidTgid));
                builder.Emit(Mov64(destination, Register.R0));
                if (variable.Variable == ProbeVariable.Pid)
                {
                    builder.Emit(Alu64(AluOperation.Rsh, destination, 32));
                }
                else
                {
                    builder.Emit(Mov32(destination, destination));
                }

                return;
            case ProbeVariable.Uid:
                builder.Emit(Call(HelperFunction.GetCurrentUidGid));
                builder.Emit(Mov32(destination, Register.R0));
                return;
            case ProbeVariable.Cpu:
                builder.Emit(Call(HelperFunction.GetSmpProcessorId));
                builder.Emit(Mov64(destination, Register.R0));
                return;
            default:
                throw Unsupported(variable.Span, $"'{SyntaxFacts.Name(variable.Variable)}' as a number");
        }
    }

    private ContextField? ArgumentOrNull(BoundProbeVariable variable) =>
        variable.Variable - ProbeVariable.Arg0 is var n && n < target.Arguments.Count ? target.Arguments[n] : null;

    private ContextField ArgumentField(BoundProbeVariable variable) =>
        ArgumentOrNull(variable) ?? throw new KernelCompileException(
            Language.Diagnostics.DiagnosticCode.NotInKernel, variable.Span,
            $"'{SyntaxFacts.Name(variable.Variable)}' does not exist for {target.ProbeName}: it has {target.Arguments.Count} argument{(target.Arguments.Count == 1 ? "" : "s")}");

    private ContextField FieldOf(string name, TextSpan span) =>
        target.FindField(name) ?? throw new KernelCompileException(
            Language.Diagnostics.DiagnosticCode.NotInKernel, span,
            $"{target.ProbeName} has no field '{name}'" + (target.Fields.Count == 0 ? string.Empty : $" (its fields: {string.Join(", ", target.Fields.Where(f => !f.Name.StartsWith("common_", StringComparison.Ordinal)).Select(f => f.Name))})"));

    private void EmitEventField(BoundEventField expression, Register destination) =>
        EmitLoadField(FieldOf(expression.Field, expression.Span), destination, expression.Span);

    /// <summary>An integer field of the context, loaded at its constant offset (the verifier allows no other context access).</summary>
    private void EmitLoadField(ContextField field, Register destination, TextSpan span)
    {
        if (field.Kind is FieldKind.CharArray or FieldKind.DataLocString)
        {
            throw Unsupported(span, $"the string field '{field.Name}' as a number");
        }

        var size = field.Size switch
        {
            1 => MemorySize.Byte,
            2 => MemorySize.Half,
            4 => MemorySize.Word,
            8 => MemorySize.DoubleWord,
            _ => throw Unsupported(span, $"the {field.Size}-byte field '{field.Name}'"),
        };
        builder.Emit(Load(size, destination, ContextRegister(destination), (short)field.Offset));
        if (field.Kind == FieldKind.Signed && field.Size < 8)
        {
            var shift = 64 - (field.Size * 8);
            builder.Emit(Alu64(AluOperation.Lsh, destination, shift));
            builder.Emit(Alu64(AluOperation.Arsh, destination, shift));
        }
    }
}
