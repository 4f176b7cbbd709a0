/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The self-hosted debug registers a guest may own (Arm ARM D2, "AArch64 Self-hosted Debug"):
 * breakpoint and watchpoint value and control pairs, addressed by number. Their names carry the
 * number, so each is one case of a switch; n beyond what ID_AA64DFR0_EL1 reports is ignored.
 */
#ifndef KERNEL_ARCH_DEBUG_REGS_H
#define KERNEL_ARCH_DEBUG_REGS_H

#include "kernel/arch/arch.h"

#define DBG_CLEAR_CASE(n, ctl, val)            \
	case n:                                \
		write_sysreg(ctl##n##_el1, 0); \
		write_sysreg(val##n##_el1, 0); \
		break

#define DBG_CLEAR_SWITCH(idx, ctl, val)       \
	switch (idx) {                        \
		DBG_CLEAR_CASE(0, ctl, val);  \
		DBG_CLEAR_CASE(1, ctl, val);  \
		DBG_CLEAR_CASE(2, ctl, val);  \
		DBG_CLEAR_CASE(3, ctl, val);  \
		DBG_CLEAR_CASE(4, ctl, val);  \
		DBG_CLEAR_CASE(5, ctl, val);  \
		DBG_CLEAR_CASE(6, ctl, val);  \
		DBG_CLEAR_CASE(7, ctl, val);  \
		DBG_CLEAR_CASE(8, ctl, val);  \
		DBG_CLEAR_CASE(9, ctl, val);  \
		DBG_CLEAR_CASE(10, ctl, val); \
		DBG_CLEAR_CASE(11, ctl, val); \
		DBG_CLEAR_CASE(12, ctl, val); \
		DBG_CLEAR_CASE(13, ctl, val); \
		DBG_CLEAR_CASE(14, ctl, val); \
		DBG_CLEAR_CASE(15, ctl, val); \
	default:                              \
		break;                        \
	}

/* Breakpoint n off and its address cleared: DBGBCR<n>_EL1.E = 0, DBGBVR<n>_EL1 = 0. */
static inline void dbg_clear_breakpoint(unsigned int n)
{
	DBG_CLEAR_SWITCH(n, dbgbcr, dbgbvr)
}

/* Watchpoint n off and its address cleared: DBGWCR<n>_EL1.E = 0, DBGWVR<n>_EL1 = 0. */
static inline void dbg_clear_watchpoint(unsigned int n)
{
	DBG_CLEAR_SWITCH(n, dbgwcr, dbgwvr)
}

#undef DBG_CLEAR_SWITCH
#undef DBG_CLEAR_CASE

#endif
