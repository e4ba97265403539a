using System.Globalization;
using System.Text;

namespace Ktap.Bench.ParseBind;

/// <summary>
/// Writes a large but ordinary ktap script: top-level tables and variables, user-side helper
/// functions with every kind of loop, probes with filters, a tick block and a trace_end. The
/// same size always gives the same text, so runs compare.
/// </summary>
internal static class ScriptGenerator
{
    private static readonly string[] Events =
    [
        "syscalls:sys_enter_read",
        "syscalls:sys_enter_write",
        "syscalls:sys_enter_openat",
        "sched:sched_process_exec",
    ];

    public static string Generate(int lines)
    {
        var head = Header();
        var tail = Trailer();
        var units = new List<string>();
        var used = Count(head) + Count(tail);
        for (var n = 1; ; n++)
        {
            var unit = Unit(n);
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
        # Generated for bench/parse-bind: per-process syscall statistics, written the long way.
        var reads = {}
        var writes = {}
        var bytes = {}
        var opens = {}
        var started = gettimeofday_ms()
        var verbose = false
        var threshold, window = 65536, 10
        var by_value = function (a, b) { return a > b }


        """;

    /// <summary>One helper function, the top-level code that uses it, and a probe.</summary>
    private static string Unit(int n)
    {
        var text = $$"""
            -- Unit {{n}}: a helper with every kind of loop, run once at start.
            function summarize_{{n}}(t, limit) {
                var total, hits = 0, 0
                for (key, value in pairs(t)) {
                    if (value > limit) {
                        total = total + value
                    } elseif (value == limit) {
                        hits = hits + 1
                    } else {
                        total = total - value % 3
                    }
                }
                var i = 0
                while (i < limit) {
                    i = i + 1
                    if (i % 7 == 0 && total > 1000 || hits == {{n}}) {
                        break
                    }
                }
                for (j = 1, limit, 2) {
                    total = total + j * {{n}} - (j / 3) % 5
                }
                repeat
                    limit = limit - 10
                until (limit <= 0)
                printf("summarize_{{n}}: total=%d hits=%d %s\n", total, hits, "unit " .. "{{n}}")
                return total
            }

            var config_{{n}} = {name = "unit{{n}}", ["limit"] = {{n}} * 10, enabled = true}
            var labels_{{n}} = {"read", "write", "open", "close"}
            var seen_{{n}} = {}
            for (i = 1, len(labels_{{n}})) {
                seen_{{n}}[labels_{{n}}[i]] = i * {{n}}
            }
            if (config_{{n}}.enabled) {
                config_{{n}}.limit = summarize_{{n}}(seen_{{n}}, config_{{n}}["limit"])
            } else {
                print("unit", {{n}}, "disabled")
            }


            """;
        return text + Probe(n);
    }

    private static string Probe(int n)
    {
        var spec = Events[n % Events.Length];
        var table = (n % 3) switch
        {
            0 => "reads",
            1 => "writes",
            _ => "opens",
        };
        var filter = n % 2 == 0 ? string.Create(CultureInfo.InvariantCulture, $" /common_pid != {n}/") : string.Empty;
        return $$"""
            trace {{spec}}{{filter}} {
                {{table}}[execname] += 1
                bytes[pid] += arg3
                if (arg3 > threshold) {
                    printf("%s[%d] cpu %d: %d bytes (%s)\n", execname, pid, cpu, arg3, probename)
                } elseif (verbose) {
                    print(execname, pid, arg1, arg2)
                }
            }


            """;
    }

    private static string Trailer() =>
        """
        tick-5s {
            printf("%d processes read, %d wrote\n", len(reads), len(writes))
        }

        trace_end {
            var elapsed = gettimeofday_ms() - started
            printf("%-20s %10s\n", "EXECNAME", "READS")
            for (name, count in sort_pairs(reads, by_value)) {
                printf("%-20s %10d\n", name, count)
            }
            print_hist(bytes, window)
            print("elapsed", elapsed, "ms")
        }

        """;
}
