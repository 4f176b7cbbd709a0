// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the run lister (mm/ptdump.c) over tables built by mm/pgtable.c: neighbours with
 * contiguous PA and equal attributes merge (across pages, blocks, levels and root tables),
 * anything else splits; runs come in ascending IA order; the geometries Stage-2 uses (48-bit
 * level 0, 40-bit level 1 with two concatenated roots, 36-bit level 1 with the root's low
 * entries only, 34-bit level 2 with sixteen roots) are all walked completely.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/lib/err.h"
#include "mm/pgtable.h"
#include "mm/ptdump.h"
#include "test.h"

#define KiB  (1ULL << 10)
#define MiB  (1ULL << 20)
#define GiB  (1ULL << 30)
#define PAGE PT_PAGE_SIZE

/* ---- Table memory: a bump allocator over one host buffer under a fake physical address ---- */

#define POOL_PAGES 1024
#define POOL_PA	   0x7f000000ULL

static uint8_t *pool;
static unsigned int pool_next, pool_errors;

static void *pool_alloc(void *ctx, unsigned int pages, uint64_t *pa)
{
	unsigned int first = (pool_next + pages - 1) & ~(pages - 1); /* naturally aligned */

	(void)ctx;
	if (!pages || (pages & (pages - 1)) || first + pages > POOL_PAGES) {
		pool_errors++;
		return NULL;
	}
	pool_next = first + pages;
	memset(pool + (size_t)first * PAGE, 0, pages * PAGE);
	*pa = POOL_PA + (uint64_t)first * PAGE;
	return pool + (size_t)first * PAGE;
}

static void *pool_pa_to_va(void *ctx, uint64_t pa)
{
	(void)ctx;
	if (pa < POOL_PA || pa >= POOL_PA + (uint64_t)pool_next * PAGE) {
		fprintf(stderr, "pa_to_va(0x%llx): not a table page\n", (unsigned long long)pa);
		abort();
	}
	return pool + (pa - POOL_PA);
}

static void make_pt(struct pt *pt, unsigned int ia_bits, unsigned int level, unsigned int roots)
{
	if (!pool) {
		pool = aligned_alloc(PAGE, POOL_PAGES * PAGE);
		if (!pool)
			abort();
	}
	pool_next = 0;
	pool_errors = 0;
	*pt = (struct pt){ .alloc = pool_alloc, .pa_to_va = pool_pa_to_va };
	CHECK_EQ_U64(pt_init(pt, ia_bits, level, roots), 0);
}

/* ---- Collecting runs ----------------------------------------------------------------------- */

struct run {
	uint64_t ia, pa, size, attrs;
};

#define MAX_RUNS 64

static struct run got[MAX_RUNS];
static unsigned int n_got, calls;

static void on_run(void *ctx, uint64_t ia, uint64_t pa, uint64_t size, uint64_t attrs)
{
	CHECK(ctx == &n_got); /* the context is passed through */
	if (n_got < MAX_RUNS)
		got[n_got++] = (struct run){ ia, pa, size, attrs };
	calls++;
}

static unsigned int collect(const struct pt *pt)
{
	unsigned int n;

	n_got = calls = 0;
	n = pt_for_each_run(pt, on_run, &n_got);
	CHECK_EQ_U64(n, calls);
	return n;
}

/* The runs are exactly 'want', in order; each also agrees with a software walk at both ends. */
static void expect_runs(int line, const struct pt *pt, const struct run *want, unsigned int n)
{
	unsigned int count = collect(pt);
	bool ok = count == n;

	for (unsigned int i = 0; ok && i < n; i++)
		ok = got[i].ia == want[i].ia && got[i].pa == want[i].pa &&
		     got[i].size == want[i].size && got[i].attrs == want[i].attrs;
	if (!ok) {
		fprintf(stderr, "%s:%d: runs differ; got %u:\n", __FILE__, line, count);
		for (unsigned int i = 0; i < n_got; i++)
			fprintf(stderr, "    ia 0x%llx pa 0x%llx size 0x%llx attrs 0x%llx\n",
				(unsigned long long)got[i].ia, (unsigned long long)got[i].pa,
				(unsigned long long)got[i].size, (unsigned long long)got[i].attrs);
		fprintf(stderr, "  want %u:\n", n);
		for (unsigned int i = 0; i < n; i++)
			fprintf(stderr, "    ia 0x%llx pa 0x%llx size 0x%llx attrs 0x%llx\n",
				(unsigned long long)want[i].ia, (unsigned long long)want[i].pa,
				(unsigned long long)want[i].size,
				(unsigned long long)want[i].attrs);
		test_failures_in_case++;
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct pt_walk w;
		uint64_t last = got[i].ia + got[i].size - 1;

		/* Ascending and not touching a mergeable neighbour. */
		if (i)
			CHECK(got[i].ia >= got[i - 1].ia + got[i - 1].size);
		CHECK_EQ_U64(pt_walk(pt, got[i].ia, &w), 0);
		CHECK(w.mapped && w.pa == got[i].pa && w.attrs == got[i].attrs);
		CHECK_EQ_U64(pt_walk(pt, last, &w), 0);
		CHECK(w.mapped && w.pa == got[i].pa + got[i].size - 1);
	}
}

