// SPDX-License-Identifier: BSD-2-Clause-Patent
/* List-register injection of SGIs and PPIs, and the virtual timer's interrupt. */
#include "kernel/vdev/vgic.h"

#include <stdatomic.h>

#include "kernel/arch/arch.h"
#include "kernel/drivers/gic.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_pci.h"

/* ICH_* registers by encoding (IHI 0069, 12.4). */
#define ICH_HCR_EL2	 "s3_4_c12_c11_0"
#define ICH_VTR_EL2	 "s3_4_c12_c11_1"
#define ICH_ELRSR_EL2	 "s3_4_c12_c11_5"
#define ICH_HCR_EN	 BIT(0)
#define ICH_HCR_UIE	 BIT(1) /* maintenance interrupt when at most one list register is in use */
#define VGIC_INTID_MAINT 25	/* the GIC's maintenance interrupt (PPI 9), as the DTB says */

/* ICH_LR<n>_EL2: State [63:62] (01 pending), HW [61], Group [60], Priority [55:48], vINTID. */
#define LR_PENDING     (1UL << 62)
#define LR_GROUP1      BIT(60)
#define LR_PRIORITY(p) ((uint64_t)(p) << 48)
#define LR_STATE_MASK  (3UL << 62)
#define LR_HW	       BIT(61) /* deactivating the vINTID deactivates pINTID [41:32] */
#define LR_PINTID(p)   ((uint64_t)(p) << 32)

#define CNTV_CTL_IMASK BIT(1)

#define WRITE_LR(n, v) write_sysreg_s("s3_4_c12_c" #n, v)

static void write_lr(unsigned int n, uint64_t v)
{
	/* The register number is part of the instruction: one case each. */
	switch (n) {
	case 0:
		WRITE_LR(12_0, v);
		break;
	case 1:
		WRITE_LR(12_1, v);
		break;
	case 2:
		WRITE_LR(12_2, v);
		break;
	case 3:
		WRITE_LR(12_3, v);
		break;
	case 4:
		WRITE_LR(12_4, v);
		break;
	case 5:
		WRITE_LR(12_5, v);
		break;
	case 6:
		WRITE_LR(12_6, v);
		break;
	case 7:
		WRITE_LR(12_7, v);
		break;
	case 8:
		WRITE_LR(13_0, v);
		break;
	case 9:
		WRITE_LR(13_1, v);
		break;
	case 10:
		WRITE_LR(13_2, v);
		break;
	case 11:
		WRITE_LR(13_3, v);
		break;
	case 12:
		WRITE_LR(13_4, v);
		break;
	case 13:
		WRITE_LR(13_5, v);
		break;
	case 14:
		WRITE_LR(13_6, v);
		break;
	case 15:
		WRITE_LR(13_7, v);
		break;
	default:
		break;
	}
}

static unsigned int nr_lrs(void)
{
	return (unsigned int)(read_sysreg_s(ICH_VTR_EL2) & 0x1f) + 1; /* ListRegs */
}

#define READ_LR(n, v) ((v) = read_sysreg_s("s3_4_c12_c" #n))

static uint64_t read_lr(unsigned int n)
{
	uint64_t v = 0;

	switch (n) {
	case 0:
		READ_LR(12_0, v);
		break;
	case 1:
		READ_LR(12_1, v);
		break;
	case 2:
		READ_LR(12_2, v);
		break;
	case 3:
		READ_LR(12_3, v);
		break;
	case 4:
		READ_LR(12_4, v);
		break;
	case 5:
		READ_LR(12_5, v);
		break;
	case 6:
		READ_LR(12_6, v);
		break;
	case 7:
		READ_LR(12_7, v);
		break;
	case 8:
		READ_LR(13_0, v);
		break;
	case 9:
		READ_LR(13_1, v);
		break;
	case 10:
		READ_LR(13_2, v);
		break;
	case 11:
		READ_LR(13_3, v);
		break;
	case 12:
		READ_LR(13_4, v);
		break;
	case 13:
		READ_LR(13_5, v);
		break;
	case 14:
		READ_LR(13_6, v);
		break;
	case 15:
		READ_LR(13_7, v);
		break;
	default:
		break;
	}
	return v;
}

void vgic_vcpu_start(struct vcpu *v)
{
	for (unsigned int n = 0; n < nr_lrs(); n++)
		write_lr(n, 0);
	atomic_store(&v->vgic_pend[0], 0);
	atomic_store(&v->vgic_pend[1], 0);
	write_sysreg_s(ICH_HCR_EL2, ICH_HCR_EN);
	gic_set_eoi_split(true); /* forwarded device interrupts: the guest deactivates them */
	gic_enable_ppi(VGIC_INTID_VTIMER); /* the guest's timer interrupts this CPU */
	gic_enable_ppi(VGIC_INTID_MAINT);  /* list registers running dry (UIE) */
	isb();
}

