// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * PSCI for guests (Arm DEN 0022 1.1): VERSION, FEATURES, CPU_ON, CPU_OFF, AFFINITY_INFO,
 * SYSTEM_OFF, SYSTEM_RESET, MIGRATE_INFO_TYPE; SMCCC_VERSION and ARCH_FEATURES (DEN 0028);
 * unknown function IDs answer NOT_SUPPORTED. And the ID registers guests see.
 */
#include "kernel/vmm/vhyp.h"

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/arch/cpuid.h"
#include "kernel/arch/gicv3_regs.h"
#include "kernel/lib/err.h"
#include "kernel/hyp.h"
#include "kernel/arch/psci.h"
#include "kernel/smp.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vdev/vgic.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vpmu.h"
#include "kernel/vmm/vring.h"
#include "mm/vtcr.h"

#define PSCI_0_2_FN_MIGRATE_INFO_TYPE 0x84000006U
#define PSCI_0_2_FN_CPU_ON	      0x84000003U
#define PSCI_0_2_FN_AFFINITY_INFO     0x84000004U
#define PSCI_VERSION_1_1	      0x10001
#define MIGRATE_INFO_NOT_REQUIRED     2 /* no Trusted OS to migrate (DEN 0022 5.8.1) */
#define AFFINITY_ON		      0
#define AFFINITY_OFF		      1
#define AFFINITY_ON_PENDING	      2

static struct vcpu *find_vcpu(struct vm *vm, uint64_t mpidr)
{
	for (unsigned int i = 0; i < vm->n_vcpus; i++)
		if ((vm->vcpus[i].vmpidr & MPIDR_AFF_MASK) == (mpidr & MPIDR_AFF_MASK))
			return &vm->vcpus[i];
	return NULL;
}

/* CPU_ON (DEN 0022 5.6): start a vCPU of the same VM on its own physical CPU. */
static int64_t psci_cpu_on(struct vcpu *v, uint64_t target, uint64_t entry, uint64_t ctx)
{
	struct vcpu *t = find_vcpu(v->vm, target);
	int expected = VCPU_OFF;

	if (!t)
		return PSCI_RET_INVALID_PARAMS;
	/* The entry point must be in the VM's RAM: anywhere else the vCPU could only fault. */
	if (entry < v->vm->ram_ipa || entry - v->vm->ram_ipa >= v->vm->ram_size)
		return PSCI_RET_INVALID_ADDRESS;
	/* Only an OFF vCPU may be started: ON or ON_PENDING answer ALREADY_ON / ON_PENDING. */
	if (!atomic_compare_exchange_strong(&t->state, &expected, VCPU_ON_PENDING))
		return expected == VCPU_ON ? PSCI_RET_ALREADY_ON : PSCI_RET_ON_PENDING;
	t->entry = entry;
	t->context = ctx;
	if (smp_run_on(t->pcpu, vcpu_run_work, t)) {
		atomic_store(&t->state, VCPU_OFF);
		return PSCI_RET_INTERNAL_FAILURE;
	}
	return PSCI_RET_SUCCESS;
}

static int64_t psci_affinity_info(struct vcpu *v, uint64_t target, uint64_t level)
{
	struct vcpu *t = find_vcpu(v->vm, target);

	if (!t || level != 0)
		return PSCI_RET_INVALID_PARAMS;
	switch (atomic_load(&t->state)) {
	case VCPU_ON:
		return AFFINITY_ON;
	case VCPU_ON_PENDING:
		return AFFINITY_ON_PENDING;
	default:
		return AFFINITY_OFF;
	}
}

static bool psci_supported(uint32_t fn)
{
	switch (fn) {
	case PSCI_0_2_FN_PSCI_VERSION:
	case PSCI_0_2_FN_CPU_OFF:
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
	case PSCI_0_2_FN_AFFINITY_INFO:
	case PSCI_0_2_FN64_AFFINITY_INFO:
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
	case PSCI_0_2_FN_SYSTEM_OFF:
	case PSCI_0_2_FN_SYSTEM_RESET:
	case PSCI_1_0_FN_PSCI_FEATURES:
		return true;
	default:
		return false;
	}
}

/*
 * Weak: a program that registers no call (a host test of the trap handlers) has no such section,
 * and then both are NULL and the table is empty. The hypervisor's linker script defines them.
 */
extern const struct vhyp_call __start_vhyp_calls[] __attribute__((weak));
extern const struct vhyp_call __stop_vhyp_calls[] __attribute__((weak));

/*
 * The registered call for function ID 'fn', or NULL. __start_vhyp_calls and __stop_vhyp_calls
 * bound one linker section: comparing them is the point, though to C (and cppcheck) they look
 * like two different objects.
 */
