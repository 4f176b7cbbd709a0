/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Global hypervisor state discovered at boot. */
#ifndef KERNEL_HYP_H
#define KERNEL_HYP_H

#include <stdint.h>

#include "kernel/lib/fdt.h"
#include "kernel/platform.h"

struct hyp_state {
	void *dtb;
	struct fdt fdt;
	struct platform plat;
	uint64_t vtcr; /* VTCR_EL2 value derived at boot */
};

extern struct hyp_state hyp;

extern const char build_version[];
extern const char build_date[];
extern const char build_compiler[];

/* Per-CPU EL2 configuration with no VM: traps set, stage 2 off (kernel/main.c). */
void el2_setup(void);

/*
 * VTCR_EL2 for Stage-2 on the 4 KiB granule, derived from ID_AA64MMFR0_EL1 (PARange, TGran4_2)
 * and ID_AA64MMFR1_EL1 (VMIDBits): IPA size = PA size (at most 48 bits), start level chosen
 * with concatenated root tables where that saves a level. Portable; see mm/stage2.c.
 */
int vtcr_compute(uint64_t mmfr0, uint64_t mmfr1, uint64_t *vtcr);
/* Decode a VTCR_EL2 value: IPA bits, start level and number of concatenated root tables. */
void vtcr_decode(uint64_t vtcr, unsigned int *ipa_bits, unsigned int *start_level,
		 unsigned int *root_tables);

#endif
