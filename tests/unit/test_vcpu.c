// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The vCPU run loop and its trap handlers (kernel/vmm/vcpu.c) on the fake hardware layer. The
 * guest is a script: the test's guest_enter() (boot/guest.S on hardware) records the registers
 * the vCPU would resume with, then "exits" with the next scripted syndrome into vcpu_exit(). With the real
 * vhyp.c, vgic_regs.c and vpl011.c behind the handlers, a test can say what an HVC, a trapped
 * system register or a data abort does to the guest's registers and to its VM. The list
 * registers (kernel/vdev/vgic.c) are test_vgic's; here the vGIC's entry points only record
 * that the loop called them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fake.h"
#include "kernel/arch/psci.h"
#include "kernel/exception.h"
#include "kernel/hyp.h"
#include "kernel/smp.h"
#include "kernel/vdev/vgic.h"
#include "kernel/vdev/vgic_regs.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/mmio.h"
#include "kernel/vmm/vhyp.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_guest.h"
#include "kernel/vmm/vm_pci.h"
#include "kernel/vmm/vm_vpe.h"
#include "test.h"

/* ESR_EL2 (Arm ARM D17.2.40): EC in bits 31:26, IL bit 25, the ISS below. */
#define ESR(ec, iss) ((uint64_t)(ec) << 26 | 1ULL << 25 | (iss))
#define EC_UNKNOWN   0x00
#define EC_WFX	     0x01
#define EC_HVC64     0x16
#define EC_SMC64     0x17
#define EC_SYS64     0x18
#define EC_DABT_LOW  0x24
#define EC_DABT_CUR  0x25
#define EC_BRK64     0x3c
/* SYS64 ISS: Op0 21:20, Op2 19:17, Op1 16:14, CRn 13:10, Rt 9:5, CRm 4:1, read (MRS) bit 0. */
#define SYS64(op0, op1, crn, crm, op2, rt, read)                                 \
	((uint64_t)(op0) << 20 | (uint64_t)(op2) << 17 | (uint64_t)(op1) << 14 | \
	 (uint64_t)(crn) << 10 | (uint64_t)(rt) << 5 | (uint64_t)(crm) << 1 | (read))
/* Data abort ISS with a valid syndrome: ISV 24, SAS 23:22, SRT 20:16, SF 15, WnR 6, DFSC. */
#define DABT(sas, srt, sf, wnr)                                                              \
	(1ULL << 24 | (uint64_t)(sas) << 22 | (uint64_t)(srt) << 16 | (uint64_t)(sf) << 15 | \
	 (uint64_t)(wnr) << 6 | 0x07)
#define VBAR	 0x40001000ULL
#define GUEST_PC 0x40080000ULL

/* ---- the scripted guest ---- */

struct exit_step {
	unsigned int code; /* the vector slot the exit is taken through */
	uint64_t esr, far, hpfar;
	bool set; /* the guest put 'val' in x'reg' before it exited */
	unsigned int reg;
	uint64_t val;
};

#define MAX_STEPS 16
static struct exit_step script[MAX_STEPS];
static unsigned int n_script, next_step;
static struct vcpu_regs entered[MAX_STEPS + 1]; /* the registers at each entry */
static unsigned int n_entered;

/* boot/guest.S's loop: enter, exit with the next step, hand it to vcpu_exit(), again. */
void guest_enter(struct vcpu *v);
void guest_enter(struct vcpu *v)
{
	unsigned int code;

	do {
		const struct exit_step *s;

		if (n_entered <= MAX_STEPS)
			entered[n_entered++] = v->regs;
		if (next_step == n_script) {
			/* The script is over: someone asks the vCPU to stop; it exits with an IRQ. */
			atomic_store(&v->stop, 1);
			code = EXC_LOWER64_IRQ;
			continue;
		}
		/* The guest's own EL1 state: its vector table is installed (VBAR_EL1 does not trap). */
		fake_sysreg_set("vbar_el1", VBAR);
		s = &script[next_step++];
		if (s->set)
			v->regs.x[s->reg] = s->val;
		v->regs.esr = s->esr;
		v->regs.far = s->far;
		v->regs.hpfar = s->hpfar;
		code = s->code;
	} while (vcpu_exit(v, code));
}

static void step(unsigned int code, uint64_t esr, uint64_t far, uint64_t ipa, unsigned int reg,
		 uint64_t val)
{
	script[n_script++] = (struct exit_step){ .code = code,
						 .esr = esr,
						 .far = far,
						 .hpfar = (ipa >> 12) << 4,
						 .set = true,
						 .reg = reg,
						 .val = val };
}

