using System.Text;

namespace Ktap.Bench.Compile;

/// <summary>
/// Writes an ordinary ktap script of the kind users keep in a file: shared tables and
/// counters, helper functions the handlers call (loops, early returns, string compares), trace
/// blocks that count, sum, print and filter, a tick block and a trace_end. Every trace block
/// compiles for the kernel. The same size always gives the same text, so runs compare.
/// </summary>
internal static class ScriptGenerator
{
    public static string Generate(int lines)
    {
        var head = Header();
        var tail = Trailer();
        var units = new List<string>();
        var used = Count(head) + Count(tail);
        for (var n = 0; ; n++)
        {
            var unit = Probe(n);
            if (used + Count(unit) > lines)
            {
                break;
            }

            units.Add(unit);
            used += Count(unit);
        }

        // Blank lines make up the rest, so the script has exactly the lines asked for.
        var text = new StringBuilder(head);
        foreach (var unit in units)
        {
            text.Append(unit);
        }

        text.Append('\n', Math.Max(0, lines - used));
        text.Append(tail);
        return text.ToString();
    }

    private static int Count(string text) => text.Count(c => c == '\n');

    private static string Header() =>
        """
        #!/usr/bin/env ktap
        # Generated for bench/compile: syscall accounting per process, the long way round.
        var calls = {}
        var bytes = {}
        var errors = {}
        var sizes = table.new(0, 4096)
        var owners = {}
        var total = 0
        var kills = 0
        var threshold = 65536
        var last_exec = "none"

        # The power-of-two bucket of n: 0 for 0 and 1, then 1, 2, ...
        function bucket(n) {
            var b = 0
            while (n > 1) {
                n = n / 2
                b += 1
            }
            return b
        }

        function clamp(v, lo, hi) {
            if (v < lo) {
                return lo
            } elseif (v > hi) {
                return hi
            }
            return v
        }

        function is_shell(name) {
            return name == "bash" || name == "sh" || name == "zsh" || name == "dash"
        }

        function weight(fd, count) {
            var w = 0
            for (i = 1, fd % 8 + 1) {
                w += i * count
            }
            return w
        }


        """;

    /// <summary>One trace block; <paramref name="n"/> picks the event and the kind of work.</summary>
    private static string Probe(int n) => (n % 12) switch
    {
        0 => $$"""
            trace {{Event(n, "syscalls:sys_enter_read", "syscalls:sys_enter_pread64")}} {
                calls[execname] += 1
                bytes[pid] += arg2
                if (arg2 > threshold) {
                    printf("%s[%d] reads %d bytes from fd %d\n", execname, pid, arg2, arg0)
                }
            }


            """,
        1 => $$"""
            trace {{Event(n, "syscalls:sys_enter_write", "syscalls:sys_enter_pwrite64")}} /common_pid != 1/ {
                calls[execname] += 1
                bytes[pid] += arg2
                sizes[bucket(arg2)] += 1
                if (arg0 == 2 && arg2 > 0) {
                    printf("%s[%d] writes %d bytes to stderr\n", execname, pid, arg2)
                }
            }


            """,
        2 => $$"""
            trace {{Event(n, "syscalls:sys_enter_openat", "syscalls:sys_enter_openat2")}} {
                if (execname == "systemd-journal" || execname == "ktap") {
                    return
                }
                owners[pid] = execname
                calls["openat"] += 1
            }


            """,
        3 => $$"""
            trace {{Event(n, "sched:sched_process_exec", "sched:sched_process_fork")}} {
                last_exec = execname
                total += 1
                if (is_shell(execname)) {
                    printf("shell %s started as pid %d on cpu %d\n", execname, pid, cpu)
                }
            }


            """,
        4 => $$"""
            trace {{Event(n, "syscalls:sys_exit_read", "syscalls:sys_exit_pread64")}} {
                if (arg1 < 0) {
                    errors[arg1] += 1
                } else {
                    sizes[bucket(arg1)] += 1
                }
            }


            """,
        5 => $$"""
            trace {{Event(n, "sched:sched_switch", "sched:sched_migrate_task")}} {
                var divisors = 0
                for (i = 1, 8) {
                    if (arg0 % i == 0) {
                        divisors += 1
                    }
                }
                calls["switch"] += divisors
            }


            """,
        6 => $$"""
            trace {{Event(n, "syscalls:sys_enter_mmap", "syscalls:sys_enter_munmap")}} /arg1 > 4096/ {
                var w = weight(arg4, arg1 / 4096)
                bytes[pid] += clamp(w, 0, 1000000)
                if (w > 1000000) {
                    printf("%s[%d] maps %d pages\n", execname, pid, arg1 / 4096)
                }
            }


            """,
        7 => $$"""
            trace {{Event(n, "syscalls:sys_enter_kill", "syscalls:sys_enter_tgkill")}} /arg1 == 9/ {
                kills += 1
                printf("%s (%d) sends SIGKILL to %d\n", execname, pid, arg0)
                if (kills > 1000) {
                    exit()
                }
            }


            """,
        8 => $$"""
            trace {{Event(n, "syscalls:sys_exit_write", "syscalls:sys_exit_pwrite64")}} {
                var digits = 0
                var k = arg1
                repeat {
                    k = k / 10
                    digits += 1
                } until (k == 0)
                sizes[digits] += 1
            }


            """,
        9 => $$"""
            trace {{Event(n, "sched:sched_wakeup", "sched:sched_wakeup_new")}} {
                var seen = bytes[pid]
                if (seen != nil && seen > threshold * 100) {
                    print(execname, pid, seen)
                }
                if (cpu == 0 && tid != pid) {
                    printf("thread %d of %d woken on cpu 0\n", tid, pid)
                }
            }


            """,
        10 => $$"""
            trace {{Event(n, "syscalls:sys_enter_close", "syscalls:sys_enter_dup")}} /comm != "bash"/ {
                if (owners[pid] != nil && owners[pid] != execname) {
                    printf("%d changed its name to %s\n", pid, execname)
                }
                owners[pid] = nil
            }


            """,
        _ => $$"""
            trace {{Event(n, "syscalls:sys_enter_nanosleep", "syscalls:sys_enter_clock_nanosleep")}} {
                var now = gettimeofday_ms()
                if (now % 1000 < 10 && uid == 0) {
                    printf("%s[%d] sleeps at %d ms\n", execname, pid, now)
                }
                calls[execname] += 1
            }


            """,
    };

    /// <summary>The first round of blocks traces one event of each pair, later rounds the other (and again), so names differ.</summary>
    private static string Event(int n, string first, string second) => (n / 12) % 2 == 0 ? first : second;

    private static string Trailer() =>
        """
        tick-5s {
            printf("%d execs, %d kills, last: %s\n", total, kills, last_exec)
        }

        trace_end {
            printf("%-20s %10s\n", "EXECNAME", "CALLS")
            for (name, count in sort_pairs(calls, function (a, b) { return a > b })) {
                printf("%-20s %10d\n", name, count)
            }
            print_hist(sizes)
            for (code, count in pairs(errors)) {
                printf("error %d: %d times\n", code, count)
            }
        }

        """;
}
