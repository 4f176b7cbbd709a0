// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the physical memory map (mm/pmem.c): adding RAM, reserving, allocating top-down,
 * freeing with coalescing, the full-table behaviour, and a randomised run checked page by page
 * against a plain page-map model.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/lib/err.h"
#include "mm/pmem.h"
#include "test.h"

#define ERR(e) ((uint64_t)(int64_t)(e))
#define MiB    (1ULL << 20)

static struct pmem m;

/* Sorted, disjoint, non-empty, and no two free ranges touching (they would have merged). */
static bool well_formed(const struct pmem *p)
{
	if (p->n > PMEM_MAX_RANGES)
		return false;
	for (unsigned int i = 0; i < p->n; i++) {
		if (!p->r[i].size)
			return false;
		if (i == 0)
			continue;
		const struct pmem_range *a = &p->r[i - 1], *b = &p->r[i];

		if (a->base + a->size > b->base)
			return false;
		if (!a->owner[0] && !b->owner[0] && a->base + a->size == b->base)
			return false;
	}
	return true;
}

/* The same map: ranges and owners (bytes past an owner's NUL and past n do not count). */
static bool same_map(const struct pmem *a, const struct pmem *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++)
		if (a->r[i].base != b->r[i].base || a->r[i].size != b->r[i].size ||
		    strcmp(a->r[i].owner, b->r[i].owner) != 0)
			return false;
	return true;
}

static void test_add_ram(void)
{
	pmem_init(&m);
	CHECK_EQ_U64(m.n, 0);
	CHECK_EQ_U64(pmem_free_bytes(&m), 0);
	CHECK(pmem_owner(&m, 0x40000000) == NULL);

	/* Added out of order, kept sorted. */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x80000000, 0x10000000), 0);
	CHECK_EQ_U64(pmem_add_ram(&m, 0x40000000, 0x10000000), 0);
	CHECK_EQ_U64(pmem_add_ram(&m, 0x60000000, 0x01000000), 0);
	CHECK_EQ_U64(m.n, 3);
	CHECK_EQ_U64(m.r[0].base, 0x40000000);
	CHECK_EQ_U64(m.r[1].base, 0x60000000);
	CHECK_EQ_U64(m.r[2].base, 0x80000000);
	CHECK_EQ_U64(pmem_free_bytes(&m), 0x21000000);
	CHECK(well_formed(&m));

	/* Every kind of overlap with known RAM. */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x40000000, 0x10000000), ERR(E_EXIST)); /* the same */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x3ffff000, 0x2000), ERR(E_EXIST));     /* over the start */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x3ffff000, 0x1001), ERR(E_EXIST));     /* by one byte */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x4fffffff, 0x1000), ERR(E_EXIST));     /* its last byte */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x4ffff000, 0x2000), ERR(E_EXIST));     /* over the end */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x41000000, 0x1000), ERR(E_EXIST));     /* inside */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x5f000000, 0x04000000), ERR(E_EXIST)); /* around */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x8fffffff, 1), ERR(E_EXIST));	      /* last byte */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x3f000000, 0x70000000), ERR(E_EXIST)); /* two at once */
	/* Zero size and a range that wraps around the address space. */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x20000000, 0), ERR(E_INVAL));
	CHECK_EQ_U64(pmem_add_ram(&m, 0xfffffffffffff000ULL, 0x2000), ERR(E_INVAL));
	CHECK_EQ_U64(m.n, 3);
	CHECK_EQ_U64(pmem_free_bytes(&m), 0x21000000);

	/* RAM that touches free RAM merges with it; a gap keeps them apart. */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x50000000, 0x08000000), 0);
	CHECK_EQ_U64(m.n, 3);
	CHECK_EQ_U64(m.r[0].base, 0x40000000);
	CHECK_EQ_U64(m.r[0].size, 0x18000000);
	CHECK_EQ_U64(pmem_add_ram(&m, 0x61000000, 0x1000), 0);
	CHECK_EQ_U64(m.n, 3);
	CHECK_EQ_U64(m.r[1].size, 0x01001000);
	CHECK_EQ_U64(pmem_add_ram(&m, 0x30000000, 0x1000), 0);
	CHECK_EQ_U64(m.n, 4);
	CHECK_EQ_U64(pmem_free_bytes(&m), 0x29002000);
	CHECK(well_formed(&m));

	/* Owner lookups: "" in free RAM, NULL outside, exact at both edges. */
	CHECK_STR(pmem_owner(&m, 0x40000000), "");
	CHECK_STR(pmem_owner(&m, 0x57ffffff), "");
	CHECK(pmem_owner(&m, 0x58000000) == NULL);
	CHECK(pmem_owner(&m, 0x3fffffff) == NULL);
	CHECK(pmem_owner(&m, 0x30001000) == NULL);
	CHECK(pmem_owner(&m, 0) == NULL);
	CHECK(pmem_owner(&m, ~0ULL) == NULL);
}

