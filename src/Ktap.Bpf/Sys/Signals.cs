namespace Ktap.Bpf.Sys;

/// <summary>Signal dispositions of this process.</summary>
public static class Signals
{
    public const int Interrupt = 2;

    /// <summary>
    /// Gives <paramref name="signal"/> its default action again. A shell without job control
    /// starts a background command with SIGINT and SIGQUIT ignored, and an ignored signal stays
    /// ignored: a handler installed later would never run.
    /// </summary>
    public static void RestoreDefault(int signal) => Libc.Signal(signal, 0);
}
