#!/usr/bin/env bash
# Ring buffer consumption rate of Ktap.Bpf's RingBufferReader, published as NativeAOT like
# bin/ktap: fills a 64 MiB ring with 32-byte records, then times consuming them, several
# rounds. Target: at least 5 million records per second on one core. Needs root.
#
#   bench/ringbuf.sh [ROUNDS]
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
publish_aot "$root/bench/ringbuf/RingBufferBench.csproj" RingBufferBench

# Pinned to one CPU: the rate is one core's.
exec taskset -c 0 "$published" "$@"