static void test_reserve(void)
{
	pmem_init(&m);
	CHECK_EQ_U64(pmem_add_ram(&m, 0x40000000, 0x10000000), 0);
	CHECK_EQ_U64(pmem_add_ram(&m, 0x60000000, 0x10000000), 0);

	/* Inside a free range: split in three. */
	CHECK_EQ_U64(pmem_reserve(&m, 0x40200000, 0x100000, "image"), 0);
	CHECK_EQ_U64(m.n, 4);
	CHECK_EQ_U64(m.r[0].base, 0x40000000);
	CHECK_EQ_U64(m.r[0].size, 0x200000);
	CHECK_STR(m.r[0].owner, "");
	CHECK_EQ_U64(m.r[1].base, 0x40200000);
	CHECK_EQ_U64(m.r[1].size, 0x100000);
	CHECK_STR(m.r[1].owner, "image");
	CHECK_EQ_U64(m.r[2].base, 0x40300000);
	CHECK_EQ_U64(m.r[2].size, 0x0fd00000);
	CHECK_STR(m.r[2].owner, "");
	CHECK_EQ_U64(pmem_free_bytes(&m), 0x20000000 - 0x100000);
	CHECK_STR(pmem_owner(&m, 0x40200000), "image");
	CHECK_STR(pmem_owner(&m, 0x402fffff), "image");
	CHECK_STR(pmem_owner(&m, 0x401fffff), "");
	CHECK_STR(pmem_owner(&m, 0x40300000), "");

	/* At the start and at the end of a free range: split in two. */
	CHECK_EQ_U64(pmem_reserve(&m, 0x40000000, 0x1000, "dtb"), 0);
	CHECK_EQ_U64(m.n, 5);
	CHECK_EQ_U64(m.r[0].size, 0x1000);
	CHECK_STR(m.r[0].owner, "dtb");
	CHECK_EQ_U64(m.r[1].base, 0x40001000);
	CHECK_EQ_U64(pmem_reserve(&m, 0x4ffff000, 0x1000, "tail"), 0);
	CHECK_EQ_U64(m.n, 6);
	CHECK_EQ_U64(m.r[4].base, 0x4ffff000);
	CHECK_STR(m.r[4].owner, "tail");
	CHECK_EQ_U64(m.r[3].base + m.r[3].size, 0x4ffff000);

	/* Exactly a whole range: no split. */
	CHECK_EQ_U64(pmem_reserve(&m, 0x60000000, 0x10000000, "vm0"), 0);
	CHECK_EQ_U64(m.n, 6);
	CHECK_EQ_U64(m.r[5].base, 0x60000000);
	CHECK_EQ_U64(m.r[5].size, 0x10000000);
	CHECK_STR(m.r[5].owner, "vm0");
	CHECK(well_formed(&m));

	struct pmem before = m;

	/* Owned already (at its start, inside it), crossing into an owned range or past RAM. */
	CHECK_EQ_U64(pmem_reserve(&m, 0x40200000, 0x1000, "x"), ERR(E_BUSY));
	CHECK_EQ_U64(pmem_reserve(&m, 0x40280000, 0x1000, "x"), ERR(E_BUSY));
	CHECK_EQ_U64(pmem_reserve(&m, 0x40100000, 0x200000, "x"), ERR(E_BUSY));
	CHECK_EQ_U64(pmem_reserve(&m, 0x4fff0000, 0x20000, "x"), ERR(E_BUSY));
	CHECK_EQ_U64(pmem_reserve(&m, 0x40300000, 0x20000000, "x"), ERR(E_BUSY));
	/* Not RAM at all, also when the request would reach into RAM. */
	CHECK_EQ_U64(pmem_reserve(&m, 0x50000000, 0x1000, "x"), ERR(E_NOENT));
	CHECK_EQ_U64(pmem_reserve(&m, 0x3ffff000, 0x2000, "x"), ERR(E_NOENT));
	CHECK_EQ_U64(pmem_reserve(&m, 0x70000000, 0x1000, "x"), ERR(E_NOENT));
	/* Malformed: zero size, wrapping, no owner. */
	CHECK_EQ_U64(pmem_reserve(&m, 0x41000000, 0, "x"), ERR(E_INVAL));
	CHECK_EQ_U64(pmem_reserve(&m, 0x41000000, ~0ULL, "x"), ERR(E_INVAL));
	CHECK_EQ_U64(pmem_reserve(&m, 0x41000000, 0x1000, ""), ERR(E_INVAL));
	CHECK_EQ_U64(pmem_reserve(&m, 0x41000000, 0x1000, NULL), ERR(E_INVAL));
	CHECK(same_map(&before, &m));

	/* A long owner name is cut to fit, NUL included. */
	CHECK_EQ_U64(pmem_reserve(&m, 0x41000000, 0x1000, "a-very-long-owner-name-0123456789"), 0);
	CHECK_STR(pmem_owner(&m, 0x41000000), "a-very-long-owner-name-");
	CHECK_EQ_U64(strlen(pmem_owner(&m, 0x41000000)), PMEM_OWNER_LEN - 1);
}

