/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * What a trapped data abort asks for, from ESR_EL2's ISS (Arm ARM D23.2.42, "ISS encoding for an
 * exception from a Data Abort") when ISV is 1: size, direction, register, sign extension.
 * Portable: tested on the host.
 */
#ifndef KERNEL_MMIO_DECODE_H
#define KERNEL_MMIO_DECODE_H

#include <stdbool.h>
#include <stdint.h>

struct mmio_access {
	unsigned int size; /* bytes: 1, 2, 4, 8 */
	bool write;
	unsigned int reg; /* SRT: 0-30, 31 = XZR */
	bool sign_extend; /* SSE */
	bool reg64;	  /* SF: the register is 64-bit (else 32-bit, upper half zeroed) */
};

/* 0, or E_NOTSUP when ISV is 0 (no syndrome: a load/store pair, writeback, SIMD ...). */
int mmio_decode(uint64_t esr, struct mmio_access *a);
/* The value a load of 'raw' puts in its register: sign extension and 32-bit truncation. */
uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw);
/* IPA of the fault: HPFAR_EL2.FIPA (bits 43:4 hold IPA[51:12]) plus FAR's page offset. */
uint64_t mmio_fault_ipa(uint64_t hpfar, uint64_t far);

#endif
