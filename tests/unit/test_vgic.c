// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * List-register allocation (kernel/vdev/vgic.c) on the fake hardware layer: ICH_LR<n>_EL2,
 * ICH_VTR_EL2, ICH_ELRSR_EL2 and ICH_HCR_EL2 are entries of the fake's register table, the
 * GIC driver and the other CPUs are the fake's. A VM of two vCPUs on CPUs 0 and 1; the test
 * runs as CPU 0. ELRSR is what the hardware would show for the list registers as they are
 * (set_elrsr()), since the guest's side of the list registers is played by the test.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fake.h"
#include "kernel/drivers/gic.h"
#include "kernel/hyp.h"
#include "kernel/smp.h"
#include "kernel/vdev/vgic.h"
#include "kernel/vdev/vgic_regs.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_msi.h"
#include "kernel/vmm/vm_pci.h"
#include "test.h"

/* IHI 0069 12.4: ICH_* by encoding, as vgic.c reads and writes them. */
#define ICH_HCR	  "s3_4_c12_c11_0"
#define ICH_VTR	  "s3_4_c12_c11_1"
#define ICH_ELRSR "s3_4_c12_c11_5"
#define HCR_EN	  (1ULL << 0)
#define HCR_UIE	  (1ULL << 1)

/* ICH_LR<n>_EL2 fields. */
#define LR_STATE(lr)  ((lr) >> 62)
#define LR_PENDING    1ULL
#define LR_ACTIVE     2ULL
#define LR_HW	      (1ULL << 61)
#define LR_GROUP1     (1ULL << 60)
#define LR_PRIO(lr)   (((lr) >> 48) & 0xff)
#define LR_PINTID(lr) (((lr) >> 32) & 0x3ff)
#define LR_VINTID(lr) ((uint32_t)(lr))

/* The DTB's maintenance interrupt and virtual timer PPIs (hyp.plat), as QEMU virt gives them. */
#define INTID_MAINT  25
#define INTID_VTIMER 27
#define SPI_HW	     40 /* a passed-through device's line: physical INTID 72 */
#define PINTID_HW    72

struct hyp_state hyp;

/* Stand-ins for kernel/vmm/vm_pci.c: one forwarded line, SPI_HW -> PINTID_HW. */
unsigned int vm_pci_hw_intid(const struct vm *vm, unsigned int vintid)
{
	(void)vm;
	return vintid == SPI_HW ? PINTID_HW : 0;
}

/* The vCPU on "this CPU" for the redistributor's live-state reads; a test sets it. */
static struct vcpu *current;

struct vcpu *vcpu_current(void)
{
	return current;
}

bool vm_pci_irq(struct vm *vm, unsigned int intid)
{
	(void)vm;
	(void)intid;
	return false;
}

/* The VM model told that the guest's LPIs came on (its events may go direct under GICv4). */
static unsigned int its_changed;

void vm_msi_its_changed(struct vm *vm, bool inv)
{
	(void)vm;
	(void)inv;
	its_changed++;
}

static struct vm vm;
static unsigned int n_lrs;
/* Stage-2 of the test VM: its RAM region mapped page by page, except one hole. */
static uint64_t s2_hole = ~0ULL;

int s2_walk(const struct s2_space *s, uint64_t ipa, struct pt_walk *w)
{
	(void)s;
	memset(w, 0, sizeof(*w));
	w->mapped =
		ipa >= vm.ram_ipa && ipa - vm.ram_ipa < vm.ram_size && (ipa & ~0xfffULL) != s2_hole;
	w->pa = vm.ram_pa + (ipa - vm.ram_ipa);
	return 0;
}

static const char *lr_name(unsigned int n)
{
	static char name[32];

	snprintf(name, sizeof(name), "s3_4_c12_c%u_%u", 12 + n / 8, n % 8);
	return name;
}

static uint64_t lr(unsigned int n)
{
	return fake_sysreg_get(lr_name(n));
}

/* The guest's side: its CPU interface acknowledged or completed what the LR held. */
static void set_lr(unsigned int n, uint64_t v)
{
	fake_sysreg_set(lr_name(n), v);
}

