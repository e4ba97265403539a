using System.Globalization;
using System.Text;
using Ktap.Bpf.Programs;
using Ktap.Bpf.Sys;

namespace Ktap.Runtime.Audit;

/// <summary>
/// <c>ktap --ps</c>: every ktap session running on the machine, read back from the kernel
/// (<see cref="RunningSessions"/>), one block each (doc/auditing.md shows the layout):
/// <code>
/// PID 4242  /root/opens.kp  started 2026-12-04 20:34:51 +00:00  ktap 0.5.0
///   command: ktap -q /root/opens.kp 5
///   PROG   NAME          TYPE        RUNS  RUN TIME  PER RUN  PROBES
///   10631  ktap_trace_0  tracepoint  1234  0.52 ms   421 ns   syscalls:sys_enter_openat
/// </code>
/// </summary>
public static class PsCommand
{
    /// <summary>Probes shown per program unless all are asked for.</summary>
    private const int ProbesShown = 3;

    /// <returns>0, or 1 after one line on <paramref name="errors"/> when the kernel would not list its programs.</returns>
    /// <param name="allProbes">Every probe of each program, not the first few (-v).</param>
    public static int Run(TextWriter output, TextWriter errors, bool allProbes)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (FindOrSay(errors) is not { } sessions)
        {
            return 1;
        }

        if (sessions.Count == 0)
        {
            output.WriteLine("no ktap session is running");
            return 0;
        }

        var sysctl = BpfStats.SysctlEnabled == true;
        var counted = sysctl || sessions.Any(s => s.Programs.Any(p => p.Info.RunCount > 0));
        for (var i = 0; i < sessions.Count; i++)
        {
            if (i > 0)
            {
                output.WriteLine();
            }

            Write(output, sessions[i], counted, allProbes);
        }

        if (!sysctl)
        {
            output.WriteLine();
            output.WriteLine(counted
                ? "Runs are counted only while kernel.bpf_stats_enabled=1 or a tool holds BPF_ENABLE_STATS: the numbers above may be partial."
                : "Runs are not counted: 'sysctl -w kernel.bpf_stats_enabled=1' counts them (at a cost to every BPF program), '=0' stops.");
        }

        return 0;
    }

    /// <summary>The running sessions, or null after one line on <paramref name="errors"/> when the kernel refused to list them (shared with <c>ktap --source</c>).</summary>
    internal static IReadOnlyList<RunningSession>? FindOrSay(TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            return RunningSessions.Find();
        }
        catch (KernelException e)
        {
            errors.WriteLine(e.Errno is Errnos.EPERM or Errnos.EACCES
                ? "ktap: reading the kernel's program list needs root (CAP_SYS_ADMIN)"
                : $"ktap: {e.Message}");
            return null;
        }
    }

    private static void Write(TextWriter output, RunningSession session, bool counted, bool allProbes)
    {
        var record = session.Record;
        var started = record.StartTime.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);
        output.WriteLine($"PID {record.ProcessId}  {record.ScriptPath}  started {started}  {record.KtapVersion}");
        output.WriteLine($"  command: ktap {string.Join(' ', record.Arguments.Select(ShellWord))}");
        var rows = new List<string[]> { new[] { "PROG", "NAME", "TYPE", "RUNS", "RUN TIME", "PER RUN", "PROBES" } };
        foreach (var program in session.Programs)
        {
            var info = program.Info;
            var runs = counted ? info.RunCount.ToString(CultureInfo.InvariantCulture) : "-";
            var time = counted ? Duration(info.RunTimeNanoseconds) : "-";
            var perRun = counted && info.RunCount > 0 ? Duration(info.RunTimeNanoseconds / info.RunCount) : "-";
            rows.Add([info.Id.ToString(CultureInfo.InvariantCulture), info.Name, TypeName(info.Type), runs, time, perRun, Probes(program.Probes, allProbes)]);
        }

        var widths = Enumerable.Range(0, rows[0].Length - 1).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            var line = new StringBuilder("  ");
            for (var c = 0; c < widths.Length; c++)
            {
                line.Append(row[c].PadRight(widths[c] + 2));
            }

            output.WriteLine(line.Append(row[^1]).ToString());
        }
    }

    private static string Probes(IReadOnlyList<string> probes, bool all) =>
        all || probes.Count <= ProbesShown
            ? string.Join(", ", probes)
            : $"{string.Join(", ", probes.Take(ProbesShown))} and {probes.Count - ProbesShown} more (-v shows all)";

    /// <summary>Nanoseconds in the largest unit that keeps three significant digits or more.</summary>
    private static string Duration(ulong nanoseconds) => nanoseconds switch
    {
        < 10_000 => $"{nanoseconds} ns",
        < 10_000_000 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e3:0.#} us"),
        < 10_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e6:0.#} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e9:0.#} s"),
    };

    /// <summary>bpftool's names for the program types ktap loads.</summary>
    private static string TypeName(ProgramType type) => type switch
    {
        ProgramType.Kprobe => "kprobe",
        ProgramType.Tracepoint => "tracepoint",
        ProgramType.PerfEvent => "perf_event",
        ProgramType.RawTracepoint => "raw_tracepoint",
        _ => ((uint)type).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>An argument as a shell would take it back: bare when safe, else quoted ($'...' when it holds control characters, as a -e script's newlines).</summary>
    private static string ShellWord(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "@%+=:,./_-".Contains(c, StringComparison.Ordinal)))
        {
            return word;
        }

        if (!word.Any(char.IsControl))
        {
            return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        }

        var quoted = new StringBuilder("$'");
        foreach (var c in word)
        {
            quoted.Append(c switch
            {
                '\n' => "\\n",
                '\t' => "\\t",
                '\\' => "\\\\",
                '\'' => "\\'",
                < '\u0080' when char.IsControl(c) => $"\\x{(int)c:x2}",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return quoted.Append('\'').ToString();
    }
}
