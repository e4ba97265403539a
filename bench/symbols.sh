#!/usr/bin/env bash
# Times Ktap.Bpf.Symbols, built in Release: loading /proc/kallsyms, and reading the function
# symbols of a ~100 MB ELF file (open + symbols, then name lookup, address resolution and a glob),
# each as the first (cold) run and the median of 20 after a warm-up. Exits 1 if the ELF rows miss
# their 100 ms target.
#
#   bench/symbols.sh                    on the JIT (dotnet run -c Release)
#   bench/symbols.sh --aot              published as NativeAOT, like bin/ktap
#   bench/symbols.sh [--aot] -- --elf /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1 --runs 50
#
# Without --elf it generates the ELF file once into $SYMBOLS_BENCH_DIR (default
# /tmp/ktap-bench-symbols): a shared library of 110,000 C functions (three in four exported, so
# also in .dynsym) compiled with -O0 -g, padded with read-only data to 100 MB. That takes a
# minute or two and needs cc. Run as root: kallsyms shows addresses to root only.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
project="$root/bench/symbols/SymbolsBench.csproj"
work="${SYMBOLS_BENCH_DIR:-/tmp/ktap-bench-symbols}"
functions=110000
target_bytes=$((100 * 1000 * 1000))

parse_options 2,16 "$@"

# Writes one C file of $2 functions named ktap_bench_unit_<unit>_subsystem_handler_<n>; every
# fourth is static (only in .symtab), the rest exported (in .symtab and .dynsym).
generate_unit() {
    awk -v unit="$1" -v n="$2" 'BEGIN {
        print "#include <string.h>"
        for (i = 0; i < n; i++) {
            printf "%s__attribute__((noinline, used)) long ktap_bench_unit_%03d_subsystem_handler_%05d(long a, const char *s)\n", (i % 4 == 3) ? "static " : "", unit, i
            printf "{\n    long t = a;\n    for (long i = 0; i < a; i++)\n        t += (long)strlen(s + (i & 3)) * %d;\n    return t ^ %d;\n}\n", i, unit
        }
    }'
}

generate_elf() {
    local elf="$1" units=$((functions / 1000)) unit
    command -v cc >/dev/null 2>&1 || { echo "symbols.sh: generating the ELF file needs a C compiler as 'cc' (Debian: apt-get install gcc)" >&2; exit 2; }
    echo "symbols.sh: generating $elf ($functions functions; once, it takes a while)..." >&2
    rm -rf "$work/src" && mkdir -p "$work/src"
    for ((unit = 0; unit < units; unit++)); do
        generate_unit "$unit" 1000 >"$work/src/unit$unit.c"
    done
    (cd "$work/src" && ls unit*.c | xargs -P "$(nproc)" -n 4 cc -c -O0 -g -fPIC)
    cc -shared -o "$work/unpadded.so" "$work"/src/unit*.o
    # Read-only padding up to the target size: it only makes the map bigger, as a large
    # library's data would; the symbol tables are what is read.
    local size pad
    size="$(stat -c %s "$work/unpadded.so")"
    pad=$((target_bytes > size + 4096 ? target_bytes - size - 4096 : 1))
    echo "__attribute__((used)) const char ktap_bench_padding[$pad] = { 1 };" >"$work/src/padding.c"
    cc -c -O0 -fPIC -o "$work/src/padding.o" "$work/src/padding.c"
    cc -shared -o "$elf.tmp" "$work"/src/unit*.o "$work/src/padding.o"
    mv "$elf.tmp" "$elf"
    rm -rf "$work/src" "$work/unpadded.so"
}

options=("${bench_args[@]}")
if [[ " ${options[*]-} " != *" --elf "* ]]; then
    mkdir -p "$work"
    elf="$work/libktapbench-$functions.so"
    [[ -f "$elf" ]] || generate_elf "$elf"
    options+=(--elf "$elf")
fi

if ((aot)); then
    publish_aot "$project" SymbolsBench
    exec "$published" "${options[@]}"
fi

build_release "$project"
exec dotnet "$root/bench/symbols/bin/Release/net10.0/SymbolsBench.dll" "${options[@]}"
