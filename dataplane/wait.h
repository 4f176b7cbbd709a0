/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Low-power waiting for the data plane: the AArch64 LDXR + WFE idiom (the instructions are in
 * kernel/arch/wait.h, with a pause fallback for host builds). The only architecture-specific code
 * the ring uses; docs/dataplane.md explains it.
 */
#ifndef DATAPLANE_WAIT_H
#define DATAPLANE_WAIT_H

#include <stdatomic.h>
#include <stdint.h>

#include "kernel/arch/wait.h"

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
	wait_change32((const volatile uint32_t *)addr, old);
}

/*
 * Wake PEs waiting in WFE. Not needed for correctness with spsc_wait_change32() (the store to
 * the watched line wakes the waiter by itself); it only shortens the wake-up on implementations
 * slow to propagate the monitor clear. No DSB before it: a waiter woken before the store is
 * visible rechecks, re-arms LDXR and the store's arrival wakes it again.
 */
static inline void spsc_wake(void)
{
	wait_wake_all();
}

#endif