static const struct vhyp_call *find_call(uint32_t fn)
{
	// cppcheck-suppress comparePointers
	for (const struct vhyp_call *c = __start_vhyp_calls; c < __stop_vhyp_calls; c++)
		if (c->fn == fn)
			return c;
	return NULL;
}

bool vhyp_call(struct vcpu *v)
{
	uint32_t fn = (uint32_t)v->regs.x[0];
	int64_t ret;

	switch (fn) {
	case PSCI_0_2_FN_PSCI_VERSION:
		ret = PSCI_VERSION_1_1;
		break;
	case PSCI_1_0_FN_PSCI_FEATURES:
		ret = psci_supported((uint32_t)v->regs.x[1]) ? 0 : PSCI_RET_NOT_SUPPORTED;
		break;
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
		ret = psci_cpu_on(v, v->regs.x[1], v->regs.x[2], v->regs.x[3]);
		break;
	case PSCI_0_2_FN_CPU_OFF:
		/* Success never returns: the vCPU leaves and its CPU goes back to idle. */
		return true;
	case PSCI_0_2_FN_AFFINITY_INFO:
	case PSCI_0_2_FN64_AFFINITY_INFO:
		ret = psci_affinity_info(v, v->regs.x[1], v->regs.x[2]);
		break;
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
		ret = MIGRATE_INFO_NOT_REQUIRED;
		break;
	case PSCI_0_2_FN_SYSTEM_OFF:
		/* Refused only when a stop or reset came first; either way this vCPU leaves. */
		vm_request(v->vm, VM_REQ_POWER_OFF, "the guest called PSCI SYSTEM_OFF", NULL);
		return true;
	case PSCI_0_2_FN_SYSTEM_RESET:
		/* Every vCPU leaves; the shell's CPU restarts the VM once they all have (vm_service). */
		vm_request(v->vm, VM_REQ_RESET, "the guest called PSCI SYSTEM_RESET", NULL);
		return true;
	case SMCCC_VERSION:
		ret = 0x10001; /* 1.1 */
		break;
	case SMCCC_ARCH_FEATURES:
		/* No firmware workarounds to offer; SMCCC_VERSION itself is implemented. */
		ret = (uint32_t)v->regs.x[1] == SMCCC_VERSION ? 0 : SMCCC_NOT_SUPPORTED;
		break;
	case MONADIC_HVC_NULL:
		ret = 0;
		break;
	case MONADIC_HVC_PUTC: {
		uint64_t c = v->regs.x[1] & 0xff;

		vpl011_access(&v->vm->uart, 0, true, 1, &c);
		ret = 0;
		break;
	}
	case MONADIC_HVC_RESULT:
		/* Only recorded here; whoever reads it checks it against the VM's RAM first. */
		v->vm->result_ipa = v->regs.x[1];
		v->vm->result_count = v->regs.x[2];
		ret = 0;
		break;
	case MONADIC_HVC_RING:
		vring_call(v);
		return false;
	case MONADIC_HVC_INFO:
		v->regs.x[1] = v->vm->id;
		v->regs.x[2] = v->id;
		v->regs.x[3] = v->vm->n_vcpus;
		ret = 0;
		break;
	default: {
		const struct vhyp_call *c = find_call(fn);

		if (c)
			return c->handler(v);
		if (v->vm->bad_calls++ < 4)
			pr_warn("vm%u vcpu%u: unknown call 0x%08x: NOT_SUPPORTED\n", v->vm->id,
				v->id, fn);
		ret = SMCCC_NOT_SUPPORTED;
		break;
	}
	}
	v->regs.x[0] = (uint64_t)ret;
	return false;
}

/*
 * ID registers (op0 3, op1 0, CRn 0, CRm 1-7) with what guests must not use hidden: SVE, SME,
 * AMU, MPAM, RME/secure EL2, MTE, the PMU, trace and SPE, and AArch32 (EL0 and EL1 report
 * AArch64 only). PARange reports the IPA size the VM really has.
 */
