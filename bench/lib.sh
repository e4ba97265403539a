# Sourced by the bench/*.sh scripts that build a benchmark project: the dotnet environment,
# quiet builds, and the [--aot] [-- ARGS] [--help] command line they share.
# shellcheck shell=bash

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_name="$(basename "${BASH_SOURCE[1]}")"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# quietly COMMAND...: runs it silently; on failure shows everything it said and exits 1.
quietly() {
    local log
    if ! log="$("$@" 2>&1)"; then
        echo "$log" >&2
        echo "$bench_name: FAILED: $*" >&2
        exit 1
    fi
}

# parse_options HELP_LINES "$@": sets aot (1 for --aot) and bench_args (what follows --);
# --help prints lines HELP_LINES (as "2,9") of the script's header comment.
parse_options() {
    local help_lines="$1"
    shift
    aot=0
    while (($#)); do
        case "$1" in
            --aot) aot=1; shift ;;
            --) shift; break ;;
            -h|--help) sed -n "${help_lines}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *) echo "$bench_name: unknown argument '$1' (try --help)" >&2; exit 2 ;;
        esac
    done
    bench_args=("$@")
}

# publish_aot PROJECT ASSEMBLY: publishes NativeAOT, like bin/ktap, into its own output folders
# (as build.sh does), away from the JIT build's obj/ and bin/; sets published to the binary.
publish_aot() {
    local artifacts="$root/artifacts/bench"
    quietly dotnet publish "$1" -c Release -r linux-x64 -p:PublishAot=true --artifacts-path "$artifacts" \
        -nologo -v quiet -tl:off
    published="$artifacts/publish/$2/release_linux-x64/$2"
}

# build_release PROJECT: builds it in Release, for the JIT.
build_release() {
    quietly dotnet build "$1" -c Release -nologo -v quiet -tl:off
}
