#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Fetch Debian's GRUB for arm64 UEFI (grub-efi-arm64-bin) with apt's "download", under a private
# apt state so nothing on this system changes, and unpack it. The result is Debian's signed-less
# monolithic image, which needs no modules beside it: it reads grub.cfg from /EFI/debian, else
# /boot/grub, else the folder it was started from (Debian's build-efi-images).
# Result, cached: OUTDIR/grubaa64.efi (default build/grub).
#
#   scripts/fetch-grub.sh [OUTDIR]
set -euo pipefail

out=${1:-build/grub}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# One fetch into a folder at a time: another waits here for it to finish (`make test` fetches
# in the background while the tests that need the files may already be asking for them).
exec 9>"$out/.lock"
flock 9
[[ -s $out/grubaa64.efi ]] && { echo "$out/grubaa64.efi"; exit 0; }

state=$out/apt
apt_opts=(-o "Dir::State=$state" -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache"
	-o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$out/dl"
touch "$state/status"
apt-get "${apt_opts[@]}" update -qq
rm -f "$out"/dl/grub-efi-arm64-bin_*.deb
(cd "$out/dl" && apt-get "${apt_opts[@]}" download grub-efi-arm64-bin >/dev/null)
rm -rf "$out/pkg"
dpkg-deb -x "$out"/dl/grub-efi-arm64-bin_*.deb "$out/pkg"
img=$out/pkg/usr/lib/grub/arm64-efi/monolithic/grubaa64.efi
[[ -s $img ]] || { echo "fetch-grub: the package has no monolithic/grubaa64.efi" >&2; exit 1; }
cp "$img" "$out/grubaa64.efi"
echo "$out/grubaa64.efi"
