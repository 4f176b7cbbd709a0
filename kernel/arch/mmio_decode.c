// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Data-abort syndrome decoding for MMIO emulation. */
#include "kernel/arch/mmio_decode.h"

#include "kernel/lib/err.h"
#include "kernel/arch/sysregs.h"

int mmio_decode(uint64_t esr, struct mmio_access *a)
{
	uint64_t iss = esr & ESR_ISS_MASK;

	if (!(iss & BIT(24))) /* ISV */
		return E_NOTSUP;
	a->size = 1U << FIELD_GET(iss, 22, 2);	      /* SAS */
	a->sign_extend = iss & BIT(21);		      /* SSE */
	a->reg = (unsigned int)FIELD_GET(iss, 16, 5); /* SRT */
	a->reg64 = iss & BIT(15);		      /* SF */
	a->write = iss & BIT(6);		      /* WnR */
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
	return ((hpfar & GENMASK(43, 4)) << 8) | (far & 0xfff);
}
