namespace Ktap.Runtime.Audit;

/// <summary>Who runs a script, for the record a session leaves in the kernel (<see cref="SessionRecord"/>).</summary>
/// <param name="KtapVersion">As <c>ktap -V</c> prints it.</param>
/// <param name="ScriptPath">The script file's absolute path, or <c>-e</c>, or <c>&lt;stdin&gt;</c>.</param>
/// <param name="Arguments">ktap's command line after the program name, as given.</param>
public sealed record ScriptOrigin(string KtapVersion, string ScriptPath, IReadOnlyList<string> Arguments);
