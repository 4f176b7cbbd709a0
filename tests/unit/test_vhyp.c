// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Guest PSCI, SMCCC and our own calls (kernel/vmm/vhyp.c) on the fake hardware layer, with a
 * VM of four vCPUs pinned to CPUs 0-3: what each call answers in x0-x3, what it asks of the
 * VM layer (a stop, a reset) and of the other CPUs (a vCPU started there), and the trapped
 * system registers a guest sees (ID registers with what we hide masked out).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fake.h"
#include "kernel/arch/psci.h"
#include "kernel/hyp.h"
#include "kernel/lib/err.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/vhyp.h"
#include "kernel/vmm/vm.h"
#include "test.h"

#define PSCI_CPU_ON32	       0x84000003U
#define PSCI_AFFINITY_INFO32   0x84000004U
#define PSCI_MIGRATE_INFO_TYPE 0x84000006U
#define PSCI_SYSTEM_SUSPEND64  0xc400000eU

/*
 * Stand-ins for what vhyp.c calls in modules these tests do not cover: they record the call.
 * vm_request() is the VM layer's (kernel/vmm/vm.c): a stop or a reset is a request it
 * decides on; the rest are the vCPU loop's, the guest rings' and the vGIC's. The benchmark's
 * PMU call is registered with VHYP_CALL() here, as bench/bench_guest.c registers it in the
 * hypervisor.
 */
struct hyp_state hyp;
static unsigned int stops, ring_calls, pmu_calls, sgi1r_writes;
static const char *stop_why;
static enum vm_req last_req = VM_REQ__COUNT;
static uint64_t sgi1r_val;

int vm_request(struct vm *vm, enum vm_req req, const char *reason, struct err_why *why)
{
	(void)vm;
	(void)why;
	stops++;
	stop_why = reason;
	last_req = req;
	return 0;
}

void vcpu_run_work(void *v)
{
	(void)v;
}

void vring_call(struct vcpu *v)
{
	(void)v;
	ring_calls++;
}

#define MONADIC_HVC_BENCH_PMU 0x86000005U

static bool pmu_call(struct vcpu *v)
{
	(void)v;
	pmu_calls++;
	return false;
}
VHYP_CALL(MONADIC_HVC_BENCH_PMU, pmu_call);

void vgic_sgi1r_write(struct vcpu *v, uint64_t val)
{
	(void)v;
	sgi1r_writes++;
	sgi1r_val = val;
}

static struct vm vm;

static void setup(void)
{
	fake_reset();
	memset(&vm, 0, sizeof(vm));
	vm.id = 3;
	vm.n_vcpus = 4;
	vm.ram_ipa = GUEST_RAM_IPA;
	vm.ram_size = 64ULL << 20;
	vpl011_init(&vm.uart);
	for (unsigned int i = 0; i < vm.n_vcpus; i++) {
		vm.vcpus[i].vm = &vm;
		vm.vcpus[i].id = i;
		vm.vcpus[i].pcpu = i;
		vm.vcpus[i].vmpidr = (1UL << 31) | i; /* RES1 bit 31, Aff0 = index */
		vm.vcpus[i].state = VCPU_OFF;
	}
	vm.vcpus[0].state = VCPU_ON;
	stops = ring_calls = pmu_calls = sgi1r_writes = 0;
	stop_why = NULL;
}

/*
 * Make the call from vCPU 'from' and return x0; *leave: whether the vCPU must leave. 'frame' is
 * that vCPU's saved registers after the call.
 */
static struct vcpu_regs frame;

static int64_t call(unsigned int from, uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3,
		    bool *leave)
{
	struct vcpu_regs *r = &vm.vcpus[from].regs;
	bool l;

	memset(r, 0, sizeof(*r));
	r->x[0] = x0;
	r->x[1] = x1;
	r->x[2] = x2;
	r->x[3] = x3;
	l = vhyp_call(&vm.vcpus[from]);
	frame = *r;
	if (leave)
		*leave = l;
	return (int64_t)frame.x[0];
}

