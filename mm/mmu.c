// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * EL2 stage-1: identity map (VA == PA) of RAM as Normal Write-Back Inner Shareable, the image's
 * text read-only executable, its read-only data read-only, everything else execute-never, and
 * each device region the DTB names as Device-nGnRE. Nothing else is mapped.
 */
#include "mm/mmu.h"

#include <stddef.h>

#include "boot/asm.h"
#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/arch/cpuid.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"

#define MMU_POOL_PAGES 96

extern char __image_start[], __text_end[], __rodata_end[], __image_end[];

static uint8_t mmu_pool[MMU_POOL_PAGES][PT_PAGE_SIZE] __attribute__((aligned(PT_PAGE_SIZE)));
static unsigned int mmu_pool_used;
static struct pt el2_pt;
static unsigned int pa_bits;
struct mmu_boot_regs mmu_boot_regs;

_Static_assert(offsetof(struct mmu_boot_regs, mair) == MMU_REGS_MAIR, "asm offset");
_Static_assert(offsetof(struct mmu_boot_regs, tcr) == MMU_REGS_TCR, "asm offset");
_Static_assert(offsetof(struct mmu_boot_regs, ttbr0) == MMU_REGS_TTBR0, "asm offset");
_Static_assert(offsetof(struct mmu_boot_regs, sctlr) == MMU_REGS_SCTLR, "asm offset");

static void *pool_alloc(void *ctx, unsigned int pages, uint64_t *pa)
{
	uint8_t *p;

	(void)ctx;
	if (pages != 1 || mmu_pool_used >= MMU_POOL_PAGES)
		return NULL;
	p = mmu_pool[mmu_pool_used++];
	/* .bss is zero already; tables are never freed back to this pool. */
	*pa = (uint64_t)(uintptr_t)p;
	return p;
}