#define EXPECT_RUNS(pt, ...)                                                   \
	do {                                                                   \
		static const struct run want_[] = { __VA_ARGS__ };             \
		expect_runs(__LINE__, pt, want_,                               \
			    (unsigned int)(sizeof(want_) / sizeof(want_[0]))); \
	} while (0)

#define A_RAM (PTE_S2_MEMATTR(S2_MEMATTR_NORMAL_WB) | PTE_S2_S2AP_RW | PTE_SH_INNER | PTE_AF)
#define A_RO  (PTE_S2_MEMATTR(S2_MEMATTR_NORMAL_WB) | PTE_S2_S2AP_RO | PTE_SH_INNER | PTE_AF)
#define A_DEV (PTE_S2_MEMATTR(S2_MEMATTR_DEVICE_nGnRE) | PTE_S2_S2AP_RW | PTE_AF | PTE_S2_XN)

/* ---- Tests --------------------------------------------------------------------------------- */

static void test_empty(void)
{
	struct pt pt;

	make_pt(&pt, 48, 0, 1);
	CHECK_EQ_U64(collect(&pt), 0);
	CHECK_EQ_U64(calls, 0);
	/* Mapped then unmapped again: nothing left to list. */
	CHECK_EQ_U64(pt_map(&pt, 0x40000000, 0x40000000, 4 * MiB, A_RAM, 0), 0);
	CHECK_EQ_U64(pt_unmap(&pt, 0x40000000, 4 * MiB), 0);
	CHECK_EQ_U64(collect(&pt), 0);
	CHECK_EQ_U64(pool_errors, 0);
}

static void test_merge_and_split_48(void)
{
	struct pt pt;

	make_pt(&pt, 48, 0, 1);
	/* Separate calls, contiguous in IA and PA, same attrs: one run. */
	CHECK_EQ_U64(pt_map(&pt, 0x1000, 0x200000000, 3 * PAGE, A_RAM, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0x4000, 0x200003000, PAGE, A_RAM, 0), 0);
	/* Next page, PA elsewhere: a new run. Then attrs differ: another. */
	CHECK_EQ_U64(pt_map(&pt, 0x5000, 0x300000000, PAGE, A_RAM, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0x6000, 0x300001000, PAGE, A_RO, 0), 0);
	/* PA going down while IA goes up. */
	CHECK_EQ_U64(pt_map(&pt, 0x7000, 0x300000000, PAGE, A_RO, 0), 0);
	/* A hole in IA splits even where PA goes on contiguously. */
	CHECK_EQ_U64(pt_map(&pt, 0x10000, 0x400000000, PAGE, A_DEV, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0x12000, 0x400001000, PAGE, A_DEV, 0), 0);
	/* 1 GiB block, 2 MiB block and a page in a row: one run across three levels. */
	CHECK_EQ_U64(pt_map(&pt, 0x40000000, 0x100000000, GiB + 2 * MiB + PAGE, A_RAM, 0), 0);
	/* Pages only, a full 2 MiB table of them followed by a block: merged too. */
	CHECK_EQ_U64(pt_map(&pt, 0x100000000, 0x180000000, 2 * MiB, A_RAM, PT_MAP_NO_BLOCKS), 0);
	CHECK_EQ_U64(pt_map(&pt, 0x100200000, 0x180200000, 2 * MiB, A_RAM, 0), 0);
	/* Across a level-0 boundary (512 GiB). */
	CHECK_EQ_U64(pt_map(&pt, 0x8000000000 - 2 * MiB, 0x500000000, 4 * MiB, A_RAM, 0), 0);
	/* The last 2 MiB of the 48-bit space (level-0 entry 511). */
	CHECK_EQ_U64(pt_map(&pt, 0xffffffe00000, 0x600000000, 2 * MiB, A_DEV, 0), 0);

	EXPECT_RUNS(&pt, { 0x1000, 0x200000000, 4 * PAGE, A_RAM },
		    { 0x5000, 0x300000000, PAGE, A_RAM }, { 0x6000, 0x300001000, PAGE, A_RO },
		    { 0x7000, 0x300000000, PAGE, A_RO }, { 0x10000, 0x400000000, PAGE, A_DEV },
		    { 0x12000, 0x400001000, PAGE, A_DEV },
		    { 0x40000000, 0x100000000, GiB + 2 * MiB + PAGE, A_RAM },
		    { 0x100000000, 0x180000000, 4 * MiB, A_RAM },
		    { 0x8000000000 - 2 * MiB, 0x500000000, 4 * MiB, A_RAM },
		    { 0xffffffe00000, 0x600000000, 2 * MiB, A_DEV });

	/* Changing attrs of one page in the middle of a block splits it in three. */
	CHECK_EQ_U64(pt_map(&pt, 0x40000000 + 4 * MiB, 0x100000000 + 4 * MiB, PAGE, A_RO, 0), 0);
	/* Unmapping a page splits a run in two. */
	CHECK_EQ_U64(pt_unmap(&pt, 0x100001000, PAGE), 0);
	EXPECT_RUNS(&pt, { 0x1000, 0x200000000, 4 * PAGE, A_RAM },
		    { 0x5000, 0x300000000, PAGE, A_RAM }, { 0x6000, 0x300001000, PAGE, A_RO },
		    { 0x7000, 0x300000000, PAGE, A_RO }, { 0x10000, 0x400000000, PAGE, A_DEV },
		    { 0x12000, 0x400001000, PAGE, A_DEV },
		    { 0x40000000, 0x100000000, 4 * MiB, A_RAM },
		    { 0x40400000, 0x100400000, PAGE, A_RO },
		    { 0x40401000, 0x100401000, GiB - 4 * MiB - PAGE + 2 * MiB + PAGE, A_RAM },
		    { 0x100000000, 0x180000000, PAGE, A_RAM },
		    { 0x100002000, 0x180002000, 4 * MiB - 2 * PAGE, A_RAM },
		    { 0x8000000000 - 2 * MiB, 0x500000000, 4 * MiB, A_RAM },
		    { 0xffffffe00000, 0x600000000, 2 * MiB, A_DEV });
	CHECK_EQ_U64(pool_errors, 0);
}

