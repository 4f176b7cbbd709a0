// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * List-register injection of SGIs and PPIs, and the core's own PPIs the guest is given: both
 * timers' and the PMU's, forwarded as hardware interrupts the guest deactivates.
 */
#include "kernel/vdev/vgic.h"

#include <stdatomic.h>

#include "kernel/arch/arch.h"
#include "kernel/arch/gicv3_sysregs.h"
#include "kernel/drivers/gic.h"
#include "kernel/hyp.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_pci.h"
#include "kernel/vmm/vpmu.h"

/*
 * The guest's virtual timer interrupt: the PPI the hypervisor's DTB gives the EL1 virtual timer,
 * taken physically while the guest runs and given to the guest under the same INTID, which is
 * also the one its own DTB names (kernel/vmm/vm_guest.c).
 */
static unsigned int vtimer_intid(void)
{
	return plat_timer_intid(&hyp.plat, PLAT_TIMER_VIRT);
}

static unsigned int ptimer_intid(void)
{
	return plat_timer_intid(&hyp.plat, PLAT_TIMER_PHYS);
}

/* The PMU's overflow PPI is the guest's when its PMU is (kernel/vmm/vpmu.c). */
static bool pmu_forwarded(const struct vcpu *v)
{
	return !v->vm->hyp_pmu && vpmu_present();
}

/*
 * A PPI of the core the guest owns outright (its EL1 timers, its PMU): the physical interrupt
 * goes into a list register with HW set, under the same INTID, and stays active until the guest
 * deactivates the virtual one. A level still high then fires again; one gone low does not, so
 * the guest sees the line as the timer or the PMU drives it.
 */
static bool ppi_forwarded(const struct vcpu *v, unsigned int intid)
{
	return intid == vtimer_intid() || intid == ptimer_intid() ||
	       (intid == plat_pmu_intid(&hyp.plat) && pmu_forwarded(v));
}

/* The physical INTID a virtual one is tied to (HW list register), or 0. */
static unsigned int hw_intid(const struct vcpu *v, unsigned int intid)
{
	if (intid < 32)
		return intid >= 16 && ppi_forwarded(v, intid) ? intid : 0;
	return vm_pci_hw_intid(v->vm, intid);
}

/* A list register's State in place: pending, active, or both. */
#define LR_PENDING ICH_LR_STATE(ICH_LR_STATE_PENDING)
#define LR_ACTIVE  ICH_LR_STATE(ICH_LR_STATE_ACTIVE)

void vgic_vcpu_start(struct vcpu *v)
{
	for (unsigned int n = 0; n < ich_nr_lrs(); n++)
		write_ich_lr_el2(n, 0);
	atomic_store(&v->vgic_pend[0], 0);
	atomic_store(&v->vgic_pend[1], 0);
	write_ich_hcr_el2(ICH_HCR_EL2_EN);
	v->vgic_uie = false;
	gic_set_eoi_split(true); /* forwarded device interrupts: the guest deactivates them */
	gic_enable_ppi(vtimer_intid()); /* the guest's timers and PMU interrupt this CPU */
	gic_enable_ppi(ptimer_intid());
	if (pmu_forwarded(v))
		gic_enable_ppi(plat_pmu_intid(&hyp.plat));
	gic_enable_ppi(plat_gic_maint_intid(&hyp.plat)); /* list registers running dry (UIE) */
	isb();
}

void vgic_vcpu_stop(struct vcpu *v)
{
	gic_disable_ppi(vtimer_intid());
	gic_disable_ppi(ptimer_intid());
	if (pmu_forwarded(v))
		gic_disable_ppi(plat_pmu_intid(&hyp.plat));
	gic_disable_ppi(plat_gic_maint_intid(&hyp.plat));
	write_ich_hcr_el2(0);
	/*
	 * A forwarded device interrupt this vCPU still held (in a list register, or pending for
	 * it) was acknowledged at the GIC and waits for the guest to deactivate it. The guest
	 * will not now: deactivate it here, so the line can fire again for another vCPU.
	 */
	for (unsigned int n = 0; n < ich_nr_lrs(); n++) {
		uint64_t lr = read_ich_lr_el2(n);

		if ((lr & ICH_LR_HW) && (lr & ICH_LR_STATE_MASK))
			gic_deactivate((unsigned int)FIELD_GET(lr, ICH_LR_PINTID_SHIFT,
							       ICH_LR_PINTID_WIDTH));
		write_ich_lr_el2(n, 0);
	}
	for (unsigned int w = 0; w < 2; w++)
		for (uint64_t p = atomic_exchange(&v->vgic_pend[w], 0); p; p &= p - 1) {
			unsigned int pintid = hw_intid(v, 64 * w + (unsigned int)__builtin_ctzl(p));

			if (pintid)
				gic_deactivate(pintid);
		}
	gic_set_eoi_split(false);
}