static void test_version_and_features(void)
{
	bool leave = true;

	setup();
	CHECK_EQ_U64(call(0, PSCI_0_2_FN_PSCI_VERSION, 0, 0, 0, &leave), 0x10001); /* 1.1 */
	CHECK(!leave);
	CHECK_EQ_U64(call(0, PSCI_1_0_FN_PSCI_FEATURES, PSCI_0_2_FN64_CPU_ON, 0, 0, NULL), 0);
	CHECK_EQ_U64(call(0, PSCI_1_0_FN_PSCI_FEATURES, PSCI_CPU_ON32, 0, 0, NULL), 0);
	CHECK_EQ_U64(call(0, PSCI_1_0_FN_PSCI_FEATURES, PSCI_0_2_FN_SYSTEM_RESET, 0, 0, NULL), 0);
	CHECK_EQ_U64(call(0, PSCI_1_0_FN_PSCI_FEATURES, PSCI_1_0_FN_PSCI_FEATURES, 0, 0, NULL), 0);
	CHECK_EQ_U64(call(0, PSCI_1_0_FN_PSCI_FEATURES, PSCI_SYSTEM_SUSPEND64, 0, 0, NULL),
		     PSCI_RET_NOT_SUPPORTED);
	CHECK_EQ_U64(call(0, PSCI_MIGRATE_INFO_TYPE, 0, 0, 0, NULL), 2); /* not required */
	CHECK_EQ_U64(call(0, SMCCC_VERSION, 0, 0, 0, NULL), 0x10001);
	CHECK_EQ_U64(call(0, SMCCC_ARCH_FEATURES, SMCCC_VERSION, 0, 0, NULL), 0);
	CHECK_EQ_U64(call(0, SMCCC_ARCH_FEATURES, 0x80008000U /* ARCH_WORKAROUND_1 */, 0, 0, NULL),
		     SMCCC_NOT_SUPPORTED);
}

static void test_cpu_on(void)
{
	uint64_t entry = GUEST_RAM_IPA + 0x80000;
	struct vcpu *t = &vm.vcpus[2];

	setup();
	/* No vCPU with that affinity. */
	CHECK_EQ_U64(call(0, PSCI_0_2_FN64_CPU_ON, 9, entry, 0, NULL), PSCI_RET_INVALID_PARAMS);
	CHECK_EQ_U64(call(0, PSCI_0_2_FN64_CPU_ON, 0x100 | 2, entry, 0, NULL),
		     PSCI_RET_INVALID_PARAMS); /* Aff1 differs */
	/* An entry point outside the VM's RAM is refused before anything starts. */
	CHECK_EQ_U64(call(0, PSCI_0_2_FN64_CPU_ON, 2, 0x1000, 0, NULL), PSCI_RET_INVALID_ADDRESS);
	CHECK_EQ_U64(call(0, PSCI_0_2_FN64_CPU_ON, 2, GUEST_RAM_IPA + vm.ram_size, 0, NULL),
		     PSCI_RET_INVALID_ADDRESS);
	CHECK_EQ_U64(t->state, VCPU_OFF);
	CHECK_EQ_U64(fake_smp.n_run, 0);
	/* Accepted: ON_PENDING until it runs, on its own CPU, with its entry and context id. */
	CHECK_EQ_U64(call(0, PSCI_CPU_ON32, (1UL << 31) | 2, entry, 0x1234, NULL), 0);
	CHECK_EQ_U64(t->state, VCPU_ON_PENDING);
	CHECK_EQ_U64(t->entry, entry);
	CHECK_EQ_U64(t->context, 0x1234);
	CHECK_EQ_U64(fake_smp.n_run, 1);
	CHECK_EQ_U64(fake_smp.run[0].cpu, 2);
	CHECK(fake_smp.run[0].fn == vcpu_run_work && fake_smp.run[0].arg == t);
	/* Asked again: pending, then on. Nothing else is started. */
	CHECK_EQ_U64(call(0, PSCI_0_2_FN64_CPU_ON, 2, entry, 0, NULL), PSCI_RET_ON_PENDING);
	t->state = VCPU_ON;
	CHECK_EQ_U64(call(0, PSCI_0_2_FN64_CPU_ON, 2, entry, 0, NULL), PSCI_RET_ALREADY_ON);
	CHECK_EQ_U64(call(1, PSCI_0_2_FN64_CPU_ON, 0, entry, 0, NULL), PSCI_RET_ALREADY_ON);
	CHECK_EQ_U64(fake_smp.n_run, 1);
	/* Its CPU cannot take it: the vCPU stays off and the guest hears why. */
	fake_smp.run_on_ret = E_BUSY;
	CHECK_EQ_U64(call(0, PSCI_0_2_FN64_CPU_ON, 3, entry, 0, NULL), PSCI_RET_INTERNAL_FAILURE);
	CHECK_EQ_U64(vm.vcpus[3].state, VCPU_OFF);
}

