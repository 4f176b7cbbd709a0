// SPDX-License-Identifier: BSD-2-Clause-Patent
/* PMUv3 driver: counters filtered to EL2 with the NSH bits, enabled through PMCR_EL0. */
#include "bench/pmu.h"

#include <stddef.h>

#include "kernel/arch/sysregs.h"

/*
 * PMCCFILTR_EL0 / PMEVTYPER<n>_EL0 (Arm ARM D13.3): P (31) excludes EL1, U (30) EL0, NSH (27)
 * includes EL2. NSK (29) is left equal to P, so Non-secure EL1 counts exactly as P says
 * whether or not EL3 exists. (MDCR_EL2.HPMD and HCCD, both 0 here, would stop counters at EL2.)
 */
#define PMU_FILTER_EL2_ONLY (PMEVTYPER_P | PMEVTYPER_U | PMEVTYPER_NSH)
#define PMU_FILTER_EL1_EL2  (PMEVTYPER_U | PMEVTYPER_NSH)
#define PMCNTEN_CYCLES	    BIT(31)

static const struct {
	unsigned int ev;
	const char *name;
} pmu_names[] = {
	{ 0x00, "SW_INCR" },
	{ 0x01, "L1I_CACHE_REFILL" },
	{ 0x02, "L1I_TLB_REFILL" },
	{ 0x03, "L1D_CACHE_REFILL" },
	{ 0x04, "L1D_CACHE" },
	{ 0x05, "L1D_TLB_REFILL" },
	{ 0x06, "LD_RETIRED" },
	{ 0x07, "ST_RETIRED" },
	{ 0x08, "INST_RETIRED" },
	{ 0x09, "EXC_TAKEN" },
	{ 0x0a, "EXC_RETURN" },
	{ 0x0b, "CID_WRITE_RETIRED" },
	{ 0x0c, "PC_WRITE_RETIRED" },
	{ 0x0d, "BR_IMMED_RETIRED" },
	{ 0x0e, "BR_RETURN_RETIRED" },
	{ 0x0f, "UNALIGNED_LDST_RETIRED" },
	{ 0x10, "BR_MIS_PRED" },
	{ 0x11, "CPU_CYCLES" },
	{ 0x12, "BR_PRED" },
	{ 0x13, "MEM_ACCESS" },
	{ 0x14, "L1I_CACHE" },
	{ 0x15, "L1D_CACHE_WB" },
	{ 0x16, "L2D_CACHE" },
	{ 0x17, "L2D_CACHE_REFILL" },
	{ 0x18, "L2D_CACHE_WB" },
	{ 0x19, "BUS_ACCESS" },
	{ 0x1a, "MEMORY_ERROR" },
	{ 0x1b, "INST_SPEC" },
	{ 0x1c, "TTBR_WRITE_RETIRED" },
	{ 0x1d, "BUS_CYCLES" },
	{ 0x1e, "CHAIN" },
	{ 0x1f, "L1D_CACHE_ALLOCATE" },
	{ 0x20, "L2D_CACHE_ALLOCATE" },
	{ 0x21, "BR_RETIRED" },
	{ 0x22, "BR_MIS_PRED_RETIRED" },
	{ 0x23, "STALL_FRONTEND" },
	{ 0x24, "STALL_BACKEND" },
	{ 0x25, "L1D_TLB" },
	{ 0x26, "L1I_TLB" },
	{ 0x27, "L2I_CACHE" },
	{ 0x28, "L2I_CACHE_REFILL" },
	{ 0x29, "L3D_CACHE_ALLOCATE" },
	{ 0x2a, "L3D_CACHE_REFILL" },
	{ 0x2b, "L3D_CACHE" },
	{ 0x2c, "L3D_CACHE_WB" },
	{ 0x2d, "L2D_TLB_REFILL" },
	{ 0x2e, "L2I_TLB_REFILL" },
	{ 0x2f, "L2D_TLB" },
	{ 0x30, "L2I_TLB" },
	{ 0x31, "REMOTE_ACCESS" },
	{ 0x32, "LL_CACHE" },
	{ 0x33, "LL_CACHE_MISS" },
	{ 0x34, "DTLB_WALK" },
	{ 0x35, "ITLB_WALK" },
	{ 0x36, "LL_CACHE_RD" },
	{ 0x37, "LL_CACHE_MISS_RD" },
	{ 0x38, "REMOTE_ACCESS_RD" },
	{ 0x39, "L1D_CACHE_LMISS_RD" },
	{ 0x3a, "OP_RETIRED" },
	{ 0x3b, "OP_SPEC" },
	{ 0x3c, "STALL" },
	{ 0x3d, "STALL_SLOT_BACKEND" },
	{ 0x3e, "STALL_SLOT_FRONTEND" },
	{ 0x3f, "STALL_SLOT" },
};