void vgic_vcpu_stop(struct vcpu *v)
{
	gic_disable_ppi(VGIC_INTID_VTIMER);
	gic_disable_ppi(VGIC_INTID_MAINT);
	write_sysreg_s(ICH_HCR_EL2, 0);
	/*
	 * A forwarded device interrupt this vCPU still held (in a list register, or pending for
	 * it) was acknowledged at the GIC and waits for the guest to deactivate it. The guest
	 * will not now: deactivate it here, so the line can fire again for another vCPU.
	 */
	for (unsigned int n = 0; n < nr_lrs(); n++) {
		uint64_t lr = read_lr(n);

		if ((lr & LR_HW) && (lr & LR_STATE_MASK))
			gic_deactivate((unsigned int)(lr >> 32 & 0x3ff));
		write_lr(n, 0);
	}
	for (unsigned int w = 0; w < 2; w++)
		for (uint64_t p = atomic_exchange(&v->vgic_pend[w], 0); p; p &= p - 1) {
			unsigned int pintid =
				vm_pci_hw_intid(v->vm, 64 * w + (unsigned int)__builtin_ctzl(p));

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

#define LR_ACTIVE (2UL << 62)

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
		lr = read_lr(n);
		if ((uint32_t)lr != intid)
			continue;
		/* A hardware interrupt cannot fire again before the guest deactivates it. */
		if ((lr & LR_STATE_MASK) == LR_ACTIVE && !(lr & LR_HW))
			write_lr(n, lr | LR_PENDING);
		return true;
	}
	return false;
}

void vgic_flush(struct vcpu *v)
{
	uint64_t empty = read_sysreg_s(ICH_ELRSR_EL2); /* bit n: LR n holds nothing */
	unsigned int lrs = nr_lrs(), n = 0;
	bool overflow = false; /* enabled interrupts left over for want of a list register */

	for (unsigned int w = 0; w < 2; w++) {
		uint64_t pending =
			atomic_exchange_explicit(&v->vgic_pend[w], 0, memory_order_acquire);
		uint64_t keep = 0;

		for (; pending; pending &= pending - 1) {
			unsigned int bit = (unsigned int)__builtin_ctzl(pending);
			unsigned int intid = 64 * w + bit, pintid;

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
			pintid = vm_pci_hw_intid(v->vm, intid);
			write_lr(n, LR_PENDING | LR_GROUP1 |
					    (pintid ? LR_HW | LR_PINTID(pintid) : 0) |
					    LR_PRIORITY(vgic_irq_priority(&v->vm->vgic, &v->vgic_rd,
									  intid)) |
					    intid);
			empty &= ~BIT(n);
		}
		if (keep)
			atomic_fetch_or_explicit(&v->vgic_pend[w], keep, memory_order_relaxed);
	}
	/*
	 * With interrupts left over, ask for the underflow maintenance interrupt: it makes the
	 * vCPU exit as soon as the guest has drained the list registers, and this flush runs
	 * again, without waiting for whatever exit the guest happens to make next.
	 */
	write_sysreg_s(ICH_HCR_EL2, ICH_HCR_EN | (overflow ? ICH_HCR_UIE : 0));
	isb();
}

bool vgic_has_pending(struct vcpu *v)
{
	uint64_t empty = read_sysreg_s(ICH_ELRSR_EL2);

	if (~empty & (BIT(nr_lrs()) - 1))
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
	if (intid != VGIC_INTID_VTIMER)
		return false;
	/*
	 * The guest's timer fired. Mask it at the timer (the guest unmasks it when it programs the
	 * next event, as Linux does) so it does not fire again at once, and give the guest its
	 * virtual PPI 27.
	 */
	write_sysreg(cntv_ctl_el0, read_sysreg(cntv_ctl_el0) | CNTV_CTL_IMASK);
	vgic_inject(v, VGIC_INTID_VTIMER);
	return false;
}

void vgic_sgi1r_write(struct vcpu *v, uint64_t val)
{
	unsigned int intid = (unsigned int)FIELD_GET(val, 24, 4);
	uint64_t aff = (FIELD_GET(val, 16, 8) << 8) | (FIELD_GET(val, 32, 8) << 16) |
		       (FIELD_GET(val, 48, 8) << 32);
	struct vm *vm = v->vm;

	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		struct vcpu *t = &vm->vcpus[c];
		uint64_t mpidr = t->vmpidr & MPIDR_AFF_MASK;

		if (val & BIT(40)) { /* IRM: every PE but ourselves */
			if (t != v)
				vgic_inject(t, intid);
			continue;
		}
		/* Aff3.Aff2.Aff1 must match; TargetList bit (Aff0 % 16) selects (RS 0 only). */
		if ((mpidr & ~0xffUL) == aff && (mpidr & 0xff) < 16 && (val & BIT(mpidr & 0xf)) &&
		    !FIELD_GET(val, 44, 4))
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

int vgic_mmio_gicr(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val)
{
	struct vm *vm = ctx;
	uint64_t c = offset / VGIC_GICR_STRIDE;
	int err;

	/* The region is one frame per vCPU; a larger one would be a registration mistake. */
	if (c >= vm->n_vcpus)
		return E_RANGE;
	spin_lock(&vm->vgic_lock);
	err = vgic_redist_access(&vm->vcpus[c].vgic_rd, offset % VGIC_GICR_STRIDE, write, size,
				 val);
	spin_unlock(&vm->vgic_lock);
	return err;
}
