// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the benchmark statistics (bench/stats.c): the in-place sort, nearest-rank
 * percentiles on arrays whose answers are known, and the mean without overflow near UINT64_MAX
 * (checked against 128-bit arithmetic, which the EL2 build cannot use).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "bench/stats.h"
#include "test.h"

static uint64_t v[4096];

static uint64_t seed = 0x1234567887654321ULL;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

/* Fisher-Yates with the fixed generator. */
static void shuffle(uint64_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(rnd() % i);
		uint64_t t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

static bool sorted(const uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (a[i - 1] > a[i])
			return false;
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_small(void)
{
	struct stats s;

	/* n = 0: all zero, the array is not touched (NULL is fine). */
	memset(&s, 0xff, sizeof(s));
	stats_compute(NULL, 0, &s);
	CHECK_EQ_U64(s.n, 0);
	CHECK_EQ_U64(s.min | s.max | s.p50 | s.p90 | s.p99 | s.p999 | s.mean, 0);

	/* n = 1: every statistic is that sample. */
	v[0] = 7;
	memset(&s, 0xff, sizeof(s));
	stats_compute(v, 1, &s);
	CHECK_EQ_U64(s.n, 1);
	CHECK_EQ_U64(s.min, 7);
	CHECK_EQ_U64(s.p50, 7);
	CHECK_EQ_U64(s.p90, 7);
	CHECK_EQ_U64(s.p99, 7);
	CHECK_EQ_U64(s.p999, 7);
	CHECK_EQ_U64(s.max, 7);
	CHECK_EQ_U64(s.mean, 7);

	/* n = 2: p50 is rank ceil(0.5 * 2) = 1, the others rank 2. */
	v[0] = 9;
	v[1] = 3;
	stats_compute(v, 2, &s);
	CHECK_EQ_U64(v[0], 3);
	CHECK_EQ_U64(v[1], 9);
	CHECK_EQ_U64(s.min, 3);
	CHECK_EQ_U64(s.p50, 3);
	CHECK_EQ_U64(s.p90, 9);
	CHECK_EQ_U64(s.p99, 9);
	CHECK_EQ_U64(s.p999, 9);
	CHECK_EQ_U64(s.max, 9);
	CHECK_EQ_U64(s.mean, 6);

	/* n = 10: ranks 5, 9, 10, 10. */
	static const uint64_t ten[10] = { 50, 10, 90, 30, 70, 100, 20, 80, 40, 60 };

	memcpy(v, ten, sizeof(ten));
	stats_compute(v, 10, &s);
	for (unsigned int i = 0; i < 10; i++)
		CHECK_EQ_U64(v[i], 10 * (i + 1));
	CHECK_EQ_U64(s.n, 10);
	CHECK_EQ_U64(s.min, 10);
	CHECK_EQ_U64(s.p50, 50);
	CHECK_EQ_U64(s.p90, 90);
	CHECK_EQ_U64(s.p99, 100);
	CHECK_EQ_U64(s.p999, 100);
	CHECK_EQ_U64(s.max, 100);
	CHECK_EQ_U64(s.mean, 55);

	/* Duplicates: 1 1 5 5 5 9 9 9 9 9. Mean 62 / 10, truncated. */
	static const uint64_t dup[10] = { 9, 5, 1, 9, 5, 9, 1, 9, 5, 9 };

	memcpy(v, dup, sizeof(dup));
	stats_compute(v, 10, &s);
	CHECK(sorted(v, 10));
	CHECK_EQ_U64(s.min, 1);
	CHECK_EQ_U64(s.p50, 5);
	CHECK_EQ_U64(s.p90, 9);
	CHECK_EQ_U64(s.max, 9);
	CHECK_EQ_U64(s.mean, 6);

	/* All equal. */
	for (unsigned int i = 0; i < 37; i++)
		v[i] = 42;
	stats_compute(v, 37, &s);
	CHECK_EQ_U64(s.min, 42);
	CHECK_EQ_U64(s.p50, 42);
	CHECK_EQ_U64(s.p999, 42);
	CHECK_EQ_U64(s.max, 42);
	CHECK_EQ_U64(s.mean, 42);
}

/* 1..n in some order: rank r holds r, so every percentile is its nearest rank. */
static void check_one_to_n(size_t n, const char *order)
{
	struct stats s;

	stats_compute(v, n, &s);
	if (!sorted(v, n))
		fprintf(stderr, "  %s, n = %zu: not sorted\n", order, n);
	CHECK(sorted(v, n));
	for (size_t i = 0; i < n; i++)
		if (v[i] != i + 1) {
			CHECK_EQ_U64(v[i], i + 1);
			break;
		}
	CHECK_EQ_U64(s.n, n);
	CHECK_EQ_U64(s.min, 1);
	CHECK_EQ_U64(s.max, n);
	CHECK_EQ_U64(s.p50, (n * 500 + 999) / 1000);
	CHECK_EQ_U64(s.p90, (n * 900 + 999) / 1000);
	CHECK_EQ_U64(s.p99, (n * 990 + 999) / 1000);
	CHECK_EQ_U64(s.p999, (n * 999 + 999) / 1000);
	CHECK_EQ_U64(s.mean, (n + 1) / 2); /* (n + 1) / 2 exactly, truncated */
}

static void test_thousand(void)
{
	struct stats s;

	/* Shuffled 1..1000: p50 500, p90 900, p99 990, p99.9 999, mean 500.5 -> 500. */
	for (unsigned int i = 0; i < 1000; i++)
		v[i] = i + 1;
	shuffle(v, 1000);
	stats_compute(v, 1000, &s);
	CHECK_EQ_U64(s.min, 1);
	CHECK_EQ_U64(s.p50, 500);
	CHECK_EQ_U64(s.p90, 900);
	CHECK_EQ_U64(s.p99, 990);
	CHECK_EQ_U64(s.p999, 999);
	CHECK_EQ_U64(s.max, 1000);
	CHECK_EQ_U64(s.mean, 500);

	/* Already sorted and reverse sorted, odd and even sizes, shuffled. */
	static const size_t sizes[] = { 1, 2, 3, 7, 64, 101, 999, 1000, 1001, 4096 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];

		for (size_t i = 0; i < n; i++)
			v[i] = i + 1;
		check_one_to_n(n, "ascending");
		for (size_t i = 0; i < n; i++)
			v[i] = n - i;
		check_one_to_n(n, "descending");
		for (size_t i = 0; i < n; i++)
			v[i] = i + 1;
		shuffle(v, n);
		check_one_to_n(n, "shuffled");
	}
}

/* The sort agrees with qsort on random arrays with many duplicates, sizes 0-300. */
static void test_sort_random(void)
{
	static uint64_t ref[512];
	unsigned int bad = 0;

	for (size_t n = 0; n <= 300; n++) {
		struct stats s;

		for (size_t i = 0; i < n; i++)
			v[i] = ref[i] = rnd() % (n / 3 + 1);
		qsort(ref, n, sizeof(ref[0]), cmp_u64);
		stats_compute(v, n, &s);
		if (n && memcmp(v, ref, n * sizeof(v[0])) != 0)
			bad++;
		if (n && (s.min != ref[0] || s.max != ref[n - 1] ||
			  s.p50 != ref[(n * 500 + 999) / 1000 - 1]))
			bad++;
	}
	CHECK_EQ_U64(bad, 0);
}

static uint64_t mean128(const uint64_t *a, size_t n)
{
	unsigned __int128 sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += a[i];
	return (uint64_t)(sum / n);
}

static void test_mean_large(void)
{
	struct stats s;

	v[0] = v[1] = v[2] = UINT64_MAX;
	stats_compute(v, 3, &s);
	CHECK_EQ_U64(s.mean, UINT64_MAX);
	CHECK_EQ_U64(s.p50, UINT64_MAX);

	/* (2^64 - 1 + 2^64 - 2) / 2 = 2^64 - 1.5, truncated. */
	v[0] = UINT64_MAX;
	v[1] = UINT64_MAX - 1;
	stats_compute(v, 2, &s);
	CHECK_EQ_U64(s.mean, UINT64_MAX - 1);
	CHECK_EQ_U64(s.min, UINT64_MAX - 1);

	/* Remainders that add up past n several times over. */
	for (unsigned int i = 0; i < 1000; i++)
		v[i] = UINT64_MAX - i;
	stats_compute(v, 1000, &s);
	CHECK_EQ_U64(s.mean, UINT64_MAX - 500); /* mean of MAX..MAX-999 is MAX - 499.5 */
	CHECK_EQ_U64(s.min, UINT64_MAX - 999);
	CHECK_EQ_U64(s.max, UINT64_MAX);

	/* Mixed huge and tiny, and random large samples, against 128-bit arithmetic. */
	v[0] = UINT64_MAX;
	v[1] = 1;
	v[2] = 0;
	stats_compute(v, 3, &s);
	CHECK_EQ_U64(s.mean, mean128(v, 3));
	CHECK_EQ_U64(s.mean, 0x5555555555555555ULL);
	for (unsigned int round = 0; round < 200; round++) {
		size_t n = 1 + rnd() % 2000;

		for (size_t i = 0; i < n; i++)
			v[i] = round & 1 ? rnd() | (1ULL << 63) : rnd();
		uint64_t want = mean128(v, n);

		stats_compute(v, n, &s);
		if (s.mean != want) {
			fprintf(stderr, "  round %u n %zu: mean 0x%llx, want 0x%llx\n", round, n,
				(unsigned long long)s.mean, (unsigned long long)want);
			CHECK_EQ_U64(s.mean, want);
			break;
		}
	}
}

static void test_quantile(void)
{
	static const uint64_t a[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	CHECK_EQ_U64(stats_quantile(NULL, 0, 500), 0);
	CHECK_EQ_U64(stats_quantile(a, 0, 500), 0);
	/* q = 0 still means the smallest sample (rank 1), q = 1000 the largest. */
	CHECK_EQ_U64(stats_quantile(a, 10, 0), 1);
	CHECK_EQ_U64(stats_quantile(a, 10, 1000), 10);
	CHECK_EQ_U64(stats_quantile(a, 1, 0), 1);
	CHECK_EQ_U64(stats_quantile(a, 1, 1000), 1);
	/* Nearest rank is ceil(q * n / 1000). */
	CHECK_EQ_U64(stats_quantile(a, 10, 1), 1);
	CHECK_EQ_U64(stats_quantile(a, 10, 100), 1);
	CHECK_EQ_U64(stats_quantile(a, 10, 101), 2);
	CHECK_EQ_U64(stats_quantile(a, 10, 250), 3);
	CHECK_EQ_U64(stats_quantile(a, 10, 500), 5);
	CHECK_EQ_U64(stats_quantile(a, 10, 501), 6);
	CHECK_EQ_U64(stats_quantile(a, 10, 999), 10);
	CHECK_EQ_U64(stats_quantile(a, 3, 500), 2);
	CHECK_EQ_U64(stats_quantile(a, 3, 333), 1);
	CHECK_EQ_U64(stats_quantile(a, 3, 334), 2);
	CHECK_EQ_U64(stats_quantile(a, 3, 667), 3);

	/*
	 * A q above 1000 once made stats_quantile compute rank > n and read past the array; it
	 * now means the maximum. Checked with a guard element so a regression fails here
	 * instead of crashing under ASan: the answer is sorted[n - 1], never the guard.
	 */
	uint64_t g[8] = { 10, 20, 30, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef };

	CHECK(stats_quantile(g, 3, 1001) != 0xdeadbeef);
	CHECK(stats_quantile(g, 3, 2000) != 0xdeadbeef);
}

int main(void)
{
	RUN(test_small);
	RUN(test_thousand);
	RUN(test_sort_random);
	RUN(test_mean_large);
	RUN(test_quantile);
	return TEST_SUMMARY();
}