static void test_alloc(void)
{
	uint64_t b = 0;

	pmem_init(&m);
	CHECK_EQ_U64(pmem_add_ram(&m, 0x40000000, 0x00800000), 0); /* 8 MiB */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x48000000, 0x00100000), 0); /* 1 MiB, higher */

	/* Top-down: the highest fitting address of the highest range. */
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x1000, "pt", &b), 0);
	CHECK_EQ_U64(b, 0x480ff000);
	CHECK_STR(pmem_owner(&m, 0x480ff000), "pt");
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x1000, "pt2", &b), 0);
	CHECK_EQ_U64(b, 0x480fe000);
	CHECK_EQ_U64(m.r[m.n - 1].base, 0x480ff000);
	CHECK_STR(m.r[m.n - 2].owner, "pt2");

	/* Alignment: 12 KiB on 64 KiB below a free top of 0x480fe000 lands at 0x480f0000. */
	CHECK_EQ_U64(pmem_alloc(&m, 0x3000, 0x10000, "al", &b), 0);
	CHECK_EQ_U64(b, 0x480f0000);
	CHECK_STR(pmem_owner(&m, 0x480f2fff), "al");
	CHECK_STR(pmem_owner(&m, 0x480f3000), "");
	CHECK_STR(pmem_owner(&m, 0x480effff), "");

	/* Too large for the 1 MiB range: falls to the lower one. 2 MiB aligned, 3 MiB long. */
	CHECK_EQ_U64(pmem_alloc(&m, 0x300000, 0x200000, "big", &b), 0);
	CHECK_EQ_U64(b, 0x40400000);
	/* The lower range's free parts: [0x40000000, 0x40400000) and [0x40700000, 0x40800000). */
	CHECK_EQ_U64(pmem_alloc(&m, 0x100000, 0x100000, "top", &b), 0);
	CHECK_EQ_U64(b, 0x40700000);
	/* Exactly the rest of the lower range. */
	CHECK_EQ_U64(pmem_alloc(&m, 0x400000, 0x400000, "rest", &b), 0);
	CHECK_EQ_U64(b, 0x40000000);
	/* Free now: [0x48000000, 0x480f0000) and [0x480f3000, 0x480fe000). */
	CHECK_EQ_U64(pmem_free_bytes(&m), 0xf0000 + 0xb000);

	struct pmem before = m;

	b = 0x1234;
	CHECK_EQ_U64(pmem_alloc(&m, 0x200000, 0x1000, "none", &b), ERR(E_NOMEM));
	CHECK_EQ_U64(pmem_alloc(&m, 0xf1000, 0x1000, "none", &b), ERR(E_NOMEM));
	CHECK_EQ_U64(pmem_alloc(&m, 0xf0000 + 0xb000, 1, "none", &b), ERR(E_NOMEM));
	CHECK_EQ_U64(b, 0x1234); /* untouched on failure */
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 3, "bad", &b), ERR(E_INVAL));
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x3000, "bad", &b), ERR(E_INVAL));
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0, "bad", &b), ERR(E_INVAL));
	CHECK_EQ_U64(pmem_alloc(&m, 0, 0x1000, "bad", &b), ERR(E_INVAL));
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x1000, "", &b), ERR(E_INVAL));
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x1000, NULL, &b), ERR(E_INVAL));
	CHECK(same_map(&before, &m));

	/* The upper hole fits exactly at its base; the lower one takes the whole run. */
	CHECK_EQ_U64(pmem_alloc(&m, 0xb000, 0x1000, "hole", &b), 0);
	CHECK_EQ_U64(b, 0x480f3000);
	CHECK_EQ_U64(pmem_alloc(&m, 0xf0000, 0x10000, "run", &b), 0);
	CHECK_EQ_U64(b, 0x48000000);
	CHECK_EQ_U64(pmem_free_bytes(&m), 0);
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x1000, "none", &b), ERR(E_NOMEM));
	CHECK(well_formed(&m));

	/* 8 KiB free but no 16 KiB-aligned page in it: alignment alone makes it fail. */
	pmem_init(&m);
	CHECK_EQ_U64(pmem_add_ram(&m, 0x40001000, 0x2000), 0);
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x4000, "al", &b), ERR(E_NOMEM));
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x2000, "al", &b), 0);
	CHECK_EQ_U64(b, 0x40002000);
	CHECK_EQ_U64(m.n, 2);
	CHECK(well_formed(&m));
}

