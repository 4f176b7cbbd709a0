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
# With --packages, a second initramfs (uncompressed, so an emulated CPU does not spend its time
# inflating it) also holds Debian arm64 programs and every shared library they load: the named
# packages and their Depends, recursively, are downloaded into OUTDIR/dl and unpacked into
# OUTDIR/sysroot; each program and the closure of its ELF NEEDED entries (and its interpreter)
# is copied from there at the same path.
#
#   scripts/fetch-guest-linux.sh [OUTDIR]
#   scripts/fetch-guest-linux.sh --name NAME --packages 'PKG[=PROG,...] ...' [--init FILE]
#                                [--add SRC=/DEST ...] [OUTDIR]
#     --name NAME      write OUTDIR/initramfs-NAME.cpio (its tree in OUTDIR/root-NAME)
#     --packages LIST  the packages whose programs to install: all of a package's executables
#                      in /bin, /sbin, /usr/bin and /usr/sbin, or only the PROGs named
#                      (e.g. 'qemu-system-arm=qemu-system-aarch64 linux-perf fio')
#     --init FILE      the initramfs's /init (default: the one below)
#     --add SRC=/DEST  also copy the host file SRC to /DEST (repeatable)
set -euo pipefail

name=
packages=
init_file=
adds=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--name) name=$2; shift 2 ;;
	--packages) packages=$2; shift 2 ;;
	--init) init_file=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	-*) echo "fetch-guest-linux: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [[ -n $name || -n $packages || -n $init_file || ${#adds[@]} -gt 0 ]] && [[ -z $name ]]; then
	echo "fetch-guest-linux: --packages, --init and --add need --name" >&2
	exit 2
