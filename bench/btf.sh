#!/usr/bin/env bash
# Times a cold load of the kernel's BTF (/sys/kernel/btf/vmlinux) plus the lookup of
# struct task_struct and its member pid, each in a fresh process, built in Release: the first
# run, the median and p90 of 20, against the 30 ms target. Exits 1 if the median misses it.
#
#   bench/btf.sh                 on the JIT (the cold run includes JIT-compiling the reader)
#   bench/btf.sh --aot           published as NativeAOT, like bin/ktap: what a ktap start pays
#   bench/btf.sh [--aot] -- --runs 50
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
project="$root/bench/btf/BtfBench.csproj"

parse_options 2,9 "$@"

if [[ ! -r /sys/kernel/btf/vmlinux ]]; then
    echo "btf.sh: /sys/kernel/btf/vmlinux is missing: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)" >&2
    exit 1
fi

if ((aot)); then
    publish_aot "$project" BtfBench
    exec "$published" "${bench_args[@]}"
fi

# The apphost, not 'dotnet BtfBench.dll': the program starts fresh copies of itself by its own path.
build_release "$project"
exec "$root/bench/btf/bin/Release/net10.0/BtfBench" "${bench_args[@]}"
