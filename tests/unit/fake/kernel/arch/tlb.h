/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Host stand-in for kernel/arch/tlb.h: each TLB or instruction-cache maintenance instruction
 * is appended to the fake's log (tests/unit/fake/fake.h) with the operand the instruction
 * would get (an IPA as IPA >> 12), instead of being issued.
 */
#ifndef KERNEL_ARCH_TLB_H
#define KERNEL_ARCH_TLB_H

#include <stdint.h>

#include "fake.h"

static inline void tlbi_alle2(void)
{
	fake_record(FAKE_TLBI, "alle2", 0);
}

static inline void tlbi_vmalle1is(void)
{
	fake_record(FAKE_TLBI, "vmalle1is", 0);
}

static inline void tlbi_vmalls12e1(void)
{
	fake_record(FAKE_TLBI, "vmalls12e1", 0);
}

static inline void tlbi_vmalls12e1is(void)
{
	fake_record(FAKE_TLBI, "vmalls12e1is", 0);
}

static inline void tlbi_ipas2e1is(uint64_t ipa)
{
	fake_record(FAKE_TLBI, "ipas2e1is", ipa >> 12);
}

static inline void ic_ialluis(void)
{
	fake_record(FAKE_IC, "ialluis", 0);
}

#endif