fi
[[ -z $init_file || -r $init_file ]] || { echo "fetch-guest-linux: cannot read $init_file" >&2; exit 2; }
for add in "${adds[@]}"; do
	[[ $add == *=/* && -r ${add%%=*} ]] || { echo "fetch-guest-linux: --add $add: want SRC=/DEST, SRC readable" >&2; exit 2; }
done
out=${1:-build/linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# One fetch into a folder at a time: another waits here for it to finish (`make test` fetches
# in the background while the tests that need the files may already be asking for them).
exec 9>"$out/.lock"
flock 9

# The guest's /init. Kernel command-line words it understands:
#   monadic.dev=NAME             the block device the words below use (default nvme0n1); the
#                                virtio-blk modules are loaded when the device tree has a
#                                virtio-mmio node (a disk of the hypervisor's is then vda)
#   monadic.nvme=RSEC,WSEC,TEXT  print 32 bytes of /dev/NAME at sector RSEC (512 bytes each),
#                                then write TEXT at sector WSEC and flush it to the device
#   monadic.dd=MIB               time a direct read of MIB MiB from /dev/NAME
#   monadic.ddbs=BYTES           in reads of BYTES each (default 1 MiB)
#   monadic.irqs                 print /proc/interrupts (MONADIC-IRQ: lines) before powering off
#   monadic.vblk=SEC,COUNT       print the device's serial, discard and write-zeroes limits and
#                                hardware queues (a MONADIC-VBLK: line), then discard COUNT
#                                sectors at sector SEC with blkdiscard; then from each CPU in
#                                turn (taskset) read 128 KiB direct and write "monadic-mq-cpuN"
#                                at sector SEC + COUNT + N (a MONADIC-MQ: line each), so every
#                                hardware queue blk-mq maps a CPU to carries requests
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
dd_bs=1048576
dev=nvme0n1
irqs=
vblk=
for w in $($bb cat /proc/cmdline); do
	case $w in
	monadic.irqs) irqs=1 ;;
	monadic.vblk=*) vblk=${w#monadic.vblk=} ;;
	monadic.nvme=*) nvme=${w#monadic.nvme=} ;;
	monadic.dd=*) dd_mib=${w#monadic.dd=} ;;
	monadic.dev=*) dev=${w#monadic.dev=} ;;
	monadic.ddbs=*) dd_bs=${w#monadic.ddbs=} ;;
	esac
done
# A virtio-mmio device in the device tree (a disk the hypervisor serves as virtio-blk): the
# cloud kernel has its drivers as modules.
if $bb ls /sys/firmware/devicetree/base 2>/dev/null | $bb grep -q '^virtio_mmio@'; then
	for m in virtio_ring virtio virtio_mmio virtio_blk; do $bb insmod /lib/modules/$m.ko; done
	case $dev in
	vd*)
		for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/$dev ] && break; $bb sleep 0.2; done
		echo "MONADIC-BLOCK: $($bb ls /sys/block | $bb tr '\n' ' ')"
		;;
	esac
fi
if [ -n "$nvme" ]; then
	rsec=${nvme%%,*}
	rest=${nvme#*,}
	wsec=${rest%%,*}
	text=${rest#*,}
	if [ -b /dev/$dev ]; then
		echo "MONADIC-READ: $($bb dd if=/dev/$dev bs=512 skip="$rsec" count=1 2>/dev/null | $bb head -c 32)"
		printf '%s' "$text" | $bb dd of=/dev/$dev bs=512 seek="$wsec" conv=notrunc,fsync 2>/dev/null
		$bb sync
		echo "MONADIC-WRITE: done"
	else
		echo "MONADIC-READ: no /dev/$dev"
	fi
fi
if [ -n "$vblk" ] && [ -b /dev/$dev ]; then
	q=/sys/block/$dev/queue
	echo "MONADIC-VBLK: serial=$($bb cat /sys/block/$dev/serial 2>/dev/null)" \
		"discard_max=$($bb cat $q/discard_max_bytes) write_zeroes_max=$($bb cat $q/write_zeroes_max_bytes)" \
		"mq=$($bb ls /sys/block/$dev/mq | $bb tr '\n' ',')"
	if $bb blkdiscard -o $((${vblk%%,*} * 512)) -l $((${vblk#*,} * 512)) /dev/$dev; then
		echo "MONADIC-VBLK: discarded"
	else
		echo "MONADIC-VBLK: discard failed"
	fi
	c=0
	while [ $c -lt $($bb nproc) ]; do
		m=$((1 << c))
		if $bb taskset $m $bb dd if=/dev/$dev of=/dev/null bs=4096 count=32 skip=$((c * 32)) \
			iflag=direct 2>/dev/null &&
			printf 'monadic-mq-cpu%s' $c | $bb taskset $m $bb dd of=/dev/$dev bs=512 \
				seek=$((${vblk%%,*} + ${vblk#*,} + c)) conv=notrunc,fsync 2>/dev/null; then
			echo "MONADIC-MQ: cpu$c done"
		else
			echo "MONADIC-MQ: cpu$c failed"
		fi
		c=$((c + 1))
	done
fi
if [ -n "$dd_mib" ] && [ -b /dev/$dev ]; then
	t0=$($bb cut -d' ' -f1 /proc/uptime)
	$bb dd if=/dev/$dev of=/dev/null bs="$dd_bs" count=$((dd_mib * 1048576 / dd_bs)) iflag=direct 2>/tmp/dd.err
	t1=$($bb cut -d' ' -f1 /proc/uptime)
	echo "MONADIC-DD: mib=$dd_mib start=$t0 end=$t1 $($bb tail -n 1 /tmp/dd.err)"
fi
if [ -n "$irqs" ]; then
	$bb sed 's/^/MONADIC-IRQ: /' /proc/interrupts
fi
$bb poweroff -f
INIT
}

# The kernel's virtio-mmio and virtio-blk modules (the cloud flavour builds them as modules),
# flat in $1/lib/modules for the init's insmod.
add_virtio_modules() {
	local m f
	mkdir -p "$1/lib/modules"
	for m in virtio/virtio_ring virtio/virtio virtio/virtio_mmio block/virtio_blk; do
		f=$(ls "$out"/kernel/lib/modules/*/kernel/drivers/$m.ko* 2>/dev/null | head -n 1 || true)
		if [ -z "$f" ]; then
			# A kernel without it (built in, or not the Debian package): no virtio-blk
			# from modules in this initramfs.
			echo "fetch-guest-linux: no $m module in the kernel package; left out" >&2
			continue
		fi
		case $f in
		*.xz) xz -dc "$f" ;;
		*.zst) zstd -dc "$f" ;;
		*) cat "$f" ;;
		esac >"$1/lib/modules/${m#*/}.ko"
	done
}