static void *identity(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

#define ATTR_NORMAL (PTE_S1_ATTRINDX(MAIR_IDX_NORMAL_WB) | PTE_SH_INNER | PTE_AF | PTE_S1_AP1_RES1)
#define ATTR_RAM_RW (ATTR_NORMAL | PTE_S1_XN)
#define ATTR_TEXT   (ATTR_NORMAL | PTE_S1_AP_RO)
#define ATTR_RODATA (ATTR_NORMAL | PTE_S1_AP_RO | PTE_S1_XN)
/* Device memory is always treated as Outer Shareable; SH is ignored for it (D8.5.2). */
#define ATTR_DEVICE (PTE_S1_ATTRINDX(MAIR_IDX_DEVICE_nGnRE) | PTE_AF | PTE_S1_AP1_RES1 | PTE_S1_XN)

static uint64_t align_down(uint64_t v)
{
	return v & ~(PT_PAGE_SIZE - 1);
}

static uint64_t align_up(uint64_t v)
{
	return (v + PT_PAGE_SIZE - 1) & ~(PT_PAGE_SIZE - 1);
}

static int map_range(uint64_t base, uint64_t size, uint64_t attrs, const char *what)
{
	uint64_t start = align_down(base), end = align_up(base + size);
	int ret;

	if (!size || end <= start)
		return 0;
	if (end > (1UL << pa_bits)) {
		pr_warn("mmu: %s [0x%llx, 0x%llx) is beyond the %u-bit PA range; not mapped\n",
			what, (unsigned long long)start, (unsigned long long)end, pa_bits);
		return 0;
	}
	ret = pt_map(&el2_pt, start, start, end - start, attrs, 0);
	if (ret)
		pr_err("mmu: cannot map %s [0x%llx, 0x%llx): %s\n", what, (unsigned long long)start,
		       (unsigned long long)end, err_str(ret));
	return ret;
}

static bool overlaps_ram(const struct platform *p, uint64_t base, uint64_t size)
{
	for (unsigned int i = 0; i < p->n_mem; i++)
		if (base < p->mem[i].base + p->mem[i].size && p->mem[i].base < base + size)
			return true;
	return false;
}

/*
 * Writable data minus the guard page under each CPU's stack (boot/asm.h): an overflow then
 * faults there instead of running into what lies below.
 */
static int map_data(uint64_t start, uint64_t end)
{
	int ret;

	for (unsigned int i = 0; i < PLAT_MAX_CPUS; i++) {
		uint64_t guard = (uintptr_t)smp_stacks[i] + STACK_GUARD_OFFSET;

		ret = map_range(start, guard - start, ATTR_RAM_RW, "data");
		if (ret)
			return ret;
		start = guard + STACK_GUARD_SIZE;
	}
	return map_range(start, end - start, ATTR_RAM_RW, "data");
}

/* RAM minus the image, which gets per-section permissions instead. */
static int map_ram(const struct platform *p)
{
	uint64_t img_start = (uintptr_t)__image_start, img_end = (uintptr_t)__image_end;
	int ret;

	for (unsigned int i = 0; i < p->n_mem; i++) {
		uint64_t start = p->mem[i].base, end = start + p->mem[i].size;

		if (img_start < end && start < img_end) {
			ret = map_range(start, img_start - start, ATTR_RAM_RW, "RAM");
			if (!ret)
				ret = map_range(img_end, end > img_end ? end - img_end : 0,
						ATTR_RAM_RW, "RAM");
		} else {
			ret = map_range(start, end - start, ATTR_RAM_RW, "RAM");
		}
		if (ret)
			return ret;
	}
	ret = map_range(img_start, (uintptr_t)__text_end - img_start, ATTR_TEXT, "text");
	if (!ret)
		ret = map_range((uintptr_t)__text_end,
				(uintptr_t)__rodata_end - (uintptr_t)__text_end, ATTR_RODATA,
				"rodata");
	if (!ret)
		ret = map_data((uintptr_t)__rodata_end, img_end);
	return ret;
}

static int map_devices(const struct platform *p)
{
	int ret;

	for (unsigned int i = 0; i < p->n_devs; i++) {
		const struct plat_dev *d = &p->devs[i];

		if (overlaps_ram(p, d->reg.base, d->reg.size)) {
			pr_warn("mmu: device %s overlaps RAM; not mapped as a device\n", d->name);
			continue;
		}
		ret = map_range(d->reg.base, d->reg.size, ATTR_DEVICE, d->name);
		if (ret)
			return ret;
	}
	/* PCIe memory and I/O windows: BARs will be placed there. */
	for (unsigned int i = 0; i < p->pcie.n_windows; i++) {
		const struct pci_window *w = &p->pcie.windows[i];

		ret = map_range(w->cpu_addr, w->size, ATTR_DEVICE, "PCIe window");
		if (ret)
			return ret;
	}
	return 0;
}

int mmu_init(const struct platform *p)
{
	uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	unsigned int parange = FIELD_GET(mmfr0, ID_AA64MMFR0_PARANGE_SHIFT, 4);
	uint64_t tcr;
	int ret;

	if (FIELD_GET(mmfr0, ID_AA64MMFR0_TGRAN4_SHIFT, 4) == 0xf) {
		pr_err("mmu: the 4 KiB granule is not implemented (ID_AA64MMFR0_EL1.TGran4)\n");
		return E_NOTSUP;
	}
	/* 52-bit output addresses need FEAT_LPA2 descriptors; we use the 48-bit format. */
	if (parange > 5)
		parange = 5;
	pa_bits = cpuid_parange_bits(parange);
	el2_pt = (struct pt){ .alloc = pool_alloc, .pa_to_va = identity };
	ret = pt_init(&el2_pt, pa_bits, pt_start_level(pa_bits), 1);
	if (!ret)
		ret = map_ram(p);
	if (!ret)
		ret = map_devices(p);
	if (ret)
		return ret;

	tcr = TCR_EL2_RES1 | TCR_EL2_T0SZ(64 - pa_bits) | TCR_EL2_IRGN0_WBWA | TCR_EL2_ORGN0_WBWA |
	      TCR_EL2_SH0_INNER | TCR_EL2_TG0_4K | TCR_EL2_PS(parange);
	mmu_boot_regs = (struct mmu_boot_regs){
		.mair = MAIR_EL2_VALUE,
		.tcr = tcr,
		.ttbr0 = el2_pt.root_pa,
		.sctlr = SCTLR_EL2_RES1 | SCTLR_EL2_M | SCTLR_EL2_C | SCTLR_EL2_SA | SCTLR_EL2_I |
			 SCTLR_EL2_WXN,
	};
	write_sysreg(mair_el2, mmu_boot_regs.mair);
	write_sysreg(tcr_el2, mmu_boot_regs.tcr);
	write_sysreg(ttbr0_el2, mmu_boot_regs.ttbr0);

	/*
	 * The tables and the whole image were written with the MMU off, i.e. non-cacheable,
	 * straight to memory. Discard any stale lines a loader may have left for those addresses
	 * so that cacheable accesses after the switch see what is in memory.
	 */
	dcache_inval_range((uintptr_t)mmu_pool, sizeof(mmu_pool));
	dcache_inval_range((uintptr_t)__image_start,
			   (uintptr_t)__image_end - (uintptr_t)__image_start);
	/* No stale EL2 translations from firmware; complete before the MMU is enabled. */
	tlbi_alle2();
	dsb(ish); /* the invalidation complete before the ISB and the MMU switch below */
	isb();	  /* MAIR, TCR and TTBR0 take effect before SCTLR_EL2.M is set */
	write_sysreg(sctlr_el2, mmu_boot_regs.sctlr);
	isb(); /* fetch the following instructions with the MMU on */
	/* Secondary CPUs read these with their MMU off: push them to the Point of Coherency. */
	dcache_clean_inval_range((uintptr_t)&mmu_boot_regs, sizeof(mmu_boot_regs));
	return 0;
}

bool mmu_va_readable(uintptr_t va, uint64_t *pa)
{
	uint64_t par = at_s1e2r(va);

	if (par & PAR_EL1_F)
		return false;
	if (pa)
		*pa = (par & PAR_EL1_PA_MASK) | (va & (PT_PAGE_SIZE - 1));
	return true;
}

const struct pt *mmu_el2_tables(void)
{
	return &el2_pt;
}

unsigned int mmu_pa_bits(void)
{
	return pa_bits;
}