static void sync_exit(uint64_t esr)
{
	script[n_script++] = (struct exit_step){ .code = EXC_LOWER64_SYNC, .esr = esr };
}

/* ---- what vcpu.c calls outside the modules under test: recorded ---- */

struct hyp_state hyp;
static unsigned int stops, released, el2_setups;
static char stop_why[128];

void vm_stop(struct vm *vm, const char *why)
{
	(void)vm;
	stops++;
	snprintf(stop_why, sizeof(stop_why), "%s", why);
}

void vm_update_irq_lines(struct vm *vm)
{
	(void)vm;
}

/* The VM layer's lifecycle: here the vCPU may always enter, and is marked on as there. */
bool vm_vcpu_may_enter(struct vcpu *v)
{
	atomic_store(&v->state, VCPU_ON);
	return true;
}

void vm_vcpu_left(struct vm *vm)
{
	(void)vm;
	released++;
}

/* A guest's SYSTEM_OFF or SYSTEM_RESET (vhyp.c) is a stop request, counted as one. */
int vm_request(struct vm *vm, enum vm_req req, const char *reason, struct err_why *why)
{
	(void)req;
	(void)why;
	vm_stop(vm, reason);
	return 0;
}

void el2_setup(void)
{
	el2_setups++;
}

const char *exc_vector_name(unsigned int vector)
{
	(void)vector;
	return "a vector";
}

/* The vGIC: which calls the loop made, in order. */
static unsigned int vgic_starts, vgic_stops, vgic_flushes, vgic_pending;
static unsigned int physical_irqs[8], n_physical;
static uint64_t sgi1r_val;

void vgic_vcpu_start(struct vcpu *v)
{
	(void)v;
	vgic_starts++;
}

void vgic_vcpu_stop(struct vcpu *v)
{
	(void)v;
	vgic_stops++;
}

void vgic_flush(struct vcpu *v)
{
	(void)v;
	vgic_flushes++;
}

static unsigned int timer_syncs;

void vgic_timer_sync(struct vcpu *v)
{
	(void)v;
	timer_syncs++;
}

bool vgic_has_pending(struct vcpu *v)
{
	(void)v;
	return vgic_pending;
}

bool vgic_physical_irq(struct vcpu *v, unsigned int intid)
{
	(void)v;
	if (n_physical < 8)
		physical_irqs[n_physical++] = intid;
	return false; /* not a forwarded line: the caller deactivates it */
}

void vgic_sgi1r_write(struct vcpu *v, uint64_t val)
{
	(void)v;
	sgi1r_val = val;
}

void vm_pci_route_here(struct vm *vm)
{
	(void)vm;
}

/* The vPE (vm_vpe.c): resident or not, what PendingLast says, and the WFIs seen at each call. */
static bool vpe_resident, vpe_pending_last;
static unsigned int vpe_puts, vpe_loads, vpe_wfis_at_put, vpe_wfis_at_load;

void vm_vpe_load(struct vcpu *v)
{
	(void)v;
	vpe_loads++;
	vpe_wfis_at_load = fake_count(FAKE_HINT, "wfi");
	vpe_resident = true;
}

bool vm_vpe_put(struct vcpu *v)
{
	bool was = vpe_resident;

	(void)v;
	vpe_puts++;
	vpe_wfis_at_put = fake_count(FAKE_HINT, "wfi");
	vpe_resident = false;
	return was && vpe_pending_last;
}

void vring_call(struct vcpu *v)
{
	(void)v;
}

void bench_guest_pmu_call(struct vcpu *v)
{
	(void)v;
}

/* ---- a VM of one vCPU on CPU 0 ---- */

static struct vm vm;

static struct vcpu *setup(void)
{
	struct vcpu *v = &vm.vcpus[0];

	fake_reset();
	memset(&vm, 0, sizeof(vm));
	vpe_resident = vpe_pending_last = false;
	vpe_puts = vpe_loads = vpe_wfis_at_put = vpe_wfis_at_load = 0;
	snprintf(vm.name, sizeof(vm.name), "t");
	vm.n_vcpus = 1;
	vm.ram_ipa = GUEST_RAM_IPA;
	vm.ram_size = 64ULL << 20;
	vm.s2.vttbr = 5ULL << 48 | 0x80000000ULL;
	vpl011_init(&vm.uart);
	/* The devices the data-abort path can reach: the vPL011, as the VM layer registers it. */
	mmio_init(&vm.mmio);
	CHECK_EQ_U64(mmio_register(&vm.mmio, "pl011", GUEST_UART_IPA, VPL011_MMIO_SIZE,
				   vpl011_access, &vm.uart, NULL),
		     0);
	vgic_dist_reset(&vm.vgic);
	v->vm = &vm;
	v->vmpidr = 1ULL << 31;
	v->entry = GUEST_PC;
	v->context = 0x1234;
	n_script = next_step = n_entered = 0;
	stops = released = el2_setups = 0;
	vgic_starts = vgic_stops = vgic_flushes = vgic_pending = n_physical = 0;
	sgi1r_val = 0;
	stop_why[0] = 0;
	return v;
}

