"""ktap against bpftrace on the same workloads in the same run; bench/run runs this and says how.

Every case is one script in both languages. The two tracers take turns (which one goes first
alternates by round) and each cell is the median over the rounds. Tracers run on CPU 0, the
workloads on CPU 1, this driver on CPU 0. Prints one table; exits 1 when ktap misses a target.
"""
import json
import os
import shutil
import signal
from statistics import median
import subprocess
import sys
import time

TRACER_CPU, WORK_CPU = 0, 1
ATTACH_TIMEOUT = 20.0  # seconds
STOP_TIMEOUT = 15.0  # seconds from SIGINT to SIGKILL
# After a tracer ends, the kernel frees its programs, maps and buffers in RCU callbacks and
# deferred work that may run on the workload's CPU, charged to whatever runs there: the next
# measurement waits for it.
SETTLE = 0.5  # seconds

# The per-event cases: (what it does, ktap script, bpftrace script, the tracepoint's events).
PER_EVENT = {
    "empty": ("an empty handler",
              "trace raw_syscalls:sys_enter { }",
              "tracepoint:raw_syscalls:sys_enter { }", "syscalls"),
    "comm": ("count by process",
             "var s = {}\ntrace raw_syscalls:sys_enter { s[execname] += 1 }\ntrace_end { print_hist(s) }",
             "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }", "syscalls"),
    "syscall": ("count by syscall",
                "var s = {}\ntrace raw_syscalls:sys_enter { s[arg0] += 1 }\ntrace_end { print_hist(s) }",
                "tracepoint:raw_syscalls:sys_enter { @[args->id] = count(); }", "syscalls"),
    "hist": ("log2 histogram of read sizes",
             "var h = hist()\ntrace syscalls:sys_enter_read { h[0] <<< args.count }\ntrace_end { print(h) }",
             "tracepoint:syscalls:sys_enter_read { @ = hist(args->count); }", "reads"),
    # ktap filters are the kernel's tracepoint filter syntax, where the process is common_pid;
    # either way pid 1 is never the workload.
    "false": ("a filter that is always false",
              "var n = 0\ntrace raw_syscalls:sys_enter /common_pid == 1/ { n += 1 }",
              "tracepoint:raw_syscalls:sys_enter /pid == 1/ { @ = count(); }", "syscalls"),
}
STARTUP = (['-e', 'printf("hello\\n")'], ['-e', 'BEGIN { printf("hello\\n"); exit(); }'])
# bpftrace runs BEGIN before it attaches the other probes and still attaches them after an exit()
# there, then detaches: the same work as ktap --dry-run.
ATTACH = (['--dry-run', '-q', '-e', 'trace syscalls:sys_enter_getppid { }'],
          ['-e', 'tracepoint:syscalls:sys_enter_getppid { } BEGIN { exit(); }'])
PRINT = (['-q', '-e', 'trace syscalls:sys_enter_getppid { printf("getppid %d %s\\n", pid, execname) }'],
         ['-e', 'tracepoint:syscalls:sys_enter_getppid { printf("getppid %d %s\\n", pid, comm); }'])
TRACERS = ("ktap", "bpftrace")
STATS = "/proc/sys/kernel/bpf_stats_enabled"


