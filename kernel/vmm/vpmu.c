// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The PMU passed to the vCPU (Arm ARM D13, "The Performance Monitors Extension"). The vCPU is
 * pinned, so the core's own counters are the guest's: no access traps, only MDCR_EL2 says which
 * counters are the guest's (HPMN), keeps EL2 out of the guest's counts (HPMD, HCCD) and, when
 * the hypervisor keeps counters of its own, traps PMCR_EL0 so PMCR_EL0.P cannot reset them.
 * The configuration is written when a vCPU starts and reset when it leaves: nothing per exit.
 */
#include "kernel/vmm/vpmu.h"

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/hyp.h"
#include "kernel/init.h"
#include "kernel/lib/parse.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/vm.h"

/* Event counters the hypervisor keeps while a guest runs: bootargs "pmu-hyp=N", default 0. */
static unsigned int hyp_counters;

static unsigned int pmu_ver(void)
{
	return (unsigned int)FIELD_GET(read_sysreg(id_aa64dfr0_el1), ID_AA64DFR0_PMUVER_SHIFT,
				       ID_FIELD_WIDTH);
}

bool vpmu_present(void)
{
	unsigned int ver = pmu_ver();

	return ver != 0 && ver != ID_AA64DFR0_PMUVER_IMPDEF;
}

static unsigned int pmu_n(void)
{
	return vpmu_present() ? (unsigned int)FIELD_GET(read_sysreg(pmcr_el0), PMCR_EL0_N_SHIFT,
							PMCR_EL0_N_WIDTH)
			      : 0;
}

/*
 * HPMN may be 0 only with FEAT_HPMN0 (else CONSTRAINED UNPREDICTABLE): without it the guest
 * keeps at least one event counter whatever the hypervisor asked for.
 */
unsigned int vpmu_guest_counters(void)
{
	unsigned int n = pmu_n(), keep = hyp_counters;
	bool hpmn0 = FIELD_GET(read_sysreg(id_aa64dfr0_el1), ID_AA64DFR0_HPMN0_SHIFT,
			       ID_FIELD_WIDTH) != 0;

	if (keep > n)
		keep = n;
	if (keep == n && n && !hpmn0)
		keep = n - 1;
	return n - keep;
}

uint64_t vpmu_mdcr(const struct vcpu *v)
{
	unsigned int n = pmu_n(), hpmn = vpmu_guest_counters(), ver = pmu_ver();
	uint64_t mdcr;

	/* A VM the hypervisor measures with this PMU itself (bench): the guest has none. */
	if (v->vm->hyp_pmu || !vpmu_present())
		return FIELD_PREP(n, MDCR_EL2_HPMN_SHIFT, MDCR_EL2_HPMN_WIDTH) | MDCR_EL2_TPM |
		       MDCR_EL2_TPMCR;
	mdcr = FIELD_PREP(hpmn, MDCR_EL2_HPMN_SHIFT, MDCR_EL2_HPMN_WIDTH);
	if (ver >= ID_AA64DFR0_PMUVER_V3P1)
		mdcr |= MDCR_EL2_HPMD; /* the guest's event counters stop while EL2 runs */
	if (ver >= ID_AA64DFR0_PMUVER_V3P5)
		mdcr |= MDCR_EL2_HCCD; /* and so does the cycle counter */
	if (hpmn < n)
		mdcr |= MDCR_EL2_HPME | MDCR_EL2_TPMCR; /* the second range is the hypervisor's */
	return mdcr;
}

