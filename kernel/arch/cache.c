// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Data-cache maintenance by virtual address to the Point of Coherency. */
#include "kernel/arch/arch.h"

/* Smallest D-cache line in bytes: CTR_EL0.DminLine is log2 of the number of words. */
static uintptr_t dcache_line(void)
{
	return 4UL << FIELD_GET(read_sysreg(ctr_el0), CTR_EL0_DMINLINE_SHIFT,
				CTR_EL0_DMINLINE_WIDTH);
}

#define DCACHE_OP(name, op)                                                        \
	void name(uintptr_t start, uintptr_t size)                                 \
	{                                                                          \
		uintptr_t line = dcache_line();                                    \
		uintptr_t end = start + size;                                      \
                                                                                   \
		for (uintptr_t va = start & ~(line - 1); va < end; va += line)     \
			__asm__ volatile("dc " #op ", %0" : : "r"(va) : "memory"); \
		/* Complete the maintenance before anything that depends on it. */ \
		dsb(sy);                                                           \
	}

DCACHE_OP(dcache_inval_range, ivac)
DCACHE_OP(dcache_clean_inval_range, civac)
DCACHE_OP(dcache_clean_range, cvac)

void mem_zero_range(uintptr_t start, uintptr_t size)
{
	uint64_t dczid = read_sysreg(dczid_el0);
	/* DCZID_EL0.BS: log2 of the block in words */
	uintptr_t block = 4UL << FIELD_GET(dczid, DCZID_EL0_BS_SHIFT, DCZID_EL0_BS_WIDTH);
	uintptr_t end = start + size, va = start;

	/* DCZID_EL0.DZP set: DC ZVA is prohibited; a block above 2 KiB is not architected. */
	if (!(dczid & DCZID_EL0_DZP) && block <= 2048) {
		for (; va < end && (va & (block - 1)); va += 8)
			*(volatile uint64_t *)va = 0;
		for (; end - va >= block; va += block)
			__asm__ volatile("dc zva, %0" : : "r"(va) : "memory");
	}
	for (; va < end; va += 8)
		*(volatile uint64_t *)va = 0;
}
