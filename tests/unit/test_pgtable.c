// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the translation-table builder and walker. Tables live in host pages handed out
 * under fake physical addresses, so every stray pointer, leak and double free is caught; a
 * randomised run of map/unmap is checked against a plain interval-list model of the mappings.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/lib/err.h"
#include "mm/pgtable.h"
#include "test.h"

#define KiB  (1ULL << 10)
#define MiB  (1ULL << 20)
#define GiB  (1ULL << 30)
#define PAGE PT_PAGE_SIZE

#define ERR(e) ((uint64_t)(int64_t)(e))

/* ---- Fake physical memory: page slots at PA_BASE + slot * 4 KiB. ---- */

#define PA_BASE 0x40000000ULL
#define N_SLOTS (1U << 18)

struct slot {
	uint8_t *va;	/* host address of this page, NULL when free */
	uint32_t block; /* first slot of the allocation this page belongs to */
};

static struct slot slots[N_SLOTS];
static uint8_t *block_va[N_SLOTS];    /* host allocation starting at a slot */
static uint32_t block_pages[N_SLOTS]; /* its size in pages */
static uint32_t block_refs[N_SLOTS];  /* its pages still live */
static uint32_t bump;
static uint32_t free_stack[N_SLOTS];
static uint32_t free_top;
static unsigned int live_pages, allocs, frees, mem_errors;
static int fail_countdown = -1; /* >= 0: that many allocations succeed, then one fails */
static unsigned int last_alloc_pages;

static void mem_reset(void)
{
	for (uint32_t i = 0; i < bump; i++)
		free(block_va[i]);
	memset(slots, 0, sizeof(slots));
	memset(block_va, 0, sizeof(block_va));
	memset(block_refs, 0, sizeof(block_refs));
	bump = free_top = 0;
	live_pages = allocs = frees = mem_errors = 0;
	fail_countdown = -1;
}

static void *mem_alloc(void *ctx, unsigned int pages, uint64_t *pa)
{
	uint32_t first;
	uint8_t *va;

	(void)ctx;
	last_alloc_pages = pages;
	if (fail_countdown == 0)
		return NULL;
	if (fail_countdown > 0)
		fail_countdown--;
	if (pages == 0 || pages > PT_MAX_ROOT_TABLES || (pages & (pages - 1))) {
		mem_errors++;
		return NULL;
	}
	if (pages == 1 && free_top) {
		first = free_stack[--free_top];
	} else {
		first = (bump + pages - 1) & ~(pages - 1); /* naturally aligned */
		if (first + pages > N_SLOTS) {
			fprintf(stderr, "fake memory exhausted\n");
			abort();
		}
		for (uint32_t i = bump; i < first; i++)
			free_stack[free_top++] = i; /* the alignment gap */
		bump = first + pages;
	}
	va = aligned_alloc(PAGE, pages * PAGE);
	if (!va)
		abort();
	memset(va, 0, pages * PAGE);
	for (uint32_t i = 0; i < pages; i++) {
		slots[first + i].va = va + i * PAGE;
		slots[first + i].block = first;
	}
	block_va[first] = va;
	block_pages[first] = pages;
	block_refs[first] = pages;
	live_pages += pages;
	allocs++;
	*pa = PA_BASE + (uint64_t)first * PAGE;
	return va;
}

static bool pa_slot(uint64_t pa, uint32_t *s)
{
	if (pa < PA_BASE || (pa & (PAGE - 1)) || (pa - PA_BASE) / PAGE >= bump)
		return false;
	*s = (uint32_t)((pa - PA_BASE) / PAGE);
	return slots[*s].va != NULL;
}

/*
 * The module frees one page at a time, also each page of a concatenated root. The host block
 * goes back (and its slots become reusable) with its last page, so ASan sees any later use.
 */
static void mem_free(void *ctx, uint64_t pa)
{
	uint32_t s, b;

	(void)ctx;
	if (!pa_slot(pa, &s)) {
		fprintf(stderr, "  free of pa 0x%llx, which is not allocated\n",
			(unsigned long long)pa);
		mem_errors++;
		return;
	}
	b = slots[s].block;
	slots[s].va = NULL;
	live_pages--;
	frees++;
	if (--block_refs[b] == 0) {
		free(block_va[b]);
		block_va[b] = NULL;
		for (uint32_t i = 0; i < block_pages[b]; i++)
			free_stack[free_top++] = b + i;
	}
}

static void *mem_pa_to_va(void *ctx, uint64_t pa)
{
	uint32_t s;

	(void)ctx;
	if (!pa_slot(pa, &s)) {
		fprintf(stderr, "pa_to_va(0x%llx): not a live table page\n",
			(unsigned long long)pa);
		abort();
	}
	return slots[s].va;
}

/* ---- Break-before-make observer. ---- */

struct inv_rec {
	uint64_t ia;
	unsigned int level;
};

static struct inv_rec inv_log[64];
static unsigned int inv_count, inv_errors;
static bool (*inv_was_mapped)(uint64_t start, uint64_t end); /* model check, or NULL */

/*
 * Called with the entry already invalid: a walk of 'ia' must stop at 'level' on a zero
 * descriptor. With a model, something must have been mapped under the entry before.
 */
static void on_invalidate(void *ctx, uint64_t ia, unsigned int level)
{
	const struct pt *pt = ctx;
	struct pt_walk w;

	if (inv_count < sizeof(inv_log) / sizeof(inv_log[0]))
		inv_log[inv_count] = (struct inv_rec){ ia, level };
	inv_count++;
	if (level > 3 || (ia & (PT_LEVEL_SIZE(level) - 1)) || pt_walk(pt, ia, &w) != 0 ||
	    w.mapped || w.level != level || w.step[w.n_steps - 1].desc != 0) {
		if (inv_errors++ < 5)
			fprintf(stderr, "  invalidate(0x%llx, %u): entry not broken first\n",
				(unsigned long long)ia, level);
	} else if (inv_was_mapped && !inv_was_mapped(ia, ia + PT_LEVEL_SIZE(level))) {
		if (inv_errors++ < 5)
			fprintf(stderr, "  invalidate(0x%llx, %u): nothing was mapped there\n",
				(unsigned long long)ia, level);
	}
}

static int make_pt(struct pt *pt, unsigned int ia_bits, unsigned int level, unsigned int roots)
{
	*pt = (struct pt){ .alloc = mem_alloc,
			   .free = mem_free,
			   .pa_to_va = mem_pa_to_va,
			   .invalidate = on_invalidate };
	pt->ctx = pt;
	inv_count = inv_errors = 0;
	inv_was_mapped = NULL;
	return pt_init(pt, ia_bits, level, roots);
}

static void destroy_and_check(struct pt *pt)
{
	pt_destroy(pt);
	CHECK_EQ_U64(live_pages, 0);
	CHECK_EQ_U64(mem_errors, 0);
	CHECK_EQ_U64(inv_errors, 0);
	mem_reset();
}

#define ATTR_NORMAL (PTE_S1_ATTRINDX(1) | PTE_SH_INNER | PTE_AF | PTE_S1_AP1_RES1)
#define ATTR_DEVICE (PTE_S1_ATTRINDX(0) | PTE_AF | PTE_S1_AP1_RES1 | PTE_S1_XN)
#define ATTR_RO	    (ATTR_NORMAL | PTE_S1_AP_RO)
#define ATTR_S2	    (PTE_S2_MEMATTR(S2_MEMATTR_NORMAL_WB) | PTE_S2_S2AP_RW | PTE_SH_INNER | PTE_AF)

