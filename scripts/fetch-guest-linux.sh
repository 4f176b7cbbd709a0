#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Fetch an unmodified Debian arm64 kernel (the cloud flavour: PL011 and NVMe built in) and
# busybox-static with apt's "download", under a private apt state so nothing on this system
# changes, and build a small initramfs whose init prints a marker, lists /sys/block and powers
# off. Results, cached: build/linux/Image and build/linux/initramfs.cpio.gz.
#
#   scripts/fetch-guest-linux.sh [OUTDIR]
set -euo pipefail

out=${1:-build/linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [[ -s $out/Image && -s $out/initramfs.cpio.gz ]]; then
	echo "fetch-guest-linux: cached in $out"
	exit 0
fi
command -v cpio >/dev/null || { echo "fetch-guest-linux: needs cpio (scripts/setup-toolchain.sh linux)" >&2; exit 2; }

state=$out/apt
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$out/dl"
touch "$state/status"
apt_opts=(-o "Dir::State=$state" -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache"
	-o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update -qq
# The metapackage names the current kernel package; download that one.
kpkg=$(apt-cache "${apt_opts[@]}" depends linux-image-cloud-arm64 |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[[ -n $kpkg ]] || { echo "fetch-guest-linux: no linux-image-cloud-arm64 in the archive" >&2; exit 1; }
(cd "$out/dl" && apt-get "${apt_opts[@]}" download "$kpkg" busybox-static)

rm -rf "$out/kernel" "$out/bb" "$out/root"
dpkg-deb -x "$out"/dl/"$kpkg"_*.deb "$out/kernel"
vmlinuz=$(ls "$out"/kernel/boot/vmlinuz-*)
# arm64 Debian ships the Image itself, or gzip-compressed on some releases.
if gzip -t "$vmlinuz" 2>/dev/null; then zcat "$vmlinuz" >"$out/Image"; else cp "$vmlinuz" "$out/Image"; fi
dpkg-deb -x "$out"/dl/busybox-static_*.deb "$out/bb"

mkdir -p "$out/root/bin" "$out/root/proc" "$out/root/sys" "$out/root/dev"
cp "$out/bb/bin/busybox" "$out/root/bin/busybox"
ln -s busybox "$out/root/bin/sh"
cat >"$out/root/init" <<'INIT'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
echo "MONADIC-INIT: Linux $(/bin/busybox uname -r), $(/bin/busybox nproc) CPUs"
echo "MONADIC-BLOCK: $(/bin/busybox ls /sys/block | /bin/busybox tr '\n' ' ')"
/bin/busybox poweroff -f
INIT
chmod +x "$out/root/init"
(cd "$out/root" && find . | cpio --quiet -o -H newc | gzip -9) >"$out/initramfs.cpio.gz"
echo "fetch-guest-linux: $kpkg -> $out/Image ($(stat -c %s "$out/Image") bytes), initramfs.cpio.gz"
