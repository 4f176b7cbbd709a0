#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Fetch at once, each into its folder under BUILD, what the integration tests otherwise fetch on
# first use: the Debian guest kernel, its initramfs and the perf one (linux), QEMU 10 (qemu10) and
# GRUB (grub). `make test` starts this in the background before it builds, so the downloads
# overlap the build, the lint and the unit tests. Each fetch script holds a lock on its folder: a
# test that asks for the files meanwhile waits for them. A fetch that fails here is tried again by
# the test that needs it, which fails or skips saying why, as it would without this script.
#
#   scripts/fetch-test-files.sh [BUILD]     (default build; each fetch's output in BUILD/fetch-*.log)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mkdir -p "$build"
{
	scripts/fetch-guest-linux.sh "$build/linux" &&
		scripts/fetch-guest-linux.sh --name perf --packages linux-perf \
			--init tests/integration/perf-init.sh "$build/linux"
} >"$build/fetch-linux.log" 2>&1 &
scripts/fetch-qemu.sh "$build/qemu10" >"$build/fetch-qemu10.log" 2>&1 &
scripts/fetch-grub.sh "$build/grub" >"$build/fetch-grub.log" 2>&1 &
wait
