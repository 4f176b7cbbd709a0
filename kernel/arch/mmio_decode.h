/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * What a trapped data abort asks for, from ESR_EL2's ISS (Arm ARM D23.2.42, "ISS encoding for an
 * exception from a Data Abort") when ISV is 1: size, direction, register, sign extension.
 * Portable: tested on the host. Inline (C11 inline definitions; mmio_decode.c emits the external
 * copies): every emulated access of every guest decodes here.
 */
#ifndef KERNEL_MMIO_DECODE_H
#define KERNEL_MMIO_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/sysregs.h"
#include "kernel/lib/err.h"

struct mmio_access {
	unsigned int size; /* bytes: 1, 2, 4, 8 */
	bool write;
	unsigned int reg; /* SRT: 0-30, 31 = XZR */
	bool sign_extend; /* SSE */
	bool reg64;	  /* SF: the register is 64-bit (else 32-bit, upper half zeroed) */
};

/* 0, or E_NOTSUP when ISV is 0 (no syndrome: a load/store pair, writeback, SIMD ...). */
inline int mmio_decode(uint64_t esr, struct mmio_access *a)
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

/* The value a load of 'raw' puts in its register: sign extension and 32-bit truncation. */
inline uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw)
{
	unsigned int bits = a->size * 8;
	uint64_t v = bits == 64 ? raw : raw & ((1UL << bits) - 1);

	if (a->sign_extend && bits < 64 && (v & (1UL << (bits - 1))))
		v |= ~0UL << bits;
	if (!a->reg64)
		v &= 0xffffffffUL;
	return v;
}

/* IPA of the fault: HPFAR_EL2.FIPA (bits 43:4 hold IPA[51:12]) plus FAR's page offset. */
inline uint64_t mmio_fault_ipa(uint64_t hpfar, uint64_t far)
{
	return FIELD_GET(hpfar, HPFAR_EL2_FIPA_SHIFT, HPFAR_EL2_FIPA_WIDTH)
		       << HPFAR_EL2_FIPA_IPA_SHIFT |
	       (far & GENMASK(HPFAR_EL2_FIPA_IPA_SHIFT - 1, 0));
}

#endif
