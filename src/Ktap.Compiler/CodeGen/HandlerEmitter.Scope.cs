using Ktap.Bpf.Asm;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary>
/// <c>-C CPU</c>, <c>-p PID</c> and <c>-- CMD</c>: where handlers run. The kernel runs a
/// tracepoint's programs for every task on every CPU, whatever process or CPU its perf event
/// was opened for (trace_call_bpf runs the trace event's prog_array, not the perf event's), so
/// the test is in the handler itself, before its /filter/ and body.
/// </summary>
internal sealed partial class HandlerEmitter
{
    private void EmitScope()
    {
        if (script.Options.Cpu is { } cpu)
        {
            builder.Emit(Call(HelperFunction.GetSmpProcessorId));
            builder.Jump(JumpOperation.Jne, Register.R0, cpu, exitLabel);
        }

        if (script.ProcessMapIndex < 0)
        {
            return;
        }

        // The process map's keys are thread group ids: the upper half of pid_tgid. Nothing of
        // the handler is in its frame yet, so the key takes the stack's first word, whatever
        // the frame is later made of.
        builder.Emit(Call(HelperFunction.GetCurrentPidTgid));
        builder.Emit(Alu64(AluOperation.Rsh, Register.R0, 32));
        builder.Emit(Store(MemorySize.Word, Register.R10, -8, Register.R0));
        LoadMap(Register.R1, script.ProcessMapIndex);
        builder.Emit(Mov64(Register.R2, Register.R10));
        builder.Emit(Alu64(AluOperation.Add, Register.R2, -8));
        builder.Emit(Call(HelperFunction.MapLookupElem));
        builder.Jump(JumpOperation.Jeq, Register.R0, 0, exitLabel);
        builder.Emit(Load(MemorySize.Word, Register.R0, Register.R0, 0));
        builder.Jump(JumpOperation.Jne, Register.R0, ProcessScope.Traced, exitLabel);
    }
}
