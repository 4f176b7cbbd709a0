/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* The hypervisor's own EL2 stage-1 translation: an identity map of what the DTB describes. */
#ifndef MM_MMU_H
#define MM_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/platform.h"
#include "mm/pgtable.h"

/* The EL2 translation registers, for secondary CPUs to load before their MMU is on. */
struct mmu_boot_regs {
	uint64_t mair, tcr, ttbr0, sctlr;
};
extern struct mmu_boot_regs mmu_boot_regs;

/* Build the tables from the platform description and turn on the MMU and caches. */
int mmu_init(const struct platform *p);
/* True when 'va' translates at EL2 for reading (AT S1E2R); *pa receives the address. */
bool mmu_va_readable(uintptr_t va, uint64_t *pa);
/* The EL2 stage-1 tables, for walks from the shell. */
const struct pt *mmu_el2_tables(void);
/* Translation parameters chosen at boot. */
unsigned int mmu_pa_bits(void);

#endif