void vpmu_reset(void)
{
	unsigned int n = pmu_n();
	uint64_t all = PMU_CYCLE_COUNTER_BIT | (BIT(n) - 1);

	if (!vpmu_present())
		return;
	/* Stopped first, so nothing counts or overflows while the rest is cleared. */
	write_sysreg(pmcntenclr_el0, all);
	write_sysreg(pmintenclr_el1, all);
	write_sysreg(pmovsclr_el0, all);
	for (unsigned int i = 0; i < n; i++) {
		write_sysreg(pmselr_el0, i);
		isb(); /* PMSELR_EL0 selects the counter the next two writes reach */
		write_sysreg(pmxevtyper_el0, 0);
		write_sysreg(pmxevcntr_el0, 0);
	}
	write_sysreg(pmselr_el0, 0);
	write_sysreg(pmccfiltr_el0, 0);
	write_sysreg(pmuserenr_el0, 0);
	/* At EL2, P and C zero every event counter and the cycle counter; E = 0 stops them. */
	write_sysreg(pmcr_el0, PMCR_EL0_P | PMCR_EL0_C);
	isb(); /* the PMU is quiet before whatever runs next on this core */
}

uint64_t vpmu_id_dfr0(const struct vcpu *v, uint64_t dfr0)
{
	if (v->vm->hyp_pmu || !vpmu_present())
		return dfr0 & ~ID_FIELD_MASK(ID_AA64DFR0_PMUVER_SHIFT);
	return dfr0; /* PMUVer as the core has it: the guest's counters are the core's */
}

/* As EL1 reads it: N is the guest's share (what the hardware itself shows EL1, HPMN). */
uint64_t vpmu_pmcr_read(void)
{
	uint64_t pmcr = read_sysreg(pmcr_el0) & ~(PMCR_EL0_P | PMCR_EL0_C); /* write-only bits */

	pmcr &= ~FIELD_MASK(PMCR_EL0_N_SHIFT, PMCR_EL0_N_WIDTH);
	return pmcr | FIELD_PREP(vpmu_guest_counters(), PMCR_EL0_N_SHIFT, PMCR_EL0_N_WIDTH);
}

/*
 * As an EL1 write would act: E, C, D, X, DP, LC act the same from EL2 (E enables the first
 * range and the cycle counter there too), but P from EL2 would zero the hypervisor's counters
 * as well, so the guest's are zeroed one by one instead.
 */
void vpmu_pmcr_write(uint64_t val)
{
	uint64_t keep = read_sysreg(pmcr_el0) & ~PMCR_EL0_CTRL_MASK;

	if (val & PMCR_EL0_P) {
		for (unsigned int i = 0; i < vpmu_guest_counters(); i++) {
			write_sysreg(pmselr_el0, i);
			isb(); /* PMSELR_EL0 selects the counter the next write reaches */
			write_sysreg(pmxevcntr_el0, 0);
		}
	}
	write_sysreg(pmcr_el0, keep | (val & PMCR_EL0_CTRL_MASK & ~PMCR_EL0_P));
	isb(); /* counting as the guest asked before it runs on */
}

/* bootargs "pmu-hyp=N": the hypervisor keeps the last N event counters while guests run. */
static void vpmu_boot(void)
{
	static const char key[] = "pmu-hyp=";
	const char *a = hyp.plat.bootargs;

	for (unsigned int i = 0; a[i]; i++) {
		char word[16];
		unsigned int k = 0, len = 0;
		uint64_t n;

		if (i > 0 && a[i - 1] != ' ')
			continue; /* words start after a space */
		while (k < sizeof(key) - 1 && a[i + k] == key[k])
			k++;
		if (k != sizeof(key) - 1)
			continue;
		while (a[i + k + len] && a[i + k + len] != ' ' && len < sizeof(word) - 1) {
			word[len] = a[i + k + len];
			len++;
		}
		word[len] = '\0';
		if (parse_u64(word, &n) || n > 31) {
			pr_err("bootargs: 'pmu-hyp=%s': want pmu-hyp=N, N event counters (0-31)\n",
			       word);
			continue;
		}
		hyp_counters = (unsigned int)n;
	}
	if (vpmu_present())
		printk("pmu: guests get %u of %u event counters and the cycle counter\n",
		       vpmu_guest_counters(), pmu_n());
}
INIT_STEP(INIT_VMS, vpmu_boot);
