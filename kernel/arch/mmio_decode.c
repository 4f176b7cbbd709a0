// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Data-abort syndrome decoding for MMIO emulation. */
#include "kernel/arch/mmio_decode.h"

#include "kernel/lib/err.h"
#include "kernel/arch/sysregs.h"

int mmio_decode(uint64_t esr, struct mmio_access *a)
{
	uint64_t iss = FIELD_GET(esr, ESR_ISS_SHIFT, ESR_ISS_WIDTH);

	if (!(iss & ESR_DABT_ISV))
		return E_NOTSUP;
	a->size = 1U << FIELD_GET(iss, ESR_DABT_SAS_SHIFT, ESR_DABT_SAS_WIDTH);
	a->sign_extend = iss & ESR_DABT_SSE;
	a->reg = (unsigned int)FIELD_GET(iss, ESR_DABT_SRT_SHIFT, ESR_DABT_SRT_WIDTH);
	a->reg64 = iss & ESR_DABT_SF;
	a->write = iss & ESR_DABT_WNR;
	return 0;
}

uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw)
{
	unsigned int bits = a->size * 8;
	uint64_t v = bits == 64 ? raw : raw & ((1UL << bits) - 1);

	if (a->sign_extend && bits < 64 && (v & (1UL << (bits - 1))))
		v |= ~0UL << bits;
	if (!a->reg64)
		v &= 0xffffffffUL;
	return v;
}

uint64_t mmio_fault_ipa(uint64_t hpfar, uint64_t far)
{
	return FIELD_GET(hpfar, HPFAR_EL2_FIPA_SHIFT, HPFAR_EL2_FIPA_WIDTH)
		       << HPFAR_EL2_FIPA_IPA_SHIFT |
	       (far & GENMASK(HPFAR_EL2_FIPA_IPA_SHIFT - 1, 0));
}
