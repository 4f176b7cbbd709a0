// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * List-register injection of SGIs and PPIs, and the core's own PPIs the guest is given: both
 * timers' and the PMU's, forwarded as hardware interrupts the guest deactivates.
 */
#include "kernel/vdev/vgic.h"

#include <stdatomic.h>

#include "kernel/arch/arch.h"
#include "kernel/arch/gicv3_sysregs.h"
#include "kernel/console.h"
#include "kernel/drivers/gic.h"
#include "kernel/hyp.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_msi.h"
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
	for (unsigned int k = 0; k < VGIC_REQ_KINDS; k++)
		for (unsigned int w = 0; w < 2; w++)
			atomic_store(&v->vgic_req[k][w], 0);
	for (unsigned int w = 0; w < VGIC_LPI_WORDS; w++)
		atomic_store(&v->vgic_lpi_pend[w], 0);
	atomic_store(&v->vgic_lpi_sum, 0);
	v->vgic_rd.eoi_lrs = 0;
	atomic_store(&v->vgic_req_any, false);
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

static int lr_index(unsigned int intid);

/* Make 'v' exit (and flush) soon when it runs on another CPU. */
static void vgic_kick(struct vcpu *v)
{
	if (v->pcpu != this_cpu()->id && atomic_load(&v->state) == VCPU_ON)
		gic_send_sgi(percpu[v->pcpu].mpidr, GIC_SGI_WAKE); /* exit, then flush */
}

void vgic_inject_lpi(struct vcpu *v, unsigned int intid)
{
	unsigned int n = intid - VGIC_LPI_BASE;

	if (intid < VGIC_LPI_BASE || n >= VGIC_NR_LPIS)
		return;
	atomic_fetch_or_explicit(&v->vgic_lpi_pend[n / 64], 1UL << (n % 64), memory_order_relaxed);
	/* Release: the flush that sees the summary bit sees the pending bit. */
	atomic_fetch_or_explicit(&v->vgic_lpi_sum, 1UL << (n / 64), memory_order_release);
	atomic_fetch_add_explicit(&v->virqs[2], 1, memory_order_relaxed);
	vgic_kick(v);
}

void vgic_inject_kick(struct vcpu *v)
{
	vgic_kick(v);
}

void vgic_clear_lpi(struct vcpu *v, unsigned int intid)
{
	unsigned int n = intid - VGIC_LPI_BASE;
	int lr;

	if (intid < VGIC_LPI_BASE || n >= VGIC_NR_LPIS)
		return;
	atomic_fetch_and_explicit(&v->vgic_lpi_pend[n / 64], ~(1UL << (n % 64)),
				  memory_order_relaxed);
	if (vcpu_current() != v)
		return; /* one already in another CPU's list register is the guest's */
	lr = lr_index(intid);
	if (lr >= 0)
		write_ich_lr_el2((unsigned int)lr, read_ich_lr_el2((unsigned int)lr) &
							   ~ICH_LR_STATE(ICH_LR_STATE_PENDING));
}

void vgic_move_lpis(struct vcpu *from, struct vcpu *to, unsigned int intid)
{
	for (unsigned int w = 0; w < VGIC_LPI_WORDS; w++) {
		uint64_t mask = ~0UL, moved;

		if (intid) {
			unsigned int n = intid - VGIC_LPI_BASE;

			if (intid < VGIC_LPI_BASE || n >= VGIC_NR_LPIS || n / 64 != w)
				continue;
			mask = 1UL << (n % 64);
		}
		if (from == to)
			continue;
		moved = atomic_fetch_and_explicit(&from->vgic_lpi_pend[w], ~mask,
						  memory_order_relaxed) &
			mask;
		for (; moved; moved &= moved - 1)
			vgic_inject_lpi(to, VGIC_LPI_BASE + 64 * w +
						    (unsigned int)__builtin_ctzl(moved));
	}
}

void vgic_inject(struct vcpu *v, unsigned int intid)
{
	if (intid >= VGIC_LPI_BASE) {
		vgic_inject_lpi(v, intid);
		return;
	}
	if (intid >= VGIC_NR_IRQS)
		return;
	atomic_fetch_or_explicit(&v->vgic_pend[intid / 64], 1UL << (intid % 64),
				 memory_order_release);
	atomic_fetch_add_explicit(&v->virqs[intid < 16	 ? 0
					    : intid < 32 ? 1
							 : 2],
				  1, memory_order_relaxed);
	vgic_kick(v);
}

