#!/usr/bin/env bash
# Times a cold load of the kernel's BTF (/sys/kernel/btf/vmlinux) plus the lookup of
# struct task_struct and its member pid, each in a fresh process, built in Release: the first
# run, the median and p90 of 20, against the 30 ms target. Exits 1 if the median misses it.
#
#   bench/btf.sh                 on the JIT (the cold run includes JIT-compiling the reader)
#   bench/btf.sh --aot           published as NativeAOT, like bin/ktap: what a ktap start pays
#   bench/btf.sh [--aot] -- --runs 50
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/bench/btf/BtfBench.csproj"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

aot=0
while (($#)); do
    case "$1" in
        --aot) aot=1; shift ;;
        --) shift; break ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "btf.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

if [[ ! -r /sys/kernel/btf/vmlinux ]]; then
    echo "btf.sh: /sys/kernel/btf/vmlinux is missing: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)" >&2
    exit 1
fi

# Builds quietly; on failure shows everything the build said.
quietly() {
    local log
    if ! log="$("$@" 2>&1)"; then
        echo "$log" >&2
        echo "btf.sh: FAILED: $*" >&2
        exit 1
    fi
}

if ((aot)); then
    # Its own output folders (as build.sh does), away from the JIT build's obj/ and bin/.
    artifacts="$root/artifacts/bench"
    quietly dotnet publish "$project" -c Release -r linux-x64 -p:PublishAot=true --artifacts-path "$artifacts" \
        -nologo -v quiet -tl:off
    exec "$artifacts/publish/BtfBench/release_linux-x64/BtfBench" "$@"
fi

# The apphost, not 'dotnet BtfBench.dll': the program starts fresh copies of itself by its own path.
quietly dotnet build "$project" -c Release -nologo -v quiet -tl:off
exec "$root/bench/btf/bin/Release/net10.0/BtfBench" "$@"
