/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Waiting for a word to change: the AArch64 LDXR + WFE idiom and SEV, with a pause fallback so
 * host builds (unit tests, the host ring benchmark) and the EL1 test guests use the same header.
 * Freestanding: no other kernel header, so anything that may use the hardware layer can.
 */
#ifndef KERNEL_ARCH_WAIT_H
#define KERNEL_ARCH_WAIT_H

#include <stdint.h>

/*
 * Sleep until *addr may no longer equal 'old', for one WFE at most; see dataplane/wait.h for
 * why the sequence cannot lose a wake-up. No ordering: the caller's next load is its own acquire.
 */
static inline void wait_change32(const volatile uint32_t *addr, uint32_t old)
{
#if defined(__aarch64__)
	uint32_t tmp;

	__asm__ volatile("	sevl\n"
			 "	wfe\n"
			 "	ldxr	%w[tmp], %[v]\n"
			 "	eor	%w[tmp], %w[tmp], %w[old]\n"
			 "	cbnz	%w[tmp], 1f\n"
			 "	wfe\n"
			 "1:\n"
			 : [tmp] "=&r"(tmp)
			 : [v] "Q"(*addr), [old] "r"(old)
			 : "memory");
#elif defined(__x86_64__) || defined(__i386__)
	(void)addr;
	(void)old;
	__builtin_ia32_pause(); /* tells the core we spin: frees the sibling thread's resources */
#else
	(void)addr;
	(void)old;
	__asm__ volatile("" : : : "memory");
#endif
}

/* SEV: an event for every PE waiting in WFE. Nothing on the host, where nobody waits in WFE. */
static inline void wait_wake_all(void)
{
#if defined(__aarch64__)
	__asm__ volatile("sev" : : : "memory");
#endif
}

#endif
