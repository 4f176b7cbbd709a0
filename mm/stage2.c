// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Stage-2 translation: table memory from the hypervisor's page pool, VMIDs from a bitmap, and
 * break-before-make with TLBI IPAS2E1IS + VMALLE1IS for every live entry that changes
 * (Arm ARM D8.16.1 "Using break-before-make", D8.17 "TLB maintenance"), as Linux's
 * __kvm_tlb_flush_vmid_ipa() does; VMALLS12E1IS for the whole VMID when a table that still
 * maps something is unlinked and when the space is destroyed, before its tables are freed.
 */
#include "mm/stage2.h"

#include "kernel/arch/arch.h"
#include "kernel/lib/err.h"
#include "mm/vtcr.h"

#define S2_MAX_VMIDS 256

static uint64_t vmid_map[S2_MAX_VMIDS / 64];

static int vmid_alloc(void)
{
	/* VMID 0 is what VTTBR_EL2 holds when no VM is loaded; never give it out. */
	for (unsigned int v = 1; v < S2_MAX_VMIDS; v++) {
		if (!(vmid_map[v / 64] & (1UL << (v % 64)))) {
			vmid_map[v / 64] |= 1UL << (v % 64);
			return (int)v;
		}
	}
	return E_NOMEM;
}

unsigned int s2_vmids_used(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < S2_MAX_VMIDS / 64; i++)
		n += (unsigned int)__builtin_popcountl(vmid_map[i]);
	return n;
}

static void *s2_alloc(void *ctx, unsigned int pages, uint64_t *pa)
{
	struct s2_space *s = ctx;

	return palloc_pages(s->pool, pages, pa);
}

static void s2_free(void *ctx, uint64_t pa)
{
	struct s2_space *s = ctx;

	palloc_free(s->pool, pa, 1);
}

static void *s2_pa_to_va(void *ctx, uint64_t pa)
{
	struct s2_space *s = ctx;

	return palloc_pa_to_va(s->pool, pa);
}

/*
 * Called by the builder between writing an invalid entry and writing its replacement. TLBI by
 * IPA acts on the VMID in VTTBR_EL2, so load this space's VMID for the duration.
 */
static void s2_invalidate(void *ctx, uint64_t ipa, unsigned int level)
{
	struct s2_space *s = ctx;
	uint64_t daif = irq_save();
	uint64_t saved = read_sysreg(vttbr_el2);

	(void)level;
	write_sysreg(vttbr_el2, s->vttbr);
	isb();	    /* the TLBIs below must see this VMID */
	dsb(ishst); /* the invalid entry is visible to every table walker before the TLBI */
	tlbi_ipas2e1is(ipa);
	dsb(ish); /* stage-2 entries for that IPA gone before the combined entries are dropped */
	/* Cached stage 1+2 results cannot be invalidated by IPA: drop this VMID's EL1 entries. */
	tlbi_vmalle1is();
	dsb(ish); /* complete everywhere before the new entry may be written */
	write_sysreg(vttbr_el2, saved);
	isb(); /* the caller's own VTTBR_EL2 is back before anything translates through it */
	irq_restore(daif);
	/* A device walking the same tables drops the entry too before the new one is written. */
	if (s->dev_inval)
		s->dev_inval(s->vmid, ipa, false);
}

/* Every stage-1 and stage-2 entry of this VMID on every CPU (__kvm_tlb_flush_vmid()). */
static void s2_invalidate_all(void *ctx)
{
	struct s2_space *s = ctx;
	uint64_t daif = irq_save();
	uint64_t saved = read_sysreg(vttbr_el2);

	write_sysreg(vttbr_el2, s->vttbr);
	isb();	    /* the TLBI below must see this VMID */
	dsb(ishst); /* the unlinked entries are visible to every table walker before the TLBI */
	tlbi_vmalls12e1is();
	dsb(ish); /* complete everywhere before a table is freed or an entry rewritten */
	write_sysreg(vttbr_el2, saved);
	isb(); /* the caller's own VTTBR_EL2 is back before anything translates through it */
	irq_restore(daif);
	if (s->dev_inval)
		s->dev_inval(s->vmid, 0, true);
}

int s2_init(struct s2_space *s, struct palloc *pool, uint64_t vtcr)
{
	unsigned int ipa_bits, level, roots;
	int vmid = vmid_alloc(), ret;

	if (vmid < 0)
		return vmid;
	vtcr_decode(vtcr, &ipa_bits, &level, &roots);
	*s = (struct s2_space){
		.pool = pool,
		.vmid = (uint16_t)vmid,
		.pt = { .alloc = s2_alloc,
			.free = s2_free,
			.pa_to_va = s2_pa_to_va,
			.invalidate = s2_invalidate,
			.invalidate_all = s2_invalidate_all },
	};
	s->pt.ctx = s;
	ret = pt_init(&s->pt, ipa_bits, level, roots);
	if (ret) {
		vmid_map[vmid / 64] &= ~(1UL << (vmid % 64));
		*s = (struct s2_space){ 0 };
		return ret;
	}
	s->vttbr = (uint64_t)vmid << VTTBR_EL2_VMID_SHIFT | s->pt.root_pa;
	s->vtcr = vtcr;
	return 0;
}

int s2_reshape(struct s2_space *s, uint64_t vtcr)
{
	unsigned int ipa_bits, level, roots;
	struct pt fresh = s->pt;
	int ret;

	vtcr_decode(vtcr, &ipa_bits, &level, &roots);
	fresh.tables = 0;
	ret = pt_init(&fresh, ipa_bits, level, roots);
	if (ret)
		return ret;
	/* Unlinked, invalidated for the whole VMID, then freed: nothing walks them any more. */
	pt_destroy(&s->pt);
	s->pt = fresh;
	s->vtcr = vtcr;
	s->vttbr = (uint64_t)s->vmid << VTTBR_EL2_VMID_SHIFT | s->pt.root_pa;
	return 0;
}

void s2_destroy(struct s2_space *s)
{
	/*
	 * pt_destroy() unlinks the tables, has s2_invalidate_all() drop every TLB entry of this
	 * VMID, and only then frees them: no walk may reach a freed table, and no entry of this
	 * VMID survives into its next owner.
	 */
	pt_destroy(&s->pt);
	vmid_map[s->vmid / 64] &= ~(1UL << (s->vmid % 64));
	s->vmid = 0;
}

int s2_map(struct s2_space *s, uint64_t ipa, uint64_t pa, uint64_t size, enum s2_type type,
	   unsigned int perms)
{
	int ret = pt_map(&s->pt, ipa, pa, size, s2_leaf_attrs(type, perms), 0);

	/* New entries visible to the stage-2 walker before any vCPU can use them. */
	dsb(ishst);
	return ret;
}

int s2_unmap(struct s2_space *s, uint64_t ipa, uint64_t size)
{
	int ret = pt_unmap(&s->pt, ipa, size);

	/* The invalid entries visible to the stage-2 walker before a vCPU runs again. */
	dsb(ishst);
	return ret;
}

int s2_walk(const struct s2_space *s, uint64_t ipa, struct pt_walk *w)
{
	return pt_walk(&s->pt, ipa, w);
}
