#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Check that the SPSC ring's hot path compiled for AArch64 orders memory with LDAR/LDAPR and STLR
# only: no DMB/DSB, no read-modify-write atomics, no calls (helpers must inline).
#
#   scripts/check-hotpath.sh [--ring spsc|seq] [--source FILE] [OBJECT_OR_ELF]
#
# --ring picks the functions: spsc (dataplane/spsc.c, the default) or seq (the sequence ring,
# dataplane/spsc_seq.c; the default when the object is named spsc_seq.o). OBJECT_OR_ELF defaults
# to build/dataplane/spsc.o (spsc_seq.o with --ring seq). A seq_cst load or store compiles to the same
# LDAR/STLR as acquire/release on AArch64, so the disassembly cannot see it: --source (default
# dataplane/spsc.c when checking the default object) also greps the C for seq_cst, fences and
# the implicitly seq_cst atomic_load()/atomic_store() forms. Exit 0 when clean, 1 when not,
# 2 on a usage error.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OBJDUMP=${OBJDUMP:-aarch64-linux-gnu-objdump}
READELF=${READELF:-aarch64-linux-gnu-readelf}

obj=""
src=""
ring=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--ring)
		ring=${2:?--ring needs spsc or seq}
		shift 2
		;;
	--source)
		src=${2:?--source needs a file}
		shift 2
		;;
	-h | --help)
		sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "check-hotpath: unknown option '$1'" >&2
		exit 2
		;;
	*)
		obj=$1
		shift
		;;
	esac
done
if [[ -z "$ring" ]]; then
	ring=spsc
	[[ "$(basename "${obj:-x}")" == spsc_seq.o ]] && ring=seq
fi
case "$ring" in
spsc) base=spsc ;;
seq) base=spsc_seq ;;
*)
	echo "check-hotpath: unknown ring '$ring' (spsc or seq)" >&2
	exit 2
	;;
esac
if [[ -z "$obj" ]]; then
	obj="$ROOT/build/dataplane/$base.o"
	[[ -z "$src" ]] && src="$ROOT/dataplane/$base.c"
fi
if [[ ! -r "$obj" ]]; then
	echo "check-hotpath: $obj not found; build it with" >&2
	echo "  aarch64-linux-gnu-gcc -std=c11 -O2 -march=armv8.2-a -mno-outline-atomics -ffreestanding \\" >&2
	echo "    -mgeneral-regs-only -I. -c dataplane/$base.c -o build/dataplane/$base.o" >&2
	exit 2
fi
command -v "$OBJDUMP" >/dev/null || {
	echo "check-hotpath: $OBJDUMP not found (Debian: binutils-aarch64-linux-gnu)" >&2
	exit 2
}

# Function -> what it must contain: A = an acquire load, R = a release store; X = may hold a lone
# LDXR (no store-exclusive): the waits arm the exclusive monitor before WFE (dataplane/wait.h).
# (The ring API in spsc.h is inline wrappers around these endpoint functions.)
declare -A NEED=(
	[spsc_prod_enqueue]=AR [spsc_prod_enqueue_burst]=AR [spsc_cons_dequeue]=AR
	[spsc_cons_dequeue_burst]=AR [spsc_prod_reserve]=A [spsc_cons_peek]=A [spsc_prod_commit]=R
	[spsc_prod_commit_notify]=R [spsc_cons_release]=R [spsc_cons_wait_nonempty]=AX
	[spsc_prod_wait_free]=AX
)
ORDER=(spsc_prod_enqueue spsc_prod_enqueue_burst spsc_cons_dequeue spsc_cons_dequeue_burst
	spsc_prod_reserve spsc_prod_commit spsc_prod_commit_notify spsc_cons_peek spsc_cons_release
	spsc_cons_wait_nonempty spsc_prod_wait_free)
if [[ $ring == seq ]]; then
	# The same endpoint calls under the spsc_seq_ prefix, with the same needs: the acquire is a
	# slot's sequence word (consumer) or the tail (producer); the release the sequence word
	# (producer) or the tail, stored in batches but still in each function (consumer).
	declare -A SEQNEED=()
	SEQORDER=()
	for fn in "${ORDER[@]}"; do
		SEQNEED[${fn/spsc_/spsc_seq_}]=${NEED[$fn]}
		SEQORDER+=("${fn/spsc_/spsc_seq_}")
	done
	unset NEED
	declare -A NEED=()
	for fn in "${!SEQNEED[@]}"; do NEED[$fn]=${SEQNEED[$fn]}; done
	ORDER=("${SEQORDER[@]}")
fi