static void test_free(void)
{
	uint64_t a, b, c;

	pmem_init(&m);
	CHECK_EQ_U64(pmem_add_ram(&m, 0x40000000, 0x100000), 0);
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x1000, "a", &a), 0);
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x1000, "b", &b), 0);
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x1000, "c", &c), 0);
	CHECK_EQ_U64(a, 0x400ff000);
	CHECK_EQ_U64(b, 0x400fe000);
	CHECK_EQ_U64(c, 0x400fd000);
	CHECK_EQ_U64(m.n, 4);

	struct pmem before = m;

	/* Only an exact match of one taken range. */
	CHECK_EQ_U64(pmem_free(&m, b, 0x2000), ERR(E_NOENT));		/* too long */
	CHECK_EQ_U64(pmem_free(&m, b, 0x800), ERR(E_NOENT));		/* too short */
	CHECK_EQ_U64(pmem_free(&m, b + 0x800, 0x800), ERR(E_NOENT));	/* inside */
	CHECK_EQ_U64(pmem_free(&m, c, 0x3000), ERR(E_NOENT));		/* three at once */
	CHECK_EQ_U64(pmem_free(&m, 0x40000000, 0xfd000), ERR(E_NOENT)); /* the free part */
	CHECK_EQ_U64(pmem_free(&m, 0x50000000, 0x1000), ERR(E_NOENT));	/* not RAM */
	CHECK(same_map(&before, &m));

	/* The middle one: no free neighbour, the list keeps its length. */
	CHECK_EQ_U64(pmem_free(&m, b, 0x1000), 0);
	CHECK_EQ_U64(m.n, 4);
	CHECK_STR(pmem_owner(&m, b), "");
	CHECK_EQ_U64(pmem_free(&m, b, 0x1000), ERR(E_NOENT)); /* twice */
	/* The lowest: merges with the free space below and with b's hole above. */
	CHECK_EQ_U64(pmem_free(&m, c, 0x1000), 0);
	CHECK_EQ_U64(m.n, 2);
	CHECK_EQ_U64(m.r[0].base, 0x40000000);
	CHECK_EQ_U64(m.r[0].size, 0xff000);
	CHECK_STR(m.r[1].owner, "a");
	/* The last one: back to a single free range. */
	CHECK_EQ_U64(pmem_free(&m, a, 0x1000), 0);
	CHECK_EQ_U64(m.n, 1);
	CHECK_EQ_U64(m.r[0].size, 0x100000);
	CHECK_EQ_U64(pmem_free_bytes(&m), 0x100000);

	/* Reserved ranges are freed the same way; two separate RAM ranges stay separate. */
	CHECK_EQ_U64(pmem_add_ram(&m, 0x40200000, 0x100000), 0);
	CHECK_EQ_U64(pmem_reserve(&m, 0x40000000, 0x100000, "lo"), 0);
	CHECK_EQ_U64(pmem_reserve(&m, 0x40200000, 0x100000, "hi"), 0);
	CHECK_EQ_U64(pmem_free(&m, 0x40000000, 0x100000), 0);
	CHECK_EQ_U64(pmem_free(&m, 0x40200000, 0x100000), 0);
	CHECK_EQ_U64(m.n, 2);
	CHECK(pmem_owner(&m, 0x40100000) == NULL);

	/* Adjacent taken ranges with the same owner stay two ranges: each is freed alone. */
	CHECK_EQ_U64(pmem_reserve(&m, 0x40000000, 0x1000, "same"), 0);
	CHECK_EQ_U64(pmem_reserve(&m, 0x40001000, 0x1000, "same"), 0);
	CHECK_EQ_U64(pmem_free(&m, 0x40000000, 0x2000), ERR(E_NOENT));
	CHECK_EQ_U64(pmem_free(&m, 0x40001000, 0x1000), 0);
	CHECK_STR(pmem_owner(&m, 0x40000000), "same");
	CHECK_EQ_U64(pmem_free(&m, 0x40000000, 0x1000), 0);
	CHECK_EQ_U64(m.n, 2);
	CHECK(well_formed(&m));
}

