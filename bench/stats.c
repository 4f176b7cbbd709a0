// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Percentiles by nearest rank over a heapsorted array. */
#include "bench/stats.h"

static void sift_down(uint64_t *v, size_t start, size_t end)
{
	size_t root = start;

	while (2 * root + 1 < end) {
		size_t child = 2 * root + 1;
		uint64_t t;

		if (child + 1 < end && v[child] < v[child + 1])
			child++;
		if (v[root] >= v[child])
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

static void heapsort_u64(uint64_t *v, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		uint64_t t = v[0];

		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
}

uint64_t stats_quantile(const uint64_t *sorted, size_t n, unsigned int q_permille)
{
	size_t rank;

	if (!n)
		return 0;
	if (q_permille > 1000)
		q_permille = 1000; /* beyond the maximum there is only the maximum */
	/* Nearest rank: the smallest value with at least q of the samples at or below it. */
	rank = (n * q_permille + 999) / 1000;
	if (rank == 0)
		rank = 1;
	return sorted[rank - 1];
}

void stats_compute(uint64_t *v, size_t n, struct stats *s)
{
	uint64_t sum = 0, rem = 0;

	*s = (struct stats){ .n = n };
	if (!n)
		return;
	heapsort_u64(v, n);
	/* Mean as quotient and remainder per sample: no 128-bit division (no libgcc). */
	for (size_t i = 0; i < n; i++) {
		sum += v[i] / n;
		rem += v[i] % n;
		if (rem >= n) {
			sum += rem / n;
			rem %= n;
		}
	}
	s->min = v[0];
	s->max = v[n - 1];
	s->p50 = stats_quantile(v, n, 500);
	s->p90 = stats_quantile(v, n, 900);
	s->p99 = stats_quantile(v, n, 990);
	s->p999 = stats_quantile(v, n, 999);
	s->mean = sum;
}
