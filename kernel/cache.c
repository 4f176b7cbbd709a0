// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Data-cache maintenance by virtual address to the Point of Coherency. */
#include "arch.h"

/* Smallest D-cache line in bytes: CTR_EL0.DminLine is log2 of the number of words. */
static uintptr_t dcache_line(void)
{
	return 4UL << FIELD_GET(read_sysreg(ctr_el0), 16, 4);
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