/* ICH_ELRSR_EL2 as the hardware derives it: bit n set when LR n holds nothing. */
static void set_elrsr(void)
{
	uint64_t e = 0;

	for (unsigned int n = 0; n < n_lrs; n++)
		if (!LR_STATE(lr(n)))
			e |= 1ULL << n;
	fake_sysreg_set(ICH_ELRSR, e);
}

static void flush(struct vcpu *v)
{
	set_elrsr();
	vgic_flush(v);
}

static void setup(unsigned int lrs)
{
	uint64_t ctlr = 0x12; /* GICD_CTLR: ARE_NS, EnableGrp1A */

	fake_reset();
	memset(&vm, 0, sizeof(vm));
	memset(&hyp, 0, sizeof(hyp));
	hyp.plat.gic.maint_irq = INTID_MAINT;
	hyp.plat.timer.intid_virt = INTID_VTIMER;
	current = NULL;
	n_lrs = lrs;
	fake_sysreg_set(ICH_VTR, lrs - 1); /* ListRegs: LRs implemented, minus one */
	vm.n_vcpus = 2;
	vgic_dist_reset(&vm.vgic);
	CHECK_EQ_U64(vgic_dist_access(&vm.vgic, 0, true, 4, &ctlr), 0);
	for (unsigned int i = 0; i < vm.n_vcpus; i++) {
		struct vcpu *v = &vm.vcpus[i];

		v->vm = &vm;
		v->id = i;
		v->pcpu = i;
		v->vmpidr = (1ULL << 31) | i;
		v->state = VCPU_ON;
		vgic_redist_reset(&v->vgic_rd, v->vmpidr, i, i == vm.n_vcpus - 1);
		v->vgic_rd.enable0 = 0xffffffff; /* every SGI and PPI enabled */
		for (unsigned int k = 0; k < 32; k++)
			v->vgic_rd.priority[k] = (uint8_t)(0x80 + k);
	}
}

static void test_start_and_stop(void)
{
	struct vcpu *v = &vm.vcpus[0];

	setup(4);
	set_lr(2, LR_PENDING << 62 | 30); /* left by the last vCPU on this CPU */
	vgic_vcpu_start(v);
	for (unsigned int n = 0; n < 4; n++)
		CHECK_EQ_U64(lr(n), 0);
	CHECK_EQ_U64(fake_count(FAKE_MSR, lr_name(4)), 0); /* only the LRs that exist */
	CHECK_EQ_U64(fake_sysreg_get(ICH_HCR), HCR_EN);
	CHECK(fake_gic.eoi_split);
	CHECK(fake_gic.ppi_enabled & (1U << INTID_VTIMER));
	CHECK(fake_gic.ppi_enabled & (1U << INTID_MAINT));
	/* Leaving for good with a forwarded line in an LR and another still pending. */
	set_lr(1, LR_PENDING << 62 | LR_HW | (uint64_t)PINTID_HW << 32 | SPI_HW);
	atomic_store(&v->vgic_pend[0], 1ULL << SPI_HW);
	vgic_vcpu_stop(v);
	CHECK_EQ_U64(fake_sysreg_get(ICH_HCR), 0);
	CHECK_EQ_U64(lr(1), 0);
	CHECK_EQ_U64(fake_gic.n_deactivated, 2); /* the GIC's active state ends with the vCPU */
	CHECK_EQ_U64(fake_gic.deactivated[0], PINTID_HW);
	CHECK_EQ_U64(fake_gic.deactivated[1], PINTID_HW);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 0);
	CHECK(!fake_gic.eoi_split);
	CHECK_EQ_U64(fake_gic.ppi_enabled & (1U << INTID_VTIMER | 1U << INTID_MAINT), 0);
}