/* Run the script; the entries are in entered[0..n_entered). */
static void run(struct vcpu *v)
{
	vcpu_run(v);
	CHECK_EQ_U64(next_step, n_script); /* the whole script ran */
	CHECK_EQ_U64(v->state, VCPU_OFF);
	CHECK(v->regs_valid);
	CHECK(this_cpu()->vcpu == NULL);
	CHECK_EQ_U64(fake_sysreg_get("vttbr_el2"), 0); /* no VM on this CPU any more */
	CHECK_EQ_U64(released, 1);
	/* The virtual interface on for the guest and off after it, a flush before each re-entry. */
	CHECK_EQ_U64(vgic_starts, 1);
	CHECK_EQ_U64(vgic_stops, 1);
	CHECK_EQ_U64(vgic_flushes, n_entered - 1);
}

/* First entry: as after a reset, with Stage-2 and the guest's EL2 controls in force. */
static void test_first_entry(void)
{
	struct vcpu *v = setup();
	int vttbr, tlbi;

	run(v);
	CHECK_EQ_U64(n_entered, 1);
	CHECK_EQ_U64(entered[0].elr, GUEST_PC);
	CHECK_EQ_U64(entered[0].x[0], 0x1234);
	CHECK_EQ_U64(entered[0].x[1], 0);
	CHECK_EQ_U64(entered[0].spsr, SPSR_EL1H_MASKED);
	vttbr = fake_find_arg(0, FAKE_MSR, "vttbr_el2", vm.s2.vttbr);
	tlbi = fake_find(0, FAKE_TLBI, "vmalls12e1");
	/* This VMID's stale entries on this CPU go after VTTBR_EL2 names it, before the entry. */
	CHECK(vttbr >= 0 && tlbi > vttbr);
	CHECK(fake_find(tlbi, FAKE_DSB, "nsh") > tlbi);
	CHECK_EQ_U64(el2_setups, 1);
}

/* An HVC: answered in x0, the guest resumes after it (ELR already points there). */
static void test_hvc(void)
{
	struct vcpu *v = setup();

	step(EXC_LOWER64_SYNC, ESR(EC_HVC64, 0), 0, 0, 0, PSCI_0_2_FN_PSCI_VERSION);
	run(v);
	CHECK_EQ_U64(n_entered, 2);
	CHECK_EQ_U64(entered[1].x[0], 0x10001);
	CHECK_EQ_U64(entered[1].elr, GUEST_PC);
	CHECK_EQ_U64(v->exits[EC_HVC64], 1);
}

/* A trapped SMC returns to the SMC itself: the handler steps over it. */
static void test_smc(void)
{
	struct vcpu *v = setup();

	step(EXC_LOWER64_SYNC, ESR(EC_SMC64, 0), 0, 0, 0, SMCCC_VERSION);
	run(v);
	CHECK_EQ_U64(entered[1].x[0], 0x10001);
	CHECK_EQ_U64(entered[1].elr, GUEST_PC + 4);
}

/* MRS of an ID register lands in Rt and steps over; an unknown one gets an UNDEF. */
static void test_sysreg(void)
{
	struct vcpu *v = setup();

	fake_sysreg_set("id_aa64isar0_el1", 0x21100110212120ULL);
	sync_exit(ESR(EC_SYS64, SYS64(3, 0, 0, 6, 0, 7, 1))); /* mrs x7, id_aa64isar0_el1 */
	sync_exit(ESR(EC_SYS64, SYS64(3, 0, 0, 4, 0, 2, 0))); /* msr id_aa64pfr0_el1, x2 */
	run(v);
	CHECK_EQ_U64(entered[1].x[7], 0x21100110212120ULL);
	CHECK_EQ_U64(entered[1].elr, GUEST_PC + 4);
	/* The write: UNDEF at EL1 (ESR_EL1.EC 0), taken at VBAR_EL1 + 0x200 (from EL1h). */
	CHECK_EQ_U64(entered[2].elr, VBAR + 0x200);
	CHECK_EQ_U64(entered[2].spsr, SPSR_EL1H_MASKED);
	CHECK_EQ_U64(fake_sysreg_get("elr_el1"), GUEST_PC + 4);
	CHECK_EQ_U64(fake_sysreg_get("esr_el1") >> 26, EC_UNKNOWN);
	CHECK_EQ_U64(vm.undefs_injected, 1);
}

