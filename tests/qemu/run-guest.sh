#!/usr/bin/env bash
# Boots the Debian kernel (prepare.sh) under qemu with an initramfs holding busybox and PROGRAM
# (with the shared libraries it needs), runs PROGRAM as root in the guest with tracefs, debugfs
# and bpffs mounted, and prints what PROGRAM printed. Exits with PROGRAM's status, or 124 when
# the guest did not finish within the timeout (GUEST_TIMEOUT seconds, default 180).
#
#   tests/qemu/run-guest.sh PROGRAM [ARGS...]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
program="$(realpath "$1")"
shift
kernel="$("$here/prepare.sh")"

work="$(mktemp -d "${TMPDIR:-/tmp}/ktap-guest.XXXXXX")"
trap '[[ -n "${KEEP_GUEST:-}" ]] || rm -rf "$work"' EXIT
initramfs="$work/root"
mkdir -p "$initramfs"/{bin,sbin,proc,sys,dev,tmp,lib,lib64,usr/lib}

cp /bin/busybox "$initramfs/bin/busybox"
for tool in sh mount mkdir cat echo poweroff sleep; do
    ln -s busybox "$initramfs/bin/$tool"
done

cp "$program" "$initramfs/bin/program"
# The program's shared libraries (a NativeAOT binary needs only libc and friends), at the
# paths the dynamic loader will look for them.
ldd "$program" | grep -o '/[^ ]*' | while read -r library; do
    mkdir -p "$initramfs$(dirname "$library")"
    cp -L "$library" "$initramfs$library"
done

printf '%s\n' "$@" > "$initramfs/arguments"
cat > "$initramfs/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
echo "ktap-guest: begin"
set --
while read -r word; do set -- "$@" "$word"; done < /arguments
/bin/program "$@"
echo "ktap-guest: status $?"
poweroff -f
INIT
chmod +x "$initramfs/init"
(cd "$initramfs" && find . | cpio -o -H newc --quiet | gzip -1 > "$work/initramfs.gz")

output="$work/serial.log"
timeout "${GUEST_TIMEOUT:-180}" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$work/initramfs.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 oops=panic" >"$output" 2>&1 || true

# The guest's console output with CR-LF line ends; keep what the program printed.
tr -d '\r' < "$output" | sed -n '/ktap-guest: begin$/,/^ktap-guest: status/p' | sed '1d;$d'
status="$(tr -d '\r' < "$output" | sed -n 's/^ktap-guest: status \([0-9]*\)$/\1/p')"
if [[ -z "$status" ]]; then
    echo "run-guest.sh: the guest did not finish; its console said:" >&2
    tail -n 30 "$output" >&2
    exit 124
fi
exit "$status"