/* Pending interrupts go into free LRs with their priority; left-overs ask for underflow. */
static void test_fill_and_overflow(void)
{
	struct vcpu *v = &vm.vcpus[0];
	static const unsigned int intids[] = { 1, 3, 20, 26, 28, 31 } /* none the core forwards */;

	setup(4);
	vgic_vcpu_start(v);
	for (unsigned int i = 0; i < 6; i++)
		vgic_inject(v, intids[i]);
	CHECK_EQ_U64(fake_gic.n_sgi, 0); /* its own CPU: no kick */
	CHECK_EQ_U64(atomic_load(&v->virqs[0]), 2);
	CHECK_EQ_U64(atomic_load(&v->virqs[1]), 4);
	flush(v);
	for (unsigned int n = 0; n < 4; n++) {
		uint64_t l = lr(n);

		CHECK_EQ_U64(LR_STATE(l), LR_PENDING);
		CHECK(l & LR_GROUP1);
		CHECK(!(l & LR_HW));
		CHECK_EQ_U64(LR_VINTID(l), intids[n]);
		CHECK_EQ_U64(LR_PRIO(l), 0x80 + intids[n]);
	}
	/* Two left over, kept pending; the underflow maintenance interrupt is asked for. */
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 1ULL << 28 | 1ULL << 31);
	CHECK_EQ_U64(fake_sysreg_get(ICH_HCR), HCR_EN | HCR_UIE);
	CHECK(vgic_has_pending(v));
	/* The guest takes and completes what it had; the maintenance interrupt brings it back. */
	CHECK(!vgic_physical_irq(v, INTID_MAINT)); /* not the guest's: the caller deactivates */
	for (unsigned int n = 0; n < 4; n++)
		set_lr(n, 0);
	flush(v);
	CHECK_EQ_U64(LR_VINTID(lr(0)), 28);
	CHECK_EQ_U64(LR_VINTID(lr(1)), 31);
	CHECK_EQ_U64(lr(2), 0);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 0);
	CHECK_EQ_U64(fake_sysreg_get(ICH_HCR), HCR_EN); /* nothing left over: no UIE */
	set_lr(0, 0);
	set_lr(1, 0);
	set_elrsr();
	CHECK(!vgic_has_pending(v));
}

/* An interrupt already in an LR is not put in twice; one the guest is handling gets pending. */
static void test_no_duplicates_and_active(void)
{
	struct vcpu *v = &vm.vcpus[0];

	setup(4);
	vgic_vcpu_start(v);
	vgic_inject(v, 5);
	flush(v);
	CHECK_EQ_U64(LR_VINTID(lr(0)), 5);
	vgic_inject(v, 5); /* again, while the first still waits */
	flush(v);
	CHECK_EQ_U64(lr(1), 0);
	CHECK_EQ_U64(LR_STATE(lr(0)), LR_PENDING);
	/* The guest acknowledged it (active); a new one must not be lost: pending and active. */
	set_lr(0, (lr(0) & ~(3ULL << 62)) | LR_ACTIVE << 62);
	vgic_inject(v, 5);
	flush(v);
	CHECK_EQ_U64(LR_STATE(lr(0)), LR_ACTIVE | LR_PENDING);
	CHECK_EQ_U64(lr(1), 0);
}

/* Disabled by the guest: stays pending without taking an LR or asking for underflow. */
static void test_disabled_stays_pending(void)
{
	struct vcpu *v = &vm.vcpus[0];

	setup(2);
	vgic_vcpu_start(v);
	v->vgic_rd.enable0 &= ~(1U << 9);
	vgic_inject(v, 9);
	flush(v);
	CHECK_EQ_U64(lr(0), 0);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 1ULL << 9);
	CHECK_EQ_U64(fake_sysreg_get(ICH_HCR), HCR_EN);
	CHECK(!vgic_has_pending(v));
	v->vgic_rd.enable0 |= 1U << 9; /* enabled: it goes in at the next entry */
	CHECK(vgic_has_pending(v));
	flush(v);
	CHECK_EQ_U64(LR_VINTID(lr(0)), 9);
}

/* A forwarded device line: HW set with its physical INTID, deactivated by the guest. */
static void test_hardware_spi(void)
{
	struct vcpu *v = &vm.vcpus[0];
	uint64_t en = 1U << (SPI_HW - 32), prio = (uint64_t)0xa0 << (8 * (SPI_HW % 4));

	setup(4);
	vgic_vcpu_start(v);
	CHECK_EQ_U64(vgic_dist_access(&vm.vgic, 0x104, true, 4, &en), 0); /* ISENABLER1 */
	CHECK_EQ_U64(vgic_dist_access(&vm.vgic, 0x400 + (SPI_HW & ~3U), true, 4, &prio), 0);
	CHECK(vgic_irq_enabled(&vm.vgic, &v->vgic_rd, SPI_HW));
	vgic_inject_spi(&vm, SPI_HW);
	flush(v);
	CHECK(lr(0) & LR_HW);
	CHECK_EQ_U64(LR_PINTID(lr(0)), PINTID_HW);
	CHECK_EQ_U64(LR_VINTID(lr(0)), SPI_HW);
	CHECK_EQ_U64(LR_PRIO(lr(0)), 0xa0);
	/* Active and HW: a new edge cannot come before the guest deactivates; nothing changes. */
	set_lr(0, (lr(0) & ~(3ULL << 62)) | LR_ACTIVE << 62);
	vgic_inject_spi(&vm, SPI_HW);
	flush(v);
	CHECK_EQ_U64(LR_STATE(lr(0)), LR_ACTIVE);
}

