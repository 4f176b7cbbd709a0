#!/bin/sh
# /init of the perf guest initramfs (tests/integration/test_linux.py): perf stat of a busy
# loop with the guest's own PMU, then power off.
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sys /sys
$bb mount -t devtmpfs dev /dev 2>/dev/null
echo "MONADIC-INIT: Linux $($bb uname -r), $($bb nproc) CPUs"
echo "MONADIC-PMU: $($bb ls /sys/bus/event_source/devices | $bb tr '\n' ' ')"
perf=/usr/bin/perf
$perf stat -x, -e cycles,instructions $bb sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done' 2>/tmp/perf.out
echo "MONADIC-PERF-RC: $?"
$bb sed 's/^/MONADIC-PERF: /' /tmp/perf.out
$bb poweroff -f
