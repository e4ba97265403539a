using Ktap.Bpf.Asm;
using Ktap.Language.Semantics;
using static Ktap.Bpf.Asm.Instructions;

namespace Ktap.Compiler.CodeGen;

/// <summary><c>stack([depth [, skip]])</c>: the kernel stack, as an id in a stack trace map.</summary>
internal sealed partial class HandlerEmitter
{
    /// <summary>bpf_get_stackid's error when the stack's slot holds another stack (no BPF_F_REUSE_STACKID: an id never changes its stack).</summary>
    private const int Eexist = 17;

    /// <summary>
    /// A stack value (<see cref="ValueEncoding.StackId"/>) is the depth of its map and the
    /// stack's id in that map, so one table can hold stacks of several depths. A stack the map cannot take
    /// (a collision) is counted as lost; both it and a sample without a kernel stack become the
    /// empty stack, as bpftrace's kstack is empty there.
    /// </summary>
    private void EmitStack(BoundCall call, Register destination)
    {
        var requested = StackArgument(call, 0, CompilerOptions.DefaultStackDepth);
        var depth = requested is <= 0 or > CompilerOptions.MaxStackDepth ? CompilerOptions.MaxStackDepth : (int)requested;

        // The low 8 bits of the flags (BPF_F_SKIP_FIELD_MASK): frames to skip; 0 is the probed function's caller.
        var skip = (int)Math.Clamp(StackArgument(call, 1, 0), 0, 255);
        var context = ContextRegister(Register.R1);
        if (context != Register.R1)
        {
            builder.Emit(Mov64(Register.R1, context));
        }

        LoadMap(Register.R2, script.StackMapIndex(depth));
        builder.Emit(Mov64(Register.R3, skip));
        builder.Emit(Call(HelperFunction.GetStackid));
        var recorded = builder.DefineLabel();
        var empty = builder.DefineLabel();
        builder.Jump(JumpOperation.Jsge, Register.R0, 0, recorded);
        builder.Jump(JumpOperation.Jne, Register.R0, -Eexist, empty);
        EmitCount(ScriptCompiler.LostStacksOffset);
        builder.MarkLabel(empty);
        builder.Emit(Mov32(Register.R0, unchecked((int)ValueEncoding.NoStack)));
        builder.MarkLabel(recorded);
        builder.Emit(Mov64(destination, depth));
        builder.Emit(Alu64(AluOperation.Lsh, destination, 32));
        builder.Emit(Alu64(AluOperation.Or, destination, Register.R0));
    }

    /// <summary>A constant argument of <c>stack</c> (the type checker requires one: the map's shape is fixed when the program loads).</summary>
    private static long StackArgument(BoundCall call, int index, long absent) => index >= call.Arguments.Count
        ? absent
        : call.Arguments[index] switch
        {
            BoundNumber n => n.Value,
            BoundUnary { Operator: Language.Syntax.UnaryOperator.Negate, Operand: BoundNumber n } => -n.Value,
            var other => throw new InvalidOperationException($"stack() argument {index} is not a constant: {other}"),
        };
}