const char *pmu_event_name(unsigned int ev)
{
	for (size_t i = 0; i < sizeof(pmu_names) / sizeof(pmu_names[0]); i++)
		if (pmu_names[i].ev == ev)
			return pmu_names[i].name;
	return NULL;
}

static bool pmu_present(void)
{
	unsigned int ver =
		FIELD_GET(read_sysreg(id_aa64dfr0_el1), ID_AA64DFR0_PMUVER_SHIFT, ID_FIELD_WIDTH);

	return ver != 0 && ver != 0xf; /* 0xf: IMPLEMENTATION DEFINED, not PMUv3 */
}

unsigned int pmu_num_counters(void)
{
	return pmu_present() ? (unsigned int)FIELD_GET(read_sysreg(pmcr_el0), PMCR_EL0_N_SHIFT,
						       PMCR_EL0_N_WIDTH)
			     : 0;
}

bool pmu_event_supported(unsigned int ev)
{
	if (!pmu_present() || ev >= 64)
		return false;
	if (ev < 32)
		return read_sysreg(pmceid0_el0) & (1UL << ev);
	return read_sysreg(pmceid1_el0) & (1UL << (ev - 32));
}

bool pmu_init_cpu(void)
{
	if (!pmu_present())
		return false;
	write_sysreg(pmccfiltr_el0, PMU_FILTER_EL2_ONLY);
	write_sysreg(pmcntenset_el0, PMCNTEN_CYCLES);
	write_sysreg(pmcr_el0, (read_sysreg(pmcr_el0) & ~PMCR_EL0_CTRL_MASK) | PMCR_EL0_E |
				       PMCR_EL0_C | PMCR_EL0_LC);
	isb(); /* counting starts before the caller's next instruction */
	return true;
}

unsigned int pmu_setup_events(const unsigned int *events, unsigned int n)
{
	unsigned int max = pmu_num_counters();

	if (n > max)
		n = max;
	if (n > PMU_MAX_EVENTS)
		n = PMU_MAX_EVENTS;
	write_sysreg(pmcntenclr_el0, (1UL << PMU_MAX_EVENTS) - 1);
	for (unsigned int i = 0; i < n; i++) {
		write_sysreg(pmselr_el0, i);
		isb(); /* PMSELR_EL0 selects the counter the next two writes reach */
		write_sysreg(pmxevtyper_el0, PMU_FILTER_EL2_ONLY | (events[i] & 0xffff));
		write_sysreg(pmxevcntr_el0, 0);
	}
	write_sysreg(pmcntenset_el0, (1UL << n) - 1);
	isb();
	return n;
}

void pmu_read_events(uint64_t *out, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		write_sysreg(pmselr_el0, i);
		isb();
		out[i] = read_sysreg(pmxevcntr_el0);
	}
}

void pmu_guest_begin(bool insns)
{
	write_sysreg(pmcntenclr_el0, (1UL << PMU_MAX_EVENTS) - 1);
	write_sysreg(pmccfiltr_el0, PMU_FILTER_EL1_EL2);
	if (insns) {
		write_sysreg(pmselr_el0, 0);
		isb(); /* PMSELR_EL0 selects the counter the next two writes reach */
		write_sysreg(pmxevtyper_el0, PMU_FILTER_EL1_EL2 | PMU_EV_INST_RETIRED);
		write_sysreg(pmxevcntr_el0, 0);
		write_sysreg(pmcntenset_el0, BIT(0));
	}
	write_sysreg(pmcntenset_el0, PMCNTEN_CYCLES);
	write_sysreg(pmcr_el0, (read_sysreg(pmcr_el0) & ~PMCR_EL0_CTRL_MASK) | PMCR_EL0_E |
				       PMCR_EL0_C | PMCR_EL0_LC);
	isb(); /* counting starts before the next instruction */
}

void pmu_guest_read(uint64_t *insns, uint64_t *cycles)
{
	isb(); /* the reads are not taken before the work they end */
	*cycles = read_sysreg(pmccntr_el0);
	write_sysreg(pmselr_el0, 0);
	isb();
	*insns = read_sysreg(pmxevcntr_el0);
}

void pmu_guest_end(void)
{
	write_sysreg(pmcntenclr_el0, BIT(0));
	pmu_init_cpu();
}
