#!/usr/bin/env bash
# Gets what the qemu guest tests need: qemu, a static busybox and cpio from Debian, and a Debian
# kernel (linux-image-amd64) whose vmlinuz is kept in artifacts/qemu/. This machine's kernel has
# no kprobes (CONFIG_KPROBES is not set); Debian's has them, so kernel-function probes are tested
# in a guest booted with software emulation (TCG: the host's KVM cannot boot a stock kernel).
# Prints the path of the vmlinuz.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/artifacts/qemu"
mkdir -p "$cache"

missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
[[ -x /bin/busybox ]] || missing+=(busybox-static)
command -v cpio >/dev/null 2>&1 || missing+=(cpio)
if ((${#missing[@]})); then
    echo "prepare.sh: installing ${missing[*]}" >&2
    log="$cache/apt.log"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "prepare.sh: could not install ${missing[*]}" >&2
        exit 1
    fi
fi

if ! compgen -G "$cache/vmlinuz-*" >/dev/null; then
    apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt-get update -qq >&2
    package="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ { print $2; exit }')"
    [[ -n "$package" ]] || { echo "prepare.sh: cannot tell which kernel linux-image-amd64 depends on" >&2; exit 1; }
    echo "prepare.sh: downloading $package" >&2
    # apt's sandbox user cannot write here; as root the download goes ahead unsandboxed.
    (cd "$cache" && apt-get download -qq "$package" 2>&1 | grep -v 'unsandboxed' >&2 || true)
    deb="$(ls "$cache"/"$package"_*.deb | head -n 1)"
    rm -rf "$cache/extract"
    dpkg-deb -x "$deb" "$cache/extract"
    cp "$cache"/extract/boot/vmlinuz-* "$cache/"
    rm -rf "$cache/extract" "$deb"
fi

ls "$cache"/vmlinuz-* | head -n 1
