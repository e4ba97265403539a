#!/usr/bin/env bash
# Added cost per traced event, ktap against bpftrace in the same run. The workload,
# `dd if=/dev/zero of=/dev/null bs=1 count=N` (N = 2,000,000: about 2N syscalls), runs pinned to
# CPU 1, the tracer pinned to CPU 0. Each round of each case times the workload untraced, then
# traced by bpftrace and by ktap (the two take turns going first). Two tables: the medians of the
# workload's wall time, and of its CPU time (user + system, where the BPF programs run; other
# work on CPU 1 disturbs it less), each with ns/event = (traced - untraced) / events, events
# being the workload's syscalls (strace on a count=0 run, plus 2N). Needs root.
#
#   bench/per-event.sh [--count N] [--runs R] [--only ktap|bpftrace] [--case NAME]... [--prog-stats]
#
#   --count N       dd's count (default 2000000)
#   --runs R        rounds per case (default 5)
#   --only TRACER   measure one tracer: ktap or bpftrace
#   --case NAME     comm, syscall or false (repeatable; default all three):
#                     comm     count syscalls by process name
#                     syscall  count syscalls by number
#                     false    a filter that is never true (pid 1 is not the workload)
#   --prog-stats    also show the programs' own time per run (kernel.bpf_stats_enabled, which
#                   adds its own cost to the wall times; restored afterwards)
#   KTAP=PATH       environment: the ktap binary to run (default bin/ktap)
#
# ktap runs as `bin/ktap -q -e SCRIPT` and counts as attached once `bpftool perf show` lists a
# program of its process or `bpftool prog show` lists a new program named ktap_*; bpftrace once
# it has printed "Attaching N probes..." and `bpftool perf show` lists its program. Each is
# stopped with SIGINT. A tracer that does not attach (it exits, or 15 s pass) is reported as
# "could not attach" with its first error line, and the other's numbers are still printed.
# Missing bpftrace, bpftool and strace are installed from Debian. Exits 0 when every requested
# tracer was measured, 1 when one could not attach, 2 on a usage or set-up error.
set -euo pipefail
export LC_ALL=C

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ktap="${KTAP:-$root/bin/ktap}"   # KTAP=PATH: another ktap binary
help_lines="2,29"

count=2000000
runs=5
only=""
cases=()
prog_stats=0
tracer_cpu=0
work_cpu=1
attach_timeout=15   # seconds
exit_timeout=15     # seconds between SIGINT and SIGKILL

# The cases: the same script in both languages.
declare -A bpftrace_script=(
    [comm]='tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'
    [syscall]='tracepoint:raw_syscalls:sys_enter { @[args->id] = count(); }'
    [false]='tracepoint:raw_syscalls:sys_enter /pid == 1/ { @ = count(); }'
)
declare -A ktap_script=(
    [comm]='var s = {}; trace raw_syscalls:sys_enter { s[execname] += 1 }'
    [syscall]='var s = {}; trace raw_syscalls:sys_enter { s[arg0] += 1 }'
    [false]='var n = 0; trace raw_syscalls:sys_enter /common_pid == 1/ { n += 1 }'
)
# ktap filters are the kernel's tracepoint filter syntax, where the process is common_pid (the
# thread id; bpftrace's pid is the thread group's): either way pid 1 is never the workload.
all_cases=(comm syscall false)

usage() { echo "$bench_name: $1 (try --help)" >&2; exit 2; }
while (($#)); do
    case "$1" in
        --count) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage "--count needs a positive number"; count="$2"; shift 2 ;;
        --runs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage "--runs needs a positive number"; runs="$2"; shift 2 ;;
        --only) [[ "${2:-}" == ktap || "${2:-}" == bpftrace ]] || usage "--only takes ktap or bpftrace"; only="$2"; shift 2 ;;
        --case) [[ -n "${bpftrace_script[${2:-none}]:-}" ]] || usage "unknown case '${2:-}'"; cases+=("$2"); shift 2 ;;
        --prog-stats) prog_stats=1; shift ;;
        -h|--help) sed -n "${help_lines}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) usage "unknown argument '$1'" ;;
    esac
