namespace Ktap.Runtime.Session;

/// <summary>How a tracing session runs and where it writes.</summary>
/// <param name="Output">The script's output (print, printf, print_hist, the banner).</param>
/// <param name="Errors">ktap's own messages: runtime errors, counters at the end, -v.</param>
/// <param name="ScriptName">arg[0] and the file name in messages.</param>
/// <param name="Arguments">arg[1..].</param>
public sealed record SessionOptions(TextWriter Output, TextWriter Errors, string ScriptName, IReadOnlyList<string> Arguments)
{
    /// <summary>No "Tracing..." banner (-q).</summary>
    public bool Quiet { get; init; }

    /// <summary>Say what was attached and how big each program is (-v).</summary>
    public bool Verbose { get; init; }

    /// <summary>Attach and detach everything, and run nothing of the script (--dry-run).</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// The one process traced (-p, -- CMD); the script must be compiled with
    /// <see cref="Compiler.CodeGen.CompilerOptions.FilterProcesses"/>. Null: every process.
    /// </summary>
    public TracedProcess? Target { get; init; }

    public const string Banner = "Tracing... Hit Ctrl-C to end.";
}
