// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The physical memory map and the hypervisor's page pool, set up once at boot (mm/mem.h), and
 * the boot steps of memory management: VTCR_EL2, the EL2 MMU, the memory map.
 */
#include "mm/mem.h"

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/hyp.h"
#include "kernel/init.h"
#include "kernel/lib/err.h"
#include "kernel/panic.h"
#include "mm/mmu.h"
#include "mm/pgtable.h"
#include "mm/vtcr.h"
#include "mm/zmap.h"

#define HYP_POOL_SIZE  (8UL << 20)
#define HYP_POOL_ALIGN (2UL << 20)

struct pmem phys_mem;
struct palloc hyp_pool;

extern char __image_start[], __image_end[];

/*
 * The zero map starts with nothing clean: RAM nobody has owned since boot may hold anything (a
 * loader's images, or after a warm reset an earlier boot's guests). What is free now is read
 * by idle CPUs, never written; from here on the memory map tells it what changes hands.
 */
static void zmap_boot(void)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (unsigned int i = 0; i < phys_mem.n; i++) {
		const struct pmem_range *r = &phys_mem.r[i];

		if (r->base < lo)
			lo = r->base;
		if (r->base + r->size > hi)
			hi = r->base + r->size;
	}
	if (!phys_mem.n)
		return;
	zmap_init(lo, hi - lo);
	for (unsigned int i = 0; i < phys_mem.n; i++)
		if (!phys_mem.r[i].owner[0])
			zmap_unseen(phys_mem.r[i].base, phys_mem.r[i].size);
	phys_mem.changed = zmap_pmem_change;
}

int mem_init(const struct platform *p, const void *dtb, uint32_t dtb_size)
{
	uint64_t pool;
	int ret;

	pmem_init(&phys_mem);
	for (unsigned int i = 0; i < p->n_mem; i++) {
		ret = pmem_add_ram(&phys_mem, p->mem[i].base, p->mem[i].size);
		if (ret)
			return ret;
	}
	ret = pmem_reserve(&phys_mem, (uintptr_t)__image_start,
			   (uintptr_t)__image_end - (uintptr_t)__image_start, "hypervisor image");
	if (ret)
		return ret;
	/* The DTB stays where the loader put it (none when UEFI gave ACPI or was done with it). */
	ret = !dtb ? 0
		   : pmem_reserve(&phys_mem, (uintptr_t)dtb & ~0xfffUL,
				  (((uintptr_t)dtb & 0xfffUL) + dtb_size + 0xfff) & ~0xfffUL,
				  "DTB");
	if (ret)
		pr_warn("mem: DTB at %p is not in free RAM (%s)\n", dtb, err_str(ret));
	for (unsigned int i = 0; i < p->n_reserved; i++)
		if (pmem_reserve(&phys_mem, p->reserved[i].base, p->reserved[i].size, "firmware"))
			pr_warn("mem: reserved range 0x%llx+0x%llx overlaps something else\n",
				(unsigned long long)p->reserved[i].base,
				(unsigned long long)p->reserved[i].size);
	ret = pmem_alloc(&phys_mem, HYP_POOL_SIZE, HYP_POOL_ALIGN, "hypervisor page pool", &pool);
	if (ret)
		return ret;
	zmap_boot();
	return palloc_init(&hyp_pool, (void *)(uintptr_t)pool, pool,
			   (unsigned int)(HYP_POOL_SIZE >> PT_PAGE_SHIFT));
}

/* Before el2_setup() writes it: VTCR_EL2 as this CPU's ID registers allow (all CPUs alike). */
static void vtcr_boot(void)
{
	int ret = vtcr_compute(read_sysreg(id_aa64mmfr0_el1), read_sysreg(id_aa64mmfr1_el1),
			       &hyp.vtcr);

	if (ret)
		panic("cannot derive VTCR_EL2 from ID_AA64MMFR0_EL1: %s", err_str(ret));
}
INIT_STEP(INIT_BEFORE_EL2, vtcr_boot);

/*
 * Once EL2 is configured: the hypervisor's own translation, then the memory map and the pool
 * (which are written through it).
 */
static void mem_boot(void)
{
	int ret = mmu_init(&hyp.plat);

	if (ret)
		panic("EL2 MMU set-up failed: %s", err_str(ret));
	ret = mem_init(&hyp.plat, hyp.dtb, hyp.plat.dtb_size);
	if (ret)
		panic("physical memory set-up failed: %s", err_str(ret));
}
INIT_STEP(INIT_MEMORY, mem_boot);