class Bench:
    def __init__(self, ktap, pace, rounds, count, tmp):
        self.ktap, self.pace, self.rounds, self.count, self.tmp = ktap, pace, rounds, count, tmp
        self.rows = []
        self.notes = []
        self.missed = []

    # --- processes ---------------------------------------------------------------------------

    def command(self, tracer, args):
        # Tracers inherit this driver's CPU: no taskset, whose own exec would add to start-up.
        return ([self.ktap] if tracer == "ktap" else ["bpftrace"]) + args

    @staticmethod
    def reap(pid, timeout=None):
        """wait4 on PID (at most TIMEOUT seconds, then SIGKILL); returns (status, rusage)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            flags = 0 if deadline is None else os.WNOHANG
            done, status, usage = os.wait4(pid, flags)
            if done:
                return os.waitstatus_to_exitcode(status), usage
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                deadline = None
            else:
                time.sleep(0.01)

    def run_once(self, tracer, args):
        """Runs a tracer to its end; returns (wall ms, stdout, stderr, status)."""
        start = time.monotonic_ns()
        process = subprocess.Popen(self.command(tracer, args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = process.communicate()
        wall = (time.monotonic_ns() - start) / 1e6
        return wall, out.decode(errors="replace"), err.decode(errors="replace"), process.returncode

    def workload(self, argv):
        """Runs ARGV pinned to the workload CPU; returns (wall ms, CPU ms, stdout)."""
        start = time.monotonic_ns()
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   preexec_fn=lambda: os.sched_setaffinity(0, {WORK_CPU}))
        out = process.stdout.read()
        status, usage = self.reap(process.pid)
        process.returncode = status
        if status != 0:
            raise BenchError(f"the workload {' '.join(argv)} failed with status {status}")
        return (time.monotonic_ns() - start) / 1e6, (usage.ru_utime + usage.ru_stime) * 1e3, out.decode()

    def dd(self, count):
        return self.workload(["dd", "if=/dev/zero", "of=/dev/null", "bs=1", f"count={count}"])

    @staticmethod
    def attached_programs(pid):
        """Ids of the BPF programs PID has attached to perf events (bpftool perf show)."""
        shown = subprocess.run(["bpftool", "perf", "show", "-j"], capture_output=True, text=True).stdout
        return [entry["prog_id"] for entry in json.loads(shown or "[]") if entry.get("pid") == pid]

    def start(self, tracer, args, name):
        """Starts a tracer with its output in files and waits for its probe to be attached;
        returns (process, stdout path, stderr path, program ids)."""
        out_path, err_path = f"{self.tmp}/{name}.out", f"{self.tmp}/{name}.err"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            process = subprocess.Popen(self.command(tracer, args), stdout=out, stderr=err)
        deadline = time.monotonic() + ATTACH_TIMEOUT
        while True:
            if process.poll() is not None:
                raise BenchError(f"{tracer} exited with status {process.returncode} before attaching: "
                                 + first_error(err_path))
            programs = self.attached_programs(process.pid)
            if programs:
                return process, out_path, err_path, programs
            if time.monotonic() > deadline:
                process.kill()
                raise BenchError(f"{tracer} attached nothing in {ATTACH_TIMEOUT:.0f} s: " + first_error(err_path))
            time.sleep(0.02)

    def stop(self, process, name):
        """SIGINT, then the end of the process; returns its peak RSS in MB. A tracer that does
        not end in STOP_TIMEOUT is killed and named in the notes (what it measured stands);
        one that fails otherwise fails the bench."""
        process.send_signal(signal.SIGINT)
        status, usage = self.reap(process.pid, STOP_TIMEOUT)
        process.returncode = status
        if status == -signal.SIGKILL:
            self.notes.append(f"{name}: did not end in {STOP_TIMEOUT:.0f} s after SIGINT and was killed")
        elif status != 0:
            raise BenchError(f"{name} ended with status {status}: " + first_error(f"{self.tmp}/{name}.err"))
        time.sleep(SETTLE)
        return usage.ru_maxrss / 1024

    @staticmethod
    def instructions(programs):
        """Instructions the kernel runs (xlated bytes / 8), summed over the programs."""
        total = 0
        for program in programs:
            shown = subprocess.run(["bpftool", "prog", "show", "id", str(program), "-j"],
                                   capture_output=True, text=True).stdout
            total += json.loads(shown)["bytes_xlated"] // 8
        return total

    def alternate(self, round_number):
        return TRACERS if round_number % 2 == 0 else TRACERS[::-1]

    # --- the table ---------------------------------------------------------------------------

    def row(self, name, ktap, bpftrace, unit, target=None, higher_is_better=False, digits=1):
        """One line of the table; TARGET is the most (least, if HIGHER_IS_BETTER) ktap/bpftrace."""
        ratio = ktap / bpftrace if bpftrace else None
        verdict = ""
        if target is not None and ratio is not None:
            ok = ratio >= target if higher_is_better else ratio <= target
            verdict = ("ok " if ok else "MISSED ") + (">= " if higher_is_better else "<= ") + f"{target:g}"
            if not ok:
                self.missed.append(name)
        self.rows.append((name, fmt(ktap, digits) + unit, fmt(bpftrace, digits) + unit,
                          "-" if ratio is None else f"{ratio:.3f}", verdict))

    def print_table(self):
        header = ("case", "ktap", "bpftrace", "ktap/bpftrace", "target")
        widths = [max(len(str(line[i])) for line in self.rows + [header]) for i in range(5)]
        for line in [header] + self.rows:
            print("  ".join(str(text).ljust(widths[i]) if i == 0 else str(text).rjust(widths[i])
                            for i, text in enumerate(line)).rstrip())
        for note in self.notes:
            print(note)

    # --- the cases ---------------------------------------------------------------------------

    def whole_runs(self, name, scripts, runs, target=None, prints=None):
        """Runs each tracer's script to its end RUNS times, taking turns; one row of the median
        wall times. PRINTS: a line the script must print."""
        times = {tracer: [] for tracer in TRACERS}
        for round_number in range(runs):
            for tracer in self.alternate(round_number):
                wall, out, err, status = self.run_once(tracer, scripts[TRACERS.index(tracer)])
                if status != 0 or (prints is not None and prints not in out.splitlines()):
                    raise BenchError(f"{name}: {tracer} printed {out[:200]!r} (status {status}): {err.strip()[:200]}")
                times[tracer].append(wall)
        self.row(name, median(times["ktap"]), median(times["bpftrace"]), " ms", target)

    def events(self):
        """dd's syscalls and reads at count=0 (strace -f -c), to which it adds 2 and 1 per byte."""
        summary = f"{self.tmp}/strace"
        subprocess.run(["strace", "-f", "-c", "-o", summary, "dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=0"],
                       check=True, capture_output=True)
        total = reads = None
        for line in open(summary):
            fields = line.split()
            if fields and fields[-1] == "total":
                total = int(fields[3])
            elif fields and fields[-1] == "read":
                reads = int(fields[3])
        if total is None or reads is None:
            raise BenchError(f"could not read strace's summary {summary}")
        return {"syscalls": 2 * self.count + total, "reads": self.count + reads}

    def per_event(self):
        events = self.events()
        cpu = {(case, who): [] for case in PER_EVENT for who in TRACERS + ("untraced",)}
        insns, rss = {}, {tracer: [] for tracer in TRACERS}
        self.dd(self.count // 4)  # warm-up
        names = list(PER_EVENT)
        for round_number in range(self.rounds):
            # Each round starts at another case: none always follows the same one.
            for case in names[round_number % len(names):] + names[:round_number % len(names)]:
                _, ktap_script, bpftrace_script, _ = PER_EVENT[case]
                # The untraced run goes between the two traced ones, next to both of them: the
                # machine's drift falls on both tracers alike.
                first, second = self.alternate(round_number)
                for who in (first, "untraced", second):
                    if who == "untraced":
                        cpu[case, who].append(self.dd(self.count)[1])
                        continue
                    script = ktap_script if who == "ktap" else bpftrace_script
                    args = ["-q", "-e", script] if who == "ktap" else ["-e", script]
                    process, _, _, programs = self.start(who, args, f"{case}.{who}")
                    insns[case, who] = self.instructions(programs)
                    cpu[case, who].append(self.dd(self.count)[1])
                    peak = self.stop(process, f"{case}.{who}")
                    if case == "comm":
                        rss[who].append(peak)
        for case, (what, _, _, kind) in PER_EVENT.items():
            # Each round's traced time less the untraced time of the same round.
            ns = {tracer: median([(traced - untraced) * 1e6 / events[kind]
                                  for traced, untraced in zip(cpu[case, tracer], cpu[case, "untraced"])])
                  for tracer in TRACERS}
            # The empty handler is the floor both pay (the same two instructions): not judged.
            self.row(f"per event: {what} (ns)", ns["ktap"], ns["bpftrace"], "", None if case == "empty" else 1.0)
        for case, (what, _, _, _) in PER_EVENT.items():
            self.row(f"instructions: {what}", insns[case, "ktap"], insns[case, "bpftrace"], "", digits=0)
        for case, (what, _, _, _) in PER_EVENT.items():
            ns = {tracer: self.program_time(case, tracer) for tracer in TRACERS}
            self.row(f"program time per run: {what} (ns)", ns["ktap"], ns["bpftrace"], "")
        self.row("peak RSS, counting by process", median(rss["ktap"]), median(rss["bpftrace"]), " MB", 0.33)
        untraced = [time for case in PER_EVENT for time in cpu[case, "untraced"]]
        self.notes.append(f"per event: dd if=/dev/zero of=/dev/null bs=1 count={self.count} ({events['syscalls']} "
                          f"syscalls, {events['reads']} reads), the CPU time (user + system) of each traced run less "
                          f"that of the untraced run between the two (median {median(untraced):.0f} ms, "
                          f"{min(untraced):.0f}-{max(untraced):.0f}), per event")

    def program_time(self, case, tracer):
        """The kernel's run_time_ns / run_cnt of the tracer's programs over a short dd, with
        kernel.bpf_stats_enabled on for that run only (it adds two clock reads to every run)."""
        _, ktap_script, bpftrace_script, _ = PER_EVENT[case]
        args = ["-q", "-e", ktap_script] if tracer == "ktap" else ["-e", bpftrace_script]
        process, _, _, programs = self.start(tracer, args, f"{case}.{tracer}.stats")
        before = open(STATS).read()
        try:
            with open(STATS, "w") as stats:
                stats.write("1")
            self.dd(self.count // 8)
            shown = [json.loads(subprocess.run(["bpftool", "prog", "show", "id", str(program), "-j"],
                                               capture_output=True, text=True).stdout) for program in programs]
        finally:
            with open(STATS, "w") as stats:
                stats.write(before)
            self.stop(process, f"{case}.{tracer}.stats")
        runs = sum(program.get("run_cnt", 0) for program in shown)
        return sum(program.get("run_time_ns", 0) for program in shown) / runs if runs else float("nan")

    def printing(self, rate, seconds):
        """Records delivered and lost by a handler printing a line per getppid() of pace."""
        delivered = {tracer: [] for tracer in TRACERS}
        lost = {tracer: [] for tracer in TRACERS}
        for round_number in range(self.rounds):
            for tracer in self.alternate(round_number):
                process, out_path, err_path, _ = self.start(tracer, PRINT[TRACERS.index(tracer)], f"print.{tracer}")
                _, _, out = self.workload([self.pace, str(rate), str(seconds)])
                elapsed = out.split()[1]
                time.sleep(0.5)  # what is still in the buffers
                self.stop(process, f"print.{tracer}")
                records = sum(1 for line in open(out_path, errors="replace") if line.startswith("getppid ") and " pace" in line)
                delivered[tracer].append(records / float(elapsed))
                lost[tracer].append(lost_records(tracer, out_path, err_path))
        return delivered, lost

    def throughput(self):
        rate, seconds = 100_000, 2
        delivered, lost = self.printing(rate, seconds)
        self.row(f"printing at {rate // 1000}k events/s: records lost", max(lost["ktap"]), max(lost["bpftrace"]), "",
                 digits=0)
        if max(lost["ktap"]) != 0:
            self.missed.append("records lost at 100k events/s")
        self.notes.append(f"printing: pace calls getppid() {rate} times a second for {seconds} s; each tracer prints a "
                          f"line per call (ktap delivered {median(delivered['ktap']):.0f}/s, bpftrace "
                          f"{median(delivered['bpftrace']):.0f}/s)")
        delivered, lost = self.printing(0, 1)
        self.row("printing flat out: records delivered per second", median(delivered["ktap"]),
                 median(delivered["bpftrace"]), "/s", 1.0, higher_is_better=True, digits=0)
        self.row("printing flat out: records lost", median(lost["ktap"]), median(lost["bpftrace"]), "", digits=0)

    def installed_size(self):
        sizes = {"ktap": installed(self.ktap), "bpftrace": installed(shutil.which("bpftrace"))}
        self.row("installed: binary + the shared libraries it loads",
                 sizes["ktap"][0] / 2**20, sizes["bpftrace"][0] / 2**20, " MB", 0.1)
        self.notes.append(f"installed: ktap {len(sizes['ktap'][1])} files, bpftrace {len(sizes['bpftrace'][1])} "
                          f"files (ldd), every file counted once")


class BenchError(Exception):
    pass


def fmt(value, digits):
    return f"{value:,.{digits}f}"


def first_error(path):
    """The first line of a tracer's errors that says something (bpftrace 0.17 always complains about
    RLIMIT_MEMLOCK first)."""
    for line in open(path, errors="replace"):
        if line.strip() and "RLIMIT_MEMLOCK" not in line:
            return line.strip()[:200]
    return "(it said nothing)"


def lost_records(tracer, out_path, err_path):
    """The records a tracer said it lost: ktap 'ktap: N records were lost: ...', bpftrace 'Lost N events'."""
    for path in (err_path, out_path):
        for line in open(path, errors="replace"):
            words = line.split()
            if tracer == "ktap" and line.startswith("ktap: ") and "lost: the ring buffer" in line:
                return int(words[1])
            if tracer == "bpftrace" and len(words) >= 3 and words[0] == "Lost" and words[2] == "events":
                return int(words[1])
    return 0


def installed(binary):
    """Bytes of BINARY and of every shared library ldd says it loads, each real file once."""
    files = {os.path.realpath(binary)}
    for line in subprocess.run(["ldd", binary], capture_output=True, text=True).stdout.splitlines():
        for word in line.split():
            if word.startswith("/"):
                files.add(os.path.realpath(word))
    return sum(os.path.getsize(path) for path in files), files


def main():
    ktap, pace, rounds, count, tmp = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    os.sched_setaffinity(0, {TRACER_CPU})
    bench = Bench(ktap, pace, rounds, count, tmp)
    started = time.monotonic()
    try:
        bench.whole_runs("start-up: print one line and exit", STARTUP, 5 * rounds, 0.05, prints="hello")
        bench.whole_runs("attach + detach one tracepoint (whole run)", ATTACH, 5 * rounds)
        bench.per_event()
        bench.throughput()
        bench.installed_size()
    except BenchError as error:
        print(f"bench/run: {error}", file=sys.stderr)
        sys.exit(2)
    load = os.getloadavg()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"ktap {subprocess.run([ktap, '-V'], capture_output=True, text=True).stdout.split()[-1]} against "
          f"{subprocess.run(['bpftrace', '-V'], capture_output=True, text=True).stdout.strip()}; "
          f"{os.cpu_count()} x {cpu}, Linux {os.uname().release}; {rounds} rounds, medians; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {time.monotonic() - started:.0f} s")
    bench.print_table()
    if bench.missed:
        print("missed: " + "; ".join(bench.missed))
        sys.exit(1)


main()