/* The vCPU an SPI goes to. */
static struct vcpu *spi_target(struct vm *vm, unsigned int intid)
{
	uint64_t target = intid < VGIC_NR_IRQS ? vm->vgic.irouter[intid] : 0;

	/*
	 * GICD_IROUTER names one vCPU by affinity (IRM is not offered). When it names none, or
	 * one that is off (its interrupt would wait for it forever), the first vCPU that is on.
	 */
	for (unsigned int c = 0; c < vm->n_vcpus; c++)
		if ((vm->vcpus[c].vmpidr & MPIDR_AFF_MASK) == target &&
		    atomic_load(&vm->vcpus[c].state) != VCPU_OFF)
			return &vm->vcpus[c];
	for (unsigned int c = 0; c < vm->n_vcpus; c++)
		if (atomic_load(&vm->vcpus[c].state) != VCPU_OFF)
			return &vm->vcpus[c];
	return &vm->vcpus[0];
}

void vgic_inject_spi(struct vm *vm, unsigned int intid)
{
	vgic_inject(spi_target(vm, intid), intid);
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

/* What a list register holds for 'intid' in 'state' (LR_PENDING, LR_ACTIVE or both). */
static uint64_t lr_make(struct vcpu *v, unsigned int intid, uint64_t state, uint8_t priority)
{
	uint64_t lr = state | ICH_LR_GROUP |
		      FIELD_PREP(priority, ICH_LR_PRIORITY_SHIFT, ICH_LR_PRIORITY_WIDTH) |
		      FIELD_PREP(intid, ICH_LR_VINTID_SHIFT, ICH_LR_VINTID_WIDTH);
	unsigned int pintid = intid < VGIC_NR_IRQS ? hw_intid(v, intid) : 0;

	if (pintid) /* the guest's deactivation deactivates pINTID */
		lr |= ICH_LR_HW | FIELD_PREP(pintid, ICH_LR_PINTID_SHIFT, ICH_LR_PINTID_WIDTH);
	/*
	 * A level-sensitive SPI whose emulated line is high: ask for a maintenance interrupt at
	 * the guest's deactivation, to make it pending again at once if the line is still high.
	 */
	else if (intid >= 32 && intid < VGIC_NR_IRQS &&
		 (v->vm->vgic.line[intid / 64] & (1UL << (intid % 64))) &&
		 !vgic_irq_edge(&v->vm->vgic, NULL, intid))
		lr |= ICH_LR_EOI;
	return lr;
}

/* Write list register n, remembering which ones signal EOI (their maintenance comes back). */
static void lr_write(struct vcpu *v, unsigned int n, uint64_t lr)
{
	if (lr & ICH_LR_EOI)
		v->vgic_rd.eoi_lrs |= (uint32_t)BIT(n);
	else
		v->vgic_rd.eoi_lrs &= ~(uint32_t)BIT(n);
	write_ich_lr_el2(n, lr);
}

static unsigned int lr_intid(uint64_t lr)
{
	return (unsigned int)FIELD_GET(lr, ICH_LR_VINTID_SHIFT, ICH_LR_VINTID_WIDTH);
}

/* The list register of this CPU holding 'intid', or -1. */
static int lr_index(unsigned int intid)
{
	uint64_t empty = read_ich_elrsr_el2();

	for (unsigned int n = 0; n < ich_nr_lrs(); n++)
		if (!(empty & BIT(n)) && lr_intid(read_ich_lr_el2(n)) == intid)
			return (int)n;
	return -1;
}

/* Give an interrupt taken back out of a list register to the vCPU's pending queue. */
static void requeue(struct vcpu *v, unsigned int intid)
{
	unsigned int n = intid - VGIC_LPI_BASE;

	if (intid >= VGIC_LPI_BASE && n < VGIC_NR_LPIS) {
		atomic_fetch_or_explicit(&v->vgic_lpi_pend[n / 64], 1UL << (n % 64),
					 memory_order_relaxed);
		atomic_fetch_or_explicit(&v->vgic_lpi_sum, 1UL << (n / 64), memory_order_relaxed);
	} else if (intid < 64 * 2) {
		atomic_fetch_or_explicit(&v->vgic_pend[intid / 64], 1UL << (intid % 64),
					 memory_order_relaxed);
	}
}

/*
 * The guest deactivated level-sensitive interrupts whose list registers asked for EOI
 * maintenance (ICH_EISR_EL2): free those list registers, and make each interrupt pending
 * again if its line is still high (IHI 0069, 4.1.1: level-sensitive behaviour).
 */
static void vgic_eoi_maint(struct vcpu *v)
{
	uint64_t eisr = read_ich_eisr_el2() & v->vgic_rd.eoi_lrs;

	for (; eisr; eisr &= eisr - 1) {
		unsigned int n = (unsigned int)__builtin_ctzl(eisr);
		unsigned int intid = lr_intid(read_ich_lr_el2(n));

		lr_write(v, n, 0);
		if (intid >= 32 && intid < VGIC_NR_IRQS &&
		    (v->vm->vgic.line[intid / 64] & (1UL << (intid % 64))) &&
		    !vgic_irq_edge(&v->vm->vgic, NULL, intid))
			requeue(v, intid);
	}
}

/*
 * All list registers are taken. Priority decides (IHI 0069, 4.8): if one holds an interrupt
 * that is only pending, software-made and of lower priority (a greater value) than 'priority',
 * put it back in the queue and give its list register to the better one; an interrupt the
 * guest is handling (active) or a hardware one stays. The list register, or -1.
 */
static int lr_evict(struct vcpu *v, uint8_t priority)
{
	int victim = -1;
	unsigned int worst = priority;

	for (unsigned int n = 0; n < ich_nr_lrs(); n++) {
		uint64_t lr = read_ich_lr_el2(n);
		unsigned int p =
			(unsigned int)FIELD_GET(lr, ICH_LR_PRIORITY_SHIFT, ICH_LR_PRIORITY_WIDTH);

		if ((lr & ICH_LR_STATE_MASK) != LR_PENDING || (lr & ICH_LR_HW) || p <= worst)
			continue;
		worst = p;
		victim = (int)n;
	}
	if (victim >= 0)
		requeue(v, lr_intid(read_ich_lr_el2((unsigned int)victim)));
	return victim;
}

/* Request kinds another vCPU posts in vgic_req[][] (kernel/vmm/vcpu.h). */
enum { REQ_CLRPEND, REQ_SETACT, REQ_CLRACT };

/*
 * On v's own CPU: clear the pending state, or set or clear the active state, of 'intid' (below
 * VGIC_NR_IRQS) wherever it is held, its list register included (ICPENDR, ISACTIVER, ICACTIVER).
 */
static void vgic_apply(struct vcpu *v, unsigned int intid, int kind)
{
	int n = lr_index(intid);
	uint64_t lr = n >= 0 ? read_ich_lr_el2((unsigned int)n) : 0, bit = 1UL << (intid % 64);
	unsigned int pintid = (unsigned int)FIELD_GET(lr, ICH_LR_PINTID_SHIFT, ICH_LR_PINTID_WIDTH);

	switch (kind) {
	case REQ_CLRPEND:
		atomic_fetch_and_explicit(&v->vgic_pend[intid / 64], ~bit, memory_order_relaxed);
		if (n < 0 || !(lr & LR_PENDING))
			return;
		lr &= ~LR_PENDING;
		/* A hardware interrupt that was only pending: it ends at the physical GIC too. */
		if ((lr & ICH_LR_HW) && !(lr & LR_ACTIVE))
			gic_deactivate(pintid);
		break;
	case REQ_SETACT:
		if (n < 0) {
			uint64_t empty = read_ich_elrsr_el2() & (BIT(ich_nr_lrs()) - 1);
			uint64_t state = LR_ACTIVE;

			if (!empty)
				return; /* no list register to hold it: see docs/vm-model.md */
			n = __builtin_ctzl(empty);
			if (atomic_fetch_and_explicit(&v->vgic_pend[intid / 64], ~bit,
						      memory_order_relaxed) &
			    bit)
				state |= LR_PENDING;
			lr = lr_make(v, intid, state,
				     vgic_irq_priority(&v->vm->vgic, &v->vgic_rd, intid));
			break;
		}
		lr |= LR_ACTIVE;
		break;
	case REQ_CLRACT:
		if (n < 0 || !(lr & LR_ACTIVE))
			return;
		lr &= ~LR_ACTIVE;
		/* The guest gives up a hardware interrupt it held active: so does the GIC. */
		if (lr & ICH_LR_HW) {
			gic_deactivate(pintid);
			lr = 0;
		}
		break;
	default:
		return;
	}
	lr_write(v, (unsigned int)n, lr);
}

/* Apply what other vCPUs asked of our list registers (vgic_state_write()). */
static void vgic_apply_requests(struct vcpu *v)
{
	for (int k = 0; k < VGIC_REQ_KINDS; k++)
		for (unsigned int w = 0; w < 2; w++)
			for (uint64_t r = atomic_exchange_explicit(&v->vgic_req[k][w], 0,
								   memory_order_acquire);
			     r; r &= r - 1)
				vgic_apply(v, 64 * w + (unsigned int)__builtin_ctzl(r), k);
}

/* A free list register for an interrupt of 'priority' (evicting a worse one), or -1. */
static int lr_take(struct vcpu *v, uint64_t *empty, unsigned int lrs, uint8_t priority,
		   bool *overflow)
{
	uint64_t free = *empty & (BIT(lrs) - 1);
	int n;

	if (free) {
		n = __builtin_ctzl(free);
		*empty &= ~BIT(n);
		return n;
	}
	n = lr_evict(v, priority);
	if (n >= 0)
		*overflow = true; /* the evicted one waits for the next flush */
	return n;
}

/*
 * An LPI's configuration (IHI 0069, 5.1.1): its byte in the guest's property table, Priority in
 * bits [7:2] and Enable in bit [0]; 0 (disabled) when the table does not cover it.
 */
static uint8_t lpi_config(const struct vgic_redist *r, unsigned int intid)
{
	unsigned int n = intid - VGIC_LPI_BASE;

	if (!r->enable_lpis || n >= r->prop_n)
		return 0;
	return *(const volatile uint8_t *)(uintptr_t)(r->prop_pa + n);
}

/* The LPI half of vgic_flush(). */
static bool flush_lpis(struct vcpu *v, uint64_t *empty, unsigned int lrs)
{
	uint64_t sum = atomic_exchange_explicit(&v->vgic_lpi_sum, 0, memory_order_acquire);
	bool overflow = false;

	for (; sum; sum &= sum - 1) {
		unsigned int w = (unsigned int)__builtin_ctzl(sum);
		uint64_t pending =
			atomic_exchange_explicit(&v->vgic_lpi_pend[w], 0, memory_order_acquire);
		uint64_t keep = 0;

		for (; pending; pending &= pending - 1) {
			unsigned int bit = (unsigned int)__builtin_ctzl(pending);
			unsigned int intid = VGIC_LPI_BASE + 64 * w + bit;
			uint8_t cfg = lpi_config(&v->vgic_rd, intid);
			int n;

			if (lr_holds(intid, *empty, lrs))
				continue;
			if (!(cfg & 1)) { /* disabled: it stays pending (5.1.1) */
				keep |= 1UL << bit;
				continue;
			}
			n = lr_take(v, empty, lrs, cfg & 0xfc, &overflow);
			if (n < 0) {
				keep |= 1UL << bit;
				overflow = true;
				continue;
			}
			write_ich_lr_el2((unsigned int)n,
					 lr_make(v, intid, LR_PENDING, cfg & 0xfc));
		}
		if (keep) {
			atomic_fetch_or_explicit(&v->vgic_lpi_pend[w], keep, memory_order_relaxed);
			atomic_fetch_or_explicit(&v->vgic_lpi_sum, 1UL << w, memory_order_relaxed);
		}
	}
	return overflow;
}

/*
 * vgic_flush() when something is pending or the underflow interrupt was asked for. Not inlined,
 * so that vgic_flush()'s own test stays a leaf without a frame.
 */
__attribute__((noinline)) static void vgic_flush_pending(struct vcpu *v)
{
	uint64_t empty = read_ich_elrsr_el2(); /* bit n: LR n holds nothing */
	unsigned int lrs = ich_nr_lrs();
	bool overflow = false; /* enabled interrupts left over for want of a list register */

	if (v->vgic_rd.eoi_lrs || atomic_load_explicit(&v->vgic_req_any, memory_order_relaxed)) {
		if (v->vgic_rd.eoi_lrs)
			vgic_eoi_maint(v);
		atomic_store_explicit(&v->vgic_req_any, false, memory_order_relaxed);
		vgic_apply_requests(v);
		empty = read_ich_elrsr_el2();
	}
	for (unsigned int w = 0; w < 2; w++) {
		uint64_t pending =
			atomic_exchange_explicit(&v->vgic_pend[w], 0, memory_order_acquire);
		uint64_t keep = 0;

		for (; pending; pending &= pending - 1) {
			unsigned int bit = (unsigned int)__builtin_ctzl(pending);
			unsigned int intid = 64 * w + bit;
			uint8_t prio;
			int n;

			if (lr_holds(intid, empty, lrs))
				continue; /* already with the guest; a level source is re-checked */
			/* Disabled by the guest: stays pending, as on hardware. */
			if (!vgic_irq_enabled(&v->vm->vgic, &v->vgic_rd, intid)) {
				keep |= 1UL << bit;
				continue;
			}
			prio = vgic_irq_priority(&v->vm->vgic, &v->vgic_rd, intid);
			n = lr_take(v, &empty, lrs, prio, &overflow);
			if (n < 0) {
				keep |= 1UL << bit; /* no list register: next exit */
				overflow = true;
				continue;
			}
			lr_write(v, (unsigned int)n, lr_make(v, intid, LR_PENDING, prio));
		}
		if (keep)
			atomic_fetch_or_explicit(&v->vgic_pend[w], keep, memory_order_relaxed);
	}
	if (atomic_load_explicit(&v->vgic_lpi_sum, memory_order_relaxed))
		overflow |= flush_lpis(v, &empty, lrs);
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
	      atomic_load_explicit(&v->vgic_pend[1], memory_order_relaxed) |
	      atomic_load_explicit(&v->vgic_lpi_sum, memory_order_relaxed)) &&
	    !v->vgic_uie && !v->vgic_rd.eoi_lrs &&
	    !atomic_load_explicit(&v->vgic_req_any, memory_order_relaxed))
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
	for (uint64_t sum = atomic_load(&v->vgic_lpi_sum); sum; sum &= sum - 1) {
		unsigned int w = (unsigned int)__builtin_ctzl(sum);

		for (uint64_t p = atomic_load(&v->vgic_lpi_pend[w]); p; p &= p - 1)
			if (lpi_config(&v->vgic_rd,
				       VGIC_LPI_BASE + 64 * w + (unsigned int)__builtin_ctzl(p)) &
			    1)
				return true;
	}
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