/* Another CPU's vCPU is kicked with the wake SGI only while it runs. */
static void test_kick_and_routing(void)
{
	struct vcpu *v1 = &vm.vcpus[1];
	uint64_t route1 = 1; /* GICD_IROUTER: Aff0 = 1 */

	setup(4);
	vgic_inject(v1, 2);
	CHECK_EQ_U64(fake_gic.n_sgi, 1);
	CHECK_EQ_U64(fake_gic.sgi[0].mpidr, percpu[1].mpidr);
	CHECK_EQ_U64(fake_gic.sgi[0].intid, GIC_SGI_WAKE);
	v1->state = VCPU_OFF;
	vgic_inject(v1, 2);
	CHECK_EQ_U64(fake_gic.n_sgi, 1);
	/* An SPI routed to an off vCPU goes to the first that is on. */
	CHECK_EQ_U64(vgic_dist_access(&vm.vgic, 0x6000 + 8 * 50, true, 8, &route1), 0);
	vgic_inject_spi(&vm, 50);
	CHECK_EQ_U64(atomic_load(&vm.vcpus[0].vgic_pend[0]), 1ULL << 50);
	v1->state = VCPU_ON;
	vgic_inject_spi(&vm, 51); /* routed nowhere: still the first on */
	vgic_inject_spi(&vm, 50);
	CHECK_EQ_U64(atomic_load(&v1->vgic_pend[0]), 1ULL << 50 | 1ULL << 2);
	CHECK_EQ_U64(atomic_load(&vm.vcpus[0].vgic_pend[0]), 1ULL << 50 | 1ULL << 51);
}

/* ICC_SGI1R_EL1 from the guest: a target list in Aff1 = 0, or every other vCPU (IRM). */
static void test_sgi1r(void)
{
	setup(4);
	vgic_sgi1r_write(&vm.vcpus[0], 3ULL << 24 | 1ULL << 1); /* SGI 3 to Aff0 1 */
	CHECK_EQ_U64(atomic_load(&vm.vcpus[1].vgic_pend[0]), 1ULL << 3);
	CHECK_EQ_U64(atomic_load(&vm.vcpus[0].vgic_pend[0]), 0);
	vgic_sgi1r_write(&vm.vcpus[1], 4ULL << 24 | 1ULL << 40); /* IRM: all but self */
	CHECK_EQ_U64(atomic_load(&vm.vcpus[0].vgic_pend[0]), 1ULL << 4);
	CHECK_EQ_U64(atomic_load(&vm.vcpus[1].vgic_pend[0]), 1ULL << 3);
	vgic_sgi1r_write(&vm.vcpus[0], 6ULL << 24 | 1ULL << 16 | 1ULL << 1); /* Aff1 1: nobody */
	CHECK_EQ_U64(atomic_load(&vm.vcpus[1].vgic_pend[0]), 1ULL << 3);
}

/*
 * The guest's timer fired: PPI 27 made pending and left active at the GIC (true: the caller
 * does not deactivate it), then a list register with HW set ties it to physical PPI 27. The
 * timer itself is untouched (no IMASK behind the guest's back).
 */
static void test_vtimer(void)
{
	struct vcpu *v = &vm.vcpus[0];

	setup(4);
	fake_sysreg_set("cntv_ctl_el0", 5); /* ENABLE | ISTATUS */
	CHECK(vgic_physical_irq(v, INTID_VTIMER));
	CHECK_EQ_U64(fake_sysreg_get("cntv_ctl_el0"), 5);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 1ULL << INTID_VTIMER);
	flush(v);
	CHECK_EQ_U64(LR_VINTID(lr(0)), INTID_VTIMER);
	CHECK(lr(0) & LR_HW);
	CHECK_EQ_U64(LR_PINTID(lr(0)), INTID_VTIMER);
	CHECK_EQ_U64(LR_STATE(lr(0)), LR_PENDING);
	/* The condition still holds: a sync changes nothing. */
	vgic_timer_sync(v);
	CHECK_EQ_U64(LR_STATE(lr(0)), LR_PENDING);
	CHECK_EQ_U64(fake_gic.n_deactivated, 0);
}

