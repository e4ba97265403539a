using Ktap.Bpf.Sys;
using Ktap.Cli;

// ktap -- CMD runs ktap again as the command's held process, before anything else starts.
if (args is [HeldProcess.ChildFlag, ..])
{
    return HeldProcess.RunChild(args);
}

// The interpreter walks trees recursively; a thread with a large stack (reserved, not committed)
// lets deep but legal scripts run, and the interpreter's own depth checks turn anything deeper
// into a script error before the stack runs out.
const int stackBytes = 256 * 1024 * 1024;
var exitCode = ExitCodes.RuntimeError;
var thread = new Thread(() => exitCode = KtapCommand.Run(args), stackBytes);
thread.Start();
thread.Join();
return exitCode;
