#!/usr/bin/env bash
# What ktap's audit data costs: the BTF line info every program carries and the frozen
# ktap_src map bound to it (doc/auditing.md). Start-up: each handler of three scripts loaded
# bare and as ktap loads it, plus the map's publication; the median extra time against the
# 5 ms target. Per event: the same handler with the audit data and without, attached in turn
# to syscalls:sys_enter_getppid while the bench calls getppid(); the kernel's run counts and
# run times (BPF_ENABLE_STATS, held only while measuring) and the workload's wall time. Exits 1
# when the start-up target is missed or the kernel runs different instructions. Needs root.
#
#   bench/audit.sh                        on the JIT (dotnet run -c Release)
#   bench/audit.sh --aot                  published as NativeAOT, like bin/ktap
#   bench/audit.sh [--aot] -- --runs 30 --rounds 10 --calls 300000
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
project="$root/bench/audit/AuditBench.csproj"

parse_options 2,13 "$@"

if ((aot)); then
    publish_aot "$project" AuditBench
    exec "$published" "${bench_args[@]}"
fi

build_release "$project"
exec dotnet "$root/bench/audit/bin/Release/net10.0/AuditBench.dll" "${bench_args[@]}"