static void test_invalid_descriptors(void)
{
	struct pt pt;
	uint64_t *root;
	struct pt_walk w;

	make_pt(&pt, 48, 0, 1);
	CHECK_EQ_U64(pt_map(&pt, 0x200000, 0x200000, 2 * PAGE, A_RAM, PT_MAP_NO_BLOCKS), 0);
	/* A level-3 entry without the page bit is reserved (a fault), not a mapping. */
	CHECK_EQ_U64(pt_walk(&pt, 0x201000, &w), 0);
	uint64_t *l3 = pool_pa_to_va(NULL, w.step[3].table_pa);

	l3[1] &= ~PTE_PAGE;
	/* A level-0 entry without the table bit would be a 512 GiB block: not allowed either. */
	root = pool_pa_to_va(NULL, pt.root_pa);
	root[3] = 0x40000000 | A_RAM | PTE_VALID;
	EXPECT_RUNS(&pt, { 0x200000, 0x200000, PAGE, A_RAM });
	CHECK_EQ_U64(pool_errors, 0);
}

static void test_concatenated_40(void)
{
	struct pt pt;

	/* 40-bit IPA from level 1: two root tables, 1024 entries of 1 GiB. */
	make_pt(&pt, 40, 1, 2);
	CHECK_EQ_U64(pt.root_tables, 2);
	CHECK_EQ_U64(pt_map(&pt, 0x40000000, 0x40000000, 2 * MiB, A_RAM, 0), 0);
	/* Straddles the two root tables (entry 511 of the first, entry 0 of the second). */
	CHECK_EQ_U64(pt_map(&pt, 0x8000000000 - 2 * MiB, 0x80000000, 4 * MiB, A_RAM, 0), 0);
	/* Only in the second root table, up to the last byte of the 40-bit space. */
	CHECK_EQ_U64(pt_map(&pt, 0xc000000000, 0x100000000, GiB, A_DEV, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0xffffe00000, 0x200000000, 2 * MiB - PAGE, A_RAM, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0xfffffff000, 0x200000000 + 2 * MiB - PAGE, PAGE, A_RAM, 0), 0);
	EXPECT_RUNS(&pt, { 0x40000000, 0x40000000, 2 * MiB, A_RAM },
		    { 0x8000000000 - 2 * MiB, 0x80000000, 4 * MiB, A_RAM },
		    { 0xc000000000, 0x100000000, GiB, A_DEV },
		    { 0xffffe00000, 0x200000000, 2 * MiB, A_RAM });
	/* The entry for the second table's 1 GiB block really is in the second root page. */
	const uint64_t *root = pool_pa_to_va(NULL, pt.root_pa);

	CHECK(root[512 + 256] & PTE_VALID);
	CHECK_EQ_U64(pool_errors, 0);
}

