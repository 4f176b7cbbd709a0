// SPDX-License-Identifier: BSD-2-Clause-Patent
/* VTCR_EL2 derived from the ID registers (Arm ARM D23.2, VTCR_EL2; D8.2.6 concatenation). */
#include "mm/vtcr.h"

#include "kernel/arch/cpuid.h"
#include "kernel/lib/err.h"
#include "kernel/arch/sysregs.h"

/*
 * T0SZ and SL0 for an IPA size on the 4 KiB granule: up to 40 bits start at level 1 with up to
 * two concatenated root tables (SL0 = 1); 41 to 48 bits start at level 0 (SL0 = 2).
 */
static uint64_t vtcr_ipa_geometry(unsigned int ipa_bits)
{
	return VTCR_EL2_T0SZ(64 - ipa_bits) | VTCR_EL2_SL0(ipa_bits > 40 ? 2 : 1);
}

int vtcr_compute(uint64_t mmfr0, uint64_t mmfr1, uint64_t *vtcr)
{
	unsigned int parange = FIELD_GET(mmfr0, ID_AA64MMFR0_PARANGE_SHIFT, 4);
	unsigned int tgran4 = FIELD_GET(mmfr0, ID_AA64MMFR0_TGRAN4_SHIFT, 4);
	unsigned int tgran4_2 = FIELD_GET(mmfr0, ID_AA64MMFR0_TGRAN4_2_SHIFT, 4);
	unsigned int ipa_bits;
	uint64_t v;

	/* TGran4_2 == 0 defers to TGran4; 1 means no 4 KiB granule at stage 2. */
	if (tgran4_2 == 1 || (tgran4_2 == 0 && tgran4 == 0xf))
		return E_NOTSUP;
	if (cpuid_parange_bits(parange) == 0)
		return E_INVAL;
	if (parange > 5)
		parange = 5; /* 52-bit needs FEAT_LPA2 descriptors: stay at 48 */
	ipa_bits = cpuid_parange_bits(parange);
	v = VTCR_EL2_RES1 | vtcr_ipa_geometry(ipa_bits) | VTCR_EL2_IRGN0_WBWA |
	    VTCR_EL2_ORGN0_WBWA | VTCR_EL2_SH0_INNER | VTCR_EL2_TG0_4K | VTCR_EL2_PS(parange);
	if (FIELD_GET(mmfr1, ID_AA64MMFR1_VMIDBITS_SHIFT, 4) == 2)
		v |= VTCR_EL2_VS; /* 16-bit VMIDs */
	*vtcr = v;
	return 0;
}

void vtcr_decode(uint64_t vtcr, unsigned int *ipa_bits, unsigned int *start_level,
		 unsigned int *root_tables)
{
	unsigned int bits = 64 - (unsigned int)(vtcr & 0x3f);
	unsigned int sl0 = FIELD_GET(vtcr, VTCR_EL2_SL0_SHIFT, 2);
	unsigned int level = sl0 == 2 ? 0 : sl0 == 1 ? 1 : 2;
	unsigned int covered = 12 + 9 * (4 - level); /* one table at 'level' resolves this */

	*ipa_bits = bits;
	*start_level = level;
	*root_tables = bits > covered ? 1U << (bits - covered) : 1;
}

int vtcr_limit_ipa(uint64_t vtcr, unsigned int max_bits, uint64_t *out)
{
	unsigned int bits = 64 - (unsigned int)(vtcr & 0x3f);

	if (max_bits < VTCR_MIN_IPA_BITS)
		return E_INVAL;
	if (bits > max_bits)
		bits = max_bits;
	*out = (vtcr & ~(VTCR_EL2_T0SZ(~0UL) | VTCR_EL2_SL0(~0UL))) | vtcr_ipa_geometry(bits);
	return 0;
}

unsigned int vtcr_ipa_parange(uint64_t vtcr)
{
	unsigned int bits = 64 - (unsigned int)(vtcr & 0x3f), parange = 0;

	/* The largest PARange size that does not exceed the IPA size. */
	while (parange < 6 && cpuid_parange_bits(parange + 1) <= bits)
		parange++;
	return parange;
}
