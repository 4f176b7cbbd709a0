// SPDX-License-Identifier: BSD-2-Clause-Patent
/* PSCI conduit to EL3 firmware, or to QEMU's built-in PSCI with virtualization=on. */
#include "kernel/arch/psci.h"

#include "kernel/lib/err.h"

static enum psci_conduit psci_conduit = PSCI_CONDUIT_NONE;

int psci_init(enum psci_conduit conduit)
{
	/* A PSCI "hvc" conduit is for an EL1 OS under a hypervisor: at EL2 it would trap to us. */
	if (conduit != PSCI_CONDUIT_SMC)
		return E_NOTSUP;
	psci_conduit = conduit;
	return 0;
}

int64_t psci_call(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	if (psci_conduit != PSCI_CONDUIT_SMC)
		return PSCI_RET_NOT_SUPPORTED;
	/* SMCCC: x0-x17 may be clobbered by the callee (DEN 0028 section 2.6). */
	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
			   "x15", "x16", "x17", "memory");
	return (int64_t)x0;
}

int64_t psci_version(void)
{
	return psci_call(PSCI_0_2_FN_PSCI_VERSION, 0, 0, 0);
}

void psci_system_off(void)
{
	psci_call(PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0);
}

void psci_system_reset(void)
{
	psci_call(PSCI_0_2_FN_SYSTEM_RESET, 0, 0, 0);
}