static void test_affinity_info_and_cpu_off(void)
{
	bool leave = false;

	setup();
	vm.vcpus[1].state = VCPU_ON_PENDING;
	CHECK_EQ_U64(call(0, PSCI_0_2_FN64_AFFINITY_INFO, 0, 0, 0, NULL), 0); /* ON */
	CHECK_EQ_U64(call(0, PSCI_0_2_FN64_AFFINITY_INFO, 1, 0, 0, NULL), 2); /* ON_PENDING */
	CHECK_EQ_U64(call(0, PSCI_AFFINITY_INFO32, 3, 0, 0, NULL), 1);	      /* OFF */
	CHECK_EQ_U64(call(0, PSCI_AFFINITY_INFO32, 7, 0, 0, NULL), PSCI_RET_INVALID_PARAMS);
	CHECK_EQ_U64(call(0, PSCI_AFFINITY_INFO32, 0, 1, 0, NULL), PSCI_RET_INVALID_PARAMS);
	/* CPU_OFF does not return to the guest: the vCPU leaves; nothing else is asked. */
	call(1, PSCI_0_2_FN_CPU_OFF, 0, 0, 0, &leave);
	CHECK(leave);
	CHECK_EQ_U64(stops, 0);
}

static void test_system_off_and_reset(void)
{
	bool leave = false;

	setup();
	call(0, PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0, &leave);
	CHECK(leave);
	CHECK_EQ_U64(stops, 1);
	CHECK(stop_why && strstr(stop_why, "SYSTEM_OFF"));
	CHECK(last_req == VM_REQ_POWER_OFF); /* a stop, no reset */
	leave = false;
	call(2, PSCI_0_2_FN_SYSTEM_RESET, 0, 0, 0, &leave);
	CHECK(leave);
	CHECK_EQ_U64(stops, 2);
	CHECK(stop_why && strstr(stop_why, "SYSTEM_RESET"));
	CHECK(last_req == VM_REQ_RESET); /* the shell's CPU restarts it */
}

static void test_own_calls_and_unknown(void)
{
	char out[8];
	unsigned int n = 0;

	setup();
	CHECK_EQ_U64(call(0, MONADIC_HVC_NULL, 0, 0, 0, NULL), 0);
	CHECK_EQ_U64(call(2, MONADIC_HVC_INFO, 0, 0, 0, NULL), 0);
	CHECK_EQ_U64(frame.x[1], 3);
	CHECK_EQ_U64(frame.x[2], 2);
	CHECK_EQ_U64(frame.x[3], 4);
	CHECK_EQ_U64(call(0, MONADIC_HVC_PUTC, 0x100 | 'k', 0, 0, NULL), 0);
	CHECK_EQ_U64(vm.uart.bytes_out, 1);
	CHECK_EQ_U64(vm.uart.out[0], 'k');
	CHECK_EQ_U64(call(0, MONADIC_HVC_RESULT, GUEST_RAM_IPA + 0x1000, 16, 0, NULL), 0);
	CHECK_EQ_U64(vm.result_ipa, GUEST_RAM_IPA + 0x1000);
	CHECK_EQ_U64(vm.result_count, 16);
	/* The ring and benchmark calls answer for themselves: x0 is theirs to set. */
	CHECK_EQ_U64(call(0, MONADIC_HVC_RING, 0, 0, 0, NULL), MONADIC_HVC_RING);
	CHECK_EQ_U64(ring_calls, 1);
	call(0, MONADIC_HVC_BENCH_PMU, 0, 0, 0, NULL);
	CHECK_EQ_U64(pmu_calls, 1);
	/* Unknown: NOT_SUPPORTED every time, a warning only the first four times. */
	for (unsigned int i = 0; i < 10; i++)
		CHECK_EQ_U64(call(0, 0xc2000042U, 0, 0, 0, NULL), SMCCC_NOT_SUPPORTED);
	CHECK_EQ_U64(vm.bad_calls, 10);
	for (const char *p = fake_console.out; (p = strstr(p, "unknown call")); p++)
		n++;
	CHECK_EQ_U64(n, 4);
	(void)out;
}

