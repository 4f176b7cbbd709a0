/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* VTCR_EL2, the Stage-2 translation control, derived from the ID registers (mm/vtcr.c). */
#ifndef MM_VTCR_H
#define MM_VTCR_H

#include <stdint.h>

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
