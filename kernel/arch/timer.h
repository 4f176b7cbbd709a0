/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* The generic timer's physical counter (CNTPCT_EL0) as the hypervisor's clock. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdint.h>

#include "kernel/arch/arch.h"

/* Counter value; the ISB stops it being read early, out of order with earlier code. */
static inline uint64_t timer_count(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

static inline uint64_t timer_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

/* Counter ticks to nanoseconds without overflow for any realistic interval. */
static inline uint64_t timer_ticks_to_ns(uint64_t ticks)
{
	uint64_t f = timer_freq();

	return (ticks / f) * 1000000000UL + (ticks % f) * 1000000000UL / f;
}

static inline uint64_t timer_us_to_ticks(uint64_t us)
{
	return us * timer_freq() / 1000000UL;
}

static inline void udelay(uint64_t us)
{
	uint64_t end = timer_count() + timer_us_to_ticks(us);

	while (timer_count() < end)
		;
}

#endif
