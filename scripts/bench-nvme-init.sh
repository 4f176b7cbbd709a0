#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause-Patent
# /init of the Linux guest for `make bench-nvme` (host-tools/monadic/nvmebench.py): Debian's
# fio runs 4 KiB random reads, then random writes, at each queue depth on one block device
# (O_DIRECT, libaio), and the JSON it writes is printed with every line prefixed by
# "MONADIC-FIO| " between a MONADIC-FIO-BEGIN and a MONADIC-FIO-END line; then power off.
# Kernel command-line words it understands:
#   monadic.dev=NAME       the block device under /dev (default nvme0n1; vda for virtio-blk,
#                          whose modules are loaded first)
#   monadic.runtime=S      seconds measured per point (default 2)
#   monadic.ramp=S         seconds run before each point's measurement starts (default 1)
#   monadic.qds=A,B,...    the queue depths (default 1,2,4,8,16,32,64,128)
#   monadic.jobs=N         N fio jobs per point, job k on CPU k (cpus_allowed_policy=split),
#                          each at the queue depth, reported together (default 1)
#   monadic.vblkq=N        load virtio_blk with num_request_queues=N: Linux uses at most N of
#                          the device's virtqueues (default 0: one per CPU, as many as offered)
#   monadic.sched=NAME     the device's I/O scheduler (default the kernel's choice: mq-deadline
#                          for one hardware queue, none for several)
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sys /sys
$bb mount -t devtmpfs dev /dev 2>/dev/null
echo "MONADIC-INIT: Linux $($bb uname -r), $($bb nproc) CPUs, uptime $($bb cut -d' ' -f1 /proc/uptime) s"
echo "MONADIC-BLOCK: $($bb ls /sys/block | $bb tr '\n' ' ')"
dev=nvme0n1
runtime=2
ramp=1
qds=1,2,4,8,16,32,64,128
jobs=1
vblkq=0
sched=
for w in $($bb cat /proc/cmdline); do
	case $w in
	monadic.dev=*) dev=${w#monadic.dev=} ;;
	monadic.runtime=*) runtime=${w#monadic.runtime=} ;;
	monadic.ramp=*) ramp=${w#monadic.ramp=} ;;
	monadic.qds=*) qds=${w#monadic.qds=} ;;
	monadic.jobs=*) jobs=${w#monadic.jobs=} ;;
	monadic.vblkq=*) vblkq=${w#monadic.vblkq=} ;;
	monadic.sched=*) sched=${w#monadic.sched=} ;;
	esac
done
# Debian's cloud kernel builds virtio-mmio and virtio-blk as modules: the initramfs carries
# them flat in /lib/modules (scripts/fetch-guest-linux.sh); load them for a vd* device.
case $dev in
vd*)
	for m in virtio_ring virtio virtio_mmio; do
		[ -e /lib/modules/$m.ko ] && $bb insmod /lib/modules/$m.ko
	done
	[ -e /lib/modules/virtio_blk.ko ] &&
		$bb insmod /lib/modules/virtio_blk.ko num_request_queues="$vblkq"
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -b "/dev/$dev" ] && break; $bb sleep 0.2; done
	;;
esac
if [ ! -b "/dev/$dev" ]; then
	echo "MONADIC-FIO: error: no /dev/$dev (block devices: $($bb ls /sys/block | $bb tr '\n' ' '))"
	$bb poweroff -f
fi
[ -n "$sched" ] && echo "$sched" >"/sys/block/$dev/queue/scheduler"
echo "MONADIC-FIO: device /dev/$dev, $($bb cat "/sys/block/$dev/size") sectors, scheduler $($bb cat "/sys/block/$dev/queue/scheduler" 2>/dev/null), hardware queues $($bb ls "/sys/block/$dev/mq" 2>/dev/null | $bb tr '\n' ' ')"
# One job per point, each started only after the previous one ended (stonewall).
{
	echo "[global]"
	echo "filename=/dev/$dev"
	echo "ioengine=libaio"
	echo "direct=1"
	echo "bs=4k"
	echo "thread=1"
	echo "time_based=1"
	echo "runtime=$runtime"
	echo "ramp_time=$ramp"
	echo "norandommap=1"
	echo "randrepeat=0"
	echo "lat_percentiles=1"
	echo "percentile_list=50:99:99.9"
	if [ "$jobs" -gt 1 ]; then
		echo "numjobs=$jobs"
		echo "cpus_allowed=0-$((jobs - 1))"
		echo "cpus_allowed_policy=split"
		echo "group_reporting=1"
	fi
	for rw in randread randwrite; do
		for qd in $(echo "$qds" | $bb tr ',' ' '); do
			echo "[$rw-qd$qd]"
			echo "rw=$rw"
			echo "iodepth=$qd"
			echo "stonewall"
		done
	done
} >/tmp/jobs.fio
/usr/bin/fio --eta=never --output-format=json --output=/tmp/fio.json /tmp/jobs.fio 2>/tmp/fio.err
rc=$?
echo "MONADIC-FIO-BEGIN: rc=$rc"
$bb sed 's/^/MONADIC-FIO| /' /tmp/fio.json
$bb sed 's/^/MONADIC-FIO-ERR| /' /tmp/fio.err
echo "MONADIC-FIO-END"
$bb poweroff -f