void vgic_inject(struct vcpu *v, unsigned int intid)
{
	if (intid >= VGIC_NR_IRQS)
		return;
	atomic_fetch_or_explicit(&v->vgic_pend[intid / 64], 1UL << (intid % 64),
				 memory_order_release);
	atomic_fetch_add_explicit(&v->virqs[intid < 16	 ? 0
					    : intid < 32 ? 1
							 : 2],
				  1, memory_order_relaxed);
	if (v->pcpu != this_cpu()->id && atomic_load(&v->state) == VCPU_ON)
		gic_send_sgi(percpu[v->pcpu].mpidr, GIC_SGI_WAKE); /* exit, then flush */
}

void vgic_inject_spi(struct vm *vm, unsigned int intid)
{
	uint64_t target = intid < VGIC_NR_IRQS ? vm->vgic.irouter[intid] : 0;

	/*
	 * GICD_IROUTER names one vCPU by affinity (IRM is not offered). When it names none, or
	 * one that is off (its interrupt would wait for it forever), the first vCPU that is on.
	 */
	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		if ((vm->vcpus[c].vmpidr & MPIDR_AFF_MASK) == target &&
		    atomic_load(&vm->vcpus[c].state) != VCPU_OFF) {
			vgic_inject(&vm->vcpus[c], intid);
			return;
		}
	}
	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		if (atomic_load(&vm->vcpus[c].state) != VCPU_OFF) {
			vgic_inject(&vm->vcpus[c], intid);
			return;
		}
	}
	vgic_inject(&vm->vcpus[0], intid);
}

/*
 * Is 'intid' already in a list register? Never put it in twice. If the guest is handling it
 * (active), a new one must not be lost: make that list register pending and active (0b11), as
 * the hardware would. Linux's call-function IPIs depend on this: one arriving while the last is
 * in its handler would otherwise vanish and a CPU would wait for it forever.
 */
static bool lr_holds(unsigned int intid, uint64_t empty, unsigned int lrs)
{
	for (unsigned int n = 0; n < lrs; n++) {
		uint64_t lr;

		if (empty & BIT(n))
			continue;
		lr = read_ich_lr_el2(n);
		if (FIELD_GET(lr, ICH_LR_VINTID_SHIFT, ICH_LR_VINTID_WIDTH) != intid)
			continue;
		/* A hardware interrupt cannot fire again before the guest deactivates it. */
		if ((lr & ICH_LR_STATE_MASK) == LR_ACTIVE && !(lr & ICH_LR_HW))
			write_ich_lr_el2(n, lr | LR_PENDING);
		return true;
	}
	return false;
}

/*
 * vgic_flush() when something is pending or the underflow interrupt was asked for. Not inlined,
 * so that vgic_flush()'s own test stays a leaf without a frame.
 */
