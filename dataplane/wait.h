/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Low-power waiting for the data plane: the AArch64 LDXR + WFE idiom, and a pause fallback for
 * host builds. The only architecture-specific code the ring uses; docs/dataplane.md explains it.
 */
#ifndef DATAPLANE_WAIT_H
#define DATAPLANE_WAIT_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * Sleep until *addr may no longer equal 'old', for one WFE at most. Returns at once when it
 * already differs. May return early and spuriously (SEV from any CPU, an interrupt, the generic
 * timer's event stream), so callers loop and recheck; no ordering: the caller's next load of
 * *addr is its own acquire.
 *
 * AArch64 (as Linux's __cmpwait): SEVL sets this PE's event register, so the first WFE falls
 * through and leaves the register clear; LDXR then puts the line of 'addr' in the exclusive
 * monitor. Any store to that line by another PE clears the monitor, and that change from
 * Exclusive to Open is a wake-up event (Arm ARM, "Wait for Event" wake-up events: "the clearing
 * of the global monitor"), so a store that lands
 * between the LDXR and the WFE still wakes it: no lost wake-up, with or without the writer's SEV.
 * If the value already differs we skip the WFE. With the event stream enabled (CNTHCTL_EL2.EVNTEN,
 * set up by the EL2 timer code) no WFE sleeps longer than one stream period.
 */
static inline void spsc_wait_change32(const _Atomic uint32_t *addr, uint32_t old)
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
			 : [v] "Q"(*(const uint32_t *)addr), [old] "r"(old)
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

/*
 * Wake PEs waiting in WFE. Not needed for correctness with spsc_wait_change32() (the store to
 * the watched line wakes the waiter by itself); it only shortens the wake-up on implementations
 * slow to propagate the monitor clear. No DSB before it: a waiter woken before the store is
 * visible rechecks, re-arms LDXR and the store's arrival wakes it again.
 */
static inline void spsc_wake(void)
{
#if defined(__aarch64__)
	__asm__ volatile("sev" : : : "memory");
#endif
}

#endif
