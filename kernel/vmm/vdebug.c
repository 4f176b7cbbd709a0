// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Self-hosted debug passed to the guest (Arm ARM D2, "AArch64 Self-hosted Debug"). With
 * MDCR_EL2.TDE = 0 every debug exception a guest's breakpoint, watchpoint or step raises is
 * taken to its own EL1, never to EL2 (debug exceptions are not enabled at EL2 without TDE), so
 * the registers are simply the guest's: TDA, TDOSA and TDRA clear, nothing traps, and the
 * ID_AA64DFR0_EL1 fields (DebugVer, BRPs, WRPs, CTX_CMPs) the core reports are true for it.
 * The vCPU is pinned: the registers are reset when a vCPU starts and when it leaves, not at
 * each exit.
 */
#include "kernel/vmm/vdebug.h"

#include "kernel/arch/arch.h"
#include "kernel/arch/debug_regs.h"

uint64_t vdebug_mdcr(void)
{
	return 0; /* TDE, TDA, TDOSA, TDRA all 0: the guest owns its debug registers */
}

void vdebug_reset(void)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);
	unsigned int brps = (unsigned int)FIELD_GET(dfr0, ID_AA64DFR0_BRPS_SHIFT, ID_FIELD_WIDTH);
	unsigned int wrps = (unsigned int)FIELD_GET(dfr0, ID_AA64DFR0_WRPS_SHIFT, ID_FIELD_WIDTH);

	write_sysreg(mdscr_el1, 0); /* no step, no breakpoints, no debug exceptions at EL1 */
	for (unsigned int n = 0; n <= brps; n++)
		dbg_clear_breakpoint(n);
	for (unsigned int n = 0; n <= wrps; n++)
		dbg_clear_watchpoint(n);
	/* OSDLR_EL1 exists only with FEAT_DoubleLock (DoubleLock 0); unlock it there. */
	if (FIELD_GET(dfr0, ID_AA64DFR0_DOUBLELOCK_SHIFT, ID_FIELD_WIDTH) == 0)
		write_sysreg(osdlr_el1, 0);
	write_sysreg(oslar_el1, OSLAR_EL1_OSLK); /* locked, as after a cold reset */
	isb(); /* the guest's debug state is clean before the next guest can run */
}
