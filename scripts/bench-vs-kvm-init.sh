#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause-Patent
# /init of the KVM host for `make bench-vs-kvm` (host-tools/monadic/vskvm.py): Debian's arm64
# kernel, booted at EL2, runs the benchmark guest (/uartbench.bin) as a KVM guest of Debian's
# qemu-system-aarch64, prints what KVM said at boot and the guest's lines, and powers off.
# Kernel command-line words it understands:
#   monadic.iters=N   the guest's iters=N
#   monadic.rounds=R  the guest's rounds=R
#   monadic.smp=N     the guest's vCPUs (default 2: the IPI needs two)
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sys /sys
$bb mount -t devtmpfs dev /dev 2>/dev/null
iters=2000
rounds=1
smp=2
for w in $($bb cat /proc/cmdline); do
	case $w in
	monadic.iters=*) iters=${w#monadic.iters=} ;;
	monadic.rounds=*) rounds=${w#monadic.rounds=} ;;
	monadic.smp=*) smp=${w#monadic.smp=} ;;
	esac
done
echo "KVMHOST: linux=$($bb uname -r) cpus=$($bb nproc)"
$bb dmesg | $bb grep -i 'kvm' | $bb sed 's/^/KVMHOST-LOG: /'
if [ -c /dev/kvm ]; then
	/usr/bin/qemu-system-aarch64 -M virt,gic-version=3 -accel kvm -cpu host -smp "$smp" -m 64M \
		-nodefaults -display none -chardev stdio,id=con,signal=off -serial chardev:con \
		-kernel /uartbench.bin -append "iters=$iters rounds=$rounds" </dev/null 2>&1
	echo "KVMHOST: qemu-exit=$?"
else
	echo "KVMHOST: error: no /dev/kvm (KVM did not initialise)"
fi
$bb poweroff -f