static void test_table_full(void)
{
	struct pmem before;
	uint64_t b = 0;

	/* 64 separate 1 MiB ranges, 2 MiB apart: the table is full. */
	pmem_init(&m);
	for (unsigned int i = 0; i < PMEM_MAX_RANGES; i++)
		CHECK_EQ_U64(pmem_add_ram(&m, 0x40000000 + i * 2 * MiB, MiB), 0);
	CHECK_EQ_U64(m.n, PMEM_MAX_RANGES);

	before = m;
	CHECK_EQ_U64(pmem_add_ram(&m, 0x10000000, MiB), ERR(E_NOMEM));
	CHECK_EQ_U64(pmem_add_ram(&m, 0x40000000 + 200 * MiB, MiB), ERR(E_NOMEM));
	/* Any reservation but a whole range needs a new entry. */
	CHECK_EQ_U64(pmem_reserve(&m, 0x40000000, 0x1000, "x"), ERR(E_NOMEM));
	CHECK_EQ_U64(pmem_reserve(&m, 0x40000000 + MiB - 0x1000, 0x1000, "x"), ERR(E_NOMEM));
	CHECK_EQ_U64(pmem_reserve(&m, 0x40010000, 0x1000, "x"), ERR(E_NOMEM));
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x1000, "x", &b), ERR(E_NOMEM));
	CHECK(same_map(&before, &m));
	/* A whole range still works, and frees back. */
	CHECK_EQ_U64(pmem_reserve(&m, 0x40000000, MiB, "whole"), 0);
	CHECK_EQ_U64(pmem_alloc(&m, MiB, MiB, "whole2", &b), 0);
	CHECK_EQ_U64(b, 0x40000000 + 63 * 2 * MiB);
	CHECK_EQ_U64(m.n, PMEM_MAX_RANGES);
	CHECK_EQ_U64(pmem_free(&m, 0x40000000, MiB), 0);
	CHECK_EQ_U64(pmem_free(&m, b, MiB), 0);
	CHECK(same_map(&before, &m));

	/* 63 entries: a split in two fits, a split in three does not (and changes nothing). */
	pmem_init(&m);
	for (unsigned int i = 0; i < PMEM_MAX_RANGES - 1; i++)
		CHECK_EQ_U64(pmem_add_ram(&m, 0x40000000 + i * 2 * MiB, MiB), 0);
	before = m;
	CHECK_EQ_U64(pmem_reserve(&m, 0x40010000, 0x1000, "mid"), ERR(E_NOMEM));
	CHECK(same_map(&before, &m));
	/* alloc at the top of the highest range, not aligned to its end: a 3-way split. */
	CHECK_EQ_U64(pmem_alloc(&m, 0x1000, 0x40000, "a", &b), ERR(E_NOMEM));
	CHECK(same_map(&before, &m));
	CHECK_EQ_U64(pmem_reserve(&m, 0x40000000, 0x1000, "lo"), 0);
	CHECK_EQ_U64(m.n, PMEM_MAX_RANGES);
	CHECK_STR(pmem_owner(&m, 0x40000000), "lo");
	CHECK_STR(pmem_owner(&m, 0x40001000), "");
	/* Freeing merges back, making room again. */
	CHECK_EQ_U64(pmem_free(&m, 0x40000000, 0x1000), 0);
	CHECK_EQ_U64(m.n, PMEM_MAX_RANGES - 1);
	CHECK(same_map(&before, &m));
	CHECK(well_formed(&m));
}

