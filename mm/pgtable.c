// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Translation-table builder and walker for the 4 KiB granule (Arm ARM D8.3). */
#include "mm/pgtable.h"

#include <stddef.h>

#include "kernel/lib/err.h"

static uint64_t *table_va(const struct pt *pt, uint64_t pa)
{
	return pt->pa_to_va(pt->ctx, pa);
}

static uint64_t *alloc_table(struct pt *pt, uint64_t *pa)
{
	uint64_t *t = pt->alloc(pt->ctx, 1, pa);

	if (t)
		pt->tables++;
	return t;
}

static bool is_table(uint64_t desc, unsigned int level)
{
	return level < 3 && (desc & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE);
}

/* Entries the table at 'level' has: 512, or 512 * root_tables at the start level. */
static unsigned int entries_at(const struct pt *pt, unsigned int level)
{
	return level == pt->start_level ? PT_ENTRIES * pt->root_tables : PT_ENTRIES;
}

static unsigned int index_at(const struct pt *pt, uint64_t ia, unsigned int level)
{
	return (unsigned int)((ia >> PT_LEVEL_SHIFT(level)) & (entries_at(pt, level) - 1));
}

/* Blocks exist at level 1 (1 GiB) and level 2 (2 MiB) on the 4 KiB granule; level 3 has pages. */
static bool block_allowed(unsigned int level)
{
	return level == 1 || level == 2;
}

static uint64_t leaf_desc(uint64_t pa, uint64_t attrs, unsigned int level)
{
	return (pa & PTE_OA_MASK) | (attrs & PTE_ATTR_MASK) | PTE_VALID |
	       (level == 3 ? PTE_PAGE : 0);
}

/* Write 'desc' over a live entry, breaking it first when the old one was valid. */
static void set_entry(struct pt *pt, uint64_t *entry, uint64_t desc, uint64_t ia,
		      unsigned int level)
{
	if (pt->invalidate && (*entry & PTE_VALID)) {
		*entry = 0;
		pt->invalidate(pt->ctx, ia, level);
	}
	*entry = desc;
}

static void free_tree(struct pt *pt, uint64_t table_pa, unsigned int level)
{
	uint64_t *t = table_va(pt, table_pa);

	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		if (is_table(t[i], level))
			free_tree(pt, t[i] & PTE_OA_MASK, level + 1);
	if (pt->free)
		pt->free(pt->ctx, table_pa);
	pt->tables--;
}

static bool table_empty(const struct pt *pt, uint64_t table_pa)
{
	const uint64_t *t = table_va(pt, table_pa);

	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		if (t[i] & PTE_VALID)
			return false;
	return true;
}

/* Replace the block at *entry by a table of the next level with the same mappings. */
static int split_block(struct pt *pt, uint64_t *entry, uint64_t ia, unsigned int level)
{
	uint64_t old = *entry, tpa;
	uint64_t step = PT_LEVEL_SIZE(level + 1);
	uint64_t *t = alloc_table(pt, &tpa);

	if (!t)
		return E_NOMEM;
	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		t[i] = leaf_desc((old & PTE_OA_MASK) + i * step, old & PTE_ATTR_MASK, level + 1);
	set_entry(pt, entry, tpa | PTE_VALID | PTE_TABLE, ia & ~(PT_LEVEL_SIZE(level) - 1), level);
	return 0;
}

static int map_level(struct pt *pt, uint64_t table_pa, unsigned int level, uint64_t ia, uint64_t pa,
		     uint64_t size, uint64_t attrs, unsigned int flags)
{
	uint64_t *t = table_va(pt, table_pa);
	uint64_t bsize = PT_LEVEL_SIZE(level);

	while (size) {
		uint64_t *entry = &t[index_at(pt, ia, level)];
		uint64_t chunk = bsize - (ia & (bsize - 1));
		int ret;

		if (chunk > size)
			chunk = size;
		if (level == 3 || (block_allowed(level) && !(flags & PT_MAP_NO_BLOCKS) &&
				   chunk == bsize && !(pa & (bsize - 1)))) {
			uint64_t old = *entry;

			set_entry(pt, entry, leaf_desc(pa, attrs, level), ia, level);
			if (is_table(old, level))
				free_tree(pt, old & PTE_OA_MASK, level + 1);
		} else {
			uint64_t next;

			if (!(*entry & PTE_VALID)) {
				if (!alloc_table(pt, &next))
					return E_NOMEM;
				*entry = next | PTE_VALID | PTE_TABLE;
			} else if (!is_table(*entry, level)) {
				ret = split_block(pt, entry, ia, level);
				if (ret)
					return ret;
			}
			next = *entry & PTE_OA_MASK;
			ret = map_level(pt, next, level + 1, ia, pa, chunk, attrs, flags);
			if (ret)
				return ret;
		}
		ia += chunk;
		pa += chunk;
		size -= chunk;
	}
	return 0;
}

static int unmap_level(struct pt *pt, uint64_t table_pa, unsigned int level, uint64_t ia,
		       uint64_t size)
{
	uint64_t *t = table_va(pt, table_pa);
	uint64_t bsize = PT_LEVEL_SIZE(level);

	while (size) {
		uint64_t *entry = &t[index_at(pt, ia, level)];
		uint64_t chunk = bsize - (ia & (bsize - 1)), next;
		int ret;

		if (chunk > size)
			chunk = size;
		if (!(*entry & PTE_VALID)) {
			/* Nothing mapped here. */
		} else if (chunk == bsize || level == 3) {
			uint64_t old = *entry;

			set_entry(pt, entry, 0, ia, level);
			if (is_table(old, level))
				free_tree(pt, old & PTE_OA_MASK, level + 1);
		} else {
			if (!is_table(*entry, level)) {
				ret = split_block(pt, entry, ia, level);
				if (ret)
					return ret;
			}
			next = *entry & PTE_OA_MASK;
			ret = unmap_level(pt, next, level + 1, ia, chunk);
			if (ret)
				return ret;
			/*
			 * A table the unmap left empty goes too (break-before-make like any
			 * valid entry), so unmapping what was mapped returns its tables. Without
			 * a free callback it stays, to be reused rather than lost.
			 */
			if (pt->free && table_empty(pt, next)) {
				set_entry(pt, entry, 0, ia & ~(bsize - 1), level);
				free_tree(pt, next, level + 1);
			}
		}
		ia += chunk;
		size -= chunk;
	}
	return 0;
}

