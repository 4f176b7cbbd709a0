/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * VMSAv8-64 translation tables on the 4 KiB granule (Arm ARM D8.3): a builder and a walker
 * shared by the EL2 stage-1 regime and Stage-2. Portable: memory comes from callbacks, so
 * tests/unit builds it on the host against a plain buffer.
 */
#ifndef MM_PGTABLE_H
#define MM_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#define PT_PAGE_SHIFT	   12
#define PT_PAGE_SIZE	   (1UL << PT_PAGE_SHIFT)
#define PT_ENTRIES	   512
#define PT_MAX_ROOT_TABLES 16 /* concatenated Stage-2 root tables (D8.2.6) */

/* Size mapped by one entry at a lookup level: 512 GiB, 1 GiB, 2 MiB, 4 KiB for levels 0-3. */
#define PT_LEVEL_SHIFT(lvl) (PT_PAGE_SHIFT + 9 * (3 - (lvl)))
#define PT_LEVEL_SIZE(lvl)  (1UL << PT_LEVEL_SHIFT(lvl))

/* Descriptor bits common to both stages (D8.3.1, D8.3.2). */
#define PTE_VALID     (1UL << 0)
#define PTE_TABLE     (1UL << 1) /* levels 0-2: next-level table; level 3: must be 1 (page) */
#define PTE_PAGE      (1UL << 1)
#define PTE_SH_SHIFT  8
#define PTE_SH_INNER  (3UL << 8)
#define PTE_SH_OUTER  (2UL << 8)
#define PTE_AF	      (1UL << 10)
#define PTE_OA_MASK   0x0000fffffffff000UL /* output address bits 47:12 */
#define PTE_ATTR_MASK (~PTE_OA_MASK & ~(PTE_VALID | PTE_TABLE))

/* Stage-1, EL2 regime with HCR_EL2.E2H == 0 (one privilege level). */
#define PTE_S1_ATTRINDX(n) ((unsigned long)(n) << 2)
#define PTE_S1_AP_RO	   (1UL << 7) /* AP[2]: read-only */
#define PTE_S1_AP1_RES1	   (1UL << 6) /* AP[1] is RES1 in a one-privilege-level regime */
#define PTE_S1_XN	   (1UL << 54)

/* Stage-2 (D8.5.5). MemAttr[5:2] with FWB disabled. */
#define PTE_S2_MEMATTR(x)	 ((unsigned long)(x) << 2)
#define S2_MEMATTR_DEVICE_nGnRnE 0x0
#define S2_MEMATTR_DEVICE_nGnRE	 0x1
#define S2_MEMATTR_NORMAL_NC	 0x5
#define S2_MEMATTR_NORMAL_WB	 0xf
#define PTE_S2_S2AP_RO		 (1UL << 6)
#define PTE_S2_S2AP_WO		 (2UL << 6)
#define PTE_S2_S2AP_RW		 (3UL << 6)
#define PTE_S2_XN		 (2UL << 53) /* XN[1:0] = 0b10: not executable at EL1 or EL0 */

/* pt_map() flags. */
#define PT_MAP_NO_BLOCKS (1U << 0) /* 4 KiB pages only */

struct pt {
	uint64_t root_pa;
	unsigned int start_level; /* 0..2 */
	unsigned int ia_bits;	  /* input address size: VA or IPA bits */
	unsigned int root_tables; /* 1, or 2..16 concatenated at the start level (Stage-2) */
	unsigned int tables;	  /* tables in use, root included */
	/* 'pages' zeroed, physically contiguous, naturally aligned 4 KiB pages, or NULL. */
	void *(*alloc)(void *ctx, unsigned int pages, uint64_t *pa);
	void (*free)(void *ctx, uint64_t pa); /* may be NULL: tables are then never freed */
	void *(*pa_to_va)(void *ctx, uint64_t pa);
	/*
	 * Break-before-make for tables the MMU may be walking (D8.16.1): called after a valid
	 * entry was replaced by an invalid one and before the new entry is written. NULL for
	 * tables that are not live.
	 */
	void (*invalidate)(void *ctx, uint64_t ia, unsigned int level);
	/*
	 * Every translation cached from these tables, for the cases where one address does not
	 * cover what may be cached: a table that still maps something unlinked (the TLBs may
	 * hold any leaf below it), and pt_destroy() before the tables are freed. NULL: unlinked
	 * tables are invalidated through 'invalidate' at their address alone.
	 */
	void (*invalidate_all)(void *ctx);
	void *ctx;
};

/* Allocate the root. ia_bits and start_level must agree (pt_start_level()). 0 or error. */
int pt_init(struct pt *pt, unsigned int ia_bits, unsigned int start_level,
	    unsigned int root_tables);
/* Smallest start level that covers ia_bits with one root table (stage-1 rule). */
unsigned int pt_start_level(unsigned int ia_bits);

/*
 * Map [ia, ia + size) to [pa, pa + size) with 'attrs' (leaf bits other than valid, type and
 * output address). Uses 1 GiB and 2 MiB blocks where alignment allows unless
 * PT_MAP_NO_BLOCKS. Existing mappings in the range are replaced; blocks are split as needed.
 * ia, pa and size must be 4 KiB aligned.
 */
int pt_map(struct pt *pt, uint64_t ia, uint64_t pa, uint64_t size, uint64_t attrs,
	   unsigned int flags);
/* Remove [ia, ia + size); blocks partly covered are split first. Unmapped holes are fine. */
int pt_unmap(struct pt *pt, uint64_t ia, uint64_t size);
/* Unlink every table, invalidate_all(), then free every table, root included. */
void pt_destroy(struct pt *pt);

struct pt_walk_step {
	unsigned int level;
	uint64_t table_pa;
	unsigned int index;
	uint64_t desc;
};

struct pt_walk {
	unsigned int n_steps;
	struct pt_walk_step step[4];
	bool mapped;
	unsigned int level; /* level of the leaf, or of the faulting lookup */
	uint64_t pa;	    /* output address for ia when mapped */
	uint64_t size;	    /* size of the block or page */
	uint64_t attrs;	    /* leaf attribute bits (PTE_ATTR_MASK) */
};

/* Translate 'ia' by walking the tables in software. 0, or E_RANGE when ia is too large. */
int pt_walk(const struct pt *pt, uint64_t ia, struct pt_walk *w);

#endif