/* A load from an IPA nothing is at: a synchronous external abort for the guest, not a stop. */
static void test_dabt_to_nothing(void)
{
	struct vcpu *v = setup();
	uint64_t ipa = 0x20000040ULL;

	step(EXC_LOWER64_SYNC, ESR(EC_DABT_LOW, DABT(2, 3, 0, 0)), 0xffff000012345040ULL, ipa, 0,
	     0);
	run(v);
	CHECK_EQ_U64(stops, 0);
	CHECK_EQ_U64(vm.aborts_injected, 1);
	CHECK_EQ_U64(entered[1].elr, VBAR + 0x200);
	CHECK_EQ_U64(fake_sysreg_get("esr_el1") >> 26, EC_DABT_CUR);
	CHECK_EQ_U64(fake_sysreg_get("esr_el1") & 0x3f, 0x10); /* synchronous external abort */
	CHECK_EQ_U64(fake_sysreg_get("far_el1"), 0xffff000012345040ULL);
	CHECK_EQ_U64(fake_sysreg_get("elr_el1"), GUEST_PC);
	CHECK_EQ_U64(entered[1].x[3], 0); /* nothing loaded */
}

/* A store to the vPL011's data register: the byte comes out, the guest steps over. */
static void test_dabt_to_uart(void)
{
	struct vcpu *v = setup();

	step(EXC_LOWER64_SYNC, ESR(EC_DABT_LOW, DABT(0, 1, 0, 1)), 0x9000000, GUEST_UART_IPA, 1,
	     'A');
	step(EXC_LOWER64_SYNC, ESR(EC_DABT_LOW, DABT(2, 4, 0, 0)), 0x9000018, GUEST_UART_IPA + 0x18,
	     0, 0); /* ldr w4, [FR] */
	run(v);
	CHECK_EQ_U64(vm.uart.bytes_out, 1);
	CHECK_EQ_U64(vm.uart.out[0], 'A');
	CHECK_EQ_U64(entered[1].elr, GUEST_PC + 4);
	CHECK_EQ_U64(entered[2].x[4], 0x90); /* FR: TXFE | RXFE */
	CHECK_EQ_U64(entered[2].elr, GUEST_PC + 8);
}

/* A physical interrupt while the guest ran: acknowledged, dropped, given to the vGIC. */
static void test_irq_exit(void)
{
	struct vcpu *v = setup();

	fake_gic.pending[fake_gic.n_pending++] = 27; /* the guest's virtual timer */
	step(EXC_LOWER64_IRQ, 0, 0, 0, 0, 0);
	run(v);
	CHECK_EQ_U64(v->irq_exits, 2); /* that one, and the script's last (spurious) */
	CHECK_EQ_U64(n_physical, 1);
	CHECK_EQ_U64(physical_irqs[0], 27);
	CHECK_EQ_U64(fake_gic.n_eoi, 1); /* priority drop */
	CHECK_EQ_U64(fake_gic.n_deactivated, 1);
	CHECK_EQ_U64(fake_gic.deactivated[0], 27);
	CHECK_EQ_U64(entered[1].elr, GUEST_PC); /* an interrupt does not move the guest on */
}

/* ICC_SGI1R_EL1 written by the guest goes to the vGIC, and the MSR is stepped over. */
static void test_sgi1r(void)
{
	struct vcpu *v = setup();

	step(EXC_LOWER64_SYNC, ESR(EC_SYS64, SYS64(3, 0, 12, 11, 5, 9, 0)), 0, 0, 9, 0x1000001);
	run(v);
	CHECK_EQ_U64(sgi1r_val, 0x1000001);
	CHECK_EQ_U64(entered[1].elr, GUEST_PC + 4);
}