/* The guest masks, disables or moves its timer before taking the interrupt: it goes away. */
static void test_vtimer_line_follows_condition(void)
{
	static const uint64_t low[] = { 7 /* IMASK */, 4 /* disabled */, 1 /* not yet due */ };
	struct vcpu *v = &vm.vcpus[0];

	for (unsigned int i = 0; i < 3; i++) {
		setup(4);
		fake_sysreg_set("cntv_ctl_el0", 5);
		CHECK(vgic_physical_irq(v, INTID_VTIMER));
		flush(v);
		fake_sysreg_set("cntv_ctl_el0", low[i]);
		vgic_timer_sync(v);
		CHECK_EQ_U64(lr(0), 0);
		CHECK_EQ_U64(fake_gic.n_deactivated, 1);
		CHECK_EQ_U64(fake_gic.deactivated[0], INTID_VTIMER);
	}
	/* Still waiting for a list register (the guest has PPI 27 disabled): withdrawn too. */
	setup(4);
	v->vgic_rd.enable0 &= ~(1U << INTID_VTIMER);
	fake_sysreg_set("cntv_ctl_el0", 5);
	CHECK(vgic_physical_irq(v, INTID_VTIMER));
	flush(v);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 1ULL << INTID_VTIMER);
	fake_sysreg_set("cntv_ctl_el0", 0);
	vgic_timer_sync(v);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 0);
	CHECK_EQ_U64(fake_gic.n_deactivated, 1);
	/* Taken (active) and pending again: only the pending half goes; the guest deactivates. */
	setup(4);
	fake_sysreg_set("cntv_ctl_el0", 5);
	CHECK(vgic_physical_irq(v, INTID_VTIMER));
	flush(v);
	set_lr(0, (lr(0) & ~(3ULL << 62)) | 3ULL << 62);
	fake_sysreg_set("cntv_ctl_el0", 7);
	vgic_timer_sync(v);
	CHECK_EQ_U64(LR_STATE(lr(0)), LR_ACTIVE);
	CHECK_EQ_U64(fake_gic.n_deactivated, 0);
}

/* GICR_ISPENDR0 and ISACTIVER0 of the vCPU running here show its list registers and queue. */
static void test_ppi_state_reads(void)
{
	struct vcpu *v = &vm.vcpus[0];
	uint64_t val = 0;

	setup(4);
	current = v;
	fake_sysreg_set("cntv_ctl_el0", 5);
	CHECK(vgic_physical_irq(v, INTID_VTIMER));
	vgic_inject(v, 3);
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x10200, false, 4, &val), 0); /* ISPENDR0 */
	CHECK_EQ_U64(val, 1ULL << INTID_VTIMER | 1ULL << 3);
	flush(v);
	set_lr(0, (lr(0) & ~(3ULL << 62)) | LR_ACTIVE << 62);
	set_elrsr();
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x10200, false, 4, &val), 0);
	CHECK_EQ_U64(val, 1ULL << INTID_VTIMER); /* SGI 3's LR is still pending */
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x10300, false, 4, &val), 0); /* ISACTIVER0 */
	CHECK_EQ_U64(val, 1ULL << 3);
	/* The timer masked: its pending state goes at the guest's next look. */
	set_lr(0, 0);
	set_lr(1, (lr(1) & ~(3ULL << 62)) | LR_PENDING << 62);
	set_elrsr();
	fake_sysreg_set("cntv_ctl_el0", 7);
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x10200, false, 4, &val), 0);
	CHECK_EQ_U64(val & (1ULL << INTID_VTIMER), 0);
}