/*
 * Clear the pending state, or set or clear the active state, of 'intid' for vCPU 't' (NULL: an
 * SPI, wherever it is): at once on this CPU's vCPU, at their next entry on the others.
 */
static void vgic_change(struct vm *vm, struct vcpu *t, unsigned int intid, int kind)
{
	struct vcpu *cur = vcpu_current();

	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		struct vcpu *o = &vm->vcpus[c];

		/* An SPI's active state goes to where it is routed; the rest to all. */
		if (t ? o != t : (kind == REQ_SETACT && o != spi_target(vm, intid)))
			continue;
		if (o == cur) {
			vgic_apply(o, intid, kind);
			continue;
		}
		if (kind == REQ_CLRPEND)
			atomic_fetch_and(&o->vgic_pend[intid / 64], ~(1UL << (intid % 64)));
		atomic_fetch_or_explicit(&o->vgic_req[kind][intid / 64], 1UL << (intid % 64),
					 memory_order_release);
		atomic_store_explicit(&o->vgic_req_any, true, memory_order_release);
		vgic_kick(o);
	}
}

void vgic_set_spi_line(struct vm *vm, unsigned int intid, bool high)
{
	uint64_t bit = 1UL << (intid % 64);
	bool was, edge;

	if (intid < 32 || intid >= VGIC_NR_IRQS)
		return;
	/*
	 * Low and already low, as after almost every MMIO exit and WFI: nothing changes, so no
	 * lock. The line words change only under vgic_lock; a raise racing with this read is
	 * another vCPU's device access, and skipping here is the same as taking the lock first.
	 */
	if (!high && !(vm->vgic.line[intid / 64] & bit))
		return;
	spin_lock(&vm->vgic_lock);
	was = vm->vgic.line[intid / 64] & bit;
	if (high)
		vm->vgic.line[intid / 64] |= bit;
	else
		vm->vgic.line[intid / 64] &= ~bit;
	edge = vgic_irq_edge(&vm->vgic, NULL, intid);
	/* Edge: a rising edge makes it pending. Level: pending exactly while the line is high. */
	if (high && (!edge || !was))
		vgic_inject_spi(vm, intid);
	else if (!high && was && !edge)
		vgic_change(vm, NULL, intid, REQ_CLRPEND);
	spin_unlock(&vm->vgic_lock);
}

