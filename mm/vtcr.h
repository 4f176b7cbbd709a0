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
/* The smallest IPA size vtcr_limit_ipa() makes: PARange's smallest (32 bits, 4 GiB). */
#define VTCR_MIN_IPA_BITS 32
/*
 * A VM's own VTCR_EL2 when something other than the CPU walks its Stage-2 tables too (an SMMU
 * sharing them, whose input size is bounded by its IDR5.OAS): 'vtcr' with the IPA size lowered
 * to 'max_bits' when it is larger, T0SZ and SL0 chosen again by vtcr_compute()'s rule (level 1
 * with concatenated roots up to 40 bits, level 0 above); PS, VS, the granule and the walks'
 * cacheability stay. E_INVAL when max_bits is below VTCR_MIN_IPA_BITS. Portable.
 */
int vtcr_limit_ipa(uint64_t vtcr, unsigned int max_bits, uint64_t *out);
/* ID_AA64MMFR0_EL1.PARange that tells a guest its IPA size: the largest not above it. */
unsigned int vtcr_ipa_parange(uint64_t vtcr);
/* Decode a VTCR_EL2 value: IPA bits, start level and number of concatenated root tables. */
void vtcr_decode(uint64_t vtcr, unsigned int *ipa_bits, unsigned int *start_level,
		 unsigned int *root_tables);

#endif