static bool sysreg(unsigned int op0, unsigned int op1, unsigned int crn, unsigned int crm,
		   unsigned int op2, bool read, uint64_t *val, uint64_t wval)
{
	return vhyp_sysreg(&vm.vcpus[0], op0, op1, crn, crm, op2, read, val, wval);
}

static void test_trapped_sysregs(void)
{
	uint64_t v = 0;

	setup();
	/* ID_AA64PFR0_EL1 with SVE (35:32), AMU, MPAM, RME set and EL0/EL1 AArch32 capable. */
	fake_sysreg_set("id_aa64pfr0_el1", 0x1111111100000022ULL | (1ULL << 32));
	CHECK(sysreg(3, 0, 0, 4, 0, true, &v, 0));
	CHECK_EQ_U64(v & 0xff, 0x11);	     /* AArch64 only at EL0 and EL1 */
	CHECK_EQ_U64(v & (0xfULL << 32), 0); /* no SVE */
	CHECK_EQ_U64(v & (0xfULL << 52), 0); /* no RME */
	/*
	 * ID_AA64MMFR0_EL1: PARange is the VM's own IPA size (its VTCR_EL2.T0SZ), not the CPU's
	 * PA size nor VTCR_EL2.PS: a VM whose tables an SMMU shares has 44 bits on a 48-bit CPU.
	 */
	fake_sysreg_set("id_aa64mmfr0_el1", 0x5);
	vm.s2.vtcr = VTCR_EL2_T0SZ(64 - 40) | VTCR_EL2_PS(5);
	CHECK(sysreg(3, 0, 0, 7, 0, true, &v, 0));
	CHECK_EQ_U64(v & 0xf, 2);
	vm.s2.vtcr = VTCR_EL2_T0SZ(64 - 44) | VTCR_EL2_PS(5);
	CHECK(sysreg(3, 0, 0, 7, 0, true, &v, 0));
	CHECK_EQ_U64(v & 0xf, 4);
	CHECK_EQ_U64(v >> 4, 0); /* the other fields as the CPU has them */
	/* ID registers are read-only: a write is an UNDEF for the guest. */
	CHECK(!sysreg(3, 0, 0, 4, 0, false, &v, 0));
	/* AArch32 ID registers read as zero. */
	v = 1;
	CHECK(sysreg(3, 0, 0, 1, 0, true, &v, 0));
	CHECK_EQ_U64(v, 0);
	/* Debug (op0 2) and PMU registers: read as zero, writes ignored. */
	v = 1;
	CHECK(sysreg(2, 0, 0, 2, 2, true, &v, 0)); /* MDSCR_EL1 */
	CHECK_EQ_U64(v, 0);
	CHECK(sysreg(3, 3, 9, 12, 0, false, &v, 0x41)); /* PMCR_EL0 */
	/* ICC_SGI1R_EL1 writes go to the vGIC; anything else unknown is not handled. */
	CHECK(sysreg(3, 0, 12, 11, 5, false, &v, 0x1000003));
	CHECK_EQ_U64(sgi1r_writes, 1);
	CHECK_EQ_U64(sgi1r_val, 0x1000003);
	CHECK(!sysreg(3, 0, 1, 0, 0, true, &v, 0));  /* SCTLR_EL1 does not trap here */
	CHECK(!sysreg(3, 3, 14, 0, 1, true, &v, 0)); /* the timer's registers stay trapped */
}

int main(void)
{
	RUN(test_version_and_features);
	RUN(test_cpu_on);
	RUN(test_affinity_info_and_cpu_off);
	RUN(test_system_off_and_reset);
	RUN(test_own_calls_and_unknown);
	RUN(test_trapped_sysregs);
	return TEST_SUMMARY();
}