/*
 * A pending or active state register (ISPENDR, ICPENDR, ISACTIVER, ICACTIVER; IHI 0069,
 * 12.9.27-30 and 12.11.22-25) for INTIDs base..base+31: 't' the redistributor's vCPU for SGIs
 * and PPIs, NULL for SPIs. A read shows the live state: what waits in the vCPUs' queues and,
 * for the vCPU making the access, what its list registers hold. A write changes it at once on
 * this vCPU; another vCPU's list registers change at its next entry (it is kicked to exit).
 */
static void vgic_state_access(struct vm *vm, struct vcpu *t, unsigned int block, unsigned int base,
			      bool write, uint64_t *val)
{
	struct vcpu *cur = vcpu_current();
	bool active = block >= 2;

	if (!write) {
		uint64_t bits = 0;
		unsigned int w = base / 64, sh = base % 64;

		if (!active)
			for (unsigned int c = 0; c < vm->n_vcpus; c++)
				if (!t || t == &vm->vcpus[c])
					bits |= atomic_load(&vm->vcpus[c].vgic_pend[w]) >> sh;
		if (cur && (!t || t == cur)) {
			uint64_t empty = read_ich_elrsr_el2();

			for (unsigned int n = 0; n < ich_nr_lrs(); n++) {
				uint64_t lr = read_ich_lr_el2(n);
				unsigned int intid = lr_intid(lr);

				if ((empty & BIT(n)) || intid < base || intid >= base + 32)
					continue;
				if (lr & (active ? LR_ACTIVE : LR_PENDING))
					bits |= 1UL << (intid - base);
			}
		}
		*val = (uint32_t)bits;
		return;
	}
	for (uint64_t b = (uint32_t)*val; b; b &= b - 1) {
		unsigned int intid = base + (unsigned int)__builtin_ctzl(b);
		static const int kind_of[4] = { -1, REQ_CLRPEND, REQ_SETACT, REQ_CLRACT };
		int kind = kind_of[block];

		if (kind < 0) { /* ISPENDR: as if the interrupt had fired */
			if (t)
				vgic_inject(t, intid);
			else
				vgic_inject_spi(vm, intid);
			continue;
		}
		vgic_change(vm, t, intid, kind);
	}
}

