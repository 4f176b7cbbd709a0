#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Fetch an unmodified Debian arm64 kernel (the cloud flavour: PL011 and NVMe built in) and
# busybox-static with apt's "download", under a private apt state so nothing on this system
# changes, and build a small initramfs whose init prints a marker, lists /sys/block, optionally
# reads and writes the NVMe namespace and times a read of it (monadic.nvme= and monadic.dd= on
# the kernel command line, see the init below), and powers off.
# Results, cached: build/linux/Image and build/linux/initramfs.cpio.gz (rebuilt when the init
# below changes).
#
#   scripts/fetch-guest-linux.sh [OUTDIR]
set -euo pipefail

out=${1:-build/linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The guest's /init. Kernel command-line words it understands:
#   monadic.nvme=RSEC,WSEC,TEXT  print 32 bytes of /dev/nvme0n1 at sector RSEC (512 bytes each),
#                                then write TEXT at sector WSEC and flush it to the device
#   monadic.dd=MIB               time a direct read of MIB MiB from /dev/nvme0n1
init_script() {
	cat <<'INIT'
#!/bin/sh
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sys /sys
$bb mount -t devtmpfs dev /dev 2>/dev/null
echo "MONADIC-INIT: Linux $($bb uname -r), $($bb nproc) CPUs, uptime $($bb cut -d' ' -f1 /proc/uptime) s"
echo "MONADIC-BLOCK: $($bb ls /sys/block | $bb tr '\n' ' ')"
nvme=
dd_mib=
for w in $($bb cat /proc/cmdline); do
	case $w in
	monadic.nvme=*) nvme=${w#monadic.nvme=} ;;
	monadic.dd=*) dd_mib=${w#monadic.dd=} ;;
	esac
done
if [ -n "$nvme" ]; then
	rsec=${nvme%%,*}
	rest=${nvme#*,}
	wsec=${rest%%,*}
	text=${rest#*,}
	if [ -b /dev/nvme0n1 ]; then
		echo "MONADIC-READ: $($bb dd if=/dev/nvme0n1 bs=512 skip="$rsec" count=1 2>/dev/null | $bb head -c 32)"
		printf '%s' "$text" | $bb dd of=/dev/nvme0n1 bs=512 seek="$wsec" conv=notrunc,fsync 2>/dev/null
		$bb sync
		echo "MONADIC-WRITE: done"
	else
		echo "MONADIC-READ: no /dev/nvme0n1"
	fi
fi
if [ -n "$dd_mib" ] && [ -b /dev/nvme0n1 ]; then
	t0=$($bb cut -d' ' -f1 /proc/uptime)
	$bb dd if=/dev/nvme0n1 of=/dev/null bs=1M count="$dd_mib" iflag=direct 2>/tmp/dd.err
	t1=$($bb cut -d' ' -f1 /proc/uptime)
	echo "MONADIC-DD: mib=$dd_mib start=$t0 end=$t1 $($bb tail -n 1 /tmp/dd.err)"
fi
$bb poweroff -f
INIT
}

build_initramfs() {
	mkdir -p "$out/root/bin" "$out/root/proc" "$out/root/sys" "$out/root/dev" "$out/root/tmp"
	cp "$out/bb/bin/busybox" "$out/root/bin/busybox"
	ln -sf busybox "$out/root/bin/sh"
	init_script >"$out/root/init"
	chmod +x "$out/root/init"
	(cd "$out/root" && find . | cpio --quiet -o -H newc | gzip -9) >"$out/initramfs.cpio.gz"
}

if [[ -s $out/Image && -x $out/bb/bin/busybox ]]; then
	if [[ -s $out/initramfs.cpio.gz ]] && init_script | cmp -s - "$out/root/init"; then
		echo "fetch-guest-linux: cached in $out"
	else
		command -v cpio >/dev/null || { echo "fetch-guest-linux: needs cpio (scripts/setup-toolchain.sh linux)" >&2; exit 2; }
		build_initramfs
		echo "fetch-guest-linux: initramfs rebuilt in $out"
	fi
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
build_initramfs
echo "fetch-guest-linux: $kpkg -> $out/Image ($(stat -c %s "$out/Image") bytes), initramfs.cpio.gz"
