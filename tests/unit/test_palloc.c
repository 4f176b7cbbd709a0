// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the page pool (mm/palloc.c): zeroed pages, runs of 1-16 pages aligned in
 * physical terms whatever the region's own alignment, exhaustion, reuse, harmless double frees
 * and the argument checks. The region is host memory handed out under a fake physical address.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/lib/err.h"
#include "mm/palloc.h"
#include "test.h"

#define PAGE   4096ULL
#define ERR(e) ((uint64_t)(int64_t)(e))

static struct palloc pool;

/* A host buffer of 'pages' 4 KiB pages, 4 KiB aligned and filled with garbage. */
static uint8_t *region(unsigned int pages)
{
	uint8_t *va = aligned_alloc(PAGE, pages * PAGE);

	if (!va)
		abort();
	memset(va, 0xa5, pages * PAGE);
	return va;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_init(void)
{
	uint8_t *va = region(2);

	CHECK_EQ_U64(palloc_init(&pool, NULL, 0x40000000, 1), ERR(E_INVAL));
	CHECK_EQ_U64(palloc_init(&pool, va, 0x40000800, 1), ERR(E_INVAL)); /* pa not 4K */
	CHECK_EQ_U64(palloc_init(&pool, va, 0x40000001, 1), ERR(E_INVAL));
	CHECK_EQ_U64(palloc_init(&pool, va + 8, 0x40000000, 1), ERR(E_INVAL)); /* va not 4K */
	CHECK_EQ_U64(palloc_init(&pool, va, 0x40000000, 0), ERR(E_INVAL));
	CHECK_EQ_U64(palloc_init(&pool, va, 0x40000000, PALLOC_MAX_PAGES + 1), ERR(E_INVAL));
	/* The largest pool is accepted (nothing is touched until pages are handed out). */
	CHECK_EQ_U64(palloc_init(&pool, va, 0x40000000, PALLOC_MAX_PAGES), 0);
	CHECK_EQ_U64(pool.pages, PALLOC_MAX_PAGES);
	CHECK_EQ_U64(palloc_init(&pool, va, 0x40000000, 2), 0);
	CHECK(pool.va == va);
	CHECK_EQ_U64(pool.pa, 0x40000000);
	CHECK_EQ_U64(pool.pages, 2);
	CHECK_EQ_U64(pool.used, 0);

	/* Re-initialising forgets what was handed out. */
	uint64_t pa = 0;

	CHECK(palloc_pages(&pool, 2, &pa) == va);
	CHECK_EQ_U64(pool.used, 2);
	CHECK(palloc_pages(&pool, 1, &pa) == NULL);
	CHECK_EQ_U64(palloc_init(&pool, va, 0x40000000, 2), 0);
	CHECK_EQ_U64(pool.used, 0);
	CHECK(palloc_pages(&pool, 2, &pa) == va);
	free(va);
}

static void test_zeroed_and_reuse(void)
{
	uint8_t *va = region(16);
	uint64_t pa = 0, pa2 = 0;
	uint8_t *p, *q;

	CHECK_EQ_U64(palloc_init(&pool, va, 0x80000000, 16), 0);
	p = palloc_pages(&pool, 4, &pa);
	CHECK(p == va);
	CHECK_EQ_U64(pa, 0x80000000);
	CHECK(all_zero(p, 4 * PAGE));
	/* Only the run is cleared, not its neighbours. */
	CHECK_EQ_U64(va[4 * PAGE], 0xa5);
	CHECK_EQ_U64(pool.used, 4);

	/* Dirty it, give it back, get the same pages again: zeroed again. */
	memset(p, 0x5a, 4 * PAGE);
	palloc_free(&pool, pa, 4);
	CHECK_EQ_U64(pool.used, 0);
	q = palloc_pages(&pool, 4, &pa2);
	CHECK(q == p);
	CHECK_EQ_U64(pa2, pa);
	CHECK(all_zero(q, 4 * PAGE));

	/* Partial free of a run frees those pages only. */
	palloc_free(&pool, pa + PAGE, 1);
	CHECK_EQ_U64(pool.used, 3);
	CHECK(palloc_pages(&pool, 1, &pa2) == va + PAGE);
	CHECK_EQ_U64(pa2, 0x80001000);
	CHECK_EQ_U64(pool.used, 4);
	free(va);
}

/*
 * Fill a fresh pool with n-page runs: each is aligned to n pages in physical terms, inside the
 * region, disjoint from the others and zeroed; exactly the aligned slots that fit are used.
 */
static void fill_and_check(uint8_t *va, uint64_t pa_base, unsigned int pages, unsigned int n)
{
	static bool taken[PALLOC_MAX_PAGES];
	unsigned int got = 0, want = 0;
	uint64_t pa = 0;
	uint8_t *p;

	memset(va, 0xa5, pages * PAGE);
	memset(taken, 0, sizeof(taken));
	CHECK_EQ_U64(palloc_init(&pool, va, pa_base, pages), 0);
	for (unsigned int i = 0; i + n <= pages; i++)
		if (((pa_base + i * PAGE) & (n * PAGE - 1)) == 0)
			want++;
	while ((p = palloc_pages(&pool, n, &pa)) != NULL) {
		uint64_t idx = (pa - pa_base) / PAGE;

		got++;
		CHECK_EQ_U64(pa & (n * PAGE - 1), 0);
		CHECK(pa >= pa_base && idx + n <= pages);
		CHECK(p == va + (pa - pa_base)); /* va and pa agree */
		CHECK(all_zero(p, n * PAGE));
		for (unsigned int k = 0; k < n && idx + k < pages; k++) {
			CHECK(!taken[idx + k]);
			taken[idx + k] = true;
		}
		if (got > pages)
			break;
	}
	CHECK_EQ_U64(got, want);
	CHECK_EQ_U64(pool.used, want * n);
	/* Exhausted for this size; the pages the alignment skipped still serve single pages. */
	CHECK(palloc_pages(&pool, n, &pa) == NULL);
	unsigned int singles = 0;

	while (palloc_pages(&pool, 1, &pa) != NULL && singles <= pages) {
		CHECK(!taken[(pa - pa_base) / PAGE]);
		singles++;
	}
	CHECK_EQ_U64(singles, pages - want * n);
	CHECK_EQ_U64(pool.used, pages);
	CHECK(palloc_pages(&pool, 1, &pa) == NULL);
}

static void test_alignment(void)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8, 16 };
	static const unsigned int lens[] = { 16, 17, 40, 63 };
	uint8_t *va = region(64);

	/* Physical bases at every page offset within 64 KiB, and one at a 16 MiB boundary. */
	for (unsigned int off = 0; off <= 16; off++) {
		uint64_t pa_base = (off == 16 ? 0x41000000ULL : 0x40000000ULL + off * PAGE);

		for (unsigned int s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (unsigned int l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
				fill_and_check(va, pa_base, lens[l], sizes[s]);
	}

	/* Worked by hand: region at pa 0x40003000 (page 3 of a 64 KiB block), 32 pages. */
	uint64_t pa = 0;

	CHECK_EQ_U64(palloc_init(&pool, va, 0x40003000, 32), 0);
	CHECK(palloc_pages(&pool, 16, &pa) == va + 13 * PAGE);
	CHECK_EQ_U64(pa, 0x40010000);
	CHECK(palloc_pages(&pool, 16, &pa) == NULL); /* 0x40020000 + 16 pages is past the end */
	CHECK(palloc_pages(&pool, 8, &pa) == va + 5 * PAGE);
	CHECK_EQ_U64(pa, 0x40008000);
	CHECK(palloc_pages(&pool, 8, &pa) == NULL); /* 0x40018000 is in the 16-page run */
	CHECK(palloc_pages(&pool, 2, &pa) == va + PAGE);
	CHECK_EQ_U64(pa, 0x40004000);
	CHECK(palloc_pages(&pool, 1, &pa) == va);
	CHECK_EQ_U64(pa, 0x40003000);
	/* Left: pages 3-4 (0x40006000) and 29-31 (0x40020000): no aligned 4-page slot. */
	CHECK(palloc_pages(&pool, 4, &pa) == NULL);
	CHECK(palloc_pages(&pool, 2, &pa) == va + 3 * PAGE);
	CHECK_EQ_U64(pa, 0x40006000);
	CHECK(palloc_pages(&pool, 2, &pa) == va + 29 * PAGE);
	CHECK_EQ_U64(pa, 0x40020000);
	CHECK(palloc_pages(&pool, 2, &pa) == NULL);
	CHECK(palloc_pages(&pool, 1, &pa) == va + 31 * PAGE);
	CHECK_EQ_U64(pa, 0x40022000);
	CHECK_EQ_U64(pool.used, 32);
	free(va);
}

static void test_bad_n(void)
{
	uint8_t *va = region(32);
	uint64_t pa = 0x1234;
	static const unsigned int bad[] = { 0, 3, 5, 6, 7, 9, 12, 15, 17, 32, 64, 0x80000000u };

	CHECK_EQ_U64(palloc_init(&pool, va, 0x40000000, 32), 0);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(palloc_pages(&pool, bad[i], &pa) == NULL);
		CHECK(palloc_pt_alloc(&pool, bad[i], &pa) == NULL);
	}
	CHECK_EQ_U64(pa, 0x1234);
	CHECK_EQ_U64(pool.used, 0);
	/* The pool is untouched: the largest run still comes from the start. */
	CHECK(palloc_pages(&pool, 16, &pa) == va);
	CHECK(palloc_pages(&pool, 16, &pa) == va + 16 * PAGE);
	free(va);
}

