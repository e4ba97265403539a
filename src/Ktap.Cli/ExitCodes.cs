namespace Ktap.Cli;

/// <summary>ktap's exit statuses (LANGUAGE.md §9).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A runtime error, or a probe that cannot run.</summary>
    public const int RuntimeError = 1;

    public const int Usage = 2;

    /// <summary>The output pipe was closed (<c>ktap ... | head</c>): what a shell reports for SIGPIPE.</summary>
    public const int BrokenPipe = 141;

    /// <summary>A compile error: ktap's traditional 255.</summary>
    public const int CompileError = 255;
}
