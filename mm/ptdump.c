// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Depth-first walk over every valid leaf, merging neighbours into runs. Portable. */
#include "mm/ptdump.h"

#include <stdbool.h>

struct run {
	bool open;
	uint64_t ia, pa, size, attrs;
	pt_run_fn fn;
	void *ctx;
	unsigned int count;
};

static void emit(struct run *r)
{
	if (r->open) {
		r->fn(r->ctx, r->ia, r->pa, r->size, r->attrs);
		r->count++;
		r->open = false;
	}
}

static void leaf(struct run *r, uint64_t ia, uint64_t pa, uint64_t size, uint64_t attrs)
{
	if (r->open && r->ia + r->size == ia && r->pa + r->size == pa && r->attrs == attrs) {
		r->size += size;
		return;
	}
	emit(r);
	*r = (struct run){ .open = true,
			   .ia = ia,
			   .pa = pa,
			   .size = size,
			   .attrs = attrs,
			   .fn = r->fn,
			   .ctx = r->ctx,
			   .count = r->count };
}

static void walk(const struct pt *pt, uint64_t table_pa, unsigned int level, uint64_t base,
		 unsigned int entries, struct run *r)
{
	const uint64_t *t = pt->pa_to_va(pt->ctx, table_pa);
	uint64_t step = PT_LEVEL_SIZE(level);

	for (unsigned int i = 0; i < entries; i++) {
		uint64_t d = t[i], ia = base + i * step;

		if (!(d & PTE_VALID))
			continue;
		if (level < 3 && (d & PTE_TABLE))
			walk(pt, d & PTE_OA_MASK, level + 1, ia, PT_ENTRIES, r);
		else if (level == 3 ? (d & PTE_PAGE) : (level == 1 || level == 2))
			leaf(r, ia, d & PTE_OA_MASK & ~(step - 1), step, d & PTE_ATTR_MASK);
	}
}

unsigned int pt_for_each_run(const struct pt *pt, pt_run_fn fn, void *ctx)
{
	struct run r = { .fn = fn, .ctx = ctx };
	unsigned int entries = PT_ENTRIES * pt->root_tables;
	uint64_t covered = 1UL << (PT_LEVEL_SHIFT(pt->start_level) + 9);

	/* A root that covers more than ia_bits only has its low entries in use. */
	if (pt->root_tables == 1 && pt->ia_bits < PT_LEVEL_SHIFT(pt->start_level) + 9)
		entries = (unsigned int)((1UL << pt->ia_bits) / (covered / PT_ENTRIES));
	walk(pt, pt->root_pa, pt->start_level, 0, entries, &r);
	emit(&r);
	return r.count;
}