static void test_free_edges(void)
{
	uint8_t *va = region(8);
	uint64_t pa[8];

	CHECK_EQ_U64(palloc_init(&pool, va, 0x40000000, 8), 0);
	for (unsigned int i = 0; i < 8; i++)
		CHECK(palloc_pages(&pool, 1, &pa[i]) == va + i * PAGE);
	CHECK_EQ_U64(pool.used, 8);

	/* Double free: the counter and the bitmap stay right. */
	palloc_free(&pool, pa[3], 1);
	palloc_free(&pool, pa[3], 1);
	CHECK_EQ_U64(pool.used, 7);
	/* Outside the region, misaligned, or past its end: ignored. */
	palloc_free(&pool, 0x3ffff000, 1);
	palloc_free(&pool, 0x40008000, 1);
	palloc_free(&pool, 0x50000000, 4);
	palloc_free(&pool, pa[5] + 8, 1);
	palloc_free(&pool, 0x3ffff000, 2); /* starts below: not a partial free either */
	CHECK_EQ_U64(pool.used, 7);
	/* A run reaching past the end frees what is inside only. */
	palloc_free(&pool, pa[6], 16);
	CHECK_EQ_U64(pool.used, 5);
	/* Freeing a run over a hole counts only pages that were in use. */
	palloc_free(&pool, pa[2], 3); /* pages 2, 3 (already free), 4 */
	CHECK_EQ_U64(pool.used, 3);

	/* Free now: pages 2, 3, 4, 6, 7. Reused lowest aligned slot first. */
	uint64_t p = 0;

	CHECK(palloc_pages(&pool, 2, &p) == va + 2 * PAGE);
	CHECK_EQ_U64(p, 0x40002000);
	CHECK(palloc_pages(&pool, 2, &p) == va + 6 * PAGE); /* 4-5 is not free */
	CHECK_EQ_U64(p, 0x40006000);
	CHECK(palloc_pages(&pool, 1, &p) == va + 4 * PAGE);
	CHECK(palloc_pages(&pool, 1, &p) == NULL);
	CHECK_EQ_U64(pool.used, 8);
	free(va);
}