done
((${#cases[@]})) || cases=("${all_cases[@]}")
tracers=(bpftrace ktap)
[[ -z "$only" ]] || tracers=("$only")

((EUID == 0)) || { echo "$bench_name: needs root (BPF programs and tracepoints)" >&2; exit 2; }
for cpu in "$tracer_cpu" "$work_cpu"; do
    [[ "$(cat "/sys/devices/system/cpu/cpu$cpu/online" 2>/dev/null || echo 1)" == 1 && -d "/sys/devices/system/cpu/cpu$cpu" ]] ||
        { echo "$bench_name: needs CPUs $tracer_cpu and $work_cpu online" >&2; exit 2; }
done

# install PACKAGE...: installs missing Debian packages (quietly); returns 1 if that is not possible.
install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    echo "$bench_name: installing $*" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } \
        >/dev/null 2>&1
}
command -v bpftool >/dev/null 2>&1 || install bpftool || { echo "$bench_name: bpftool is needed" >&2; exit 2; }
if [[ " ${tracers[*]} " == *" bpftrace "* ]]; then
    command -v bpftrace >/dev/null 2>&1 || install bpftrace || { echo "$bench_name: bpftrace is needed (or --only ktap)" >&2; exit 2; }
fi
command -v strace >/dev/null 2>&1 || install strace || true

tmp="$(mktemp -d)"
stats_before=""
cleanup() {
    # Tracers still running (after an error or Ctrl-C) are ours: stop them by pid.
    local pid
    for pid in $(cat "$tmp/pids" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    [[ -z "$stats_before" ]] || sysctl -q -w kernel.bpf_stats_enabled="$stats_before" || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing of this script runs on the workload's CPU.
taskset -cp "$tracer_cpu" $$ >/dev/null

if ((prog_stats)); then
    stats_before="$(sysctl -n kernel.bpf_stats_enabled)"
    sysctl -q -w kernel.bpf_stats_enabled=1
fi

# workload COUNT: the traced command.
workload() {
    taskset -c "$work_cpu" dd if=/dev/zero of=/dev/null bs=1 count="$1" 2>/dev/null
}

# time_workload: runs the workload with --count and prints its wall time and its CPU time (user +
# system, which includes the BPF programs run in its system calls), in ms.
time_workload() {
    local TIMEFORMAT='%3R %3U %3S'
    { time workload "$count"; } 2>"$tmp/time"
    awk '{ printf "%.3f %.3f\n", $1 * 1000, ($2 + $3) * 1000 }' "$tmp/time"
}

# median FILE [COLUMN]: the middle value of a column (the mean of the two middle ones for an even
# count).
median() {
    awk -v c="${2:-1}" '{ print $c }' "$1" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# perf_progs PID: ids of the BPF programs that PID has attached to perf events (tracepoints).
perf_progs() {
    bpftool perf show -j 2>/dev/null | grep -o '{[^}]*}' | grep "\"pid\":$1," |
        grep -o '"prog_id":[0-9]*' | cut -d: -f2 || true
}

# ktap_progs: ids of the loaded BPF programs named ktap_*.
ktap_progs() {
    bpftool prog show 2>/dev/null | awk '/^[0-9]+:/ && / name ktap_/ { sub(":", "", $1); print $1 }' || true
}

# wait_attached TRACER PID OUT BEFORE: waits until TRACER (process PID, stdout in OUT) has
# attached; BEFORE holds the ktap_* programs that existed before it started. Writes the ids of its
# programs to $tmp/progs. Returns 1 with the reason in $tmp/reason if it does not attach.
wait_attached() {
    local tracer="$1" pid="$2" out="$3" before="$4" deadline ids
    deadline=$(awk -v n="$EPOCHREALTIME" -v t="$attach_timeout" 'BEGIN { printf "%d\n", n + t }')
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "it exited before attaching" >"$tmp/reason"
            return 1
        fi
        if [[ "$tracer" == bpftrace ]]; then
            if grep -q '^Attaching' "$out" 2>/dev/null; then
                ids="$(perf_progs "$pid")"
                if [[ -n "$ids" ]]; then echo "$ids" >"$tmp/progs"; return 0; fi
            fi
        else
            ids="$(perf_progs "$pid")"
            if [[ -n "$ids" ]]; then echo "$ids" >"$tmp/progs"; return 0; fi
            ids="$(ktap_progs | grep -vxF -f "$before" || true)"
            if [[ -n "$ids" ]]; then
                echo "$ids" >"$tmp/progs"
                sleep 0.2   # loaded: give it time to attach
                kill -0 "$pid" 2>/dev/null && return 0
                continue
            fi
        fi
        if (( ${EPOCHREALTIME%.*} >= deadline )); then
            echo "nothing attached after ${attach_timeout} s" >"$tmp/reason"
            return 1
        fi
        sleep 0.05
    done
}

# stop PID: SIGINT, then SIGKILL if it is still running after $exit_timeout s. Returns its status.
stop() {
    local pid="$1" i status=0
    kill -INT "$pid" 2>/dev/null || true
    for ((i = 0; i < exit_timeout * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || status=$?
    sed -i "/^$pid\$/d" "$tmp/pids"
    return "$status"
}

# prog_ns_per_run IDS_FILE: run_time_ns / run_cnt summed over the programs (needs bpf_stats).
prog_ns_per_run() {
    local id
    for id in $(cat "$1"); do bpftool prog show id "$id" 2>/dev/null | head -n 1; done |
        awk '{ for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t += $(i + 1); if ($i == "run_cnt") c += $(i + 1) } }
             END { if (c) printf "%.1f\n", t / c }'
}

# run_traced TRACER CASE: starts TRACER on CASE, times the workload under it and stops it.
# Appends the time to $tmp/CASE.TRACER (and the program time to $tmp/CASE.TRACER.prog); returns 1
# with the reason in $tmp/reason if the tracer did not attach.
run_traced() {
    local tracer="$1" case="$2" out="$tmp/$1.out" err="$tmp/$1.err" pid ms status=0
    local -a cmd
    if [[ "$tracer" == bpftrace ]]; then
        cmd=(bpftrace -e "${bpftrace_script[$case]}")
    else
        if [[ ! -x "$ktap" ]]; then
            echo "$ktap is missing: run ./build.sh" >"$tmp/reason"
            return 1
        fi
        cmd=("$ktap" -q -e "${ktap_script[$case]}")
    fi
    ktap_progs >"$tmp/before"
    # Job control on while starting it: a background job of a script otherwise starts with SIGINT
    # ignored, and a tracer may keep it that way.
    set -m
    taskset -c "$tracer_cpu" "${cmd[@]}" >"$out" 2>"$err" &
    pid=$!
    set +m
    echo "$pid" >>"$tmp/pids"
    if ! wait_attached "$tracer" "$pid" "$out" "$tmp/before"; then
        stop "$pid" || status=$?
        if [[ "$(cat "$tmp/reason")" == "it exited before attaching" ]]; then
            echo "it exited with status $status before attaching" >"$tmp/reason"
        fi
        # The first line that says why (bpftrace 0.17 always complains about RLIMIT_MEMLOCK).
        local why
        why="$(grep -v -e RLIMIT_MEMLOCK -e '^[[:space:]]*$' "$err" | head -n 1 || true)"
        [[ -z "$why" ]] || echo "$(cat "$tmp/reason"): $why" >"$tmp/reason"
        return 1
    fi
    ms="$(time_workload)"   # wall and CPU time
    if ((prog_stats)); then prog_ns_per_run "$tmp/progs" >>"$tmp/$case.$tracer.prog"; fi
    stop "$pid" || true
    echo "$ms" >>"$tmp/$case.$tracer"
    # bpftrace's count by process name checks the event count.
    if [[ "$tracer" == bpftrace && "$case" == comm && ! -s "$tmp/bpftrace-dd" ]]; then
        awk -F': ' '/^@\[dd\]:/ { dd = $2 } /^@\[taskset\]:/ { ts = $2 } END { if (dd) print dd + ts }' "$out" \
            >"$tmp/bpftrace-dd"
    fi
}

# Events: the syscalls of the workload with count=0 (strace), plus a read and a write per byte.
fixed=""
if command -v strace >/dev/null 2>&1; then
    if strace -f -c -o "$tmp/strace" taskset -c "$work_cpu" dd if=/dev/zero of=/dev/null bs=1 count=0 2>/dev/null; then
        fixed="$(awk '$NF == "total" { print $4 }' "$tmp/strace")"
    fi
fi
if [[ "$fixed" =~ ^[0-9]+$ ]]; then
    events_how="2N + $fixed, the syscalls of a count=0 run by strace -f -c"
else
    fixed=120
    events_how="2N + $fixed, estimated (no strace)"
fi
events=$((2 * count + fixed))

workload "$count"   # warm-up
declare -A failed=()
for case in "${cases[@]}"; do
    for ((round = 0; round < runs; round++)); do
        time_workload >>"$tmp/$case.untraced"
        order=("${tracers[@]}")
        if ((round % 2)) && ((${#tracers[@]} == 2)); then order=("${tracers[1]}" "${tracers[0]}"); fi
        for tracer in "${order[@]}"; do
            [[ -z "${failed[$case.$tracer]:-}" ]] || continue
            if ! run_traced "$tracer" "$case"; then
                failed[$case.$tracer]="$(cat "$tmp/reason")"
                echo "$bench_name: $tracer: could not attach (case $case; why is under the table)" >&2
            fi
        done
    done
done

# The tables.
cat /proc/loadavg >"$tmp/load"
echo "dd if=/dev/zero of=/dev/null bs=1 count=$count on CPU $work_cpu, tracers on CPU $tracer_cpu;" \
    "rounds per case: $runs, medians; load average $(cut -d' ' -f1-3 "$tmp/load")"
printf 'events per run: %s (%s)\n' "$events" "$events_how"
if [[ -s "$tmp/bpftrace-dd" ]]; then
    echo "  (bpftrace's @[comm] counted $(cat "$tmp/bpftrace-dd") for dd and taskset)"
fi
cat "$tmp"/*.untraced >"$tmp/all-untraced"
printf 'untraced, all cases: wall median %.1f ms (%.1f-%.1f), CPU median %.1f ms (%.1f-%.1f)\n' \
    "$(median "$tmp/all-untraced" 1)" "$(sort -g "$tmp/all-untraced" | head -n 1 | cut -d' ' -f1)" \
    "$(sort -g "$tmp/all-untraced" | tail -n 1 | cut -d' ' -f1)" \
    "$(median "$tmp/all-untraced" 2)" "$(sort -g -k2 "$tmp/all-untraced" | head -n 1 | cut -d' ' -f2)" \
    "$(sort -g -k2 "$tmp/all-untraced" | tail -n 1 | cut -d' ' -f2)"

status=0
# table COLUMN TITLE: medians of column COLUMN of the times (1 wall, 2 CPU) and ns per event.
table() {
    local col="$1" case tracer base traced header row
    local -A per
    echo
    echo "$2"
    header=(case untraced)
    for tracer in "${tracers[@]}"; do header+=("$tracer"); done
    for tracer in "${tracers[@]}"; do header+=("$tracer ns/ev"); done
    if ((prog_stats && col == 1)); then for tracer in "${tracers[@]}"; do header+=("$tracer prog ns"); done; fi
    if ((${#tracers[@]} == 2)); then header+=("ktap/bpftrace"); fi
    printf '%-8s' "${header[0]}"; printf ' %15s' "${header[@]:1}"; echo
    for case in "${cases[@]}"; do
        base="$(median "$tmp/$case.untraced" "$col")"
        row=("$(printf '%.1f ms' "$base")")
        per=()
        for tracer in "${tracers[@]}"; do
            if [[ -n "${failed[$case.$tracer]:-}" ]]; then
                row+=("not attached"); per[$tracer]=""; status=1
            else
                traced="$(median "$tmp/$case.$tracer" "$col")"
                row+=("$(printf '%.1f ms' "$traced")")
                per[$tracer]="$(awk -v t="$traced" -v b="$base" -v e="$events" 'BEGIN { printf "%.1f", (t - b) * 1e6 / e }')"
            fi
        done
        for tracer in "${tracers[@]}"; do row+=("${per[$tracer]:--}"); done
        if ((prog_stats && col == 1)); then
            for tracer in "${tracers[@]}"; do
                if [[ -s "$tmp/$case.$tracer.prog" ]]; then row+=("$(median "$tmp/$case.$tracer.prog")"); else row+=(-); fi
            done
        fi
        if ((${#tracers[@]} == 2)); then
            if [[ -n "${per[ktap]}" && -n "${per[bpftrace]}" ]]; then
                row+=("$(awk -v k="${per[ktap]}" -v b="${per[bpftrace]}" 'BEGIN { if (b > 0) printf "%.2f", k / b; else print "-" }')")
            else
                row+=(-)
            fi
        fi
        printf '%-8s' "$case"; printf ' %15s' "${row[@]}"; echo
    done
}
table 1 "Wall time of the workload:"
table 2 "CPU time of the workload (user + system; less disturbed when other work shares its CPU):"

echo
for case in "${cases[@]}"; do
    for tracer in "${tracers[@]}"; do
        if [[ "$tracer" == bpftrace ]]; then script="${bpftrace_script[$case]}"; else script="${ktap_script[$case]}"; fi
        printf '%-8s %-9s %s\n' "$case" "$tracer" "$script"
    done
done
for key in "${!failed[@]}"; do
    echo "${key#*.}: could not attach (case ${key%%.*}): ${failed[$key]}"
done | sort
((prog_stats)) && echo "prog ns: run_time_ns / run_cnt of the tracer's programs (kernel.bpf_stats_enabled, which adds to the wall times)"
exit "$status"
