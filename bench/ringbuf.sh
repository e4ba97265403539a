#!/usr/bin/env bash
# Ring buffer consumption rate of Ktap.Bpf's RingBufferReader, published as NativeAOT like
# bin/ktap: fills a 64 MiB ring with 32-byte records, then times consuming them, several
# rounds. Target: at least 5 million records per second on one core. Needs root.
#
#   bench/ringbuf.sh [ROUNDS]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/bench/ringbuf/RingBufferBench.csproj"
artifacts="$root/artifacts/bench"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! log="$(dotnet publish "$project" -c Release -r linux-x64 -p:PublishAot=true --artifacts-path "$artifacts" -nologo -v quiet -tl:off 2>&1)"; then
    echo "$log" >&2
    echo "ringbuf.sh: FAILED: the benchmark did not build" >&2
    exit 1
fi

# Pinned to one CPU: the rate is one core's.
exec taskset -c 0 "$artifacts/publish/RingBufferBench/release_linux-x64/RingBufferBench" "$@"
