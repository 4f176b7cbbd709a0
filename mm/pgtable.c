// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Translation-table builder and walker for the 4 KiB granule (Arm ARM D8.3). Tables may be
 * live (a walker may read them while they change), so changes follow the order Linux's
 * arch/arm64/kvm/hyp/pgtable.c keeps: a new table is complete and made visible (DSB ISHST)
 * before the descriptor that links it is written; a valid entry is broken (invalid, TLBs
 * invalidated) before it is replaced; a table is unlinked and the TLBs invalidated before it
 * goes back to the allocator.
 */
#include "mm/pgtable.h"

#include <stddef.h>

#include "kernel/arch/arch.h"
#include "kernel/lib/err.h"

static uint64_t *table_va(const struct pt *pt, uint64_t pa)
{
	return pt->pa_to_va(pt->ctx, pa);
}

/*
 * One descriptor, read or written as one 64-bit access the compiler may not split, merge or
 * repeat: an aligned doubleword access is single-copy atomic (Arm ARM B2.2.1), so a walker
 * reading at the same time sees the old descriptor or the new one, never a mix of the two.
 */
static uint64_t pte_read(const uint64_t *entry)
{
	return __atomic_load_n(entry, __ATOMIC_RELAXED);
}

static void pte_write(uint64_t *entry, uint64_t desc)
{
	__atomic_store_n(entry, desc, __ATOMIC_RELAXED);
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

static bool table_empty(const struct pt *pt, uint64_t table_pa);

/*
 * Write 'desc' over a live entry, breaking it first when the old one was valid (D8.16.1): the
 * invalid entry, then the TLB invalidation, then the new entry. When the old entry linked a
 * table that still maps something, the TLBs may hold any leaf below it, not just the one for
 * 'ia': the whole address space is invalidated then, where the owner offers that.
 */
static void set_entry(struct pt *pt, uint64_t *entry, uint64_t desc, uint64_t ia,
		      unsigned int level)
{
	uint64_t old = pte_read(entry);

	if (pt->invalidate && (old & PTE_VALID)) {
		pte_write(entry, 0);
		if (pt->invalidate_all && is_table(old, level) &&
		    !table_empty(pt, old & PTE_OA_MASK))
			pt->invalidate_all(pt->ctx);
		else
			pt->invalidate(pt->ctx, ia, level);
	}
	pte_write(entry, desc);
}

/*
 * Link the table at 'table_pa', which no walker can reach yet, into *entry. Its entries
 * (zeroed by the allocator, or filled by a split) must be visible to every walker before the
 * descriptor that makes them reachable: a walker that follows the new link must not read
 * what the page held before.
 */
static void link_table(struct pt *pt, uint64_t *entry, uint64_t table_pa, uint64_t ia,
		       unsigned int level)
{
	/* The new table's contents, before the store that links it (in set_entry). */
	dsb(ishst);
	set_entry(pt, entry, table_pa | PTE_VALID | PTE_TABLE, ia, level);
}

static void free_tree(struct pt *pt, uint64_t table_pa, unsigned int level)
{
	uint64_t *t = table_va(pt, table_pa);

	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		if (is_table(pte_read(&t[i]), level))
			free_tree(pt, pte_read(&t[i]) & PTE_OA_MASK, level + 1);
	if (pt->free)
		pt->free(pt->ctx, table_pa);
	pt->tables--;
}

static bool table_empty(const struct pt *pt, uint64_t table_pa)
{
	const uint64_t *t = table_va(pt, table_pa);

	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		if (pte_read(&t[i]) & PTE_VALID)
			return false;
	return true;
}

/* Replace the block at *entry by a table of the next level with the same mappings. */
static int split_block(struct pt *pt, uint64_t *entry, uint64_t ia, unsigned int level)
{
	uint64_t old = pte_read(entry), tpa;
	uint64_t step = PT_LEVEL_SIZE(level + 1);
	uint64_t *t = alloc_table(pt, &tpa);

	if (!t)
		return E_NOMEM;
	/* Not reachable yet: plain stores, published by link_table()'s barrier. */
	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		t[i] = leaf_desc((old & PTE_OA_MASK) + i * step, old & PTE_ATTR_MASK, level + 1);
	link_table(pt, entry, tpa, ia & ~(PT_LEVEL_SIZE(level) - 1), level);
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
			uint64_t old = pte_read(entry);

			set_entry(pt, entry, leaf_desc(pa, attrs, level), ia, level);
			/* set_entry() invalidated the TLBs: only now may the old tables go. */
			if (is_table(old, level))
				free_tree(pt, old & PTE_OA_MASK, level + 1);
		} else {
			uint64_t next;

			if (!(pte_read(entry) & PTE_VALID)) {
				if (!alloc_table(pt, &next))
					return E_NOMEM;
				link_table(pt, entry, next, ia, level);
			} else if (!is_table(pte_read(entry), level)) {
				ret = split_block(pt, entry, ia, level);
				if (ret)
					return ret;
			}
			next = pte_read(entry) & PTE_OA_MASK;
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
		if (!(pte_read(entry) & PTE_VALID)) {
			/* Nothing mapped here. */
		} else if (chunk == bsize || level == 3) {
			uint64_t old = pte_read(entry);

			set_entry(pt, entry, 0, ia, level);
			/* Unlinked and invalidated by set_entry(): now the tables may go. */
			if (is_table(old, level))
				free_tree(pt, old & PTE_OA_MASK, level + 1);
		} else {
			if (!is_table(pte_read(entry), level)) {
				ret = split_block(pt, entry, ia, level);
				if (ret)
					return ret;
			}
			next = pte_read(entry) & PTE_OA_MASK;
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
	unsigned int n = entries_at(pt, pt->start_level);

	/*
	 * Unlink every table below the root: clear the valid bit and keep the rest, which a
	 * walker ignores in an invalid descriptor (D8.3.1), so the tables can still be found
	 * to free them. Blocks at the root level simply go.
	 */
	for (unsigned int i = 0; i < n; i++) {
		uint64_t d = pte_read(&root[i]);

		if (d & PTE_VALID)
			pte_write(&root[i], is_table(d, pt->start_level) ? d & ~PTE_VALID : 0);
	}
	/* Nothing the TLBs cached from these tables may outlive them: invalidate, then free. */
	if (pt->invalidate_all)
		pt->invalidate_all(pt->ctx);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t d = pte_read(&root[i]);

		/* Only unlinked tables have the table bit without the valid bit. */
		if ((d & (PTE_VALID | PTE_TABLE)) == PTE_TABLE)
			free_tree(pt, d & PTE_OA_MASK, pt->start_level + 1);
	}
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
		uint64_t desc = pte_read(&table_va(pt, table_pa)[idx]);
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
