#!/usr/bin/env bash
# Start-up cost of bin/ktap: `bin/ktap -e 'print("hello")'` run RUNS times (default 200) after a
# warm-up. Prints the median and p90 wall time and the median peak RSS, and exits 1 if a target
# is missed: median wall time <= 10 ms, median peak RSS <= 15 MB.
#
#   bench/startup.sh [RUNS]
#   STARTUP_TIMER=bash bench/startup.sh     time with EPOCHREALTIME even if hyperfine is there
#
# Wall time comes from hyperfine (-N: no shell in between) or, without it, from bash's
# EPOCHREALTIME around each run (which adds bash's fork and exec, about 1 ms); peak RSS from GNU time's %M. Missing tools are installed from
# Debian (packages hyperfine and time). Build bin/ktap first: ./build.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ktap="$root/bin/ktap"
script='print("hello")'
runs="${1:-200}"
warmup=20
target_ms=10
target_mb=15

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/startup.sh [RUNS]" >&2; exit 2; }
[[ -x "$ktap" ]] || { echo "startup.sh: $ktap is missing: run ./build.sh first" >&2; exit 2; }

# Installs the Debian packages that are missing (quietly); returns 1 if that is not possible.
install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null 2>&1 || return 1
        sudo=(sudo)
    fi
    echo "startup.sh: installing $*" >&2
    { "${sudo[@]}" apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@"; } \
        >/dev/null 2>&1
}

[[ -x /usr/bin/time ]] || install time || { echo "startup.sh: GNU time (/usr/bin/time) is needed" >&2; exit 2; }
use_hyperfine=0
if [[ "${STARTUP_TIMER:-}" != bash ]]; then
    if command -v hyperfine >/dev/null 2>&1 || install hyperfine; then
        use_hyperfine=1
    else
        echo "startup.sh: no hyperfine; timing with EPOCHREALTIME" >&2
    fi
fi

out="$("$ktap" -e "$script" 2>&1)" || true
if [[ "$out" != "hello" ]]; then
    echo "startup.sh: bin/ktap -e '$script' printed '$out', not 'hello'" >&2
    exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Wall times, one per line, in milliseconds.
if ((use_hyperfine)); then
    timer=hyperfine
    hyperfine -N --style none --warmup "$warmup" --runs "$runs" \
        --export-json "$tmp/wall.json" -- "$ktap -e '$script'" >/dev/null
    # The JSON holds each run's time in seconds in "times": [ ... ].
    tr -d ' \n' <"$tmp/wall.json" | grep -o '"times":\[[^]]*\]' | head -n 1 |
        sed 's/.*\[//; s/\]//' | tr ',' '\n' | awk '{ printf "%.6f\n", $1 * 1000 }' >"$tmp/wall"
else
    timer=EPOCHREALTIME
    for ((i = 0; i < warmup; i++)); do "$ktap" -e "$script" >/dev/null; done
    for ((i = 0; i < runs; i++)); do
        start=$EPOCHREALTIME
        "$ktap" -e "$script" >/dev/null
        end=$EPOCHREALTIME
        echo "$start $end"
    done | awk '{ printf "%.6f\n", ($2 - $1) * 1000 }' >"$tmp/wall"
fi

# Peak RSS in KiB, one per line (GNU time's %M).
for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f %M -o "$tmp/rss1" "$ktap" -e "$script" >/dev/null
    cat "$tmp/rss1" >>"$tmp/rss"
done

# percentile FILE P: the P-th percentile (nearest rank) of the numbers in FILE.
percentile() {
    sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END { r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1; print v[r] }'
}
# median FILE: the middle value (the mean of the two middle ones for an even count).
median() {
    sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

wall_median="$(median "$tmp/wall")"
wall_p90="$(percentile "$tmp/wall" 90)"
awk '{ print $1 / 1024 }' "$tmp/rss" >"$tmp/rss_mb"
rss_median="$(median "$tmp/rss_mb")"

# verdict VALUE TARGET: "ok" or "MISSED".
verdict() {
    if awk -v v="$1" -v t="$2" 'BEGIN { exit !(v <= t) }'; then echo ok; else echo MISSED; fi
}
wall_verdict="$(verdict "$wall_median" "$target_ms")"
rss_verdict="$(verdict "$rss_median" "$target_mb")"
status=0
[[ "$wall_verdict" == ok && "$rss_verdict" == ok ]] || status=1

echo "bin/ktap -e '$script': $runs runs after $warmup warm-up ($timer; RSS from /usr/bin/time)"
printf '%-18s %10s   %-10s %s\n' metric value target result
printf '%-18s %7.2f ms   %-10s %s\n' "wall median" "$wall_median" "<= $target_ms ms" "$wall_verdict"
printf '%-18s %7.2f ms   %-10s %s\n' "wall p90" "$wall_p90" "" ""
printf '%-18s %7.2f MB   %-10s %s\n' "peak RSS median" "$rss_median" "<= $target_mb MB" "$rss_verdict"
exit "$status"