build_initramfs() {
	mkdir -p "$out/root/bin" "$out/root/proc" "$out/root/sys" "$out/root/dev" "$out/root/tmp"
	cp "$out/bb/bin/busybox" "$out/root/bin/busybox"
	add_virtio_modules "$out/root"
	ln -sf busybox "$out/root/bin/sh"
	init_script >"$out/root/init"
	chmod +x "$out/root/init"
	(cd "$out/root" && find . | cpio --quiet -o -H newc | gzip -9) >"$out/initramfs.cpio.gz"
}

need_cpio() {
	command -v cpio >/dev/null || { echo "fetch-guest-linux: needs cpio (scripts/setup-toolchain.sh linux)" >&2; exit 2; }
}

state=$out/apt
apt_opts=(-o "Dir::State=$state" -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache"
	-o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
apt_update() {
	mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$out/dl"
	touch "$state/status"
	apt-get "${apt_opts[@]}" update -qq
}

# The newest .deb of package $1 in $out/dl (empty when there is none).
deb_of() {
	local f
	f=$(printf "%s\n" "$out"/dl/"$1"_*.deb | sort -V | tail -n 1)
	[[ -e $f ]] || f=
	echo "$f"
}

fetch_base() {
	need_cpio
	apt_update
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
}

# Download the packages in $@ and their Depends, recursively, that are not in $out/dl yet, and
# unpack every one into $out/sysroot (once per .deb).
fetch_packages() {
	local closure missing=() p deb
	[[ -d $state/lists ]] || apt_update
	closure=$(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances "$@" | grep -v '^[ <]' | sort -u)
	for p in "$@"; do
		grep -qx "$p" <<<"$closure" || { echo "fetch-guest-linux: no package $p for arm64" >&2; exit 1; }
	done
	for p in $closure; do
		[[ -n $(deb_of "$p") ]] || missing+=("$p")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		echo "fetch-guest-linux: downloading ${#missing[@]} packages"
		# A stale package list names versions the mirror no longer has: refresh it and retry.
		(cd "$out/dl" && apt-get "${apt_opts[@]}" download "${missing[@]}" >/dev/null) ||
			{ apt_update && (cd "$out/dl" && apt-get "${apt_opts[@]}" download "${missing[@]}" >/dev/null); }
	fi
	mkdir -p "$out/sysroot/.unpacked"
	for p in $closure; do
		deb=$(deb_of "$p")
		[[ -e $out/sysroot/.unpacked/${deb##*/} ]] && continue
		dpkg-deb -x "$deb" "$out/sysroot"
		touch "$out/sysroot/.unpacked/${deb##*/}"
	done
}

# Copy $1 (a path inside the sysroot, from its root) into $root at the same path, and if it is
# an ELF file, its interpreter and the libraries its NEEDED entries name, recursively.
install_file() {
	local rel=${1#/} lib so dir found runpath origin
	[[ -e $root/$rel ]] && return 0
	[[ -e $out/sysroot/$rel ]] || { echo "fetch-guest-linux: $rel is not in $out/sysroot" >&2; exit 1; }
	mkdir -p "$root/$(dirname "$rel")"
	cp -L "$out/sysroot/$rel" "$root/$rel"
	[[ $(head -c 4 "$root/$rel" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] || return 0
	lib=$(readelf -lW "$root/$rel" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[[ -z $lib ]] || install_file "$lib"
	# DT_RUNPATH/DT_RPATH directories first ($ORIGIN is the file's own), then the default ones.
	runpath=$(readelf -dW "$root/$rel" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
	origin=/$(dirname "$rel")
	# shellcheck disable=SC2016 # the literal string $ORIGIN
	runpath=${runpath//'$ORIGIN'/$origin}
	for so in $(readelf -dW "$root/$rel" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=
		for dir in ${runpath//:/ } lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib; do
			dir=${dir#/}
			if [[ -e $out/sysroot/$dir/$so ]]; then
				found=$dir/$so
				break
			fi
		done
		[[ -n $found ]] || { echo "fetch-guest-linux: $rel needs $so, which no package provides" >&2; exit 1; }
		install_file "$found"
	done
}

# The programs of package $1: the names in $2 (comma-separated), or all its executables in
# /bin, /sbin, /usr/bin and /usr/sbin.
programs_of() {
	local prog dir
	if [[ -n $2 ]]; then
		for prog in ${2//,/ }; do
			for dir in usr/bin usr/sbin bin sbin; do
				[[ -e $out/sysroot/$dir/$prog ]] && { echo "$dir/$prog"; continue 2; }
			done
			echo "fetch-guest-linux: package $1 has no program $prog" >&2
			exit 1
		done
	else
		dpkg-deb -c "$(deb_of "$1")" |
			awk '$1 ~ /^[-l]..x/ && $6 ~ /^\.\/(usr\/)?s?bin\/./ { print substr($6, 3) }'
	fi
}

# What a named initramfs is made from: this script, the packages, the init, the added files and
# the base kernel and busybox. A named initramfs built from the same is not built again.
named_inputs() {
	local add
	{
		cat "$0"
		echo "$packages"
		if [[ -n $init_file ]]; then cat "$init_file"; fi
		for add in "${adds[@]}"; do echo "$add"; cat "${add%%=*}"; done
		cat "$out/Image" "$out/bb/bin/busybox"
	} | sha256sum | cut -d' ' -f1
}

build_named() {
	local item pkgs=() add rel inputs
	root=$out/root-$name
	inputs=$(named_inputs)
	if [[ -s $out/initramfs-$name.cpio && $(cat "$out/initramfs-$name.inputs" 2>/dev/null) == "$inputs" ]]; then
		echo "fetch-guest-linux: $out/initramfs-$name.cpio cached: $packages"
		return 0
	fi
	rm -f "$out/initramfs-$name.inputs"
	need_cpio
	for item in $packages; do pkgs+=("${item%%=*}"); done
	[[ ${#pkgs[@]} -eq 0 ]] || fetch_packages "${pkgs[@]}"
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
	cp "$out/bb/bin/busybox" "$root/bin/busybox"
	ln -sf busybox "$root/bin/sh"
	add_virtio_modules "$root"
	if [[ -n $init_file ]]; then cp "$init_file" "$root/init"; else init_script >"$root/init"; fi
	chmod +x "$root/init"
	for item in $packages; do
		for rel in $(programs_of "${item%%=*}" "$([[ $item == *=* ]] && echo "${item#*=}")"); do
			install_file "$rel"
		done
	done
	for add in "${adds[@]}"; do
		mkdir -p "$root/$(dirname "${add#*=}")"
		cp "${add%%=*}" "$root/${add#*=}"
	done
	(cd "$root" && find . | cpio --quiet -o -H newc) >"$out/initramfs-$name.cpio"
	echo "$inputs" >"$out/initramfs-$name.inputs"
	echo "fetch-guest-linux: $out/initramfs-$name.cpio ($(du -sh "$root" | cut -f1)): $packages"
}

if [[ -s $out/Image && -x $out/bb/bin/busybox ]]; then
	if [[ -s $out/initramfs.cpio.gz ]] && init_script | cmp -s - "$out/root/init"; then
		[[ -n $name ]] || echo "fetch-guest-linux: cached in $out"
	else
		need_cpio
		build_initramfs
		echo "fetch-guest-linux: initramfs rebuilt in $out"
	fi
else
	fetch_base
fi
[[ -z $name ]] || build_named
