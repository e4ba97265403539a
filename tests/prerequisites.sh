#!/usr/bin/env bash
# Installs what the tests use besides the .NET SDK, when missing, on a Debian machine: bpftool
# (the disassembler and BTF line info are checked against it), a C compiler and binutils (test
# programs for uprobes and ELF symbols are compiled, and checked with readelf and nm), and the
# qemu guest with its Debian kernel (tests/qemu/prepare.sh) for the kprobe tests, and what
# bench/run needs, as a test runs it on a small workload (bpftrace, strace, python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
missing=()
command -v bpftool >/dev/null 2>&1 || missing+=(bpftool)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v readelf >/dev/null 2>&1 || missing+=(binutils)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
command -v bpftrace >/dev/null 2>&1 || missing+=(bpftrace)
command -v strace >/dev/null 2>&1 || missing+=(strace)
command -v python3 >/dev/null 2>&1 || missing+=(python3)

if ((${#missing[@]})); then
    echo "prerequisites.sh: installing ${missing[*]}" >&2
    log="$(mktemp)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "prerequisites.sh: could not install ${missing[*]}" >&2
        exit 1
    fi
    rm -f "$log"
fi

"$here/qemu/prepare.sh" >/dev/null
