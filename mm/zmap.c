// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The zero map (mm/zmap.h): bitmaps of 1 MiB blocks under one lock. */
#include "mm/zmap.h"

#include "kernel/arch/arch.h"
#include "kernel/arch/spinlock.h"

#define WORDS (ZMAP_MAX_BLOCKS / 64)

static struct spinlock lock;
static uint64_t span_base;
static unsigned int span_blocks;
static unsigned int cursor; /* where the next zmap_check_some() looks first */
/*
 * clean: zero, cleaned to the PoC, and nobody may have written it since.
 * unseen: free and never owned since boot, not yet read.
 * checking: an idle CPU is reading it; spoiled: something may have written it meanwhile.
 */
static uint64_t clean[WORDS], unseen[WORDS], checking[WORDS], spoiled[WORDS];

static bool test_bit(const uint64_t *map, unsigned int b)
{
	return map[b / 64] >> (b % 64) & 1;
}

static void set_bit(uint64_t *map, unsigned int b)
{
	map[b / 64] |= 1ULL << (b % 64);
}

static void clear_bit(uint64_t *map, unsigned int b)
{
	map[b / 64] &= ~(1ULL << (b % 64));
}

/*
 * The blocks [*first, *end) that [base, base + size) covers: 'whole' only those it covers
 * entirely, else every block it touches. False when there are none in the span.
 */
static bool blocks(uint64_t base, uint64_t size, bool whole, unsigned int *first, unsigned int *end)
{
	uint64_t lo, hi;

	if (!size || base + size < base || base + size <= span_base)
		return false;
	if (base < span_base) {
		size -= span_base - base;
		base = span_base;
	}
	lo = base - span_base;
	hi = lo + size;
	if (whole) {
		lo = (lo + ZMAP_BLOCK - 1) >> ZMAP_BLOCK_SHIFT;
		hi >>= ZMAP_BLOCK_SHIFT;
	} else {
		lo >>= ZMAP_BLOCK_SHIFT;
		hi = (hi + ZMAP_BLOCK - 1) >> ZMAP_BLOCK_SHIFT;
	}
	if (hi > span_blocks)
		hi = span_blocks;
	if (lo >= hi)
		return false;
	*first = (unsigned int)lo;
	*end = (unsigned int)hi;
	return true;
}

void zmap_init(uint64_t base, uint64_t size)
{
	uint64_t n = size >> ZMAP_BLOCK_SHIFT;

	spin_lock(&lock);
	span_base = base & ~(ZMAP_BLOCK - 1);
	span_blocks = n > ZMAP_MAX_BLOCKS ? ZMAP_MAX_BLOCKS : (unsigned int)n;
	cursor = 0;
	for (unsigned int i = 0; i < WORDS; i++)
		clean[i] = unseen[i] = checking[i] = spoiled[i] = 0;
	spin_unlock(&lock);
}

void zmap_unseen(uint64_t base, uint64_t size)
{
	unsigned int b, end;

	spin_lock(&lock);
	if (blocks(base, size, true, &b, &end))
		for (; b < end; b++)
			set_bit(unseen, b);
	spin_unlock(&lock);
}

/* Under the lock: [b, end) may be written from now on. */
static void dirty(unsigned int b, unsigned int end, bool keep_clean)
{
	for (; b < end; b++) {
		if (!keep_clean)
			clear_bit(clean, b);
		clear_bit(unseen, b);
		if (test_bit(checking, b))
			set_bit(spoiled, b);
	}
}

void zmap_pmem_change(uint64_t base, uint64_t size, bool taken, bool tracked)
{
	unsigned int b, end;

	spin_lock(&lock);
	/*
	 * Taken as VM RAM, nothing writes the range before the VM's start forgets it; a check
	 * under way is still dropped, so only zmap_mark_clean() and a finished read mark it.
	 */
	if (blocks(base, size, false, &b, &end)) {
		if (taken || !tracked)
			dirty(b, end, tracked);
	}
	spin_unlock(&lock);
}