uint64_t vgic_guest_ram(const struct vm *vm, uint64_t ipa, uint64_t len)
{
	uint64_t off = ipa - vm->ram_ipa;

	if (!len || ipa < vm->ram_ipa || off >= vm->ram_size || len > vm->ram_size - off)
		return 0;
	/* Every page of it must be mapped by Stage-2, onto the VM's own RAM. */
	for (uint64_t page = ipa & ~0xfffUL; page < ipa + len; page += 0x1000) {
		struct pt_walk w;

		if (s2_walk(&vm->s2, page, &w) || !w.mapped ||
		    w.pa != vm->ram_pa + (page - vm->ram_ipa))
			return 0;
	}
	return vm->ram_pa + off;
}

/*
 * The guest set GICR_CTLR.EnableLPIs: from now on its property table (GICR_PROPBASER, IHI 0069
 * 12.11.27: PA in bits [51:12], IDbits in [4:0]) holds each LPI's priority and enable. Read only
 * where Stage-2 says it is the VM's RAM; a table anywhere else leaves its LPIs disabled.
 */
static void vgic_lpi_enable(struct vm *vm, struct vcpu *v)
{
	struct vgic_redist *r = &v->vgic_rd;
	unsigned int idbits = (unsigned int)(r->propbaser & 0x1f) + 1;
	uint64_t ids = idbits >= 32 ? 0 : 1UL << idbits;
	uint64_t n = ids > VGIC_LPI_BASE ? ids - VGIC_LPI_BASE : 0;
	uint64_t pa;

	if (n > VGIC_NR_LPIS)
		n = VGIC_NR_LPIS;
	pa = n ? vgic_guest_ram(vm, r->propbaser & 0xffffffffff000UL, n) : 0;
	r->prop_pa = pa;
	r->prop_n = pa ? (unsigned int)n : 0;
	if (!pa)
		pr_warn("vm%u vcpu%u: GICR_PROPBASER 0x%llx is not a property table in the VM's "
			"RAM: its LPIs stay disabled\n",
			vm->id, v->id, (unsigned long long)r->propbaser);
}

