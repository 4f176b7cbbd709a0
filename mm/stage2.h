/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Stage-2 address spaces: a VM's IPA space on the 4 KiB granule with the geometry VTCR_EL2
 * gives (IPA size, start level, concatenated roots), its VMID, and the TLB maintenance that
 * every change needs. Unmapped IPAs fault: nothing is mapped unless asked for.
 */
#ifndef MM_STAGE2_H
#define MM_STAGE2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/palloc.h"
#include "mm/pgtable.h"

enum s2_type { S2_NORMAL, S2_DEVICE };

#define S2_R   (1U << 0)
#define S2_W   (1U << 1)
#define S2_X   (1U << 2)
#define S2_RW  (S2_R | S2_W)
#define S2_RWX (S2_R | S2_W | S2_X)

/*
 * A device walker that shares a space's tables (an SMMU's stage 2), told of every change after
 * the CPU's own TLB maintenance and before the entry is rewritten or a table freed: one IPA
 * (a break-before-make of the entry there, at any level) or, 'all', everything of the VMID.
 * It returns once the walker holds nothing stale.
 */
typedef void s2_dev_inval_fn(uint16_t vmid, uint64_t ipa, bool all);

struct s2_space {
	struct pt pt;
	struct palloc *pool;
	uint16_t vmid;
	uint64_t vttbr; /* VMID << 48 | root table address */
	uint64_t vtcr;	/* the VTCR_EL2 the tables are made for (the VM's own IPA size) */
	s2_dev_inval_fn *dev_inval; /* NULL: no device walks these tables */
};

/* Leaf attribute bits for a type and permissions (portable, in s2_attr.c). */
uint64_t s2_leaf_attrs(enum s2_type type, unsigned int perms);
/* "Normal Outer WB Inner WB, S2AP RW, SH inner, AF 1, exec" for a leaf descriptor (portable). */
const char *s2_describe_leaf(uint64_t desc, char *buf, size_t len);
/* MemAttr[5:2] by name: "Device-nGnRE", "Normal Inner WB / Outer WB" ... (portable). */
const char *s2_memattr_name(unsigned int memattr);

/*
 * A new, empty space with a fresh VMID, tables from 'pool', geometry from 'vtcr'. On failure
 * the VMID is given back and '*s' is left zeroed (no VMID, no tables): nothing to destroy.
 */
int s2_init(struct s2_space *s, struct palloc *pool, uint64_t vtcr);
void s2_destroy(struct s2_space *s);
/*
 * Give an empty-able space new geometry (a smaller IPA size, say): fresh root tables for
 * 'vtcr', the old tables dropped (TLBs invalidated for the VMID first, device walkers too) and
 * freed; the VMID stays. Everything mapped is gone: the caller maps it again. On failure the
 * space is as it was.
 */
int s2_reshape(struct s2_space *s, uint64_t vtcr);
/* Map or unmap with break-before-make and TLBI by IPA and VMID for live entries. */
int s2_map(struct s2_space *s, uint64_t ipa, uint64_t pa, uint64_t size, enum s2_type type,
	   unsigned int perms);
int s2_unmap(struct s2_space *s, uint64_t ipa, uint64_t size);
int s2_walk(const struct s2_space *s, uint64_t ipa, struct pt_walk *w);
/* VMIDs in use (0 is never handed out: it is "no VM"). */
unsigned int s2_vmids_used(void);

#endif
