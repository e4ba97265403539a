namespace Ktap.Runtime.Session;

/// <summary>The exit codes of LANGUAGE.md §9 a session ends with.</summary>
public static class SessionExitCodes
{
    public const int Success = 0;

    /// <summary>A runtime error in the script, or a probe that cannot attach.</summary>
    public const int RuntimeError = 1;

    /// <summary>A compile error (ktap's 255), the kernel's refusal included.</summary>
    public const int CompileError = 255;
}
