// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Running guests at EL1: the EL2 configuration a vCPU runs under, entry with ERET, and the traps
 * that come back, dispatched on ESR_EL2.EC through one read-only table (Linux nVHE's habit). A
 * guest's mistake is never the hypervisor's: it gets an abort or an UNDEF injected, or its VM is
 * stopped with a report; the hypervisor and the other VMs go on.
 */
#include "kernel/vmm/vcpu.h"

#include <stddef.h>

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/arch/esr.h"
#include "kernel/drivers/gic.h"
#include "kernel/drivers/gic_its.h"
#include "kernel/hyp.h"
#include "kernel/arch/mmio_decode.h"
#include "kernel/vmm/mmio.h"
#include "kernel/panic.h"
#include "kernel/smp.h"
#include "kernel/vdev/vgic.h"
#include "kernel/vmm/vhyp.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_guest.h"
#include "kernel/vmm/vm_pci.h"
#include "kernel/vmm/vm_vpe.h"
#include "kernel/vmm/vdebug.h"
#include "kernel/vmm/vpmu.h"
#include "kernel/arch/spinlock.h"

/*
 * HCR_EL2 while a guest runs: Stage-2 on; physical IRQ/FIQ/SError to EL2; SMC, WFI, ID group 3,
 * implementation-defined registers, auxiliary control, set/way cache maintenance and LORegions
 * trapped; EL1 is AArch64; pointer authentication left to the guest (APK/API: with 1:1 pinning
 * the keys never need switching); broadcast maintenance kept inner shareable (FB, BSU).
 */
#define HCR_EL2_GUEST                                                                             \
	(HCR_EL2_VM | HCR_EL2_SWIO | HCR_EL2_PTW | HCR_EL2_FMO | HCR_EL2_IMO | HCR_EL2_AMO |      \
	 HCR_EL2_FB | HCR_EL2_BSU_IS | HCR_EL2_TWI | HCR_EL2_TSC | HCR_EL2_TID3 | HCR_EL2_TIDCP | \
	 HCR_EL2_TACR | HCR_EL2_TSW | HCR_EL2_TLOR | HCR_EL2_RW | HCR_EL2_APK | HCR_EL2_API)

/* SCTLR_EL1 at reset for a guest: MMU and caches off, RES1 bits (11, 20, 22, 23, 28, 29). */
#define SCTLR_EL1_RESET (BIT(11) | BIT(20) | BIT(22) | BIT(23) | BIT(28) | BIT(29))

#define INJECT_STREAK_MAX 16 /* the same PC faulting this often in a row: the guest is stuck */

enum trap_action { TRAP_RESUME, TRAP_LEAVE };

typedef enum trap_action (*trap_fn)(struct vcpu *v);

/* boot/guest.S: run the guest from v->regs, each exit handled by vcpu_exit(), until it leaves. */
extern void guest_enter(struct vcpu *v);

_Static_assert(offsetof(struct vcpu, regs.x) == VCPU_REGS_X, "asm offset");
_Static_assert(offsetof(struct vcpu, regs.elr) == VCPU_REGS_ELR, "asm offset");
_Static_assert(offsetof(struct vcpu, regs.spsr) == VCPU_REGS_SPSR, "asm offset");
_Static_assert(offsetof(struct vcpu, regs.esr) == VCPU_REGS_ESR, "asm offset");
_Static_assert(offsetof(struct vcpu, regs.far) == VCPU_REGS_FAR, "asm offset");
_Static_assert(offsetof(struct vcpu, regs.hpfar) == VCPU_REGS_HPFAR, "asm offset");
_Static_assert(offsetof(struct vcpu, exit_ras) == VCPU_EXIT_RAS, "asm offset");
_Static_assert(VCPU_HOST_FRAME % 16 == 0 && VCPU_HOST_FRAME_VCPU < VCPU_HOST_FRAME,
	       "the host frame keeps SP 16-byte aligned and holds the vCPU");

struct vcpu *vcpu_current(void)
{
	return this_cpu()->vcpu;
}

/*
 * Past an instruction EL2 emulated. Clearing PSTATE.SS makes a guest's software step
 * active-pending, so the step exception comes right after the emulated instruction, as it
 * would after one the hardware ran (Arm ARM D2.12, "Software Step exceptions").
 */
static void advance_pc(struct vcpu *v)
{
	v->regs.elr += (v->regs.esr & ESR_IL) ? 4 : 2;
	v->regs.spsr &= ~SPSR_SS;
}

/*
 * Make the guest take an exception at EL1, as the hardware would have: ELR/SPSR/ESR/FAR_EL1
 * describe it and the guest resumes at its vector table, in EL1h with every interrupt masked.
 */
static enum trap_action inject(struct vcpu *v, unsigned int ec, uint64_t iss, bool far_valid,
			       uint64_t far)
{
	uint64_t mode = v->regs.spsr & SPSR_M_MASK, vbar = read_sysreg(vbar_el1);
	uint64_t offset = mode == SPSR_M_EL0T ? 0x400 : mode == SPSR_M_EL1H ? 0x200 : 0x000;

	/* A fault in the handler we would send it to, or no vector table: it cannot recover. */
	v->inject_streak = v->regs.elr == v->last_pc ? v->inject_streak + 1 : 0;
	v->last_pc = v->regs.elr;
	if (v->inject_streak > INJECT_STREAK_MAX ||
	    (v->regs.elr >= vbar + offset && v->regs.elr < vbar + offset + 0x80)) {
		vm_stop(v->vm, "guest fault inside its own exception vector (no way to recover)");
		return TRAP_LEAVE;
	}
	write_sysreg(elr_el1, v->regs.elr);
	write_sysreg(spsr_el1, v->regs.spsr);
	write_sysreg(esr_el1, (uint64_t)ec << ESR_EC_SHIFT | ESR_IL | (iss & ESR_ISS_MASK));
	if (far_valid)
		write_sysreg(far_el1, far);
	v->regs.elr = vbar + offset;
	v->regs.spsr = SPSR_EL1H_MASKED;
	return TRAP_RESUME;
}

static enum trap_action inject_undef(struct vcpu *v)
{
	v->vm->undefs_injected++;
	return inject(v, ESR_EC_UNKNOWN, 0, false, 0);
}

/* A synchronous external abort for an access to nothing (DFSC/IFSC 0x10). */
static enum trap_action inject_abort(struct vcpu *v, bool data, uint64_t ipa)
{
	bool from_el0 = (v->regs.spsr & SPSR_M_MASK) == SPSR_M_EL0T;
	unsigned int ec = data ? (from_el0 ? ESR_EC_DABT_LOW : ESR_EC_DABT_CUR)
			       : (from_el0 ? ESR_EC_IABT_LOW : ESR_EC_IABT_CUR);
	uint64_t iss =
		ESR_FSC_SEA | (data ? (v->regs.esr & ESR_DABT_WNR) : 0); /* keep WnR for data */

	if (log_nth_ok(++v->vm->aborts_injected))
		pr_warn("vm%u vcpu%u: %s IPA 0x%llx (VA 0x%llx) at PC 0x%llx: nothing there, "
			"external abort injected (%llu so far)\n",
			v->vm->id, v->id,
			data ? ((v->regs.esr & ESR_DABT_WNR) ? "write to" : "read of")
			     : "fetch from",
			(unsigned long long)ipa, (unsigned long long)v->regs.far,
			(unsigned long long)v->regs.elr,
			(unsigned long long)v->vm->aborts_injected);
	return inject(v, ec, iss, true, v->regs.far);
}

static uint64_t *reg_ptr(struct vcpu *v, unsigned int r, uint64_t *zero)
{
	*zero = 0;
	return r == 31 ? zero : &v->regs.x[r];
}

/* ---- data and instruction aborts ---- */

/*
 * The device lines after an emulated access or a WFI. Low and recorded low, the usual case,
 * needs no call; a high line always goes to vm_update_irq_lines(), since a level interrupt the
 * guest ended while its line stays high is pending again. The recorded level is read without
 * vgic_lock, as vgic_set_spi_line() itself does before it takes the lock.
 */
static inline void update_irq_lines(struct vm *vm)
{
	if (!vpl011_irq_level(&vm->uart) &&
	    !(vm->vgic.line[GUEST_UART_INTID / 64] & BIT(GUEST_UART_INTID % 64)))
		return;
	vm_update_irq_lines(vm);
}

static enum trap_action trap_dabt(struct vcpu *v)
{
	uint64_t ipa = mmio_fault_ipa(v->regs.hpfar, v->regs.far);
	struct mmio_access a;
	uint64_t zero, *reg, val;

	/* No syndrome to emulate from, no device there, or one that refuses: nothing there. */
	if (mmio_decode(v->regs.esr, &a))
		return inject_abort(v, true, ipa);
	reg = reg_ptr(v, a.reg, &zero);
	val = *reg;
	if (mmio_dispatch_hint(&v->vm->mmio, &v->mmio_hint, ipa, a.write, a.size, &val))
		return inject_abort(v, true, ipa);
	if (!a.write && a.reg != 31)
		*reg = mmio_load_value(&a, val);
	advance_pc(v);
	update_irq_lines(v->vm); /* a device's interrupt line may have changed */
	return TRAP_RESUME;
}

static enum trap_action trap_iabt(struct vcpu *v)
{
	return inject_abort(v, false, mmio_fault_ipa(v->regs.hpfar, v->regs.far));
}

/* ---- HVC and SMC: PSCI, SMCCC, our own calls ---- */

static enum trap_action trap_hvc(struct vcpu *v)
{
	/* HVC's preferred return is the next instruction already: ELR needs no change. */
	return vhyp_call(v) ? TRAP_LEAVE : TRAP_RESUME;
}

static enum trap_action trap_smc(struct vcpu *v)
{
	/* A trapped SMC returns to the SMC itself: step over it, then serve it like an HVC. */
	advance_pc(v);
	return vhyp_call(v) ? TRAP_LEAVE : TRAP_RESUME;
}

/*
 * A physical interrupt at EL2 while the vCPU runs or sleeps in its WFI: acknowledge it, drop its
 * priority, give it to the vGIC. False when none was pending (the GIC answered spurious).
 */
static bool take_irq(struct vcpu *v)
{
	unsigned int intid = gic_ack();

	if (intid == GIC_INTID_SPURIOUS)
		return false;
	gic_eoi(intid); /* priority drop only: EOImode is 1 while a vCPU runs */
	if (gic_lpi_dispatch(intid))
		return true; /* an LPI has no active state: nothing to deactivate */
	if (!vgic_physical_irq(v, intid))
		gic_deactivate(intid);
	return true;
}

/* ---- WFI/WFE ---- */

static enum trap_action trap_wfx(struct vcpu *v)
{
	unsigned int ti = FIELD_GET(v->regs.esr, ESR_WFX_TI_SHIFT, ESR_WFX_TI_WIDTH);
	bool wfi_insn = ti == ESR_WFX_TI_WFI || ti == ESR_WFX_TI_WFIT;

	advance_pc(v);
	update_irq_lines(v->vm); /* a level still high after the guest's EOI */
	/*
	 * WFI: sleep until an interrupt could be for the guest. A physical interrupt wakes the CPU
	 * even masked (its timer's PPI, a kick from another CPU); after the ERET it exits to EL2
	 * and becomes a virtual one. Nothing to wait for if one is already pending.
	 * WFE: yield for at most one event-stream period.
	 */
	if (!wfi_insn) {
		wfe();
		return TRAP_RESUME;
	}
	vgic_timer_sync(v); /* a timer interrupt the guest masked meanwhile does not wake it */
	/*
	 * A resident vPE's vLPIs do not wake a CPU at EL2: it stops being resident, and a vLPI
	 * from then on raises its doorbell, a physical LPI that does. One that came before is in
	 * its VPT, and PendingLast says so.
	 */
	if (!vgic_has_pending(v) && !vm_vpe_put(v)) {
		wfi();
		/*
		 * What woke us is most likely the interrupt the guest waits for (its timer, an IPI
		 * from another vCPU): take it now, so that the flush before the ERET places it,
		 * rather than through an IRQ exit straight after the ERET.
		 */
		if (take_irq(v))
			v->irq_exits++;
	}
	vm_vpe_load(v);
	return TRAP_RESUME;
}

/* ---- system registers ---- */

static enum trap_action trap_sys64(struct vcpu *v)
{
	uint64_t iss = v->regs.esr & ESR_ISS_MASK, zero, *reg;
	unsigned int op0 = FIELD_GET(iss, ESR_SYS64_OP0_SHIFT, ESR_SYS64_OP0_WIDTH);
	unsigned int op2 = FIELD_GET(iss, ESR_SYS64_OP2_SHIFT, ESR_SYS64_OP2_WIDTH);
	unsigned int op1 = FIELD_GET(iss, ESR_SYS64_OP1_SHIFT, ESR_SYS64_OP1_WIDTH);
	unsigned int crn = FIELD_GET(iss, ESR_SYS64_CRN_SHIFT, ESR_SYS64_CRN_WIDTH);
	unsigned int crm = FIELD_GET(iss, ESR_SYS64_CRM_SHIFT, ESR_SYS64_CRM_WIDTH);
	unsigned int rt = FIELD_GET(iss, ESR_SYS64_RT_SHIFT, ESR_SYS64_RT_WIDTH);
	bool read = iss & ESR_SYS64_DIR_READ;
	uint64_t val;

	reg = reg_ptr(v, rt, &zero);
	if (vhyp_sysreg(v, op0, op1, crn, crm, op2, read, &val, *reg)) {
		if (read && rt != 31)
			*reg = val;
		advance_pc(v);
		return TRAP_RESUME;
	}
	if (log_nth_ok(v->vm->undefs_injected + 1))
		pr_warn("vm%u vcpu%u: %s S%u_%u_C%u_C%u_%u at PC 0x%llx: not emulated, UNDEF "
			"injected\n",
			v->vm->id, v->id, read ? "read of" : "write to", op0, op1, crn, crm, op2,
			(unsigned long long)v->regs.elr);
	return inject_undef(v);
}

static enum trap_action trap_undef(struct vcpu *v)
{
	return inject_undef(v);
}

static const trap_fn trap_handlers[EXIT_CLASSES] = {
	[ESR_EC_UNKNOWN] = trap_undef, /* e.g. an instruction EL2 does not let EL1 run */
	[ESR_EC_WFX] = trap_wfx,       [ESR_EC_HVC64] = trap_hvc,     [ESR_EC_SMC64] = trap_smc,
	[ESR_EC_SYS64] = trap_sys64,   [ESR_EC_SVE] = trap_undef, /* SVE is hidden from guests */
	[ESR_EC_SME] = trap_undef,				  /* SME, likewise */
	[ESR_EC_IABT_LOW] = trap_iabt, [ESR_EC_DABT_LOW] = trap_dabt,
};

/* Every exit but a synchronous one: interrupts, the guest's SErrors, AArch32 vectors. */
static enum trap_action vcpu_exit_async(struct vcpu *v, unsigned int code)
{
	unsigned int slot = code & VCPU_EXIT_SLOT_MASK;
	char why[112];

	if (code & VCPU_EXIT_SERROR) {
		/* Its own SError, synchronised at the exit: the guest's VM stops, nobody else's. */
		fmt_snprintf(why, sizeof(why),
			     "SError from the guest, pending at its exit from PC 0x%llx",
			     (unsigned long long)v->regs.elr);
		vm_stop(v->vm, why);
		return TRAP_LEAVE;
	}
	if (slot == EXC_LOWER64_IRQ || slot == EXC_LOWER64_FIQ) {
		take_irq(v);
		v->irq_exits++;
		return TRAP_RESUME;
	}
	fmt_snprintf(why, sizeof(why), "%s from the guest at PC 0x%llx (ESR 0x%llx)",
		     exc_vector_name(slot), (unsigned long long)v->regs.elr,
		     (unsigned long long)v->regs.esr);
	vm_stop(v->vm, why);
	return TRAP_LEAVE;
}

static enum trap_action trap_unexpected(struct vcpu *v, unsigned int ec)
{
	char why[112];

	fmt_snprintf(why, sizeof(why), "unexpected trap EC 0x%02x (%s) at PC 0x%llx", ec,
		     esr_ec_name(ec), (unsigned long long)v->regs.elr);
	vm_stop(v->vm, why);
	return TRAP_LEAVE;
}

/*
 * The exit path (boot/guest.S calls this at every exit, the guest's registers saved in v->regs):
 * a synchronous exit goes straight to its handler by ESR_EL2.EC; then, unless the vCPU must
 * leave, the list registers are brought up to date and the guest is re-entered at once.
 */
bool vcpu_exit(struct vcpu *v, unsigned int code)
{
	enum trap_action action;

	if (code == EXC_LOWER64_SYNC) { /* no SError flag, the usual case */
		unsigned int ec = FIELD_GET(v->regs.esr, ESR_EC_SHIFT, ESR_EC_WIDTH);
		trap_fn fn = trap_handlers[ec];

		v->exits[ec]++;
		action = fn ? fn(v) : trap_unexpected(v, ec);
	} else {
		action = vcpu_exit_async(v, code);
	}
	/* A stop from another CPU: the flag, set before the kick that made this exit or not. */
	if (action == TRAP_LEAVE || atomic_load_explicit(&v->stop, memory_order_acquire))
		return false;
	vgic_flush(v);
	return true;
}

void vcpu_kick_stop(struct vcpu *v)
{
	atomic_store_explicit(&v->stop, 1, memory_order_release);
	if (v->pcpu != this_cpu()->id && atomic_load(&v->state) != VCPU_OFF)
		gic_send_sgi(percpu[v->pcpu].mpidr, GIC_SGI_WAKE); /* IMO=1: it exits to EL2 */
}

/* Everything EL2 controls for this guest, and a clean EL1 as after a reset. */
static void guest_setup(struct vcpu *v)
{
	struct vm *vm = v->vm;

	write_sysreg(vttbr_el2, vm->s2.vttbr);
	write_sysreg(vtcr_el2, vm->s2.vtcr); /* the VM's own IPA size (mm/vtcr.h) */
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	write_sysreg(vmpidr_el2, v->vmpidr);
	/* FP/SIMD belong to the guest (EL2 code never touches them); SVE, SME, trace trap. */
	write_sysreg(cptr_el2, CPTR_EL2_RES1 | CPTR_EL2_TZ | CPTR_EL2_TSM | CPTR_EL2_TTA);
	/* The core's PMU and self-hosted debug are the guest's (vpmu.c, vdebug.c), reset. */
	write_sysreg(mdcr_el2, vpmu_mdcr(v) | vdebug_mdcr());
	if (!vm->hyp_pmu)
		vpmu_reset();
	vdebug_reset();
	/*
	 * The physical counter and the EL1 physical timer are the guest's: the hypervisor uses no
	 * timer interrupt, and its PPI is forwarded (vgic.c). With CNTVOFF_EL2 0 at every start,
	 * the virtual and physical counters agree, across restarts too.
	 */
	write_sysreg(cnthctl_el2, CNTHCTL_EL2_EL1PCTEN | CNTHCTL_EL2_EL1PCEN);
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(cntp_ctl_el0, 0);
	write_sysreg(sctlr_el1, SCTLR_EL1_RESET);
	write_sysreg(vbar_el1, 0);
	write_sysreg(cpacr_el1, 0);
	write_sysreg(cntv_ctl_el0, 0);
	write_sysreg(cntkctl_el1, 0);
	write_sysreg(hcr_el2, HCR_EL2_GUEST);
	isb(); /* the guest's EL2 controls are in force before the TLBI and the ERET */
	/* Nothing cached under this VMID from an earlier user of it on this CPU. */
	tlbi_vmalls12e1();
	dsb(nsh);
	isb();
}

void vcpu_run_work(void *v)
{
	vcpu_run(v);
}

/* As after a reset (Linux booting.rst): x0 = context, every other register zero, EL1h, masked. */
static void vcpu_regs_reset(struct vcpu *v)
{
	v->regs = (struct vcpu_regs){
		.x[0] = v->context,
		.elr = v->entry,
		.spsr = SPSR_EL1H_MASKED,
	};
}

void vcpu_run(struct vcpu *v)
{
	struct percpu *c = this_cpu();

	c->vcpu = v;
	c->doing = v->vm->name;
	/* The stop flag is the VM layer's: cleared when the VM starts, never here. */
	atomic_store_explicit(&v->regs_valid, false, memory_order_relaxed);
	v->exit_ras = FIELD_GET(read_sysreg(id_aa64pfr0_el1), ID_AA64PFR0_RAS_SHIFT, 4) != 0;
	vcpu_regs_reset(v);
	guest_setup(v);
	vgic_vcpu_start(v);
	vm_vpe_load(v); /* when it has a vPE and the guest's LPIs are on (a restart) */
	if (v->id == 0 && v->vm->pci.n)
		vm_pci_route_here(v->vm);
	/*
	 * A VM that is stopping, or a stop meant for this vCPU: it does not enter. Once in, a stop
	 * sets the flag and kicks this CPU, so the flag alone is checked at each exit.
	 */
	if (vm_vcpu_may_enter(v))
		guest_enter(v); /* returns when vcpu_exit() says the vCPU leaves */
	/* Left the guest for good (CPU_OFF, a stop, a fatal trap): back to host state. */
	(void)vm_vpe_put(v);
	vgic_vcpu_stop(v);
	write_sysreg(cntv_ctl_el0, 0); /* its timers quiet, its counters and breakpoints gone */
	write_sysreg(cntp_ctl_el0, 0);
	if (!v->vm->hyp_pmu)
		vpmu_reset();
	vdebug_reset();
	c->vcpu = NULL;
	c->doing = "idle";
	el2_setup();
	write_sysreg(vttbr_el2, 0);
	isb();
	/* Published by the release of the state below, for `vm info`. */
	atomic_store_explicit(&v->regs_valid, true, memory_order_relaxed);
	atomic_store_explicit(&v->state, VCPU_OFF, memory_order_release);
	vm_vcpu_left(v->vm); /* the last to leave finishes a stop or a reset */
}
