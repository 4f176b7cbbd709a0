/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * PMUv3 at EL2 (Arm ARM D13, "The Performance Monitors Extension"): the cycle counter and the
 * event counters, filtered to count at EL2 only, on the CPU that calls these functions.
 */
#ifndef BENCH_PMU_H
#define BENCH_PMU_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/arch.h"

#define PMU_MAX_EVENTS 6 /* event counters a benchmark asks for at once */

/* Common event numbers (Arm ARM D13.11, "PMU events and event numbers"). */
#define PMU_EV_L1D_CACHE_REFILL 0x03
#define PMU_EV_L1D_CACHE	0x04
#define PMU_EV_INST_RETIRED	0x08
#define PMU_EV_BR_MIS_PRED	0x10
#define PMU_EV_CPU_CYCLES	0x11
#define PMU_EV_L2D_CACHE	0x16
#define PMU_EV_L2D_CACHE_REFILL 0x17
#define PMU_EV_BUS_ACCESS	0x19
#define PMU_EV_INST_SPEC	0x1b
#define PMU_EV_STALL_FRONTEND	0x23
#define PMU_EV_STALL_BACKEND	0x24

/* Enable the cycle counter (64-bit, counting at EL2) on this CPU. False without PMUv3. */
bool pmu_init_cpu(void);
/* Event counters implemented (PMCR_EL0.N). */
unsigned int pmu_num_counters(void);
/* Is common event 'ev' implemented (PMCEID0/1_EL0)? */
bool pmu_event_supported(unsigned int ev);
/* Name of a common event, or NULL. */
const char *pmu_event_name(unsigned int ev);
/* Program counters 0..n-1 with events[] (EL2 only) and zero them. Returns how many it set. */
unsigned int pmu_setup_events(const unsigned int *events, unsigned int n);
void pmu_read_events(uint64_t *out, unsigned int n);

/*
 * Count a guest's work on this CPU: the cycle counter and, when 'insns', event counter 0 with
 * INST_RETIRED, both zeroed and filtered to count at EL1 and EL2 (not EL0), so a round trip
 * from EL1 through the hypervisor and back is counted whole. pmu_guest_read() reads both;
 * pmu_guest_end() puts the counters back as pmu_init_cpu() left them (EL2 only).
 */
void pmu_guest_begin(bool insns);
void pmu_guest_read(uint64_t *insns, uint64_t *cycles);
void pmu_guest_end(void);

/* The cycle counter. The ISB keeps the read in program order with the code it measures. */
static inline uint64_t pmu_read_cycles(void)
{
	isb();
	return read_sysreg(pmccntr_el0);
}

#endif