# A relocatable object must hold every function; a linked image may have dropped unused ones.
relocatable=0
if "$READELF" -h "$obj" 2>/dev/null | grep -q 'Type:[[:space:]]*REL '; then
	relocatable=1
fi

# One line per hot-path function: name insns acquire release barriers rmw calls [first offenders]
summary=$("$OBJDUMP" -d --no-show-raw-insn "$obj" | awk -v want="${ORDER[*]}" '
	BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) hot[w[i]] = 1 }
	function flush() {
		if (fn != "")
			printf "%s %d %d %d %d %d %d %d %s\n", fn, ins, acq, rel, bar, rmw, calls, ldxr, bad
		fn = ""
	}
	/^[0-9a-f]+ <[^>]+>:$/ {
		flush()
		name = $2; gsub(/[<>:]/, "", name)
		if (name in hot) { fn = name; ins = acq = rel = bar = rmw = calls = ldxr = 0; bad = "" }
		next
	}
	fn != "" && /^ *[0-9a-f]+:\t/ {
		split($0, f, "\t"); op = f[2]; sub(/ .*/, "", op)
		ins++
		if (op ~ /^(ldar|ldarb|ldarh|ldapr|ldaprb|ldaprh|ldapur)$/) acq++
		else if (op ~ /^(stlr|stlrb|stlrh|stlur)$/) rel++
		else if (op ~ /^(dmb|dsb|isb)$/) { bar++; bad = bad op "," }
		else if (op == "ldxr") { ldxr++ }
		else if (op ~ /^(ld[a]?xr|st[l]?xr|ld[a]?xp|st[l]?xp|cas|swp|ldadd|ldclr|ldeor|ldset|ldsmax|ldsmin|ldumax|ldumin)/) { rmw++; bad = bad op "," }
		else if (op ~ /^(bl|blr)$/) { calls++; bad = bad "call:" f[3] "," }
	}
	END { flush() }
')

fail=0
printf '%-28s %6s %5s %5s  %s\n' function insns acq rel verdict
for fn in "${ORDER[@]}"; do
	line=$(grep "^$fn " <<<"$summary" || true)
	if [[ -z "$line" ]]; then
		if [[ $relocatable -eq 1 ]]; then
			printf '%-28s %6s %5s %5s  FAIL: not in %s\n' "$fn" - - - "$obj"
			fail=1
		else
			printf '%-28s %6s %5s %5s  absent (not linked)\n' "$fn" - - -
		fi
		continue
	fi
	read -r _ ins acq rel bar rmw calls ldxr bad <<<"$line"
	why=()
	[[ $ldxr -gt 0 && ${NEED[$fn]} != *X* ]] && why+=("$ldxr LDXR")
	[[ $bar -gt 0 ]] && why+=("$bar barrier(s)")
	[[ $rmw -gt 0 ]] && why+=("$rmw read-modify-write(s)")
	[[ $calls -gt 0 ]] && why+=("$calls call(s)")
	[[ ${NEED[$fn]} == *A* && $acq -eq 0 ]] && why+=("no LDAR/LDAPR")
	[[ ${NEED[$fn]} == *R* && $rel -eq 0 ]] && why+=("no STLR")
	if [[ ${#why[@]} -eq 0 ]]; then
		verdict=ok
	else
		verdict="FAIL: $(
			IFS=';'
			echo "${why[*]}"
		) [${bad%,}]"
		fail=1
	fi
	printf '%-28s %6s %5s %5s  %s\n' "$fn" "$ins" "$acq" "$rel" "$verdict"
done

if [[ -n "$src" ]]; then
	# Blank out comments (keeping their newlines, so line numbers hold): prose may say seq_cst.
	hits=$(perl -0pe 's{/\*.*?\*/}{(my $c = $&) =~ s/[^\n]//g; $c}gse; s{//[^\n]*}{}g' "$src" |
		grep -nE 'memory_order_seq_cst|atomic_thread_fence|atomic_signal_fence|__sync_|\batomic_(load|store|exchange|fetch_[a-z]+|compare_exchange_(strong|weak))\(' ||
		true)
	if [[ -n "$hits" ]]; then
		echo "FAIL: $src uses seq_cst or fences:"
		sed 's/^/  /' <<<"$hits"
		fail=1
	else
		echo "source: $src uses explicit acquire/release/relaxed orderings only"
	fi
fi

if [[ $fail -ne 0 ]]; then
	echo "check-hotpath: FAILED: the ring's hot path must use only LDAR/LDAPR and STLR" >&2
	exit 1
fi
echo "check-hotpath: ok ($obj)"
