using System.Globalization;

namespace Ktap.Runtime.Audit;

/// <summary>
/// <c>ktap --source ID</c>: the exact bytes of the script a running session runs, read back from
/// the kernel; ID is the session's ktap process id or the id of one of its programs.
/// </summary>
public static class SourceCommand
{
    /// <returns>0 after writing the source to <paramref name="output"/>; 1 after one line on <paramref name="errors"/>.</returns>
    public static int Run(uint id, Stream output, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (PsCommand.FindOrSay(errors) is not { } sessions)
        {
            return 1;
        }

        var byProcess = sessions.Where(s => s.Record.ProcessId == id).ToList();
        var byProgram = sessions.Where(s => s.Programs.Any(p => p.Info.Id == id)).ToList();
        var matches = byProcess.Concat(byProgram).Distinct().ToList();
        switch (matches.Count)
        {
            case 0:
                errors.WriteLine($"ktap: no running ktap session has process id or program id {id} (see 'ktap --ps')");
                return 1;
            case 1:
                output.Write(matches[0].Record.Source);
                output.Flush();
                return 0;
            default:
                // Process ids and program ids are numbered apart; they can meet. Each session
                // has other ids to ask by (its other number, any of its programs).
                var which = string.Join(", ", matches.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Record.ScriptPath} (pid {s.Record.ProcessId})")));
                errors.WriteLine($"ktap: {id} names more than one running session: {which}; ask by another of its ids (see 'ktap --ps')");
                return 1;
        }
    }
}
