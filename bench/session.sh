#!/usr/bin/env bash
# Tracing sessions, ktap against bpftrace in the same run (bench/session/measure.py says how each
# number is taken): time from starting the tracer to its first event on a one-tracepoint script,
# time from exit() to the end of the process, peak RSS, and under a flood of records the time
# from SIGINT to the end of the process. Exits 1 when ktap misses a target: first event <= 15 ms,
# exit < 150 ms, peak RSS <= a third of bpftrace's, flood stop < 200 ms. Needs root.
#
#   bench/session.sh [RUNS]       RUNS per tracer (default 10)
#   KTAP=PATH                     environment: the ktap binary to run (default bin/ktap)
#
# Tracers run pinned to CPU 0, workloads to CPU 1. Missing bpftrace is installed from Debian.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ktap="${KTAP:-$root/bin/ktap}"
runs="${1:-10}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "$bench_name: RUNS must be a positive number" >&2; exit 2; }
[[ "${1:-}" != -h && "${1:-}" != --help ]] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
((EUID == 0)) || { echo "$bench_name: needs root (BPF programs and tracepoints)" >&2; exit 2; }
[[ -x "$ktap" ]] || { echo "$bench_name: $ktap is missing: run ./build.sh" >&2; exit 2; }
if ! command -v bpftrace >/dev/null 2>&1; then
    echo "$bench_name: installing bpftrace" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bpftrace; } >/dev/null 2>&1 ||
        { echo "$bench_name: bpftrace is needed" >&2; exit 2; }
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/spin" "$root/bench/session/spin.c"
python3 "$root/bench/session/measure.py" "$ktap" "$tmp/spin" "$runs" 0 1