void zmap_forget(uint64_t base, uint64_t size)
{
	unsigned int b, end;

	spin_lock(&lock);
	if (blocks(base, size, false, &b, &end))
		dirty(b, end, false);
	spin_unlock(&lock);
}

void zmap_mark_clean(uint64_t base, uint64_t size)
{
	unsigned int b, end;

	spin_lock(&lock);
	if (blocks(base, size, true, &b, &end))
		for (; b < end; b++)
			set_bit(clean, b);
	spin_unlock(&lock);
}

bool zmap_is_clean(uint64_t base, uint64_t size)
{
	unsigned int b, end;
	bool all = true;

	spin_lock(&lock);
	if (!blocks(base, size, false, &b, &end) || base < span_base ||
	    base + size > span_base + ((uint64_t)span_blocks << ZMAP_BLOCK_SHIFT))
		all = false;
	else
		for (; b < end && all; b++)
			all = test_bit(clean, b);
	spin_unlock(&lock);
	return all;
}

bool zmap_range_is_zero(uint64_t pa, uint64_t size)
{
	const uint64_t *p = (const uint64_t *)(uintptr_t)pa, *end = p + size / 8;

	/* A cache line's worth at a time: eight loads, one test. */
	for (; p < end; p += 8)
		if (p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7])
			return false;
	return true;
}

/* Under the lock: the next unseen block from the cursor on, or span_blocks. */
static unsigned int next_unseen(void)
{
	for (unsigned int i = 0; i < span_blocks; i++) {
		unsigned int b = (cursor + i) % span_blocks;

		if (!unseen[b / 64]) {
			unsigned int step = 64 - b % 64; /* the rest of an empty word */

			if (b + step > span_blocks)
				step = span_blocks - b;
			i += step - 1;
			continue;
		}
		if (test_bit(unseen, b))
			return b;
	}
	return span_blocks;
}

bool zmap_check_claim(uint64_t *pa)
{
	unsigned int b;

	spin_lock(&lock);
	b = span_blocks ? next_unseen() : span_blocks;
	if (b < span_blocks) {
		clear_bit(unseen, b);
		set_bit(checking, b);
		cursor = b + 1;
	}
	spin_unlock(&lock);
	*pa = span_base + ((uint64_t)b << ZMAP_BLOCK_SHIFT);
	return b < span_blocks;
}

void zmap_check_done(uint64_t pa, bool zero)
{
	unsigned int b = (unsigned int)((pa - span_base) >> ZMAP_BLOCK_SHIFT);

	spin_lock(&lock);
	if (zero && !test_bit(spoiled, b))
		set_bit(clean, b);
	clear_bit(checking, b);
	clear_bit(spoiled, b);
	spin_unlock(&lock);
}

bool zmap_check_some(void)
{
	uint64_t pa;
	bool zero;

	if (!zmap_check_claim(&pa))
		return false;
	zero = zmap_range_is_zero(pa, ZMAP_BLOCK);
	/*
	 * A guest starts with its MMU off and reads memory, not the cache: push any dirty zero
	 * lines to the PoC. dcache_clean_range() ends with a DSB, so the clean completes before
	 * zmap_check_done()'s unlock publishes the block as clean.
	 */
	if (zero)
		dcache_clean_range(pa, ZMAP_BLOCK);
	zmap_check_done(pa, zero);
	return true;
}

void zmap_counts(uint64_t *clean_bytes, uint64_t *unseen_bytes)
{
	unsigned int c = 0, u = 0;

	spin_lock(&lock);
	for (unsigned int b = 0; b < span_blocks; b++) {
		c += test_bit(clean, b);
		u += test_bit(unseen, b) || test_bit(checking, b);
	}
	spin_unlock(&lock);
	*clean_bytes = (uint64_t)c << ZMAP_BLOCK_SHIFT;
	*unseen_bytes = (uint64_t)u << ZMAP_BLOCK_SHIFT;
}
