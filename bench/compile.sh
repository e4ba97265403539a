#!/usr/bin/env bash
# Times compiling a generated 200-line script end to end, no kernel (parse, bind, type-check,
# code generation of every trace handler), built in Release: the first (cold) run and the
# median of 50 after a warm-up, against the 30 ms target. Exits 1 if the median misses it.
#
#   bench/compile.sh                    on the JIT (dotnet run -c Release)
#   bench/compile.sh --aot              published as NativeAOT, like bin/ktap: the cold run
#                                       is then what a ktap start really pays
#   bench/compile.sh [--aot] -- --lines 1000 --runs 100 --warmup 20 --print
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
project="$root/bench/compile/CompileBench.csproj"

parse_options 2,9 "$@"

if ((aot)); then
    publish_aot "$project" CompileBench
    exec "$published" "${bench_args[@]}"
fi

build_release "$project"
exec dotnet "$root/bench/compile/bin/Release/net10.0/CompileBench.dll" "${bench_args[@]}"
