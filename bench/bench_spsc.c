// SPDX-License-Identifier: BSD-2-Clause-Patent
/* SPSC ring benchmarks: placeholders until the ring is wired in. */
#include "bench/bench_list.h"
#include "kernel/err.h"
#include "monitor/shell.h"

int bench_spsc_lat(struct bench_opts *o)
{
	(void)o;
	return shell_error(E_NOTSUP, "spsc-lat: not built yet");
}

int bench_spsc_tput(struct bench_opts *o)
{
	(void)o;
	return shell_error(E_NOTSUP, "spsc-tput: not built yet");
}

int bench_spsc_stress(struct bench_opts *o)
{
	(void)o;
	return shell_error(E_NOTSUP, "spsc-stress: not built yet");
}
