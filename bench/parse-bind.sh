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

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
project="$root/bench/parse-bind/ParseBind.csproj"

parse_options 2,9 "$@"

if ((aot)); then
    publish_aot "$project" ParseBind
    exec "$published" "${bench_args[@]}"
fi

build_release "$project"
exec dotnet "$root/bench/parse-bind/bin/Release/net10.0/ParseBind.dll" "${bench_args[@]}"
