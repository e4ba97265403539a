"""Times tracing sessions of ktap and bpftrace side by side (bench/session.sh runs this).

attach  the time from starting the tracer to its first event: a one-tracepoint script on
        syscalls:sys_enter_getppid, with a workload calling getppid() in a loop on another CPU,
        prints the event's CLOCK_MONOTONIC time (ktap -T, bpftrace nsecs) and calls exit().
exit    from that event (the exit() call) to the end of the tracer's process.
rss     the tracer's peak RSS over the same run (wait4's ru_maxrss).
flood   a handler printing a record per write(2) of a workload writing one byte in a loop; the
        time from SIGINT to the end of the tracer's process, and the records it said it lost.
"""
import os
import resource
import signal
import statistics
import subprocess
import sys
import time

KTAP, SPIN, RUNS, TRACER_CPU, WORK_CPU = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]

SCRIPTS = {
    "ktap": [KTAP, "-q", "-T", "-e", 'trace syscalls:sys_enter_getppid { printf("%d\\n", pid)\nexit() }'],
    "bpftrace": ["bpftrace", "-e", 'tracepoint:syscalls:sys_enter_getppid { printf("%llu\\n", nsecs); exit(); }'],
}
FLOOD = {
    "ktap": [KTAP, "-q", "-e", 'trace syscalls:sys_enter_write /common_pid == {pid}/ { print("w", arg3) }'],
    "bpftrace": ["bpftrace", "-e", 'tracepoint:syscalls:sys_enter_write /pid == {pid}/ { printf("w %d\\n", args->count); }'],
}


def pinned(cpu, command):
    return ["taskset", "-c", cpu] + command


def spawn(command, **kwargs):
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def wait(process):
    """Waits for the process; returns (monotonic end, peak RSS in MB, status)."""
    _, status, usage = os.wait4(process.pid, 0)
    end = time.monotonic_ns()
    process.returncode = os.waitstatus_to_exitcode(status)
    return end, usage.ru_maxrss / 1024, process.returncode


def event_time(tracer, line):
    """The event's CLOCK_MONOTONIC time in ns from the tracer's output line."""
    if tracer == "ktap":
        seconds = line.split(":")[0].strip()
        whole, micros = seconds.split(".")
        return int(whole) * 1_000_000_000 + int(micros) * 1000
    return int(line.strip())


def one_attach(tracer):
    start = time.monotonic_ns()
    process = spawn(pinned(TRACER_CPU, SCRIPTS[tracer]))
    lines = []
    for raw in process.stdout:
        line = raw.decode(errors="replace")
        if line.strip() and line[0] in " 0123456789":
            lines.append(line)
            break
    end, rss, status = wait(process)
    process.stdout.close()
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if status != 0 or not lines:
        raise RuntimeError(f"{tracer} failed (status {status}): {error.strip()[:300]}")
    event = event_time(tracer, lines[0])
    return (event - start) / 1e6, (end - event) / 1e6, rss


def one_flood(tracer, writer):
    command = [part.replace("{pid}", str(writer.pid)) for part in FLOOD[tracer]]
    process = subprocess.Popen(pinned(TRACER_CPU, command), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(2.0)
    start = time.monotonic_ns()
    process.send_signal(signal.SIGINT)
    end, _, status = wait(process)
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    lost = next((line for line in error.splitlines() if "lost" in line.lower()), "none reported")
    return (end - start) / 1e6, lost


def main():
    spin = subprocess.Popen(pinned(WORK_CPU, [SPIN]))
    results = {}
    try:
        for tracer in ("bpftrace", "ktap"):
            runs = [one_attach(tracer) for _ in range(RUNS)]
            results[tracer] = [statistics.median(column) for column in zip(*runs)]
    finally:
        spin.kill()
        spin.wait()

    writer = subprocess.Popen(pinned(WORK_CPU, [SPIN, "write"]))
    floods = {}
    try:
        for tracer in ("bpftrace", "ktap"):
            floods[tracer] = one_flood(tracer, writer)
    finally:
        writer.kill()
        writer.wait()

    print(f"{RUNS} runs each, medians; tracers on CPU {TRACER_CPU}, workloads on CPU {WORK_CPU}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'':28} {'bpftrace':>10} {'ktap':>10} {'target':>22}")
    b, k = results["bpftrace"], results["ktap"]
    print(f"{'start to first event':28} {b[0]:8.1f}ms {k[0]:8.1f}ms {'<= 15 ms':>22}")
    print(f"{'exit() to process end':28} {b[1]:8.1f}ms {k[1]:8.1f}ms {'< 150 ms':>22}")
    print(f"{'peak RSS':28} {b[2]:8.1f}MB {k[2]:8.1f}MB {'<= %.1f MB (1/3)' % (b[2] / 3):>22}")
    print(f"{'flood: SIGINT to end':28} {floods['bpftrace'][0]:8.1f}ms {floods['ktap'][0]:8.1f}ms {'< 200 ms':>22}")
    print(f"  bpftrace lost: {floods['bpftrace'][1]}")
    print(f"  ktap lost: {floods['ktap'][1]}")
    missed = [name for name, ok in (
        ("start", k[0] <= 15), ("exit", k[1] < 150), ("rss", k[2] <= b[2] / 3), ("flood", floods["ktap"][0] < 200)) if not ok]
    if missed:
        print("missed: " + ", ".join(missed))
        sys.exit(1)


main()
