#!/usr/bin/env bash
# Builds bin/ktap (./build.sh), runs every test project of Ktap.slnx (unit tests and the
# end-to-end cases under tests/scripts), and ends with one line: "N passed, N failed" (plus
# ", N skipped" when some were skipped). Exits non-zero if a test failed, if none ran, or if
# `dotnet test` itself failed (a build error, a crashed test host).
#
#   ./test.sh                      everything
#   ./test.sh --filter NAME        extra arguments go to `dotnet test` (here: a test filter)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

./build.sh
tests/prerequisites.sh

results="$(mktemp -d "${TMPDIR:-/tmp}/ktap-test.XXXXXX")"
trap 'rm -rf "$results"' EXIT

# One build (Debug, the default), then the tests; each project writes its own TRX file.
status=0
dotnet test Ktap.slnx --logger trx --logger "console;verbosity=minimal" --results-directory "$results" \
    -nologo -v quiet -tl:off "$@" \
    || status=$?

# Style is part of the build contract (DESIGN §6): the tree must be `dotnet format` clean.
if ! dotnet format --verify-no-changes Ktap.slnx >"$results/format.log" 2>&1; then
    cat "$results/format.log" >&2
    echo "test.sh: the code is not 'dotnet format' clean (run: dotnet format Ktap.slnx)" >&2
    status=1
fi

# Sums an attribute of the <Counters> element over all TRX files.
count() {
    local total=0 file value
    for file in "$results"/*.trx; do
        [[ -e "$file" ]] || continue
        value="$(grep -o '<Counters [^>]*>' "$file" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]\+' || true)"
        total=$((total + ${value:-0}))
    done
    echo "$total"
}

passed="$(count passed)"
failed=$(($(count failed) + $(count error) + $(count timeout) + $(count aborted)))
# Skipped tests are in "total" but not in "executed" (the "notExecuted" counter stays 0).
skipped=$(($(count total) - $(count executed)))

summary="$passed passed, $failed failed"
((skipped > 0)) && summary+=", $skipped skipped"

# A project that does not build, or whose test host dies, leaves no TRX file: say so.
projects="$(grep -c '<Project Path="[^"]*\.Tests\.csproj"' Ktap.slnx || true)"
reports="$(find "$results" -maxdepth 1 -name '*.trx' | wc -l)"
if ((reports < projects)); then
    echo "test.sh: only $reports of $projects test projects reported results (a build error or a crashed test host?)" >&2
    status=1
elif ((status != 0 && failed == 0)); then
    echo "test.sh: dotnet test or the format check failed (status $status)" >&2
fi
if ((passed + failed == 0)); then
    echo "test.sh: no tests ran" >&2
fi

echo "$summary"
((status == 0 && failed == 0 && passed + failed > 0))
