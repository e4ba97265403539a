namespace Ktap.Cli.Tests.Tracing;

/// <summary>
/// Runs <c>bin/ktap</c> on a script as a user would: in the background, waits for the banner
/// (printed once every probe is attached), runs a workload, stops ktap with a signal (SIGTERM
/// unless told) and returns what it printed, without the banner.
/// </summary>
internal static class TracingRun
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public static ProcessResult Run(string script, Action workload, params string[] options) =>
        Run(script, workload, SigTerm, options);

    public static ProcessResult Run(string script, Action workload, int signal, params string[] options)
    {
        using var ktap = KtapProcess.Start([.. options, "-e", script]);
        if (ktap.WaitForBanner())
        {
            workload();
            ktap.Signal(signal);
        }

        return ktap.WaitForExit(TimeSpan.FromSeconds(30));
    }
}