/* ---- Randomised run against a page map ----------------------------------------------------- */

#define U	 0x1000ULL /* model granule */
#define NPAGE	 512
#define BASE	 0x80000000ULL
#define MAX_LIVE 128

/* Per page: -1 not RAM, 0 free, k > 0 taken by live[k - 1]. */
static int page[NPAGE];

struct live {
	bool used;
	uint64_t base, size;
	char owner[PMEM_OWNER_LEN];
};

static struct live live[MAX_LIVE];

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t n)
{
	/* xorshift64*: fixed seed, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dULL) % n;
}

static int live_slot(void)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (!live[i].used)
			return i;
	return -1;
}

/* Entries the map needs: maximal runs of free pages, plus one per live allocation. */
static unsigned int model_ranges(void)
{
	unsigned int n = 0;

	for (int i = 0; i < MAX_LIVE; i++)
		n += live[i].used;
	for (unsigned int p = 0; p < NPAGE; p++)
		if (page[p] == 0 && (p == 0 || page[p - 1] != 0))
			n++;
	return n;
}

static void model_take(int slot, uint64_t base, uint64_t size, const char *owner)
{
	live[slot].used = true;
	live[slot].base = base;
	live[slot].size = size;
	/* pmem keeps at most PMEM_OWNER_LEN - 1 characters. */
	memset(live[slot].owner, 0, sizeof(live[slot].owner));
	strncpy(live[slot].owner, owner, PMEM_OWNER_LEN - 1);
	for (uint64_t p = (base - BASE) / U; p < (base - BASE + size) / U; p++)
		page[p] = slot + 1;
}

static int model_reserve(uint64_t base, uint64_t size)
{
	uint64_t p0 = (base - BASE) / U, np = size / U;
	unsigned int extra;

	if (p0 >= NPAGE || page[p0] < 0)
		return E_NOENT;
	for (uint64_t p = p0; p < p0 + np; p++)
		if (p >= NPAGE || page[p] != 0)
			return E_BUSY;
	extra = (p0 > 0 && page[p0 - 1] == 0) + (p0 + np < NPAGE && page[p0 + np] == 0);
	if (model_ranges() + extra > PMEM_MAX_RANGES)
		return E_NOMEM;
	return 0;
}

static int model_alloc(uint64_t size, uint64_t align, uint64_t *out)
{
	/* Free runs from the top; the first whose aligned top placement fits. */
	for (int end = NPAGE; end > 0;) {
		int start = end;

		if (page[end - 1] != 0) {
			end--;
			continue;
		}
		while (start > 0 && page[start - 1] == 0)
			start--;
		uint64_t rb = BASE + (uint64_t)start * U, re = BASE + (uint64_t)end * U;

		if (re - rb >= size) {
			uint64_t b = (re - size) & ~(align - 1);

			if (b >= rb) {
				unsigned int extra = (b > rb) + (b + size < re);

				if (model_ranges() + extra > PMEM_MAX_RANGES)
					return E_NOMEM;
				*out = b;
				return 0;
			}
		}
		end = start;
	}
	return E_NOMEM;
}

static bool model_matches(void)
{
	uint64_t free_bytes = 0;
	bool ok = true;

	for (unsigned int p = 0; p < NPAGE; p++) {
		uint64_t pa = BASE + p * U;
		const char *o1 = pmem_owner(&m, pa), *o2 = pmem_owner(&m, pa + U - 1);

		if (page[p] < 0) {
			ok = ok && !o1 && !o2;
			continue;
		}
		const char *want = page[p] ? live[page[p] - 1].owner : "";

		ok = ok && o1 && o2 && !strcmp(o1, want) && !strcmp(o2, want);
		if (!page[p])
			free_bytes += U;
	}
	ok = ok && pmem_free_bytes(&m) == free_bytes && m.n == model_ranges() && well_formed(&m);
	return ok;
}

static void test_random(void)
{
	unsigned int ops[4] = { 0 }, ok_ops = 0, mismatch = 0;

	pmem_init(&m);
	memset(live, 0, sizeof(live));
	for (unsigned int p = 0; p < NPAGE; p++)
		page[p] = -1;
	/* RAM: [0, 200) and [200, 300) (merge), [320, 500), with holes around. */
	CHECK_EQ_U64(pmem_add_ram(&m, BASE, 200 * U), 0);
	CHECK_EQ_U64(pmem_add_ram(&m, BASE + 200 * U, 100 * U), 0);
	CHECK_EQ_U64(pmem_add_ram(&m, BASE + 320 * U, 180 * U), 0);
	for (unsigned int p = 0; p < 500; p++)
		page[p] = (p < 300 || p >= 320) ? 0 : -1;
	CHECK(model_matches());

	for (unsigned int iter = 0; iter < 5000; iter++) {
		unsigned int op = (unsigned int)rnd(10);
		char owner[64];
		int want, got;

		snprintf(owner, sizeof(owner), "owner-%u%s", iter,
			 rnd(8) == 0 ? "-with-a-name-too-long-to-fit" : "");
		if (op < 3) {
			/* reserve somewhere, mostly near free memory, 1-40 pages */
			uint64_t base = BASE + rnd(NPAGE + 8) * U, size = (1 + rnd(40)) * U;
			int slot = live_slot();

			if (slot < 0)
				continue;
			want = model_reserve(base, size);
			got = pmem_reserve(&m, base, size, owner);
			if (!want)
				model_take(slot, base, size, owner);
			ops[0]++;
		} else if (op < 6) {
			uint64_t size = (1 + rnd(24)) * U, align = U << rnd(6), b = 0, wb = 0;
			int slot = live_slot();

			if (slot < 0)
				continue;
			want = model_alloc(size, align, &wb);
			got = pmem_alloc(&m, size, align, owner, &b);
			if (!want) {
				if (b != wb) {
					fprintf(stderr,
						"  iter %u: alloc at 0x%llx, model 0x%llx\n", iter,
						(unsigned long long)b, (unsigned long long)wb);
					mismatch++;
				}
				model_take(slot, wb, size, owner);
			}
			ops[1]++;
		} else if (op < 9) {
			/* free a live range (mostly) or a near miss */
			int k = (int)rnd(MAX_LIVE);
			unsigned int tries = 0;

			while (!live[k].used && tries++ < MAX_LIVE)
				k = (k + 1) % MAX_LIVE;
			if (!live[k].used)
				continue;
			uint64_t base = live[k].base, size = live[k].size;

			if (rnd(6) == 0)
				size += U; /* not an exact match */
			want = size == live[k].size ? 0 : E_NOENT;
			got = pmem_free(&m, base, size);
			if (!want) {
				for (uint64_t p = (base - BASE) / U; p < (base - BASE + size) / U;
				     p++)
					page[p] = 0;
				live[k].used = false;
			}
			ops[2]++;
		} else {
			/* add RAM over a random span: E_EXIST unless it is all outside RAM */
			uint64_t p0 = rnd(NPAGE), np = 1 + rnd(12);
			bool clash = false;

			if (p0 + np > NPAGE)
				continue;
			for (uint64_t p = p0; p < p0 + np; p++)
				clash = clash || page[p] >= 0;
			want = clash ? E_EXIST : 0;
			/* The new entry goes in before merging: a full table refuses it. */
			if (!clash && model_ranges() + 1 > PMEM_MAX_RANGES)
				want = E_NOMEM;
			got = pmem_add_ram(&m, BASE + p0 * U, np * U);
			if (!want)
				for (uint64_t p = p0; p < p0 + np; p++)
					page[p] = 0;
			ops[3]++;
		}
		if (got != want) {
			fprintf(stderr, "  iter %u op %u: got %d, model %d\n", iter, op, got, want);
			mismatch++;
		}
		if (!got)
			ok_ops++;
		if (!model_matches()) {
			fprintf(stderr, "  iter %u op %u: map differs from the model\n", iter, op);
			mismatch++;
		}
		if (mismatch > 5)
			break;
	}
	CHECK_EQ_U64(mismatch, 0);
	/* The run exercised every operation, with successes and failures. */
	CHECK(ops[0] > 500 && ops[1] > 500 && ops[2] > 500 && ops[3] > 100);
	CHECK(ok_ops > 1000);
}

/* What the hook was told, in order. */
struct told {
	uint64_t base, size;
	bool taken, tracked;
};
static struct told told[8];
static unsigned int n_told;

static void hook(uint64_t base, uint64_t size, bool taken, bool tracked)
{
	if (n_told < 8)
		told[n_told] = (struct told){ base, size, taken, tracked };
	n_told++;
}

/* Every range that changes hands is told once, with who keeps track of it; failures are not. */
static void test_changed_hook(void)
{
	uint64_t a, b;

	pmem_init(&m);
	CHECK_EQ_U64(pmem_add_ram(&m, 0x40000000, 64 * MiB), 0);
	m.changed = hook;
	n_told = 0;
	CHECK_EQ_U64(pmem_reserve(&m, 0x40000000, 1 * MiB, "image"), 0);
	CHECK_EQ_U64(pmem_alloc_tracked(&m, 8 * MiB, 2 * MiB, "vm0 RAM", &a), 0);
	CHECK_EQ_U64(pmem_alloc(&m, 4096, 4096, "rings", &b), 0);
	CHECK_EQ_U64(pmem_alloc(&m, 128 * MiB, 4096, "too big", &b), ERR(E_NOMEM));
	CHECK_EQ_U64(pmem_reserve(&m, 0x40000000, 4096, "again"), ERR(E_BUSY));
	CHECK_EQ_U64(pmem_free_tracked(&m, a, 8 * MiB), 0);
	CHECK_EQ_U64(pmem_free(&m, b, 4096), 0);
	CHECK_EQ_U64(pmem_free(&m, b, 4096), ERR(E_NOENT));
	CHECK_EQ_U64(n_told, 5);
	CHECK(told[0].base == 0x40000000 && told[0].size == MiB && told[0].taken &&
	      !told[0].tracked);
	CHECK(told[1].base == a && told[1].size == 8 * MiB && told[1].taken && told[1].tracked);
	CHECK(told[2].base == b && told[2].taken && !told[2].tracked);
	CHECK(told[3].base == a && !told[3].taken && told[3].tracked);
	CHECK(told[4].base == b && !told[4].taken && !told[4].tracked);
	m.changed = NULL;
}

int main(void)
{
	RUN(test_add_ram);
	RUN(test_reserve);
	RUN(test_alloc);
	RUN(test_free);
	RUN(test_table_full);
	RUN(test_random);
	RUN(test_changed_hook);
	return TEST_SUMMARY();
}