__attribute__((noinline)) static void vgic_flush_pending(struct vcpu *v)
{
	uint64_t empty = read_ich_elrsr_el2(); /* bit n: LR n holds nothing */
	unsigned int lrs = ich_nr_lrs(), n = 0;
	bool overflow = false; /* enabled interrupts left over for want of a list register */

	for (unsigned int w = 0; w < 2; w++) {
		uint64_t pending =
			atomic_exchange_explicit(&v->vgic_pend[w], 0, memory_order_acquire);
		uint64_t keep = 0;

		for (; pending; pending &= pending - 1) {
			unsigned int bit = (unsigned int)__builtin_ctzl(pending);
			unsigned int intid = 64 * w + bit, pintid;
			uint64_t lr;

			if (lr_holds(intid, empty, lrs))
				continue; /* already with the guest; a level source is re-checked */
			/* Disabled by the guest: stays pending, as on hardware. */
			if (!vgic_irq_enabled(&v->vm->vgic, &v->vgic_rd, intid)) {
				keep |= 1UL << bit;
				continue;
			}
			while (n < lrs && !(empty & BIT(n)))
				n++;
			if (n == lrs) {
				keep |= 1UL << bit; /* no free list register: next exit */
				overflow = true;
				continue;
			}
			pintid = hw_intid(v, intid);
			lr = LR_PENDING | ICH_LR_GROUP |
			     FIELD_PREP(vgic_irq_priority(&v->vm->vgic, &v->vgic_rd, intid),
					ICH_LR_PRIORITY_SHIFT, ICH_LR_PRIORITY_WIDTH) |
			     FIELD_PREP(intid, ICH_LR_VINTID_SHIFT, ICH_LR_VINTID_WIDTH);
			if (pintid) /* the guest's deactivation deactivates pINTID */
				lr |= ICH_LR_HW |
				      FIELD_PREP(pintid, ICH_LR_PINTID_SHIFT, ICH_LR_PINTID_WIDTH);
			write_ich_lr_el2(n, lr);
			empty &= ~BIT(n);
		}
		if (keep)
			atomic_fetch_or_explicit(&v->vgic_pend[w], keep, memory_order_relaxed);
	}
	/*
	 * With interrupts left over, ask for the underflow maintenance interrupt: it makes the
	 * vCPU exit as soon as the guest has drained the list registers, and this flush runs
	 * again, without waiting for whatever exit the guest happens to make next. Written only
	 * when UIE changes. No ISB: the ERET that follows is a context synchronization event
	 * (SCTLR_EL2.EOS is 1), which is what puts this and the list registers in force for the
	 * guest.
	 */
	if (overflow != v->vgic_uie) {
		write_ich_hcr_el2(ICH_HCR_EL2_EN | (overflow ? ICH_HCR_EL2_UIE : 0));
		v->vgic_uie = overflow;
	}
}

void vgic_flush(struct vcpu *v)
{
	/*
	 * The exit fast path: nothing new for the guest and no underflow interrupt to take back,
	 * so the list registers and ICH_HCR_EL2 stay as they are. Relaxed loads: a bit another
	 * CPU sets after this look comes with a wake SGI (vgic_inject()), which makes the guest
	 * exit again as soon as it is entered, and that exit's flush places it.
	 */
	if (!(atomic_load_explicit(&v->vgic_pend[0], memory_order_relaxed) |
	      atomic_load_explicit(&v->vgic_pend[1], memory_order_relaxed)) &&
	    !v->vgic_uie)
		return;
	vgic_flush_pending(v);
}

bool vgic_has_pending(struct vcpu *v)
{
	uint64_t empty = read_ich_elrsr_el2();

	if (~empty & (BIT(ich_nr_lrs()) - 1))
		return true; /* something sits in a list register */
	for (unsigned int w = 0; w < 2; w++)
		for (uint64_t p = atomic_load(&v->vgic_pend[w]); p; p &= p - 1)
			if (vgic_irq_enabled(&v->vm->vgic, &v->vgic_rd,
					     64 * w + (unsigned int)__builtin_ctzl(p)))
				return true;
	return false;
}
bool vgic_physical_irq(struct vcpu *v, unsigned int intid)
{
	if (vm_pci_irq(v->vm, intid))
		return true; /* stays active: the guest's deactivation ends it */
	if (intid < 16 || intid >= 32 || !ppi_forwarded(v, intid))
		return false;
	vgic_inject(v, intid); /* stays active: the guest's deactivation ends it */
	return true;
}

/*
 * A timer's output (Arm ARM D12.8, "The condition for a timer interrupt"): ENABLE set, IMASK
 * clear and ISTATUS set. The hardware raises the physical PPI when it holds; when it stops
 * holding before the guest took the interrupt, the virtual one must go too.
 */
static bool timer_line(uint64_t ctl)
{
	return (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS)) ==
	       (CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
}