/* WFI with nothing pending waits for an interrupt; then the guest steps over it. */
static void test_wfi(void)
{
	struct vcpu *v = setup();

	sync_exit(ESR(EC_WFX, 0));
	run(v);
	CHECK_EQ_U64(fake_count(FAKE_HINT, "wfi"), 1);
	CHECK_EQ_U64(entered[1].elr, GUEST_PC + 4);
	CHECK_EQ_U64(n_physical, 0);   /* nothing woke it: the GIC answered spurious */
	CHECK_EQ_U64(v->irq_exits, 1); /* only the script's last exit */
	/* Woken by an interrupt: taken at once, as an IRQ exit would have, before the ERET. */
	v = setup();
	fake_gic.pending[fake_gic.n_pending++] = 27; /* the guest's virtual timer */
	sync_exit(ESR(EC_WFX, 0));
	run(v);
	CHECK_EQ_U64(fake_count(FAKE_HINT, "wfi"), 1);
	CHECK_EQ_U64(n_physical, 1);
	CHECK_EQ_U64(physical_irqs[0], 27);
	CHECK_EQ_U64(fake_gic.n_eoi, 1); /* priority drop */
	CHECK_EQ_U64(fake_gic.n_deactivated, 1);
	CHECK_EQ_U64(v->irq_exits, 2); /* that one, and the script's last exit */
	CHECK_EQ_U64(entered[1].elr, GUEST_PC + 4);
	/* With an interrupt waiting for the guest, WFI returns at once. */
	v = setup();
	vgic_pending = 1;
	sync_exit(ESR(EC_WFX, 0));
	run(v);
	CHECK_EQ_U64(fake_count(FAKE_HINT, "wfi"), 0);
	CHECK_EQ_U64(entered[1].elr, GUEST_PC + 4);
}

/*
 * GICv4: a resident vPE's vLPIs do not wake the CPU at EL2, so WFI makes it non-resident
 * first (its doorbell then wakes the CPU) and resident again after; a vLPI already pending
 * (PendingLast) means no sleep at all. The vCPU leaving puts it too.
 */
static void test_wfi_vpe(void)
{
	struct vcpu *v = setup();

	sync_exit(ESR(EC_WFX, 0));
	run(v);
	CHECK_EQ_U64(fake_count(FAKE_HINT, "wfi"), 1);
	CHECK(vpe_loads >= 2);		   /* at the start, and after the WFI */
	CHECK_EQ_U64(vpe_wfis_at_put, 1);  /* the last put: the vCPU leaving, after the sleep */
	CHECK_EQ_U64(vpe_puts, 2);	   /* before the WFI, and as it left */
	CHECK_EQ_U64(vpe_wfis_at_load, 1); /* loaded again after the sleep */
	CHECK(!vpe_resident);		   /* not resident once the vCPU is gone */
	/* A vLPI pending in the VPT as it was put: no sleep, resident again at once. */
	v = setup();
	vpe_pending_last = true;
	sync_exit(ESR(EC_WFX, 0));
	run(v);
	CHECK_EQ_U64(fake_count(FAKE_HINT, "wfi"), 0);
	CHECK_EQ_U64(vpe_puts, 2);
	CHECK_EQ_U64(vpe_loads, 2);
	CHECK_EQ_U64(entered[1].elr, GUEST_PC + 4);
}

/* CPU_OFF leaves at once; an exit nobody handles stops the VM with a reason. */
static void test_leaving(void)
{
	struct vcpu *v = setup();

	step(EXC_LOWER64_SYNC, ESR(EC_HVC64, 0), 0, 0, 0, PSCI_0_2_FN_CPU_OFF);
	sync_exit(ESR(EC_HVC64, 0)); /* never reached */
	vcpu_run(v);
	CHECK_EQ_U64(next_step, 1);
	CHECK_EQ_U64(n_entered, 1);
	CHECK_EQ_U64(v->state, VCPU_OFF);
	CHECK_EQ_U64(stops, 0);

	v = setup();
	sync_exit(ESR(EC_BRK64, 0x4d48));
	vcpu_run(v);
	CHECK_EQ_U64(stops, 1);
	CHECK(strstr(stop_why, "EC 0x3c") != NULL);
	CHECK_EQ_U64(n_entered, 1);

	v = setup();
	step(EXC_LOWER64_SYNC | VCPU_EXIT_SERROR, ESR(EC_HVC64, 0), 0, 0, 0, 0);
	vcpu_run(v);
	CHECK_EQ_U64(stops, 1);
	CHECK(strstr(stop_why, "SError") != NULL);
}

int main(void)
{
	RUN(test_first_entry);
	RUN(test_hvc);
	RUN(test_smc);
	RUN(test_sysreg);
	RUN(test_dabt_to_nothing);
	RUN(test_dabt_to_uart);
	RUN(test_irq_exit);
	RUN(test_sgi1r);
	RUN(test_wfi);
	RUN(test_wfi_vpe);
	RUN(test_leaving);
	return TEST_SUMMARY();
}