unsigned int pt_start_level(unsigned int ia_bits)
{
	/* Each level resolves 9 bits above the 12-bit page offset. */
	unsigned int levels = (ia_bits - PT_PAGE_SHIFT + 8) / 9;

	return levels >= 4 ? 0 : 4 - levels;
}

/* E_INVAL when not 4 KiB aligned, E_RANGE when [ia, ia + size) leaves the input range. */
static int range_check(const struct pt *pt, uint64_t ia, uint64_t size)
{
	uint64_t limit = pt->ia_bits >= 64 ? ~0UL : (1UL << pt->ia_bits);

	if ((ia | size) & (PT_PAGE_SIZE - 1))
		return E_INVAL;
	return size <= limit && ia <= limit - size ? 0 : E_RANGE;
}

int pt_init(struct pt *pt, unsigned int ia_bits, unsigned int start_level, unsigned int root_tables)
{
	uint64_t covered;

	if (ia_bits < 25 || ia_bits > 48 || start_level > 2 || root_tables < 1 ||
	    root_tables > PT_MAX_ROOT_TABLES || (root_tables & (root_tables - 1)))
		return E_INVAL;
	/* The root (with its concatenated tables) must cover exactly the input range. */
	covered = PT_LEVEL_SHIFT(start_level) + 9 + __builtin_ctz(root_tables);
	if (covered < ia_bits || (root_tables > 1 && covered != ia_bits))
		return E_INVAL;
	/*
	 * A later start level would do: the hardware would use it (stage 1) or refuse this one
	 * (stage 2). Levels 0 and 1 have a later level to compare with; level 2 (ia_bits >= 25)
	 * always needs its own.
	 */
	if (start_level < 2 && covered - 9 >= ia_bits && root_tables == 1)
		return E_INVAL;
	pt->ia_bits = ia_bits;
	pt->start_level = start_level;
	pt->root_tables = root_tables;
	pt->tables = 0;
	if (!pt->alloc(pt->ctx, root_tables, &pt->root_pa))
		return E_NOMEM;
	pt->tables = root_tables;
	return 0;
}

int pt_map(struct pt *pt, uint64_t ia, uint64_t pa, uint64_t size, uint64_t attrs,
	   unsigned int flags)
{
	int ret = range_check(pt, ia, size);

	if (ret)
		return ret;
	if (pa & (PT_PAGE_SIZE - 1))
		return E_INVAL;
	if (!size)
		return 0;
	/* The last byte must be reachable through OA bits 47:12 (including the last page). */
	if (pa + size < pa || pa + size - 1 > (PTE_OA_MASK | (PT_PAGE_SIZE - 1)))
		return E_RANGE;
	return map_level(pt, pt->root_pa, pt->start_level, ia, pa, size, attrs, flags);
}

int pt_unmap(struct pt *pt, uint64_t ia, uint64_t size)
{
	int ret = range_check(pt, ia, size);

	if (ret)
		return ret;
	if (!size)
		return 0;
	return unmap_level(pt, pt->root_pa, pt->start_level, ia, size);
}

void pt_destroy(struct pt *pt)
{
	uint64_t *root = table_va(pt, pt->root_pa);

	for (unsigned int i = 0; i < entries_at(pt, pt->start_level); i++)
		if (is_table(root[i], pt->start_level))
			free_tree(pt, root[i] & PTE_OA_MASK, pt->start_level + 1);
	for (unsigned int i = 0; i < pt->root_tables && pt->free; i++)
		pt->free(pt->ctx, pt->root_pa + i * PT_PAGE_SIZE);
	pt->tables = 0;
	pt->root_pa = 0;
}

int pt_walk(const struct pt *pt, uint64_t ia, struct pt_walk *w)
{
	uint64_t table_pa = pt->root_pa;

	*w = (struct pt_walk){ 0 };
	if (pt->ia_bits < 64 && (ia >> pt->ia_bits))
		return E_RANGE;
	for (unsigned int level = pt->start_level; level <= 3; level++) {
		unsigned int idx = index_at(pt, ia, level);
		uint64_t desc = table_va(pt, table_pa)[idx];
		struct pt_walk_step *s = &w->step[w->n_steps++];

		s->level = level;
		s->table_pa = table_pa;
		s->index = idx;
		s->desc = desc;
		w->level = level;
		if (!(desc & PTE_VALID))
			return 0;
		if (is_table(desc, level)) {
			table_pa = desc & PTE_OA_MASK;
			continue;
		}
		if (level == 3 ? !(desc & PTE_PAGE) : !block_allowed(level))
			return 0; /* reserved encoding: translation fault (D8.3.1) */
		w->mapped = true;
		w->size = PT_LEVEL_SIZE(level);
		w->pa = (desc & PTE_OA_MASK & ~(w->size - 1)) | (ia & (w->size - 1));
		w->attrs = desc & PTE_ATTR_MASK;
		return 0;
	}
	return 0;
}