static void test_pt_callbacks(void)
{
	uint8_t *va = region(32);
	uint64_t pa = 0, pa2 = 0;
	uint8_t *p;

	CHECK_EQ_U64(palloc_init(&pool, va, 0x40001000, 32), 0);
	/* Two concatenated roots: aligned to 8 KiB physically. */
	p = palloc_pt_alloc(&pool, 2, &pa);
	CHECK(p == va + PAGE);
	CHECK_EQ_U64(pa, 0x40002000);
	CHECK(palloc_pa_to_va(&pool, pa) == p);
	CHECK(palloc_pa_to_va(&pool, pa + PAGE + 8) == p + PAGE + 8);
	CHECK(palloc_pa_to_va(&pool, 0x40001000) == va);
	/* pt frees a page at a time, also each page of a concatenated root. */
	palloc_pt_free(&pool, pa);
	CHECK_EQ_U64(pool.used, 1);
	palloc_pt_free(&pool, pa + PAGE);
	CHECK_EQ_U64(pool.used, 0);
	CHECK(palloc_pt_alloc(&pool, 1, &pa2) == va);
	CHECK_EQ_U64(pa2, 0x40001000);
	free(va);
}

/* Random runs of every size against a page-ownership model, fixed seed. */
static void test_random(void)
{
	enum { PAGES = 200, MAXR = 256 };
	static const unsigned int sizes[] = { 1, 2, 4, 8, 16 };
	struct run {
		uint64_t pa;
		unsigned int n;
	} runs[MAXR];
	unsigned int nr = 0, owner[PAGES], allocs = 0, fails = 0, bad = 0;
	uint8_t *va = region(PAGES);
	uint64_t seed = 12345, pa_base = 0x40005000;

	memset(owner, 0, sizeof(owner));
	CHECK_EQ_U64(palloc_init(&pool, va, pa_base, PAGES), 0);
	for (unsigned int it = 0; it < 20000; it++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		unsigned int r = (unsigned int)(seed >> 33);

		if ((r & 1) && nr < MAXR) {
			unsigned int n = sizes[(r >> 1) % 5];
			uint64_t pa = 0;
			uint8_t *p = palloc_pages(&pool, n, &pa);
			/* Model: the first aligned free slot fits, or none. */
			bool fits = false;
			uint64_t want = 0;

			for (unsigned int i = 0; i + n <= PAGES && !fits; i++) {
				if ((pa_base + i * PAGE) & (n * PAGE - 1))
					continue;
				fits = true;
				for (unsigned int k = 0; k < n; k++)
					fits = fits && !owner[i + k];
				want = pa_base + i * PAGE;
			}
			if (!fits) {
				bad += p != NULL;
				fails++;
				continue;
			}
			bad += !p || pa != want || p != va + (pa - pa_base) ||
			       !all_zero(p, n * PAGE);
			if (!p)
				continue;
			memset(p, 0xee, n * PAGE); /* the next owner must see zeroes */
			for (unsigned int k = 0; k < n; k++)
				owner[(pa - pa_base) / PAGE + k] = nr + 1;
			runs[nr++] = (struct run){ pa, n };
			allocs++;
		} else if (nr) {
			unsigned int k = (r >> 1) % nr;

			palloc_free(&pool, runs[k].pa, runs[k].n);
			for (unsigned int j = 0; j < runs[k].n; j++)
				owner[(runs[k].pa - pa_base) / PAGE + j] = 0;
			runs[k] = runs[--nr];
			for (unsigned int j = 0; j < PAGES; j++)
				if (owner[j] == nr + 1)
					owner[j] = k + 1;
		}
		unsigned int used = 0;

		for (unsigned int j = 0; j < PAGES; j++)
			used += owner[j] != 0;
		bad += pool.used != used;
		if (bad) {
			fprintf(stderr, "  diverged at iteration %u\n", it);
			break;
		}
	}
	CHECK_EQ_U64(bad, 0);
	CHECK(allocs > 2000);
	CHECK(fails > 100);
	free(va);
}

int main(void)
{
	RUN(test_init);
	RUN(test_zeroed_and_reuse);
	RUN(test_alignment);
	RUN(test_bad_n);
	RUN(test_free_edges);
	RUN(test_pt_callbacks);
	RUN(test_random);
	return TEST_SUMMARY();
}
