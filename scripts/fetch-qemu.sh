#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Fetch QEMU 10.0 (qemu-system-aarch64) from Debian 12's bookworm-backports with apt's "download",
# under a private apt state with its own sources.list, so nothing on this system changes: no
# package is installed, the system's apt lists and sources are not touched. QEMU 7.2 (Debian 12)
# models Neoverse N1; Neoverse V1 and N2 (-cpu neoverse-v1, neoverse-n2) need QEMU 9.2 or later.
# The packages (qemu-system-arm, -common, -data, and each shared library it needs that the system
# lacks) are unpacked with dpkg-deb -x; a wrapper sets LD_LIBRARY_PATH and runs the binary.
# Result, cached: OUTDIR/qemu-system-aarch64 (the wrapper). Prints its path on the last line.
#
#   scripts/fetch-qemu.sh [OUTDIR]        (default build/qemu10)
#   scripts/fetch-qemu.sh --check [OUTDIR]  exit 0 when the cached wrapper runs, 1 otherwise
#
# Exit 0 on success, 1 when the packages cannot be fetched or a library stays missing, 2 when a
# tool it needs is absent.
set -euo pipefail

check=0
if [[ ${1:-} == --check ]]; then
	check=1
	shift
fi
out=${1:-build/qemu10}
# The backports version this was written against; a newer 10.0.x from the same suite works too.
want_prefix=${QEMU10_VERSION_PREFIX:-1:10.0.}
suite=bookworm-backports
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

wrapper_ok() {
	[[ -x $out/qemu-system-aarch64 ]] && "$out/qemu-system-aarch64" --version 2>/dev/null | grep -q 'version 10\.'
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
# One fetch into a folder at a time: another waits here for it to finish (`make test` fetches
# in the background while the tests that need the files may already be asking for them).
exec 9>"$out/.lock"
flock 9
if wrapper_ok; then
	[[ $check -eq 1 ]] || echo "fetch-qemu: cached in $out"
	[[ $check -eq 1 ]] || echo "$out/qemu-system-aarch64"
	exit 0
fi
[[ $check -eq 0 ]] || exit 1

for tool in apt-get apt-cache dpkg-deb dpkg-query ldd; do
	command -v "$tool" >/dev/null || { echo "fetch-qemu: needs $tool (a Debian or Ubuntu host)" >&2; exit 2; }
done
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")

state=$out/apt
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/sources.list.d" "$out/dl"
touch "$state/status"
printf 'deb %s %s main\ndeb %s bookworm main\n' "$mirror" "$suite" "$mirror" >"$state/sources.list"
apt_opts=(-o "Dir::State=$state" -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache"
	-o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=$state/sources.list.d"
	-o "APT::Architecture=$arch" -o "APT::Architectures=$arch" -o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
if ! apt-get "${apt_opts[@]}" update -qq --error-on=any; then
	echo "fetch-qemu: apt-get update from $mirror ($suite) failed: no network or no mirror" >&2
	exit 1
fi

# The newest 10.0.x of qemu-system-arm that the suite has.
version=$(apt-cache "${apt_opts[@]}" madison qemu-system-arm |
	awk -F'|' -v p="$want_prefix" '{ gsub(/ /, "", $2) } index($2, p) == 1 { print $2; exit }')
if [[ -z $version ]]; then
	echo "fetch-qemu: no qemu-system-arm ${want_prefix}x in $suite" >&2
	exit 1
fi

# Its shared-library dependencies that this system does not have installed; QEMU's own packages
# at exactly that version.
missing=()
deps=$(apt-cache "${apt_opts[@]}" show "qemu-system-arm=$version" "qemu-system-common=$version" |
	awk -F': ' '/^Depends:/ { print $2 }' | tr ',' '\n' | sed 's/[|(].*//; s/ //g' | sort -u)
for pkg in $deps; do
	case $pkg in
	qemu-* | "") continue ;;
	esac
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done
rm -f "$out"/dl/*.deb
(cd "$out/dl" && apt-get "${apt_opts[@]}" download "qemu-system-arm=$version" \
	"qemu-system-common=$version" "qemu-system-data=$version" ${missing[@]+"${missing[@]}"})

rm -rf "$out/root"
for deb in "$out"/dl/*.deb; do
	dpkg-deb -x "$deb" "$out/root"
done
bin=$out/root/usr/bin/qemu-system-aarch64
[[ -x $bin ]] || { echo "fetch-qemu: $bin not in the packages" >&2; exit 1; }
libpath=$out/root/usr/lib/$multiarch:$out/root/lib/$multiarch:$out/root/usr/lib/$multiarch/ceph

# The wrapper: QEMU finds its firmware and keymaps relative to its binary (../share/qemu); -L
# says so too, in case it was built without a relocatable data directory.
cat >"$out/qemu-system-aarch64" <<EOF
#!/bin/sh
# QEMU $version from Debian $suite, unpacked by scripts/fetch-qemu.sh (not installed).
LD_LIBRARY_PATH="$libpath\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$bin" -L "$out/root/usr/share/qemu" "\$@"
EOF
chmod +x "$out/qemu-system-aarch64"

if LD_LIBRARY_PATH=$libpath ldd "$bin" | grep -q 'not found'; then
	echo "fetch-qemu: libraries still missing for $bin:" >&2
	LD_LIBRARY_PATH=$libpath ldd "$bin" | grep 'not found' >&2
	exit 1
fi
wrapper_ok || { echo "fetch-qemu: $out/qemu-system-aarch64 --version does not say 10.x" >&2; exit 1; }
echo "fetch-qemu: qemu-system-arm $version (+${#missing[@]} libraries) -> $out/root"
echo "$out/qemu-system-aarch64"