int vgic_mmio_gicd(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val)
{
	struct vm *vm = ctx;
	int err;

	if (size == 4 && !(offset & 3) && offset >= VGIC_GICD_ISPENDR &&
	    offset < VGIC_GICD_ICACTIVER + VGIC_STATE_BLOCK) {
		unsigned int block = (unsigned int)(offset - VGIC_GICD_ISPENDR) / VGIC_STATE_BLOCK;
		unsigned int reg = (unsigned int)(offset % VGIC_STATE_BLOCK) / 4;

		/* Register 0 (SGIs, PPIs) belongs to the redistributors with ARE: RAZ/WI. */
		if (reg == 0 || reg >= VGIC_NR_IRQS / 32) {
			if (!write)
				*val = 0;
			return 0;
		}
		spin_lock(&vm->vgic_lock);
		vgic_state_access(vm, NULL, block, 32 * reg, write, val);
		spin_unlock(&vm->vgic_lock);
		return 0;
	}
	spin_lock(&vm->vgic_lock);
	err = vgic_dist_access(&vm->vgic, offset, write, size, val);
	spin_unlock(&vm->vgic_lock);
	return err;
}

/* GICR SGI_base registers read from the live state (GICv3 12.10): pending and active bits. */
int vgic_mmio_gicr(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val)
{
	struct vm *vm = ctx;
	uint64_t c = offset / VGIC_GICR_STRIDE;
	bool was;
	int err;

	/* The region is one frame per vCPU; a larger one would be a registration mistake. */
	if (c >= vm->n_vcpus)
		return E_RANGE;
	offset %= VGIC_GICR_STRIDE;
	/* Its own frame: the timers' lines as they are now, in what the guest reads. */
	if (vcpu_current() == &vm->vcpus[c])
		vgic_timer_sync(&vm->vcpus[c]);
	if (size == 4 && offset >= VGIC_SGI_BASE + VGIC_GICD_ISPENDR &&
	    offset < VGIC_SGI_BASE + VGIC_GICD_ICACTIVER + VGIC_STATE_BLOCK &&
	    offset % VGIC_STATE_BLOCK == 0) {
		spin_lock(&vm->vgic_lock);
		vgic_state_access(vm, &vm->vcpus[c],
				  (unsigned int)(offset - VGIC_SGI_BASE - VGIC_GICD_ISPENDR) /
					  VGIC_STATE_BLOCK,
				  0, write, val);
		spin_unlock(&vm->vgic_lock);
		return 0;
	}
	spin_lock(&vm->vgic_lock);
	was = vm->vcpus[c].vgic_rd.enable_lpis;
	err = vgic_redist_access(&vm->vcpus[c].vgic_rd, offset, write, size, val);
	if (!was && vm->vcpus[c].vgic_rd.enable_lpis)
		vgic_lpi_enable(vm, &vm->vcpus[c]);
	spin_unlock(&vm->vgic_lock);
	/* Its vPE can take vLPIs now: events the guest mapped before may go direct (GICv4). */
	if (!was && vm->vcpus[c].vgic_rd.enable_lpis)
		vm_msi_its_changed(vm, false);
	return err;
}