static void test_single_root_36(void)
{
	struct pt pt;
	uint64_t *root;

	/* 36-bit IPA from level 1, one root: only entries 0-63 translate. */
	make_pt(&pt, 36, 1, 1);
	CHECK_EQ_U64(pt_map(&pt, 0, 0x80000000, 2 * MiB, A_RAM, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0xfc0000000, 0x100000000, GiB, A_DEV, 0), 0); /* entry 63 */
	CHECK_EQ_U64(pt_map(&pt, 0x1000000000, 0, PAGE, A_RAM, 0), (uint64_t)(int64_t)E_RANGE);
	/* Whatever sits in entries 64-511 is not part of this address space. */
	root = pool_pa_to_va(NULL, pt.root_pa);
	root[64] = 0x40000000 | A_RAM | PTE_VALID;
	root[511] = 0xc0000000 | A_RAM | PTE_VALID;
	EXPECT_RUNS(&pt, { 0, 0x80000000, 2 * MiB, A_RAM },
		    { 0xfc0000000, 0x100000000, GiB, A_DEV });
	CHECK_EQ_U64(pool_errors, 0);
}

static void test_sixteen_roots_34(void)
{
	struct pt pt;

	/* 34-bit IPA from level 2: sixteen concatenated tables of 2 MiB entries. */
	make_pt(&pt, 34, 2, 16);
	CHECK_EQ_U64(pt_map(&pt, 0, 0x80000000, 4 * MiB, A_RAM, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0x3ffe00000, 0x90000000, 2 * MiB, A_DEV, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0x200000000 - PAGE, 0xa0000000, 2 * PAGE, A_RO, 0), 0);
	EXPECT_RUNS(&pt, { 0, 0x80000000, 4 * MiB, A_RAM },
		    { 0x200000000 - PAGE, 0xa0000000, 2 * PAGE, A_RO },
		    { 0x3ffe00000, 0x90000000, 2 * MiB, A_DEV });
	CHECK_EQ_U64(pool_errors, 0);
}

/* Random page mappings compared with the runs a flat page list gives. */
static void test_random(void)
{
	enum { NP = 2048 }; /* 8 MiB of IA, pages */
	static uint64_t pa_of[NP], at_of[NP];
	static const uint64_t attrs[3] = { A_RAM, A_RO, A_DEV };
	struct run want[MAX_RUNS];
	uint64_t seed = 42;
	unsigned int bad = 0;

	for (unsigned int round = 0; round < 20 && !bad; round++) {
		struct pt pt;
		unsigned int nw = 0;

		make_pt(&pt, 40, 1, 2);
		memset(pa_of, 0, sizeof(pa_of));
		/* A handful of random spans; later ones overwrite earlier ones. */
		for (unsigned int k = 0; k < 12; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			unsigned int first = (unsigned int)(seed >> 40) % NP;
			unsigned int len = 1 + (unsigned int)(seed >> 20) % 700;
			uint64_t pa = 0x100000000ULL + ((seed >> 8) % 4) * 0x1000000ULL +
				      (k % 2) * first * PAGE;
			uint64_t at = attrs[(seed >> 4) % 3];

			if (first + len > NP)
				len = NP - first;
			if (seed & 1) {
				CHECK_EQ_U64(pt_unmap(&pt, 0x7fffc00000 + first * PAGE, len * PAGE),
					     0);
				for (unsigned int i = first; i < first + len; i++)
					pa_of[i] = 0;
				continue;
			}
			CHECK_EQ_U64(
				pt_map(&pt, 0x7fffc00000 + first * PAGE, pa, len * PAGE, at, 0), 0);
			for (unsigned int i = first; i < first + len; i++) {
				pa_of[i] = pa + (i - first) * PAGE;
				at_of[i] = at;
			}
		}
		/* The model's runs. */
		for (unsigned int i = 0; i < NP && nw < MAX_RUNS; i++) {
			if (!pa_of[i])
				continue;
			struct run *l = nw ? &want[nw - 1] : NULL;
			uint64_t ia = 0x7fffc00000 + i * PAGE;

			if (l && l->ia + l->size == ia && l->pa + l->size == pa_of[i] &&
			    l->attrs == at_of[i])
				l->size += PAGE;
			else
				want[nw++] = (struct run){ ia, pa_of[i], PAGE, at_of[i] };
		}
		int fails_before = test_failures_in_case;

		expect_runs(__LINE__, &pt, want, nw);
		bad += test_failures_in_case != fails_before;
		CHECK_EQ_U64(pool_errors, 0);
	}
}

int main(void)
{
	RUN(test_empty);
	RUN(test_merge_and_split_48);
	RUN(test_invalid_descriptors);
	RUN(test_concatenated_40);
	RUN(test_single_root_36);
	RUN(test_sixteen_roots_34);
	RUN(test_random);
	free(pool);
	return TEST_SUMMARY();
}
