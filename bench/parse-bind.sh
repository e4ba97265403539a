#!/usr/bin/env bash
# Times the front end (Parser.Parse + Binder.Bind) on a generated 1,000-line script, built in
# Release: the first (cold) run and the median of 50 after a warm-up, against the 20 ms target.
# Exits 1 if the median misses it.
#
#   bench/parse-bind.sh                 on the JIT (dotnet run -c Release)
#   bench/parse-bind.sh --aot           published as NativeAOT, like bin/ktap: the cold run
#                                       is then what a ktap start really pays
#   bench/parse-bind.sh [--aot] -- --lines 5000 --runs 100 --warmup 20 --print
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/bench/parse-bind/ParseBind.csproj"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

aot=0
while (($#)); do
    case "$1" in
        --aot) aot=1; shift ;;
        --) shift; break ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "parse-bind.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

# Builds quietly; on failure shows everything the build said.
quietly() {
    local log
    if ! log="$("$@" 2>&1)"; then
        echo "$log" >&2
        echo "parse-bind.sh: FAILED: $*" >&2
        exit 1
    fi
}

if ((aot)); then
    # Its own output folders (as build.sh does), away from the JIT build's obj/ and bin/.
    artifacts="$root/artifacts/bench"
    quietly dotnet publish "$project" -c Release -r linux-x64 -p:PublishAot=true --artifacts-path "$artifacts" \
        -nologo -v quiet -tl:off
    exec "$artifacts/publish/ParseBind/release_linux-x64/ParseBind" "$@"
fi

quietly dotnet build "$project" -c Release -nologo -v quiet -tl:off
exec dotnet "$root/bench/parse-bind/bin/Release/net10.0/ParseBind.dll" "$@"