static uint64_t id_reg(const struct vcpu *vc, unsigned int crm, unsigned int op2)
{
	uint64_t v;

	switch (crm << 3 | op2) {
	case 4 << 3 | 0: /* ID_AA64PFR0_EL1 */
		v = read_sysreg(id_aa64pfr0_el1);
		v &= ~(ID_FIELD_MASK(ID_AA64PFR0_SVE_SHIFT) |
		       ID_FIELD_MASK(ID_AA64PFR0_SEL2_SHIFT) |
		       ID_FIELD_MASK(ID_AA64PFR0_MPAM_SHIFT) |
		       ID_FIELD_MASK(ID_AA64PFR0_AMU_SHIFT) | ID_FIELD_MASK(ID_AA64PFR0_RME_SHIFT) |
		       ID_FIELD_MASK(ID_AA64PFR0_EL1_SHIFT) | ID_FIELD_MASK(ID_AA64PFR0_EL0_SHIFT));
		/* EL1 and EL0: AArch64 only */
		return v |
		       FIELD_PREP(ID_AA64PFR0_ELX_64BIT_ONLY, ID_AA64PFR0_EL1_SHIFT,
				  ID_FIELD_WIDTH) |
		       FIELD_PREP(ID_AA64PFR0_ELX_64BIT_ONLY, ID_AA64PFR0_EL0_SHIFT,
				  ID_FIELD_WIDTH);
	case 4 << 3 | 1: /* ID_AA64PFR1_EL1: no MTE, SME, MPAM_frac */
		return read_sysreg(id_aa64pfr1_el1) & ~(ID_FIELD_MASK(ID_AA64PFR1_MTE_SHIFT) |
							ID_FIELD_MASK(ID_AA64PFR1_MPAM_FRAC_SHIFT) |
							ID_FIELD_MASK(ID_AA64PFR1_SME_SHIFT));
	case 5 << 3 | 0:
		/*
		 * ID_AA64DFR0_EL1: debug (DebugVer, BRPs, WRPs) as the core has it, and the PMU
		 * where the guest has it (vdebug.c, vpmu.c); no trace, SPE (PMSVer), TRBE.
		 */
		return vpmu_id_dfr0(vc, read_sysreg(id_aa64dfr0_el1)) &
		       ~(ID_FIELD_MASK(ID_AA64DFR0_TRACEVER_SHIFT) |
			 ID_FIELD_MASK(ID_AA64DFR0_PMSVER_SHIFT) |
			 ID_FIELD_MASK(ID_AA64DFR0_TRACEBUFFER_SHIFT) |
			 ID_FIELD_MASK(ID_AA64DFR0_EXTTRCBUFF_SHIFT));
	case 6 << 3 | 0:
		return read_sysreg(id_aa64isar0_el1);
	case 6 << 3 | 1:
		return read_sysreg(id_aa64isar1_el1);
	case 6 << 3 | 2:
		return read_sysreg_s(SYS_ID_AA64ISAR2_EL1);
	case 7 << 3 | 0: /* ID_AA64MMFR0_EL1: PARange = the VM's IPA size (its VTCR_EL2.T0SZ) */
		v = read_sysreg(id_aa64mmfr0_el1) & ~ID_FIELD_MASK(ID_AA64MMFR0_PARANGE_SHIFT);
		return v | FIELD_PREP(vtcr_ipa_parange(vc->vm->s2.vtcr), ID_AA64MMFR0_PARANGE_SHIFT,
				      ID_FIELD_WIDTH);
	case 7 << 3 | 1:
		return read_sysreg(id_aa64mmfr1_el1);
	case 7 << 3 | 2:
		return read_sysreg(id_aa64mmfr2_el1);
	default:
		/* AArch32 ID registers, ZFR0/SMFR0, AFR, DFR1, unallocated: nothing to report. */
		return 0;
	}
}

bool vhyp_sysreg(struct vcpu *v, unsigned int op0, unsigned int op1, unsigned int crn,
		 unsigned int crm, unsigned int op2, bool read, uint64_t *val, uint64_t wval)
{
	/* ICC_SGI1R_EL1 traps with HCR_EL2.IMO set. */
	if (op0 == ICC_SGI1R_EL1_OP0 && op1 == ICC_SGI1R_EL1_OP1 && crn == ICC_SGI1R_EL1_CRN &&
	    crm == ICC_SGI1R_EL1_CRM && op2 == ICC_SGI1R_EL1_OP2 && !read) {
		vgic_sgi1r_write(v, wval);
		return true;
	}
	if (op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7) {
		if (!read)
			return false; /* ID registers are read-only */
		*val = id_reg(v, crm, op2);
		return true;
	}
	/* PMCR_EL0 traps (TPMCR) only when the hypervisor keeps event counters of its own. */
	if (op0 == 3 && op1 == 3 && crn == 9 && crm == 12 && op2 == 0 && !v->vm->hyp_pmu &&
	    vpmu_present()) {
		if (read)
			*val = vpmu_pmcr_read();
		else
			vpmu_pmcr_write(wval);
		return true;
	}
	/*
	 * What still traps of the debug registers (op0 2) and the PMU (op0 3, op1 3: CRn 9
	 * CRm 12-14 for PMCR and friends, CRn 14 CRm 8-15 for the event counters; CRn 14 CRm 0-3
	 * are the generic timer's): for a VM the hypervisor measures with the PMU (bench), where
	 * it is hidden in ID_AA64DFR0; a guest may still probe them: read as zero, writes ignored.
	 */
	if (op0 == 2 ||
	    (op0 == 3 && op1 == 3 && ((crn == 9 && crm >= 12) || (crn == 14 && crm >= 8)))) {
		if (read)
			*val = 0;
		return true;
	}
	return false;
}
