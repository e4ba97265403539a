using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;

namespace Ktap.Runtime.Audit;

/// <summary>A program of a running session, as the kernel reports it now.</summary>
/// <param name="Probes">What the session said it attached the program to.</param>
public sealed record RunningProgram(ProgramInfo Info, IReadOnlyList<string> Probes);

/// <summary>A ktap session running on this machine, read back from the kernel.</summary>
/// <param name="Programs">By program id.</param>
public sealed record RunningSession(SessionRecord Record, IReadOnlyList<RunningProgram> Programs);

/// <summary>
/// Finds every running ktap session from the kernel's own program list (BPF_PROG_GET_NEXT_ID),
/// never from files ktap writes. A program is ktap's only when all of this holds: its name starts
/// with <c>ktap_</c>; one of its maps is a frozen, program-read-only array named <c>ktap_src</c>
/// (<see cref="SourceMap"/>) whose bytes are a well-formed <see cref="SessionRecord"/> of a
/// layout this ktap knows; and that record lists this very program, by id and by name. A foreign
/// program named <c>ktap_*</c>, or bound to another session's map, fails the last test.
/// </summary>
public static class RunningSessions
{
    private const string NamePrefix = "ktap_";

    /// <summary>Every session, oldest first.</summary>
    /// <exception cref="KernelException">The kernel refused to list or open programs (it needs CAP_SYS_ADMIN).</exception>
    public static IReadOnlyList<RunningSession> Find()
    {
        var records = new Dictionary<uint, SessionRecord?>();
        var sessions = new Dictionary<uint, (SessionRecord Record, List<RunningProgram> Programs)>();
        foreach (var id in BpfProgram.AllIds())
        {
            if (InfoOf(id) is not { } info || !info.Name.StartsWith(NamePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var mapId in info.MapIds)
            {
                if (!records.TryGetValue(mapId, out var record))
                {
                    record = SourceMap.TryRead(mapId);
                    records[mapId] = record;
                }

                var published = record?.Programs.FirstOrDefault(p => p.Id == info.Id && p.Name == info.Name);
                if (published is null)
                {
                    continue;
                }

                if (!sessions.TryGetValue(mapId, out var session))
                {
                    session = (record!, []);
                    sessions[mapId] = session;
                }

                session.Programs.Add(new RunningProgram(info, published.Probes));
                break;
            }
        }

        return [.. sessions.Values
            .OrderBy(s => s.Record.StartTime)
            .ThenBy(s => s.Record.ProcessId)
            .Select(s => new RunningSession(s.Record, [.. s.Programs.OrderBy(p => p.Info.Id)]))];
    }

    /// <summary>The program's info, or null when it was unloaded after the kernel listed it.</summary>
    private static ProgramInfo? InfoOf(uint id)
    {
        try
        {
            using var program = BpfProgram.FromId(id);
            return program.GetInfo();
        }
        catch (KernelException e) when (e.Errno == Errnos.ENOENT)
        {
            return null;
        }
    }
}