/* The walk of 'ia' ends in a leaf at 'level' mapping it to 'pa' with 'attrs'. */
static void expect_leaf_at(int line, const struct pt *pt, uint64_t ia, uint64_t pa,
			   unsigned int level, uint64_t attrs)
{
	struct pt_walk w;
	int ret = pt_walk(pt, ia, &w);
	uint64_t desc = w.n_steps ? w.step[w.n_steps - 1].desc : 0;
	bool ok = ret == 0 && w.mapped && w.level == level && w.pa == pa &&
		  w.size == PT_LEVEL_SIZE(level) && w.attrs == (attrs & PTE_ATTR_MASK) &&
		  w.n_steps == level - pt->start_level + 1 &&
		  (desc & (PTE_VALID | PTE_TABLE)) == (level == 3 ? 3U : 1U) &&
		  (desc & PTE_AF) == (attrs & PTE_AF) &&
		  (desc & PTE_OA_MASK) == ((pa & ~(w.size - 1)) & PTE_OA_MASK);

	for (unsigned int i = 0; ok && i + 1 < w.n_steps; i++)
		ok = w.step[i].level == pt->start_level + i &&
		     (w.step[i].desc & 3) == (PTE_VALID | PTE_TABLE) &&
		     w.step[i + 1].table_pa == (w.step[i].desc & PTE_OA_MASK);
	if (!ok) {
		fprintf(stderr,
			"%s:%d: walk 0x%llx: ret %d mapped %d level %u pa 0x%llx size 0x%llx attrs "
			"0x%llx desc 0x%llx; want level %u pa 0x%llx attrs 0x%llx\n",
			__FILE__, line, (unsigned long long)ia, ret, w.mapped, w.level,
			(unsigned long long)w.pa, (unsigned long long)w.size,
			(unsigned long long)w.attrs, (unsigned long long)desc, level,
			(unsigned long long)pa, (unsigned long long)attrs);
		test_failures_in_case++;
	}
}

static void expect_fault_at(int line, const struct pt *pt, uint64_t ia, unsigned int level)
{
	struct pt_walk w;
	int ret = pt_walk(pt, ia, &w);

	if (ret != 0 || w.mapped || w.level != level || w.n_steps != level - pt->start_level + 1 ||
	    w.step[w.n_steps - 1].desc != 0) {
		fprintf(stderr, "%s:%d: walk 0x%llx: ret %d mapped %d level %u; want fault at %u\n",
			__FILE__, line, (unsigned long long)ia, ret, w.mapped, w.level, level);
		test_failures_in_case++;
	}
}

#define expect_leaf(...)  expect_leaf_at(__LINE__, __VA_ARGS__)
#define expect_fault(...) expect_fault_at(__LINE__, __VA_ARGS__)

static void test_start_level(void)
{
	for (unsigned int bits = 25; bits <= 48; bits++)
		CHECK_EQ_U64(pt_start_level(bits), bits <= 30 ? 2 : bits <= 39 ? 1 : 0);
	CHECK_EQ_U64(PT_LEVEL_SIZE(0), 512 * GiB);
	CHECK_EQ_U64(PT_LEVEL_SIZE(1), GiB);
	CHECK_EQ_U64(PT_LEVEL_SIZE(2), 2 * MiB);
	CHECK_EQ_U64(PT_LEVEL_SIZE(3), 4 * KiB);
}