/* 'intid' (a forwarded PPI) lost its level: withdraw what is only pending, end it physically. */
static void ppi_withdraw(struct vcpu *v, unsigned int intid)
{
	bool held = atomic_fetch_and(&v->vgic_pend[0], ~BIT(intid)) & BIT(intid);

	for (unsigned int n = 0; n < ich_nr_lrs(); n++) {
		uint64_t lr = read_ich_lr_el2(n);

		if (FIELD_GET(lr, ICH_LR_VINTID_SHIFT, ICH_LR_VINTID_WIDTH) != intid ||
		    !(lr & LR_PENDING))
			continue;
		if (lr & LR_ACTIVE) {
			write_ich_lr_el2(n, lr & ~LR_PENDING); /* the guest is in its handler */
			continue;
		}
		write_ich_lr_el2(n, 0);
		held = true;
	}
	if (held)
		gic_deactivate(intid); /* nothing left that the guest would deactivate */
}

void vgic_timer_sync(struct vcpu *v)
{
	if (!timer_line(read_sysreg(cntv_ctl_el0)))
		ppi_withdraw(v, vtimer_intid());
	if (!timer_line(read_sysreg(cntp_ctl_el0)))
		ppi_withdraw(v, ptimer_intid());
}

void vgic_sgi1r_write(struct vcpu *v, uint64_t val)
{
	unsigned int intid = icc_sgi1r_intid(val);
	struct vm *vm = v->vm;

	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		struct vcpu *t = &vm->vcpus[c];

		if (val & ICC_SGI1R_IRM) { /* every PE but ourselves */
			if (t != v)
				vgic_inject(t, intid);
			continue;
		}
		/* Aff3.Aff2.Aff1 must match, RS select its Aff0 block, TargetList hold its bit. */
		if (icc_sgi1r_targets(val, t->vmpidr & MPIDR_AFF_MASK))
			vgic_inject(t, intid);
	}
}

int vgic_mmio_gicd(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val)
{
	struct vm *vm = ctx;
	int err;

	spin_lock(&vm->vgic_lock);
	err = vgic_dist_access(&vm->vgic, offset, write, size, val);
	spin_unlock(&vm->vgic_lock);
	return err;
}

/* GICR SGI_base registers read from the live state (GICv3 12.10): pending and active bits. */
#define GICR_SGI_ISPENDR0   0x10200
#define GICR_SGI_ICPENDR0   0x10280
#define GICR_SGI_ISACTIVER0 0x10300
#define GICR_SGI_ICACTIVER0 0x10380

/*
 * SGIs and PPIs pending or active for the vCPU running here: what its list registers hold and
 * what waits for one. Only this CPU can read those list registers.
 */
static uint32_t sgi_ppi_state(struct vcpu *v, bool active)
{
	uint32_t bits = active ? 0 : (uint32_t)atomic_load(&v->vgic_pend[0]);

	for (unsigned int n = 0; n < ich_nr_lrs(); n++) {
		uint64_t lr = read_ich_lr_el2(n);
		uint64_t intid = FIELD_GET(lr, ICH_LR_VINTID_SHIFT, ICH_LR_VINTID_WIDTH);

		if (intid < 32 && (lr & (active ? LR_ACTIVE : LR_PENDING)))
			bits |= 1U << intid;
	}
	return bits;
}

int vgic_mmio_gicr(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val)
{
	struct vm *vm = ctx;
	uint64_t c = offset / VGIC_GICR_STRIDE, off = offset % VGIC_GICR_STRIDE;
	struct vcpu *self = vcpu_current();
	int err;

	/* The region is one frame per vCPU; a larger one would be a registration mistake. */
	if (c >= vm->n_vcpus)
		return E_RANGE;
	/* Its own frame: the timers' lines as they are now, in what the guest reads. */
	if (self == &vm->vcpus[c]) {
		vgic_timer_sync(self);
		if (!write && size == 4 &&
		    (off == GICR_SGI_ISPENDR0 || off == GICR_SGI_ICPENDR0 ||
		     off == GICR_SGI_ISACTIVER0 || off == GICR_SGI_ICACTIVER0)) {
			*val = sgi_ppi_state(self, off >= GICR_SGI_ISACTIVER0);
			return 0;
		}
	}
	spin_lock(&vm->vgic_lock);
	err = vgic_redist_access(&vm->vcpus[c].vgic_rd, offset % VGIC_GICR_STRIDE, write, size,
				 val);
	spin_unlock(&vm->vgic_lock);
	return err;
}
