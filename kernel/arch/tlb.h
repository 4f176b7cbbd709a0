/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * TLB and instruction-cache maintenance, one inline function per instruction. None of them
 * waits for completion: the caller issues the DSB (and ISB) that the sequence needs and says
 * in a comment what it orders against what.
 */
#ifndef KERNEL_ARCH_TLB_H
#define KERNEL_ARCH_TLB_H

#include <stdint.h>

/* TLBI ALLE2: every EL2 stage-1 entry on this PE. */
static inline void tlbi_alle2(void)
{
	__asm__ volatile("tlbi alle2" : : : "memory");
}

/* TLBI IPAS2E1IS: stage-2 entries for one IPA of the current VMID, Inner Shareable. */
static inline void tlbi_ipas2e1is(uint64_t ipa)
{
	__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(ipa >> 12) : "memory");
}

/* TLBI VMALLE1IS: the current VMID's stage-1 (and combined) entries, Inner Shareable. */
static inline void tlbi_vmalle1is(void)
{
	__asm__ volatile("tlbi vmalle1is" : : : "memory");
}

/* TLBI VMALLS12E1IS: every stage-1 and stage-2 entry of the current VMID, Inner Shareable. */
static inline void tlbi_vmalls12e1is(void)
{
	__asm__ volatile("tlbi vmalls12e1is" : : : "memory");
}

/* TLBI VMALLS12E1: the same on this PE only. */
static inline void tlbi_vmalls12e1(void)
{
	__asm__ volatile("tlbi vmalls12e1" : : : "memory");
}

/* IC IALLUIS: invalidate every instruction cache to the Point of Unification, Inner Shareable. */
static inline void ic_ialluis(void)
{
	__asm__ volatile("ic ialluis" : : : "memory");
}

#endif