static void test_init(void)
{
	static const struct {
		unsigned int bits, level, roots;
		int ret;
	} cases[] = {
		/* Every layout vtcr_compute() can ask for: 32 to 48 bits. */
		{ 36, 1, 1, 0 },
		{ 42, 0, 1, 0 },
		{ 44, 0, 1, 0 },
		{ 48, 0, 1, 0 },
		{ 40, 0, 1, 0 },
		{ 39, 1, 1, 0 },
		{ 32, 1, 1, 0 },
		{ 31, 1, 1, 0 },
		{ 30, 2, 1, 0 },
		{ 25, 2, 1, 0 },
		{ 40, 1, 2, 0 },
		{ 41, 1, 4, 0 },
		{ 43, 1, 16, 0 },
		{ 34, 2, 16, 0 },
		{ 31, 2, 2, 0 },
		{ 24, 2, 1, E_INVAL },
		{ 49, 0, 1, E_INVAL },
		{ 64, 0, 1, E_INVAL },
		{ 39, 3, 1, E_INVAL },
		{ 39, 1, 0, E_INVAL },
		{ 40, 1, 3, E_INVAL },
		{ 44, 1, 32, E_INVAL },
		{ 44, 1, 16, E_INVAL },
		{ 48, 1, 1, E_INVAL },
		{ 40, 1, 1, E_INVAL },
		{ 39, 1, 2, E_INVAL },
		{ 33, 2, 16, E_INVAL },
		{ 48, 0, 2, E_INVAL },
		{ 30, 1, 1, E_INVAL },
		{ 31, 2, 1, E_INVAL },
		/* A later start level would cover it: the hardware would start there. */
		{ 39, 0, 1, E_INVAL },
		{ 32, 0, 1, E_INVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt pt;
		int ret = make_pt(&pt, cases[i].bits, cases[i].level, cases[i].roots);

		if (ret != cases[i].ret) {
			fprintf(stderr, "  pt_init(%u, %u, %u) = %d, want %d\n", cases[i].bits,
				cases[i].level, cases[i].roots, ret, cases[i].ret);
			test_failures_in_case++;
		}
		if (ret == 0) {
			uint8_t *root = mem_pa_to_va(NULL, pt.root_pa);
			bool zero = true;

			CHECK_EQ_U64(last_alloc_pages, cases[i].roots);
			CHECK_EQ_U64(pt.tables, cases[i].roots);
			CHECK_EQ_U64(live_pages, cases[i].roots);
			CHECK_EQ_U64(pt.root_pa & (cases[i].roots * PAGE - 1), 0);
			for (size_t k = 0; k < cases[i].roots * PAGE; k++)
				zero &= root[k] == 0;
			CHECK(zero);
			destroy_and_check(&pt);
		} else {
			CHECK_EQ_U64(live_pages, 0);
		}
	}
	/* The allocator failing is reported, and nothing leaks. */
	{
		struct pt pt;

		fail_countdown = 0;
		CHECK_EQ_U64(make_pt(&pt, 40, 1, 2), ERR(E_NOMEM));
		CHECK_EQ_U64(live_pages, 0);
		mem_reset();
	}
}

static void test_map_and_walk(void)
{
	struct pt pt;

	CHECK_EQ_U64(make_pt(&pt, 48, 0, 1), 0);
	expect_fault(&pt, 0, 0);
	/* One 4 KiB page: three new tables below the root, leaf at level 3. */
	CHECK_EQ_U64(pt_map(&pt, 0x40001000, 0x80005000, PAGE, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 4);
	expect_leaf(&pt, 0x40001000, 0x80005000, 3, ATTR_NORMAL);
	expect_leaf(&pt, 0x40001abc, 0x80005abc, 3, ATTR_NORMAL);
	expect_leaf(&pt, 0x40001fff, 0x80005fff, 3, ATTR_NORMAL);
	expect_fault(&pt, 0x40000000, 3);
	expect_fault(&pt, 0x40002000, 3);
	expect_fault(&pt, 0x40200000, 2);
	expect_fault(&pt, 0x80000000, 1);
	expect_fault(&pt, 512 * GiB, 0);

	/* A 2 MiB block: aligned ia, pa and size. */
	CHECK_EQ_U64(pt_map(&pt, 0x40400000, 0x100200000ULL, 2 * MiB, ATTR_DEVICE, 0), 0);
	CHECK_EQ_U64(pt.tables, 4);
	expect_leaf(&pt, 0x40400000, 0x100200000ULL, 2, ATTR_DEVICE);
	expect_leaf(&pt, 0x405fffff, 0x1003fffffULL, 2, ATTR_DEVICE);
	expect_fault(&pt, 0x40600000, 2);

	/* A 1 GiB block. */
	CHECK_EQ_U64(pt_map(&pt, 3 * GiB, 7 * GiB, GiB, ATTR_RO, 0), 0);
	CHECK_EQ_U64(pt.tables, 4);
	expect_leaf(&pt, 3 * GiB, 7 * GiB, 1, ATTR_RO);
	expect_leaf(&pt, 4 * GiB - 1, 8 * GiB - 1, 1, ATTR_RO);
	expect_fault(&pt, 4 * GiB, 1);

	/* The raw descriptors. */
	{
		struct pt_walk w;

		pt_walk(&pt, 3 * GiB, &w);
		CHECK_EQ_U64(w.step[1].desc, 7 * GiB | (ATTR_RO & PTE_ATTR_MASK) | PTE_VALID);
		pt_walk(&pt, 0x40001000, &w);
		CHECK_EQ_U64(w.step[3].desc, 0x80005000 | ATTR_NORMAL | PTE_VALID | PTE_PAGE);
		CHECK_EQ_U64(w.step[3].index, 1);
		CHECK_EQ_U64(w.step[2].index, 0);
		CHECK_EQ_U64(w.step[1].index, 1);
		CHECK_EQ_U64(w.step[0].index, 0);
		CHECK_EQ_U64(w.step[0].table_pa, pt.root_pa);
	}
	/* Attribute bits outside the attribute fields never reach the descriptor. */
	CHECK_EQ_U64(
		pt_map(&pt, 0x40003000, 0x80007000, PAGE, ATTR_NORMAL | 0x0000fffffffff003ULL, 0),
		0);
	expect_leaf(&pt, 0x40003000, 0x80007000, 3, ATTR_NORMAL);
	/* A size of zero maps nothing. */
	CHECK_EQ_U64(pt_map(&pt, 0x50000000, 0x1000, 0, ATTR_NORMAL, 0), 0);
	expect_fault(&pt, 0x50000000, 2);
	destroy_and_check(&pt);
}

static void test_block_rules(void)
{
	struct pt pt;

	CHECK_EQ_U64(make_pt(&pt, 48, 0, 1), 0);
	/* 2 MiB at an aligned ia but a pa aligned to 4 KiB only: pages. */
	CHECK_EQ_U64(pt_map(&pt, 0x200000, 0x80001000, 2 * MiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 4);
	expect_leaf(&pt, 0x200000, 0x80001000, 3, ATTR_NORMAL);
	expect_leaf(&pt, 0x3ff000, 0x80200000, 3, ATTR_NORMAL);
	/* Aligned pa, misaligned ia: pages, across two level-3 tables. */
	CHECK_EQ_U64(pt_map(&pt, 0x401000, 0x80400000, 2 * MiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 6);
	expect_leaf(&pt, 0x401000, 0x80400000, 3, ATTR_NORMAL);
	expect_leaf(&pt, 0x600000, 0x805ff000, 3, ATTR_NORMAL);
	expect_fault(&pt, 0x601000, 3);
	expect_fault(&pt, 0x400000, 3);
	/* Everything aligned, but PT_MAP_NO_BLOCKS: pages. */
	CHECK_EQ_U64(pt_map(&pt, 0x800000, 0x800000, 2 * MiB, ATTR_NORMAL, PT_MAP_NO_BLOCKS), 0);
	CHECK_EQ_U64(pt.tables, 7);
	expect_leaf(&pt, 0x800000, 0x800000, 3, ATTR_NORMAL);
	expect_leaf(&pt, 0x9ff000, 0x9ff000, 3, ATTR_NORMAL);
	/* The same without the flag: one block, no table. */
	CHECK_EQ_U64(pt_map(&pt, 0xa00000, 0xa00000, 2 * MiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 7);
	expect_leaf(&pt, 0xa00000, 0xa00000, 2, ATTR_NORMAL);
	/* 2 MiB + 4 KiB: a block and a page. */
	CHECK_EQ_U64(pt_map(&pt, 0xc00000, 0xc00000, 2 * MiB + PAGE, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 8);
	expect_leaf(&pt, 0xc00000, 0xc00000, 2, ATTR_NORMAL);
	expect_leaf(&pt, 0xe00000, 0xe00000, 3, ATTR_NORMAL);
	expect_fault(&pt, 0xe01000, 3);
	/* 4 MiB - 4 KiB: a block, then 511 pages. */
	CHECK_EQ_U64(pt_map(&pt, 0x1000000, 0x1000000, 4 * MiB - PAGE, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 9);
	expect_leaf(&pt, 0x11fffff, 0x11fffff, 2, ATTR_NORMAL);
	expect_leaf(&pt, 0x13fe000, 0x13fe000, 3, ATTR_NORMAL);
	expect_fault(&pt, 0x13ff000, 3);
	/* 1 GiB with a pa aligned to 2 MiB only: 512 blocks of 2 MiB. */
	CHECK_EQ_U64(pt_map(&pt, GiB, 0x40200000ULL + 4 * GiB, GiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 10);
	expect_leaf(&pt, GiB, 0x40200000ULL + 4 * GiB, 2, ATTR_NORMAL);
	expect_leaf(&pt, 2 * GiB - 1, 0x40200000ULL + 5 * GiB - 1, 2, ATTR_NORMAL);
	/* 1 GiB, no blocks: 512 level-3 tables under one level-2 table. */
	CHECK_EQ_U64(pt_map(&pt, 2 * GiB, 2 * GiB, GiB, ATTR_NORMAL, PT_MAP_NO_BLOCKS), 0);
	CHECK_EQ_U64(pt.tables, 10 + 513);
	expect_leaf(&pt, 2 * GiB + 0x12345678, 2 * GiB + 0x12345678, 3, ATTR_NORMAL);
	/* 1 GiB aligned: a level-1 block. */
	CHECK_EQ_U64(pt_map(&pt, 3 * GiB, 3 * GiB, GiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 10 + 513);
	expect_leaf(&pt, 3 * GiB + 0x12345678, 3 * GiB + 0x12345678, 1, ATTR_NORMAL);
	/* No blocks at level 0: 512 GiB aligned still uses 1 GiB blocks. */
	CHECK_EQ_U64(pt_map(&pt, 512 * GiB, 0, 512 * GiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 10 + 513 + 1);
	expect_leaf(&pt, 1023 * GiB, 511 * GiB, 1, ATTR_NORMAL);
	CHECK_EQ_U64(inv_count, 0); /* nothing was ever replaced */
	destroy_and_check(&pt);
}

static void test_cross_boundaries(void)
{
	const uint64_t off = 16 * GiB;
	struct pt pt;

	CHECK_EQ_U64(make_pt(&pt, 48, 0, 1), 0);
	/* page | 2 MiB block | page, across a 1 GiB boundary. */
	CHECK_EQ_U64(pt_map(&pt, GiB - PAGE, GiB - PAGE + off, 2 * MiB + 2 * PAGE, ATTR_NORMAL, 0),
		     0);
	expect_fault(&pt, GiB - 2 * PAGE, 3);
	expect_leaf(&pt, GiB - PAGE, GiB - PAGE + off, 3, ATTR_NORMAL);
	expect_leaf(&pt, GiB, GiB + off, 2, ATTR_NORMAL);
	expect_leaf(&pt, GiB + 2 * MiB - 1, GiB + 2 * MiB - 1 + off, 2, ATTR_NORMAL);
	expect_leaf(&pt, GiB + 2 * MiB, GiB + 2 * MiB + off, 3, ATTR_NORMAL);
	expect_fault(&pt, GiB + 2 * MiB + PAGE, 3);
	/* page | block 2 MiB | block 1 GiB | block 2 MiB | page. */
	CHECK_EQ_U64(pt_map(&pt, 4 * GiB - 2 * MiB - PAGE, 4 * GiB - 2 * MiB - PAGE + off,
			    GiB + 4 * MiB + 2 * PAGE, ATTR_DEVICE, 0),
		     0);
	expect_leaf(&pt, 4 * GiB - 2 * MiB - PAGE, 4 * GiB - 2 * MiB - PAGE + off, 3, ATTR_DEVICE);
	expect_leaf(&pt, 4 * GiB - 2 * MiB, 4 * GiB - 2 * MiB + off, 2, ATTR_DEVICE);
	expect_leaf(&pt, 4 * GiB, 4 * GiB + off, 1, ATTR_DEVICE);
	expect_leaf(&pt, 5 * GiB, 5 * GiB + off, 2, ATTR_DEVICE);
	expect_leaf(&pt, 5 * GiB + 2 * MiB, 5 * GiB + 2 * MiB + off, 3, ATTR_DEVICE);
	expect_fault(&pt, 5 * GiB + 2 * MiB + PAGE, 3);
	expect_fault(&pt, 5 * GiB + 4 * MiB, 2);
	/* Across a level-0 entry (512 GiB). */
	CHECK_EQ_U64(pt_map(&pt, 512 * GiB - PAGE, 0x5000, 2 * PAGE, ATTR_NORMAL, 0), 0);
	expect_leaf(&pt, 512 * GiB - PAGE, 0x5000, 3, ATTR_NORMAL);
	expect_leaf(&pt, 512 * GiB, 0x6000, 3, ATTR_NORMAL);
	/* Up to the very top of the input range. */
	CHECK_EQ_U64(pt_map(&pt, (1ULL << 48) - GiB - PAGE, GiB - PAGE, GiB + PAGE, ATTR_NORMAL, 0),
		     0);
	expect_leaf(&pt, (1ULL << 48) - GiB - PAGE, GiB - PAGE, 3, ATTR_NORMAL);
	expect_leaf(&pt, (1ULL << 48) - 1, 2 * GiB - 1, 1, ATTR_NORMAL);
	destroy_and_check(&pt);
}

static void test_remap_splits(void)
{
	const uint64_t base = GiB, pa = 10 * GiB, hole = GiB + 5 * 2 * MiB + 3 * PAGE;
	struct pt pt;

	CHECK_EQ_U64(make_pt(&pt, 48, 0, 1), 0);
	CHECK_EQ_U64(pt_map(&pt, base, pa, GiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 2);
	CHECK_EQ_U64(inv_count, 0);
	/* One page inside: the 1 GiB block becomes 2 MiB blocks, one of them pages. */
	CHECK_EQ_U64(pt_map(&pt, hole, 0x12345000, PAGE, ATTR_DEVICE, 0), 0);
	CHECK_EQ_U64(pt.tables, 4);
	expect_leaf(&pt, hole, 0x12345000, 3, ATTR_DEVICE);
	for (uint64_t a = hole & ~(2 * MiB - 1); a < (hole | (2 * MiB - 1)); a += PAGE)
		if (a != hole)
			expect_leaf(&pt, a, pa + (a - base), 3, ATTR_NORMAL);
	for (uint64_t a = base; a < base + GiB; a += 2 * MiB)
		if (a != (hole & ~(2 * MiB - 1)))
			expect_leaf(&pt, a + 0x1234, pa + (a - base) + 0x1234, 2, ATTR_NORMAL);
	/* Break-before-make for the 1 GiB block, the 2 MiB block and the page, in that order. */
	CHECK_EQ_U64(inv_count, 3);
	CHECK_EQ_U64(inv_log[0].ia, base);
	CHECK_EQ_U64(inv_log[0].level, 1);
	CHECK_EQ_U64(inv_log[1].ia, hole & ~(2 * MiB - 1));
	CHECK_EQ_U64(inv_log[1].level, 2);
	CHECK_EQ_U64(inv_log[2].ia, hole);
	CHECK_EQ_U64(inv_log[2].level, 3);

	/* A block over the split 2 MiB frees its level-3 table. */
	inv_count = 0;
	CHECK_EQ_U64(pt_map(&pt, hole & ~(2 * MiB - 1), 20 * GiB, 2 * MiB, ATTR_RO, 0), 0);
	CHECK_EQ_U64(pt.tables, 3);
	CHECK_EQ_U64(inv_count, 1);
	expect_leaf(&pt, hole, 20 * GiB + (hole & (2 * MiB - 1)), 2, ATTR_RO);
	/* And a 1 GiB block over it all frees the level-2 table. */
	CHECK_EQ_U64(pt_map(&pt, base, 30 * GiB, GiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 2);
	CHECK_EQ_U64(live_pages, 2);
	expect_leaf(&pt, hole, 30 * GiB + (hole - base), 1, ATTR_NORMAL);

	/* Remapping a range of pages with a misaligned pa over a block: all pages. */
	CHECK_EQ_U64(pt_map(&pt, base + 2 * MiB, 0x7000, 4 * MiB, ATTR_DEVICE, 0), 0);
	expect_leaf(&pt, base + 2 * MiB, 0x7000, 3, ATTR_DEVICE);
	expect_leaf(&pt, base + 6 * MiB - PAGE, 0x7000 + 4 * MiB - PAGE, 3, ATTR_DEVICE);
	expect_leaf(&pt, base + 6 * MiB, 30 * GiB + 6 * MiB, 2, ATTR_NORMAL);
	expect_leaf(&pt, base + 2 * MiB - 1, 30 * GiB + 2 * MiB - 1, 2, ATTR_NORMAL);
	CHECK_EQ_U64(pt.tables, 5);
	destroy_and_check(&pt);
}

static void test_unmap(void)
{
	const uint64_t base = GiB, pa = 10 * GiB, hole = GiB + 3 * 2 * MiB + 7 * PAGE;
	struct pt pt;

	CHECK_EQ_U64(make_pt(&pt, 48, 0, 1), 0);
	/* Unmapping nothing is fine and touches nothing. */
	CHECK_EQ_U64(pt_unmap(&pt, 0, 1ULL << 48), 0);
	CHECK_EQ_U64(pt_unmap(&pt, 0x5000, 0), 0);
	CHECK_EQ_U64(pt.tables, 1);
	CHECK_EQ_U64(inv_count, 0);

	CHECK_EQ_U64(pt_map(&pt, base, pa, GiB, ATTR_NORMAL, 0), 0);
	/* A page out of a 1 GiB block: split twice, only that page gone. */
	CHECK_EQ_U64(pt_unmap(&pt, hole, PAGE), 0);
	CHECK_EQ_U64(pt.tables, 4);
	expect_fault(&pt, hole, 3);
	expect_leaf(&pt, hole - PAGE, pa + (hole - PAGE - base), 3, ATTR_NORMAL);
	expect_leaf(&pt, hole + PAGE, pa + (hole + PAGE - base), 3, ATTR_NORMAL);
	expect_leaf(&pt, base + 2 * MiB * 100, pa + 2 * MiB * 100, 2, ATTR_NORMAL);
	/* A whole 2 MiB block: no new table. */
	CHECK_EQ_U64(pt_unmap(&pt, base + 16 * MiB, 2 * MiB), 0);
	CHECK_EQ_U64(pt.tables, 4);
	expect_fault(&pt, base + 16 * MiB, 2);
	expect_fault(&pt, base + 18 * MiB - 1, 2);
	expect_leaf(&pt, base + 18 * MiB, pa + 18 * MiB, 2, ATTR_NORMAL);
	/* The rest: everything goes, tables included. */
	CHECK_EQ_U64(pt_unmap(&pt, base, GiB), 0);
	CHECK_EQ_U64(pt.tables, 1);
	CHECK_EQ_U64(live_pages, 1);
	expect_fault(&pt, base, 0);

	/* Unmapping exactly what was mapped gives every table back. */
	CHECK_EQ_U64(pt_map(&pt, 0x1000, 0x1000, 5 * MiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 5); /* pages | 2 MiB block | pages: two level-3 tables */
	expect_leaf(&pt, 0x200000, 0x200000, 2, ATTR_NORMAL);
	CHECK_EQ_U64(pt_unmap(&pt, 0x1000, 5 * MiB), 0);
	CHECK_EQ_U64(pt.tables, 1);
	CHECK_EQ_U64(live_pages, 1);
	/* Also piecewise, and with neighbours that keep their tables. */
	CHECK_EQ_U64(pt_map(&pt, 7 * GiB, 0, 4 * MiB, ATTR_NORMAL, PT_MAP_NO_BLOCKS), 0);
	CHECK_EQ_U64(pt_map(&pt, 7 * GiB + 4 * MiB, 0, PAGE, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt.tables, 6);
	CHECK_EQ_U64(pt_unmap(&pt, 7 * GiB + MiB, 3 * MiB), 0);
	CHECK_EQ_U64(pt.tables, 5);
	CHECK_EQ_U64(pt_unmap(&pt, 7 * GiB, MiB), 0);
	CHECK_EQ_U64(pt.tables, 4);
	expect_leaf(&pt, 7 * GiB + 4 * MiB, 0, 3, ATTR_NORMAL);
	CHECK_EQ_U64(pt_unmap(&pt, 7 * GiB + 4 * MiB, PAGE), 0);
	CHECK_EQ_U64(pt.tables, 1);
	CHECK_EQ_U64(live_pages, 1);

	/* Unmap across block boundaries: page edges split, blocks in between cleared. */
	CHECK_EQ_U64(pt_map(&pt, 0, 0, 4 * GiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt_unmap(&pt, GiB - PAGE, GiB + 2 * MiB + 2 * PAGE), 0);
	expect_leaf(&pt, GiB - 2 * PAGE, GiB - 2 * PAGE, 3, ATTR_NORMAL);
	expect_fault(&pt, GiB - PAGE, 3);
	expect_fault(&pt, GiB, 1);
	expect_fault(&pt, 2 * GiB, 2);
	expect_fault(&pt, 2 * GiB + 2 * MiB, 3);
	expect_leaf(&pt, 2 * GiB + 2 * MiB + PAGE, 2 * GiB + 2 * MiB + PAGE, 3, ATTR_NORMAL);
	expect_leaf(&pt, 2 * GiB + 4 * MiB, 2 * GiB + 4 * MiB, 2, ATTR_NORMAL);
	expect_leaf(&pt, 3 * GiB, 3 * GiB, 1, ATTR_NORMAL);
	destroy_and_check(&pt);
}

static void test_errors(void)
{
	const uint64_t top = 1ULL << 39;
	struct pt pt;

	CHECK_EQ_U64(make_pt(&pt, 39, 1, 1), 0);
	{
		struct pt_walk w;

		CHECK_EQ_U64(pt_walk(&pt, top, &w), ERR(E_RANGE));
		CHECK_EQ_U64(pt_walk(&pt, ~0ULL, &w), ERR(E_RANGE));
		CHECK(!w.mapped);
		CHECK_EQ_U64(pt_walk(&pt, top - 1, &w), 0);
		CHECK(!w.mapped);
		CHECK_EQ_U64(w.level, 1);
	}
	/* Beyond the input range: E_RANGE. */
	CHECK_EQ_U64(pt_map(&pt, top, 0, PAGE, ATTR_NORMAL, 0), ERR(E_RANGE));
	CHECK_EQ_U64(pt_map(&pt, top - PAGE, 0, 2 * PAGE, ATTR_NORMAL, 0), ERR(E_RANGE));
	CHECK_EQ_U64(pt_map(&pt, 2 * PAGE, 0, 0ULL - PAGE, ATTR_NORMAL, 0), ERR(E_RANGE));
	CHECK_EQ_U64(pt_map(&pt, 0ULL - PAGE, 0, PAGE, ATTR_NORMAL, 0), ERR(E_RANGE));
	CHECK_EQ_U64(pt_unmap(&pt, top, PAGE), ERR(E_RANGE));
	CHECK_EQ_U64(pt_unmap(&pt, PAGE, top), ERR(E_RANGE));
	/* Output beyond the 48-bit OA or wrapping around: E_RANGE. */
	CHECK_EQ_U64(pt_map(&pt, 0, 1ULL << 48, PAGE, ATTR_NORMAL, 0), ERR(E_RANGE));
	CHECK_EQ_U64(pt_map(&pt, 0, (1ULL << 48) - PAGE, 2 * PAGE, ATTR_NORMAL, 0), ERR(E_RANGE));
	CHECK_EQ_U64(pt_map(&pt, 0, 0ULL - PAGE, 2 * PAGE, ATTR_NORMAL, 0), ERR(E_RANGE));
	/* Not 4 KiB aligned: E_INVAL. */
	CHECK_EQ_U64(pt_map(&pt, 0x1001, 0, PAGE, ATTR_NORMAL, 0), ERR(E_INVAL));
	CHECK_EQ_U64(pt_map(&pt, 0x1000, 0x10, PAGE, ATTR_NORMAL, 0), ERR(E_INVAL));
	CHECK_EQ_U64(pt_map(&pt, 0x1000, 0, 0x800, ATTR_NORMAL, 0), ERR(E_INVAL));
	CHECK_EQ_U64(pt_unmap(&pt, 0x1800, PAGE), ERR(E_INVAL));
	CHECK_EQ_U64(pt_unmap(&pt, 0x1000, 1), ERR(E_INVAL));
	/* None of that changed anything. */
	CHECK_EQ_U64(pt.tables, 1);
	CHECK_EQ_U64(live_pages, 1);
	CHECK_EQ_U64(inv_count, 0);
	expect_fault(&pt, 0, 1);

	/* The last page of the input range and of the output range can be mapped. */
	CHECK_EQ_U64(pt_map(&pt, top - PAGE, (1ULL << 48) - PAGE, PAGE, ATTR_NORMAL, 0), 0);
	expect_leaf(&pt, top - 1, (1ULL << 48) - 1, 3, ATTR_NORMAL);
	CHECK_EQ_U64(pt_map(&pt, 0, (1ULL << 48) - GiB, GiB, ATTR_NORMAL, 0), 0);
	expect_leaf(&pt, GiB - 1, (1ULL << 48) - 1, 1, ATTR_NORMAL);
	/* Zero size: nothing, even at the very end. */
	CHECK_EQ_U64(pt_map(&pt, top, 0, 0, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt_unmap(&pt, top, 0), 0);
	destroy_and_check(&pt);
}

static void test_stage2_concatenated(void)
{
	const uint64_t top = 1ULL << 40;
	struct pt pt;
	struct pt_walk w;
	uint64_t *root1;

	/* 40-bit IPA from level 1: two concatenated root tables, 1024 entries. */
	CHECK_EQ_U64(make_pt(&pt, 40, 1, 2), 0);
	CHECK_EQ_U64(pt.tables, 2);
	CHECK_EQ_U64(live_pages, 2);
	CHECK_EQ_U64(pt_map(&pt, 513 * GiB, 2 * GiB, GiB, ATTR_S2, 0), 0);
	CHECK_EQ_U64(pt.tables, 2);
	expect_leaf(&pt, 513 * GiB + 0xabc, 2 * GiB + 0xabc, 1, ATTR_S2);
	pt_walk(&pt, 513 * GiB, &w);
	CHECK_EQ_U64(w.step[0].index, 513);
	CHECK_EQ_U64(w.step[0].table_pa, pt.root_pa);
	root1 = mem_pa_to_va(NULL, pt.root_pa + PAGE); /* entry 513 is in the second page */
	CHECK_EQ_U64(root1[1], w.step[0].desc);
	CHECK_EQ_U64(root1[1], 2 * GiB | ATTR_S2 | PTE_VALID);
	/* The very last page, and a range straddling the two root tables. */
	CHECK_EQ_U64(pt_map(&pt, top - PAGE, 0x1000, PAGE, ATTR_S2, 0), 0);
	expect_leaf(&pt, top - 1, 0x1fff, 3, ATTR_S2);
	pt_walk(&pt, top - 1, &w);
	CHECK_EQ_U64(w.step[0].index, 1023);
	CHECK_EQ_U64(pt_map(&pt, 512 * GiB - 2 * MiB, 0x200000, 4 * MiB, ATTR_S2, 0), 0);
	expect_leaf(&pt, 512 * GiB - 1, 0x3fffff, 2, ATTR_S2);
	expect_leaf(&pt, 512 * GiB, 0x400000, 2, ATTR_S2);
	pt_walk(&pt, 512 * GiB, &w);
	CHECK_EQ_U64(w.step[0].index, 512);
	pt_walk(&pt, 512 * GiB - 1, &w);
	CHECK_EQ_U64(w.step[0].index, 511);
	expect_fault(&pt, 0, 1);
	CHECK_EQ_U64(pt_walk(&pt, top, &w), ERR(E_RANGE));
	CHECK_EQ_U64(pt_map(&pt, top, 0, PAGE, ATTR_S2, 0), ERR(E_RANGE));
	/* Unmapping everything leaves the two root pages; destroy frees both. */
	CHECK_EQ_U64(pt_unmap(&pt, 0, top), 0);
	CHECK_EQ_U64(pt.tables, 2);
	CHECK_EQ_U64(live_pages, 2);
	destroy_and_check(&pt);

	/* 34-bit IPA from level 2: sixteen root tables, 8192 entries of 2 MiB. */
	CHECK_EQ_U64(make_pt(&pt, 34, 2, 16), 0);
	CHECK_EQ_U64(pt_map(&pt, 0, 0, 16 * GiB, ATTR_S2, 0), 0);
	CHECK_EQ_U64(pt.tables, 16);
	expect_leaf(&pt, 15 * GiB + 3, 15 * GiB + 3, 2, ATTR_S2);
	pt_walk(&pt, 15 * GiB, &w);
	CHECK_EQ_U64(w.step[0].index, 7680);
	CHECK_EQ_U64(pt_map(&pt, 15 * GiB, 0x1000, PAGE, ATTR_S2, 0), 0);
	expect_leaf(&pt, 15 * GiB, 0x1000, 3, ATTR_S2);
	CHECK_EQ_U64(pt.tables, 17);
	destroy_and_check(&pt);
}

/* Break-before-make: invalidate exactly when a valid entry is replaced, never otherwise. */
static void test_invalidate(void)
{
	struct pt pt;

	CHECK_EQ_U64(make_pt(&pt, 48, 0, 1), 0);
	CHECK_EQ_U64(pt_map(&pt, 0x200000, 0x1000, PAGE, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0x201000, 0x2000, PAGE, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(inv_count, 0); /* new entries, new tables: nothing to break */
	CHECK_EQ_U64(pt_map(&pt, 0x200000, 0x9000, PAGE, ATTR_DEVICE, 0), 0);
	CHECK_EQ_U64(inv_count, 1);
	CHECK_EQ_U64(inv_log[0].ia, 0x200000);
	CHECK_EQ_U64(inv_log[0].level, 3);
	/* Same mapping again: still a replacement of a valid entry. */
	CHECK_EQ_U64(pt_map(&pt, 0x200000, 0x9000, PAGE, ATTR_DEVICE, 0), 0);
	CHECK_EQ_U64(inv_count, 2);
	/* A block over the level-3 table: the table entry is broken. */
	inv_count = 0;
	CHECK_EQ_U64(pt_map(&pt, 0x200000, 0x200000, 2 * MiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(inv_count, 1);
	CHECK_EQ_U64(inv_log[0].ia, 0x200000);
	CHECK_EQ_U64(inv_log[0].level, 2);
	/* Unmapping holes: nothing. */
	inv_count = 0;
	CHECK_EQ_U64(pt_unmap(&pt, 0x400000, 100 * MiB), 0);
	CHECK_EQ_U64(pt_unmap(&pt, 0, 0x200000), 0);
	CHECK_EQ_U64(inv_count, 0);
	/* The last mapping goes: the block, then each table left empty, from the bottom. */
	CHECK_EQ_U64(pt_unmap(&pt, 0x200000, 2 * MiB), 0);
	CHECK_EQ_U64(inv_count, 3);
	CHECK_EQ_U64(inv_log[0].level, 2);
	CHECK_EQ_U64(inv_log[1].level, 1);
	CHECK_EQ_U64(inv_log[2].level, 0);
	CHECK_EQ_U64(inv_log[2].ia, 0);
	CHECK_EQ_U64(pt.tables, 1);
	CHECK_EQ_U64(inv_errors, 0);
	destroy_and_check(&pt);

	/* Without a callback (tables not live yet) everything still works. */
	CHECK_EQ_U64(make_pt(&pt, 39, 1, 1), 0);
	pt.invalidate = NULL;
	CHECK_EQ_U64(pt_map(&pt, 0, 0, GiB, ATTR_NORMAL, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0x5000, 0x1000, PAGE, ATTR_DEVICE, 0), 0);
	expect_leaf(&pt, 0x5000, 0x1000, 3, ATTR_DEVICE);
	expect_leaf(&pt, 0x6000, 0x6000, 3, ATTR_NORMAL);
	CHECK_EQ_U64(pt_unmap(&pt, 0, GiB), 0);
	CHECK_EQ_U64(inv_count, 0);
	CHECK_EQ_U64(pt.tables, 1);
	destroy_and_check(&pt);

	/* Without a free callback, emptied tables stay in place to be reused. */
	CHECK_EQ_U64(make_pt(&pt, 39, 1, 1), 0);
	pt.free = NULL;
	CHECK_EQ_U64(pt_map(&pt, 0x5000, 0x1000, PAGE, ATTR_DEVICE, 0), 0);
	CHECK_EQ_U64(pt_unmap(&pt, 0x5000, PAGE), 0);
	CHECK_EQ_U64(pt.tables, 3);
	CHECK_EQ_U64(pt_map(&pt, 0x7000, 0x1000, PAGE, ATTR_DEVICE, 0), 0);
	CHECK_EQ_U64(pt.tables, 3);
	CHECK_EQ_U64(live_pages, 3);
	pt_destroy(&pt);
	CHECK_EQ_U64(mem_errors, 0);
	mem_reset();
}

static void test_nomem(void)
{
	struct pt pt;

	CHECK_EQ_U64(make_pt(&pt, 48, 0, 1), 0);
	/* A page needs three new tables: fail each allocation in turn (each in a fresh area). */
	for (int k = 0; k < 3; k++) {
		uint64_t ia = (uint64_t)(k + 1) * 512 * GiB;

		fail_countdown = k;
		CHECK_EQ_U64(pt_map(&pt, ia, 0x1000, PAGE, ATTR_NORMAL, 0), ERR(E_NOMEM));
		CHECK_EQ_U64(pt.tables, live_pages);
		expect_fault(&pt, ia, (unsigned int)k);
	}
	fail_countdown = -1;
	CHECK_EQ_U64(pt_map(&pt, 0x40000000, 0x1000, PAGE, ATTR_NORMAL, 0), 0);
	expect_leaf(&pt, 0x40000000, 0x1000, 3, ATTR_NORMAL);
	/* Splitting a block needs a table: when that fails, the block stays whole. */
	CHECK_EQ_U64(pt_map(&pt, 4 * GiB, 8 * GiB, GiB, ATTR_NORMAL, 0), 0);
	fail_countdown = 0;
	CHECK_EQ_U64(pt_map(&pt, 4 * GiB + PAGE, 0, PAGE, ATTR_DEVICE, 0), ERR(E_NOMEM));
	CHECK_EQ_U64(pt_unmap(&pt, 4 * GiB + PAGE, PAGE), ERR(E_NOMEM));
	expect_leaf(&pt, 4 * GiB + PAGE, 8 * GiB + PAGE, 1, ATTR_NORMAL);
	fail_countdown = 1;
	CHECK_EQ_U64(pt_unmap(&pt, 4 * GiB + PAGE, PAGE), ERR(E_NOMEM));
	expect_leaf(&pt, 4 * GiB + PAGE, 8 * GiB + PAGE, 2, ATTR_NORMAL);
	CHECK_EQ_U64(pt.tables, live_pages);
	fail_countdown = -1;
	destroy_and_check(&pt);
}

/* ---- Reference model: sorted, disjoint intervals [start, end) -> pa, attrs. ---- */

struct ival {
	uint64_t start, end, pa, attrs;
};

static struct ival *model;
static size_t model_n, model_cap;

static void model_reset(void)
{
	free(model);
	model = NULL;
	model_n = model_cap = 0;
}

/* First interval with end > ia. */
static size_t model_lower(uint64_t ia)
{
	size_t lo = 0, hi = model_n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (model[mid].end <= ia)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void model_reserve(size_t n)
{
	if (n <= model_cap)
		return;
	model_cap = n * 2 + 16;
	model = realloc(model, model_cap * sizeof(*model));
	if (!model)
		abort();
}

static void model_remove(uint64_t start, uint64_t end)
{
	size_t i = model_lower(start), j = i;
	struct ival keep[2];
	size_t nk = 0;

	while (j < model_n && model[j].start < end)
		j++;
	if (i == j)
		return;
	if (model[i].start < start) {
		keep[nk] = model[i];
		keep[nk++].end = start;
	}
	if (model[j - 1].end > end) {
		keep[nk] = model[j - 1];
		keep[nk].pa += end - keep[nk].start;
		keep[nk++].start = end;
	}
	model_reserve(model_n + 2);
	memmove(&model[i + nk], &model[j], (model_n - j) * sizeof(*model));
	memcpy(&model[i], keep, nk * sizeof(*model));
	model_n = model_n - (j - i) + nk;
}

static void model_map(uint64_t start, uint64_t end, uint64_t pa, uint64_t attrs)
{
	size_t i;

	model_remove(start, end);
	i = model_lower(start);
	model_reserve(model_n + 1);
	memmove(&model[i + 1], &model[i], (model_n - i) * sizeof(*model));
	model[i] = (struct ival){ start, end, pa, attrs & PTE_ATTR_MASK };
	model_n++;
}

static bool model_any(uint64_t start, uint64_t end)
{
	size_t i = model_lower(start);

	return i < model_n && model[i].start < end;
}

/* [start, start + size) is mapped throughout, linearly from pa, with attrs. */
static bool model_covers(uint64_t start, uint64_t size, uint64_t pa, uint64_t attrs)
{
	uint64_t need = start, end = start + size;
	size_t i = model_lower(start);

	while (need < end) {
		if (i >= model_n || model[i].start > need ||
		    model[i].pa + (need - model[i].start) != pa + (need - start) ||
		    model[i].attrs != attrs)
			return false;
		need = model[i].end < end ? model[i].end : end;
		i++;
	}
	return true;
}

static uint64_t model_bytes(void)
{
	uint64_t n = 0;

	for (size_t i = 0; i < model_n; i++)
		n += model[i].end - model[i].start;
	return n;
}

/* ---- Whole-tree audit: every leaf agrees with the model, tables are counted right. ---- */

struct audit {
	unsigned int tables, empty_tables, bad_leaves;
	uint64_t mapped;
};

static void audit_table(const struct pt *pt, uint64_t table_pa, unsigned int level, uint64_t base,
			struct audit *a)
{
	const uint64_t *t = mem_pa_to_va(NULL, table_pa);
	unsigned int n = level == pt->start_level ? PT_ENTRIES * pt->root_tables : PT_ENTRIES;
	bool any = false;

	a->tables += level == pt->start_level ? pt->root_tables : 1;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t desc = t[i], ia = base + (uint64_t)i * PT_LEVEL_SIZE(level);

		if (!(desc & PTE_VALID))
			continue;
		any = true;
		if (level < 3 && (desc & PTE_TABLE)) {
			audit_table(pt, desc & PTE_OA_MASK, level + 1, ia, a);
			continue;
		}
		if (level == 0 || (level == 3 && !(desc & PTE_PAGE)) ||
		    (desc & PTE_OA_MASK & (PT_LEVEL_SIZE(level) - 1)) ||
		    !model_covers(ia, PT_LEVEL_SIZE(level), desc & PTE_OA_MASK,
				  desc & PTE_ATTR_MASK)) {
			if (a->bad_leaves++ < 5)
				fprintf(stderr, "  leaf at 0x%llx level %u desc 0x%llx disagrees\n",
					(unsigned long long)ia, level, (unsigned long long)desc);
		}
		a->mapped += PT_LEVEL_SIZE(level);
	}
	if (!any && level != pt->start_level)
		a->empty_tables++;
}

static void audit(const struct pt *pt, const char *when)
{
	struct audit a = { 0 };

	audit_table(pt, pt->root_pa, pt->start_level, 0, &a);
	if (a.bad_leaves || a.empty_tables || a.tables != pt->tables || a.tables != live_pages ||
	    a.mapped != model_bytes()) {
		fprintf(stderr,
			"  audit %s: %u bad leaves, %u empty tables, %u tables (pt says %u, %u "
			"live), 0x%llx mapped (model 0x%llx)\n",
			when, a.bad_leaves, a.empty_tables, a.tables, pt->tables, live_pages,
			(unsigned long long)a.mapped, (unsigned long long)model_bytes());
		test_failures_in_case++;
	}
}

/* ---- Randomised map/unmap against the model. ---- */

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t rand_size(void)
{
	unsigned int shift;

	switch (rnd() % 6) {
	case 0:
	case 1:
		return (1 + rnd_below(64)) * PAGE;
	case 2:
		return (1 + rnd_below(8)) * 2 * MiB + (rnd() % 3 == 0 ? PAGE : 0);
	case 3:
		return (1 + rnd_below(3)) * GiB + (rnd() % 2 ? rnd_below(1024) * PAGE : 0);
	default:
		shift = 12 + (unsigned int)rnd_below(21); /* 4 KiB .. 4 GiB */
		return ((1ULL << shift) | (rnd() & ((1ULL << shift) - 1))) & ~(PAGE - 1);
	}
}

/* Addresses worth walking after an operation on [start, end). */
static bool check_one(const struct pt *pt, uint64_t ia)
{
	uint64_t limit = 1ULL << pt->ia_bits;
	struct pt_walk w;
	size_t i;
	int ret;

	if (ia >= limit)
		return pt_walk(pt, ia, &w) == E_RANGE;
	ret = pt_walk(pt, ia, &w);
	i = model_lower(ia);
	if (ret != 0)
		return false;
	if (i >= model_n || model[i].start > ia)
		return !w.mapped && w.step[w.n_steps - 1].desc == 0;
	if (!w.mapped || w.level == 0 || w.size != PT_LEVEL_SIZE(w.level) ||
	    w.pa != model[i].pa + (ia - model[i].start) || w.attrs != model[i].attrs ||
	    (w.step[w.n_steps - 1].desc & 3) != (w.level == 3 ? 3U : 1U))
		return false;
	return model_covers(ia & ~(w.size - 1), w.size, w.pa - (ia & (w.size - 1)), w.attrs);
}

struct rand_cfg {
	unsigned int ia_bits, level, roots, ops;
};

static void run_random(const struct rand_cfg *cfg)
{
	const uint64_t limit = 1ULL << cfg->ia_bits;
	const uint64_t window = limit < 8 * GiB ? limit : 8 * GiB;
	unsigned int bad = 0, maps = 0, unmaps = 0, max_tables = 0;
	struct pt pt;

	model_reset();
	CHECK_EQ_U64(make_pt(&pt, cfg->ia_bits, cfg->level, cfg->roots), 0);
	inv_was_mapped = model_any; /* the model still holds the state before each operation */
	for (unsigned int op = 0; op < cfg->ops; op++) {
		uint64_t lo = rnd() % 3 ? 0 : limit - window; /* bottom or top of the range */
		uint64_t start, size, pa = 0, attrs = rnd() & PTE_ATTR_MASK;
		unsigned int flags = rnd() % 8 == 0 ? PT_MAP_NO_BLOCKS : 0;
		bool is_map = rnd() % 5 < 3, had;
		int ret;

		if (rnd() % 8 == 0)
			lo = 0, start = rnd_below(limit / PAGE) * PAGE;
		else
			start = lo + rnd_below(window / PAGE) * PAGE;
		switch (rnd() % 4) {
		case 0:
			start &= ~(2 * MiB - 1);
			break;
		case 1:
			start &= ~(GiB - 1);
			break;
		default:
			break;
		}
		size = rand_size();
		if (size > limit / 4) /* small ranges: keep most operations partial */
			size = PAGE + (size % (limit / 4) & ~(PAGE - 1));
		if (size > limit - start)
			size = limit - start;
		if (is_map) {
			/* Mostly congruent with ia modulo 1 GiB, so that blocks are possible. */
			if (rnd() % 4)
				pa = (start & (GiB - 1)) + rnd_below(64) * GiB;
			else
				pa = rnd_below(1ULL << 24) * PAGE;
			if ((flags || ((pa ^ start) & (2 * MiB - 1))) && size > 64 * MiB)
				size = 64 * MiB; /* all pages: keep the table count sane */
		}
		had = model_any(start, start + size);
		inv_count = 0;
		if (is_map) {
			ret = pt_map(&pt, start, pa, size, attrs, flags);
			model_map(start, start + size, pa, attrs);
			maps++;
		} else {
			ret = pt_unmap(&pt, start, size);
			model_remove(start, start + size);
			unmaps++;
		}
		if (ret != 0 || (inv_count > 0) != had) {
			if (bad++ < 5)
				fprintf(stderr, "  op %u: %s 0x%llx+0x%llx = %d, %u invalidates\n",
					op, is_map ? "map" : "unmap", (unsigned long long)start,
					(unsigned long long)size, ret, inv_count);
		}
		{
			uint64_t probes[48];
			unsigned int np = 0;
			uint64_t end = start + size;

			probes[np++] = start;
			probes[np++] = start - PAGE;
			probes[np++] = start - 1;
			probes[np++] = end - 1;
			probes[np++] = end;
			probes[np++] = end + PAGE - 1;
			probes[np++] = (start & ~(2 * MiB - 1)) + 2 * MiB;
			probes[np++] = (start & ~(GiB - 1)) + GiB - PAGE;
			while (np < 32)
				probes[np++] = start + rnd_below(size);
			while (np < 44)
				probes[np++] = lo + rnd_below(window);
			while (np < 48)
				probes[np++] = rnd_below(limit);
			for (unsigned int k = 0; k < np; k++)
				if (!check_one(&pt, probes[k]) && bad++ < 5)
					fprintf(stderr,
						"  op %u: walk 0x%llx disagrees with model\n", op,
						(unsigned long long)probes[k]);
		}
		if (pt.tables > max_tables)
			max_tables = pt.tables;
		if (op % 64 == 63)
			audit(&pt, "periodic");
	}
	audit(&pt, "final");
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(inv_errors, 0);
	CHECK(maps > cfg->ops / 2 && unmaps > cfg->ops / 4);
	printf("     %u-bit from level %u x%u: %u ops, %zu intervals, up to %u tables\n",
	       cfg->ia_bits, cfg->level, cfg->roots, cfg->ops, model_n, max_tables);
	/* Unmapping everything returns to the root alone; destroy frees the rest. */
	if (rnd() % 2) {
		CHECK_EQ_U64(pt_unmap(&pt, 0, limit), 0);
		model_remove(0, limit);
		CHECK_EQ_U64(pt.tables, cfg->roots);
		audit(&pt, "after unmapping all");
	}
	inv_was_mapped = NULL;
	destroy_and_check(&pt);
	model_reset();
}

static void test_random(void)
{
	static const struct rand_cfg cfgs[] = {
		{ 48, 0, 1, 3000 },  /* EL2 stage 1, 4 levels */
		{ 39, 1, 1, 3000 },  /* 3 levels */
		{ 40, 1, 2, 3000 },  /* Stage-2, two concatenated roots */
		{ 32, 1, 1, 2000 },  /* small: the window is the whole range */
		{ 34, 2, 16, 2000 }, /* Stage-2 from level 2, sixteen roots */
	};

	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		run_random(&cfgs[i]);
}

int main(void)
{
	RUN(test_start_level);
	RUN(test_init);
	RUN(test_map_and_walk);
	RUN(test_block_rules);
	RUN(test_cross_boundaries);
	RUN(test_remap_splits);
	RUN(test_unmap);
	RUN(test_errors);
	RUN(test_stage2_concatenated);
	RUN(test_invalidate);
	RUN(test_nomem);
	RUN(test_random);
	return TEST_SUMMARY();
}
