/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The guest's PMU: the PMUv3 of the core its vCPU is pinned to, split with MDCR_EL2.HPMN
 * between the guest (the first range) and the hypervisor (the counters it keeps, default none),
 * reset whenever a guest starts or leaves a core so nothing passes from one VM to the next.
 */
#ifndef KERNEL_VMM_VPMU_H
#define KERNEL_VMM_VPMU_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Does this CPU have a PMUv3 a guest can be given (PMUVer neither 0 nor IMPLEMENTATION DEFINED)? */
bool vpmu_present(void);
/* Event counters the guest gets: PMCR_EL0.N less those the hypervisor keeps. */
unsigned int vpmu_guest_counters(void);
/* The PMU half of MDCR_EL2 while 'v' runs. */
uint64_t vpmu_mdcr(const struct vcpu *v);
/* Every counter stopped, zeroed and unconfigured, overflow and interrupt flags clear. */
void vpmu_reset(void);
/* The PMU part of ID_AA64DFR0_EL1 a guest sees: 'dfr0' with PMUVer kept or hidden. */
uint64_t vpmu_id_dfr0(const struct vcpu *v, uint64_t dfr0);
/* A trapped PMCR_EL0 access (MDCR_EL2.TPMCR: only when the hypervisor keeps counters). */
uint64_t vpmu_pmcr_read(void);
void vpmu_pmcr_write(uint64_t val);

#endif