/* The PPIs are the DTB's: another maintenance interrupt and timers are the ones enabled. */
static void test_ppis_from_the_dtb(void)
{
	struct vcpu *v = &vm.vcpus[0];

	setup(4);
	hyp.plat.gic.maint_irq = 24;
	hyp.plat.timer.intid_virt = 28;
	hyp.plat.timer.intid_phys = 29;
	vgic_vcpu_start(v);
	CHECK_EQ_U64(fake_gic.ppi_enabled, 1U << 24 | 1U << 28 | 1U << 29);
	CHECK(vgic_physical_irq(v, 28));
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 1ULL << 28);
	CHECK(!vgic_physical_irq(v, INTID_VTIMER)); /* not a timer here: nothing injected */
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 1ULL << 28);
	vgic_vcpu_stop(v);
	CHECK_EQ_U64(fake_gic.ppi_enabled, 0);
	/* Left pending at the stop: its physical PPI is deactivated, ready for the next VM. */
	CHECK_EQ_U64(fake_gic.n_deactivated, 1);
	CHECK_EQ_U64(fake_gic.deactivated[0], 28);
}

/* With a PMUv3 the guest's (ID_AA64DFR0_EL1.PMUVer), its overflow PPI 23 is forwarded too. */
static void test_pmu_ppi(void)
{
	struct vcpu *v = &vm.vcpus[0];

	setup(4);
	fake_sysreg_set("id_aa64dfr0_el1", 6ULL << 8); /* PMUv3p5 */
	vgic_vcpu_start(v);
	CHECK(fake_gic.ppi_enabled & 1U << 23);
	CHECK(vgic_physical_irq(v, 23));
	flush(v);
	CHECK(lr(0) & LR_HW);
	CHECK_EQ_U64(LR_PINTID(lr(0)), 23);
	vgic_vcpu_stop(v);
	/* A VM the hypervisor counts itself (bench): the PPI is not the guest's. */
	setup(4);
	fake_sysreg_set("id_aa64dfr0_el1", 6ULL << 8);
	vm.hyp_pmu = true;
	vgic_vcpu_start(v);
	CHECK(!(fake_gic.ppi_enabled & 1U << 23));
	CHECK(!vgic_physical_irq(v, 23));
	/* No PMU at all (PMUVer 0): not forwarded either. */
	setup(4);
	vgic_vcpu_start(v);
	CHECK(!(fake_gic.ppi_enabled & 1U << 23));
}

/* LRs full of lower-priority interrupts: the most important pending one takes the worst's LR. */
static void test_priority_eviction(void)
{
	struct vcpu *v = &vm.vcpus[0];

	setup(2);
	vgic_vcpu_start(v);
	vgic_inject(v, 10); /* priority 0x8a */
	vgic_inject(v, 11); /* 0x8b */
	flush(v);
	vgic_inject(v, 1); /* 0x81: better than both */
	flush(v);
	CHECK_EQ_U64(LR_VINTID(lr(0)), 10);
	CHECK_EQ_U64(LR_VINTID(lr(1)), 1);
	CHECK_EQ_U64(LR_PRIO(lr(1)), 0x81);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 1ULL << 11); /* waits for its turn */
	CHECK(fake_sysreg_get(ICH_HCR) & HCR_UIE);
	/* One the guest is handling is never evicted. */
	set_lr(0, (lr(0) & ~(3ULL << 62)) | LR_ACTIVE << 62);
	set_lr(1, (lr(1) & ~(3ULL << 62)) | LR_ACTIVE << 62);
	vgic_inject(v, 0);
	flush(v);
	CHECK_EQ_U64(LR_VINTID(lr(0)), 10);
	CHECK_EQ_U64(LR_VINTID(lr(1)), 1);
}

/* A GICR access, with ELRSR live before and after it as the hardware keeps it. */
static uint64_t gicr(unsigned int vcpu, uint64_t off, bool write, uint64_t val)
{
	set_elrsr();
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x20000ULL * vcpu + off, write, 4, &val), 0);
	set_elrsr();
	return val;
}

#define ISPENDR0   (0x10000 + 0x200)
#define ICPENDR0   (0x10000 + 0x280)
#define ISACTIVER0 (0x10000 + 0x300)
#define ICACTIVER0 (0x10000 + 0x380)

