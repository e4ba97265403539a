#!/usr/bin/env bash
# Builds bin/ktap: src/Ktap.Cli published as one NativeAOT executable (Release, linux-x64).
#
#   ./build.sh            build if anything under src/ (or the build settings) changed
#   ./build.sh --force    publish even if bin/ktap looks up to date
#
# On a fresh Debian 12 it first installs what NativeAOT needs besides the .NET SDK: a C
# toolchain and linker (clang, which brings binutils and libc6-dev) and zlib1g-dev (both on
# Microsoft's list of NativeAOT prerequisites for Linux).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

project=src/Ktap.Cli/Ktap.Cli.csproj
rid=linux-x64
# Its own intermediate and output folders under artifacts/, apart from the obj/ and bin/ of
# `dotnet build` and `dotnet test`, so the two never trample each other.
artifacts="$root/artifacts"
publish_dir="$artifacts/publish/Ktap.Cli/release_$rid"
target="$root/bin/ktap"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

force=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

fail() {
    echo "build.sh: FAILED: $*" >&2
    exit 1
}

# Installs the NativeAOT prerequisites that are missing, and only those.
ensure_toolchain() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        # Not Debian: no packages to check; the NativeAOT build looks for clang, then gcc.
        command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 ||
            fail "NativeAOT needs a C toolchain (clang, or gcc) and zlib headers: install them"
        return 0
    fi
    local missing=() package
    command -v clang >/dev/null 2>&1 || missing+=(clang)
    for package in zlib1g-dev; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return 0

    command -v apt-get >/dev/null 2>&1 || fail "NativeAOT needs ${missing[*]}; install them (no apt-get here)"
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null 2>&1 || fail "NativeAOT needs ${missing[*]}; run as root or install them"
        sudo=(sudo)
    fi
    echo "build.sh: installing ${missing[*]} (NativeAOT prerequisites)"
    local log
    log="$(mktemp)"
    if ! { "${sudo[@]}" apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
        >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        fail "apt-get install ${missing[*]}"
    fi
    rm -f "$log"
}

# True when bin/ktap is newer than every input of the build. Folders count too: adding,
# removing or renaming a file changes its folder's time.
up_to_date() {
    [[ -x "$target" ]] || return 1
    local inputs=(src)
    local f
    for f in Directory.Build.props Directory.Build.targets Directory.Packages.props global.json \
        nuget.config NuGet.config .editorconfig build.sh; do
        [[ -e "$f" ]] && inputs+=("$f")
    done
    local newer
    newer="$(find "${inputs[@]}" \( -name bin -o -name obj \) -prune -o -newer "$target" -print -quit)"
    [[ -z "$newer" ]]
}

command -v dotnet >/dev/null 2>&1 || fail "the .NET 10 SDK (dotnet) is not on PATH"

if ((force == 0)) && up_to_date; then
    echo "bin/ktap is up to date"
    exit 0
fi

ensure_toolchain

# Taken before publishing: a source saved during the build leaves bin/ktap older than it.
stamp="$(date +%s.%N)"
start=$SECONDS
if ! dotnet publish "$project" -c Release -r "$rid" -p:PublishAot=true \
    --artifacts-path "$artifacts" -nologo -v quiet -tl:off; then
    fail "dotnet publish $project"
fi
[[ -x "$publish_dir/ktap" ]] || fail "dotnet publish left no $publish_dir/ktap"

mkdir -p "$root/bin"
cp "$publish_dir/ktap" "$target.tmp"
mv -f "$target.tmp" "$target"
touch -d "@$stamp" "$target"
echo "built bin/ktap ($(($(stat -c %s "$target") / 1024)) KiB) in $((SECONDS - start)) s"
