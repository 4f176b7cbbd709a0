#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Install, from Debian packages, whatever monadic-hypervisor needs to build, run and test.
# Idempotent: a package already installed is left alone, and nothing runs apt when all is there.
#
#   scripts/setup-toolchain.sh [--check] [PART...]
#
# PARTs: cross qemu gdb python host linux bench (default: all but bench). --check installs nothing and exits 1 when
# something is missing, listing it.
set -euo pipefail

declare -A PARTS=(
	[cross]="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu make device-tree-compiler"
	[qemu]="qemu-system-arm qemu-efi-aarch64"
	[gdb]="gdb-multiarch"
	[python]="python3 python3-serial python3-matplotlib python3-pytest python3-pytest-xdist python3-mypy"
	[host]="gcc libc6-dev clang-format cppcheck"
	[bench]="g++ libck-dev libboost-dev"
	[linux]="cpio gzip dpkg apt"
)
# 'bench' (the peers of the host-native ring benchmark) is not needed to build or test, so it is
# installed only when asked for: scripts/setup-toolchain.sh bench.
ORDER=(cross qemu gdb python host linux)

check_only=0
want=()
for arg in "$@"; do
	case "$arg" in
	--check) check_only=1 ;;
	-h | --help)
		sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		if [[ -z "${PARTS[$arg]+x}" ]]; then
			echo "setup-toolchain: unknown part '$arg' (parts: ${ORDER[*]} bench)" >&2
			exit 2
		fi
		want+=("$arg")
		;;
	esac
done
[[ ${#want[@]} -eq 0 ]] && want=("${ORDER[@]}")

if [[ ! -r /etc/debian_version ]] || ! command -v dpkg-query >/dev/null; then
	echo "setup-toolchain: this is not a Debian-based system; install by hand the equivalents of:" >&2
	for p in "${want[@]}"; do echo "  $p: ${PARTS[$p]}" >&2; done
	exit 2
fi

missing=()
for p in "${want[@]}"; do
	for pkg in ${PARTS[$p]}; do
		status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
		[[ "$status" == "install ok installed" ]] || missing+=("$pkg")
	done
done

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "setup-toolchain: all present (${want[*]})"
	exit 0
fi
if [[ $check_only -eq 1 ]]; then
	echo "setup-toolchain: missing: ${missing[*]}"
	exit 1
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || { echo "setup-toolchain: need root or sudo to install: ${missing[*]}" >&2; exit 2; }
	SUDO="sudo"
fi
echo "setup-toolchain: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup-toolchain: done"