/* The pending and active registers show and change what the list registers hold. */
static void test_state_registers(void)
{
	struct vcpu *v = &vm.vcpus[0], *v1 = &vm.vcpus[1];

	setup(4);
	vgic_vcpu_start(v);
	current = v;
	gicr(0, ISPENDR0, true, 1U << 5 | 1U << 20);
	CHECK_EQ_U64(gicr(0, ISPENDR0, false, 0), 1U << 5 | 1U << 20); /* queued */
	flush(v);
	CHECK_EQ_U64(gicr(0, ISPENDR0, false, 0), 1U << 5 | 1U << 20); /* in the LRs */
	gicr(0, ICPENDR0, true, 1U << 5);
	set_elrsr();
	CHECK_EQ_U64(gicr(0, ISPENDR0, false, 0), 1U << 20);
	CHECK_EQ_U64(LR_STATE(lr(0)), 0);
	/* The guest acknowledged 20: active, not pending. */
	set_lr(1, (lr(1) & ~(3ULL << 62)) | LR_ACTIVE << 62);
	CHECK_EQ_U64(gicr(0, ISPENDR0, false, 0), 0);
	CHECK_EQ_U64(gicr(0, ISACTIVER0, false, 0), 1U << 20);
	gicr(0, ICACTIVER0, true, 1U << 20);
	CHECK_EQ_U64(LR_STATE(lr(1)), 0);
	set_elrsr();
	/* ISACTIVER0 puts an interrupt the guest never saw in an LR, active. */
	gicr(0, ISACTIVER0, true, 1U << 7);
	CHECK_EQ_U64(gicr(0, ISACTIVER0, false, 0), 1U << 7);
	CHECK_EQ_U64(LR_VINTID(lr(0)), 7);
	CHECK_EQ_U64(LR_STATE(lr(0)), LR_ACTIVE);
	/* Another vCPU's frame: its queue at once, its LRs at its next flush, and a kick. */
	vgic_inject(v1, 3);
	fake_gic.n_sgi = 0;
	gicr(1, ICPENDR0, true, 1U << 3);
	CHECK_EQ_U64(atomic_load(&v1->vgic_pend[0]), 0);
	CHECK_EQ_U64(atomic_load(&v1->vgic_req[0][0]), 1U << 3);
	CHECK_EQ_U64(fake_gic.n_sgi, 1);
	current = NULL;
}

/* LPIs: enabled and prioritised by the guest's property table, checked as its RAM. */
static void test_lpis(void)
{
	static uint8_t ram[3 * 4096] __attribute__((aligned(4096)));
	struct vcpu *v = &vm.vcpus[0];
	uint64_t prop = 0x40001000, one = 1;

	setup(4);
	vgic_vcpu_start(v);
	vm.ram_ipa = 0x40000000;
	vm.ram_pa = (uint64_t)(uintptr_t)ram;
	vm.ram_size = sizeof(ram);
	memset(ram, 0, sizeof(ram));
	ram[0x1000 + 8] = 0xa0 | 1; /* LPI 8200: priority 0xa0, enabled */
	prop |= 12;		    /* IDbits: 13 bits, INTIDs below 8192: no LPIs */
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x70, true, 8, &prop), 0);
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x0, true, 4, &one), 0);
	CHECK_EQ_U64(v->vgic_rd.prop_n, 0); /* 13 bits: no LPIs at all */
	/* PROPBASER is fixed once LPIs are on; a fresh redistributor for the real test. */
	vgic_redist_reset(&v->vgic_rd, v->vmpidr, 0, false);
	prop = 0x40001000 | 13; /* 14 bits: LPIs 8192-16383, 4096 of them tracked */
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x70, true, 8, &prop), 0);
	its_changed = 0;
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x0, true, 4, &one), 0);
	CHECK_EQ_U64(v->vgic_rd.prop_n, VGIC_NR_LPIS);
	CHECK_EQ_U64(its_changed, 1); /* once, as EnableLPIs comes on */
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x0, true, 4, &one), 0);
	CHECK_EQ_U64(its_changed, 1);
	vgic_inject_lpi(v, 8200);
	vgic_inject_lpi(v, 8201); /* disabled: stays pending */
	CHECK(vgic_has_pending(v));
	flush(v);
	CHECK_EQ_U64(LR_VINTID(lr(0)), 8200);
	CHECK_EQ_U64(LR_PRIO(lr(0)), 0xa0);
	CHECK_EQ_U64(lr(1), 0);
	CHECK_EQ_U64(atomic_load(&v->vgic_lpi_pend[0]), 1ULL << 9);
	/* A table that runs into a hole in Stage-2 is not used. */
	vgic_redist_reset(&v->vgic_rd, v->vmpidr, 0, false);
	s2_hole = 0x40001000;
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x70, true, 8, &prop), 0);
	CHECK_EQ_U64(vgic_mmio_gicr(&vm, 0x0, true, 4, &one), 0);
	CHECK_EQ_U64(v->vgic_rd.prop_n, 0);
	s2_hole = ~0ULL;
	CHECK_EQ_U64(vgic_guest_ram(&vm, 0x40000000, sizeof(ram)), (uint64_t)(uintptr_t)ram);
	CHECK_EQ_U64(vgic_guest_ram(&vm, 0x40000000, sizeof(ram) + 1), 0);
	CHECK_EQ_U64(vgic_guest_ram(&vm, 0x3ffff000, 8), 0);
}

