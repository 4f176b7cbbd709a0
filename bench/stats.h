/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Order statistics of benchmark samples. Portable, tested on the host. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

struct stats {
	size_t n;
	uint64_t min, p50, p90, p99, p999, max;
	uint64_t mean;
};

/* Sort 'v' in place (heapsort: no recursion, no allocation) and fill 's'. n may be 0. */
void stats_compute(uint64_t *v, size_t n, struct stats *s);
/* The value at quantile q/1000 of sorted v (nearest rank); q above 1000 means 1000. */
uint64_t stats_quantile(const uint64_t *sorted, size_t n, unsigned int q_permille);

#endif