/* An emulated line: level follows it (and asks for EOI maintenance), edge fires on rising. */
static void test_lines(void)
{
	struct vcpu *v = &vm.vcpus[0];
	uint64_t edge = 2U << (2 * (50 % 16)), ena = 1U << (50 % 32);
	uint32_t locks;

	setup(4);
	vgic_vcpu_start(v);
	current = v;
	CHECK_EQ_U64(vgic_dist_access(&vm.vgic, 0x100 + 4 * (50 / 32), true, 4, &ena), 0);
	vgic_set_spi_line(&vm, 50, true);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 1ULL << 50);
	vgic_set_spi_line(&vm, 50, false);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 0);
	vgic_set_spi_line(&vm, 50, true);
	flush(v);
	CHECK_EQ_U64(LR_VINTID(lr(0)), 50);
	CHECK(lr(0) & (1ULL << 41)); /* EOI maintenance */
	/* The guest took it and deactivated it with the line still high: pending again. */
	set_lr(0, lr(0) & ~(3ULL << 62));
	fake_sysreg_set("s3_4_c12_c11_3", 1); /* ICH_EISR_EL2: LR 0 */
	flush(v);
	CHECK_EQ_U64(LR_VINTID(lr(0)), 50);
	CHECK_EQ_U64(LR_STATE(lr(0)), LR_PENDING);
	/* Lowered while in an LR: the pending state goes. */
	set_elrsr();
	vgic_set_spi_line(&vm, 50, false);
	CHECK_EQ_U64(LR_STATE(lr(0)), 0);
	/* Edge-triggered: once per rising edge. */
	set_lr(0, 0);
	fake_sysreg_set("s3_4_c12_c11_3", 0);
	CHECK_EQ_U64(vgic_dist_access(&vm.vgic, 0xc00 + 4 * (50 / 16), true, 4, &edge), 0);
	vgic_set_spi_line(&vm, 50, true);
	CHECK_EQ_U64(atomic_exchange(&v->vgic_pend[0], 0), 1ULL << 50);
	vgic_set_spi_line(&vm, 50, true);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 0);
	vgic_set_spi_line(&vm, 50, false);
	vgic_set_spi_line(&vm, 50, true);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 1ULL << 50);
	/* Low and already low (after every MMIO exit and WFI): no lock taken, nothing changes. */
	vgic_set_spi_line(&vm, 50, false);
	locks = atomic_load(&vm.vgic_lock.next);
	vgic_set_spi_line(&vm, 50, false);
	CHECK_EQ_U64(atomic_load(&vm.vgic_lock.next), locks);
	CHECK_EQ_U64(atomic_load(&v->vgic_pend[0]), 1ULL << 50);
	current = NULL;
}

int main(void)
{
	RUN(test_lines);
	RUN(test_priority_eviction);
	RUN(test_state_registers);
	RUN(test_lpis);
	RUN(test_start_and_stop);
	RUN(test_fill_and_overflow);
	RUN(test_no_duplicates_and_active);
	RUN(test_disabled_stays_pending);
	RUN(test_hardware_spi);
	RUN(test_kick_and_routing);
	RUN(test_sgi1r);
	RUN(test_vtimer);
	RUN(test_vtimer_line_follows_condition);
	RUN(test_ppi_state_reads);
	RUN(test_pmu_ppi);
	RUN(test_ppis_from_the_dtb);
	return TEST_SUMMARY();
}
