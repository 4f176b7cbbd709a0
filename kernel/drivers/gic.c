// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * GICv3: distributor with affinity routing, one redistributor per CPU found by its affinity,
 * and the system-register CPU interface. Only SGIs are used so far; the interrupts stay
 * masked in PSTATE, and WFI still wakes on a pending one (Arm ARM D1.6.2, "Wait for Interrupt").
 */
#include "kernel/drivers/gic.h"

#include "kernel/arch/arch.h"
#include "kernel/arch/gicv3_sysregs.h"
#include "kernel/drivers/gic_its.h"
#include "kernel/lib/err.h"

#define GICD_CTLR	      0x0000
#define GICD_CTLR_RWP	      BIT(31)
#define GICD_CTLR_ARE_NS      BIT(4) /* ARE (single security state) or ARE_NS: same bit 4 */
#define GICD_CTLR_ENABLE_G1   BIT(1) /* EnableGrp1 (DS=1) / EnableGrp1A (NS view) */
#define GICD_CTLR_ENABLE_G1NS BIT(0) /* DS=0 Non-secure view: bit 0 is EnableGrp1 */

#define GICD_TYPER		       0x0004
#define GICD_TYPER_ITLINESNUMBER_SHIFT 0 /* 32 * (N + 1) INTIDs */
#define GICD_TYPER_ITLINESNUMBER_WIDTH 5
#define GICD_IGROUPR(n)		       (0x0080 + 4 * ((n) / 32))
#define GICD_ISENABLER(n)	       (0x0100 + 4 * ((n) / 32))
#define GICD_ICENABLER(n)	       (0x0180 + 4 * ((n) / 32))
#define GICD_ICPENDR(n)		       (0x0280 + 4 * ((n) / 32))
#define GICD_ICACTIVER(n)	       (0x0380 + 4 * ((n) / 32))
#define GICD_IPRIORITYR(n)	       (0x0400 + (n))
#define GICD_ICFGR(n)		       (0x0c00 + 4 * ((n) / 16))
#define GICD_IROUTER(n)		       (0x6000 + 8 * (n))

#define GICR_FRAME_RD		   0x00000
#define GICR_FRAME_SGI		   0x10000
#define GICR_WAKER		   0x0014
#define GICR_WAKER_PROCESSOR_SLEEP BIT(1)
#define GICR_WAKER_CHILDREN_ASLEEP BIT(2)
#define GICR_TYPER		   0x0008
#define GICR_TYPER_LAST		   BIT(4)
#define GICR_TYPER_VLPIS	   BIT(1)
#define GICR_IGROUPR0		   0x0080
#define GICR_ISENABLER0		   0x0100
#define GICR_ICENABLER0		   0x0180
#define GICR_IPRIORITYR(n)	   (0x0400 + (n))
/* A redistributor is RD_base + SGI_base (2 x 64 KiB), with GICv4 vLPIs also VLPI_base + 64 KiB reserved. */
#define GICR_STRIDE	  0x20000
#define GICR_STRIDE_VLPIS 0x40000

/* GICD_ICFGR<n>: two bits per INTID; Int_config[1] set is edge-triggered. */
#define GICD_ICFGR_SHIFT(n) (2 * ((n) % 16))
#define GICD_ICFGR_MASK	    3U
#define GICD_ICFGR_EDGE	    2U

/* Every interrupt the hypervisor enables runs at this one priority (PMR lets all through). */
#define GIC_PRIORITY	0x80
#define GIC_PRIORITY_X4 0x80808080U /* GIC_PRIORITY in each byte of an IPRIORITYR word */

#define GIC_POLL_LIMIT 1000000

static uintptr_t gicd_base;
static struct {
	uint64_t base, size;
} gic_redist[GIC_MAX_REDIST];
static unsigned int gic_n_redist;

static int wait_bit_clear(uintptr_t reg, uint32_t bit)
{
	for (unsigned int i = 0; i < GIC_POLL_LIMIT; i++)
		if (!(mmio_read32(reg) & bit))
			return 0;
	return E_BUSY;
}

int gic_add_redist(uint64_t base, uint64_t size)
{
	if (gic_n_redist >= GIC_MAX_REDIST)
		return E_RANGE;
	gic_redist[gic_n_redist].base = base;
	gic_redist[gic_n_redist].size = size;
	gic_n_redist++;
	return 0;
}

int gic_init(unsigned int version, uint64_t dist_base)
{
	uint32_t ctlr;

	if (version != 3 || !dist_base || !gic_n_redist)
		return E_NOTSUP;
	gicd_base = dist_base;
	/* Affinity routing first (it can only change while the groups are disabled), then Group 1. */
	ctlr = mmio_read32(gicd_base + GICD_CTLR);
	mmio_write32(gicd_base + GICD_CTLR, ctlr | GICD_CTLR_ARE_NS);
	if (wait_bit_clear(gicd_base + GICD_CTLR, GICD_CTLR_RWP))
		return E_BUSY;
	mmio_write32(gicd_base + GICD_CTLR,
		     ctlr | GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1 | GICD_CTLR_ENABLE_G1NS);
	return wait_bit_clear(gicd_base + GICD_CTLR, GICD_CTLR_RWP);
}

/* Redistributor frames are 128 KiB (RD + SGI), 256 KiB with GICv4 virtual LPIs (VLPIS). */
static uintptr_t find_redist(uint64_t mpidr)
{
	/* GICR_TYPER.Affinity_Value [63:32] is Aff3.Aff2.Aff1.Aff0, one byte each. */
	uint32_t aff = (uint32_t)(FIELD_GET(mpidr, MPIDR_AFF3_SHIFT, MPIDR_AFF_WIDTH) << 24 |
				  FIELD_GET(mpidr, MPIDR_AFF2_SHIFT, MPIDR_AFF_WIDTH) << 16 |
				  FIELD_GET(mpidr, MPIDR_AFF1_SHIFT, MPIDR_AFF_WIDTH) << 8 |
				  FIELD_GET(mpidr, MPIDR_AFF0_SHIFT, MPIDR_AFF_WIDTH));

	for (unsigned int r = 0; r < gic_n_redist; r++) {
		uintptr_t base = gic_redist[r].base;
		uintptr_t end = base + gic_redist[r].size;

		while (base < end) {
			uint64_t typer = mmio_read64(base + GICR_TYPER);

			if ((uint32_t)(typer >> 32) == aff)
				return base;
			if (typer & GICR_TYPER_LAST)
				break;
			base += (typer & GICR_TYPER_VLPIS) ? GICR_STRIDE_VLPIS : GICR_STRIDE;
		}
	}
	return 0;
}

uintptr_t gic_redist_base(uint64_t mpidr)
{
	return find_redist(mpidr);
}

int gic_init_cpu(void)
{
	uintptr_t rd, sgi;

	if (!gicd_base)
		return E_NOTSUP;
	rd = find_redist(read_sysreg(mpidr_el1));
	if (!rd)
		return E_NOENT;
	sgi = rd + GICR_FRAME_SGI;
	/* Wake the redistributor: clear ProcessorSleep, wait for ChildrenAsleep to clear. */
	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_PROCESSOR_SLEEP);
	if (wait_bit_clear(rd + GICR_WAKER, GICR_WAKER_CHILDREN_ASLEEP))
		return E_BUSY;
	/* SGIs and PPIs: all Group 1, priority GIC_PRIORITY; enable only the wake-up SGI. */
	mmio_write32(sgi + GICR_ICENABLER0, 0xffffffff);
	mmio_write32(sgi + GICR_IGROUPR0, 0xffffffff);
	for (unsigned int i = 0; i < 32; i += 4)
		mmio_write32(sgi + GICR_IPRIORITYR(i), GIC_PRIORITY_X4);
	mmio_write32(sgi + GICR_ISENABLER0, BIT(GIC_SGI_WAKE));

	write_icc_sre_el2(read_icc_sre_el2() | ICC_SRE_EL2_SRE | ICC_SRE_EL2_ENABLE);
	isb(); /* system-register interface enabled before the ICC_* accesses below */
	write_icc_pmr_el1(ICC_PMR_EL1_ALL); /* let every priority through */
	write_icc_ctlr_el1(0);		    /* EOImode 0: EOI also deactivates */
	write_icc_igrpen1_el1(ICC_IGRPEN1_EL1_ENABLE);
	isb();
	/* LPIs at this redistributor when the ITS was taken over (gic_its.cpus_on counts them). */
	(void)gic_its_cpu_init(rd);
	return 0;
}

int gic_enable_spi(unsigned int intid, uint64_t mpidr, bool edge)
{
	unsigned int lines;
	uint32_t cfg;

	if (!gicd_base)
		return E_NOTSUP;
	/* GICD_TYPER.ITLinesNumber: the distributor implements 32 * (N + 1) INTIDs. */
	lines = 32 * (FIELD_GET(mmio_read32(gicd_base + GICD_TYPER), GICD_TYPER_ITLINESNUMBER_SHIFT,
				GICD_TYPER_ITLINESNUMBER_WIDTH) +
		      1);
	if (intid < 32 || intid >= lines || intid >= 1020)
		return E_RANGE;
	mmio_write32(gicd_base + GICD_IGROUPR(intid),
		     mmio_read32(gicd_base + GICD_IGROUPR(intid)) | BIT(intid % 32));
	mmio_write8(gicd_base + GICD_IPRIORITYR(intid), GIC_PRIORITY);
	cfg = mmio_read32(gicd_base + GICD_ICFGR(intid));
	cfg &= ~(GICD_ICFGR_MASK << GICD_ICFGR_SHIFT(intid));
	if (edge)
		cfg |= GICD_ICFGR_EDGE << GICD_ICFGR_SHIFT(intid);
	mmio_write32(gicd_base + GICD_ICFGR(intid), cfg);
	/* Affinity routing: GICD_IROUTER has MPIDR's affinity layout, IRM = 0 (this one PE). */
	mmio_write64(gicd_base + GICD_IROUTER(intid), mpidr & MPIDR_AFF_MASK);
	mmio_write32(gicd_base + GICD_ISENABLER(intid), BIT(intid % 32));
	return 0;
}

void gic_disable_spi(unsigned int intid)
{
	if (!gicd_base || intid < 32 || intid >= 1020)
		return;
	mmio_write32(gicd_base + GICD_ICENABLER(intid), BIT(intid % 32));
	/* GICD_CTLR.RWP: the disable has reached every CPU interface before we clear state. */
	wait_bit_clear(gicd_base + GICD_CTLR, GICD_CTLR_RWP);
	mmio_write32(gicd_base + GICD_ICPENDR(intid), BIT(intid % 32));
	mmio_write32(gicd_base + GICD_ICACTIVER(intid), BIT(intid % 32));
}

void gic_set_eoi_split(bool split)
{
	/* ICC_CTLR_EL1.EOImode: 1 = EOIR only drops priority, DIR deactivates. */
	write_icc_ctlr_el1(split ? ICC_CTLR_EL1_EOIMODE : 0);
	isb(); /* the mode is in force before the next acknowledge */
}

void gic_deactivate(unsigned int intid)
{
	write_icc_dir_el1(intid);
	isb();
}

static uintptr_t this_sgi_frame(void)
{
	uintptr_t rd = find_redist(read_sysreg(mpidr_el1));

	return rd ? rd + GICR_FRAME_SGI : 0;
}

void gic_enable_ppi(unsigned int intid)
{
	uintptr_t sgi = this_sgi_frame();

	if (sgi && intid < 32)
		mmio_write32(sgi + GICR_ISENABLER0, BIT(intid));
}

void gic_disable_ppi(unsigned int intid)
{
	uintptr_t sgi = this_sgi_frame();

	if (sgi && intid < 32 && intid != GIC_SGI_WAKE)
		mmio_write32(sgi + GICR_ICENABLER0, BIT(intid));
}

void gic_send_sgi(uint64_t mpidr, unsigned int intid)
{
	uint64_t v = icc_sgi1r_encode(mpidr, intid);

	/* Stores that tell the target why it is woken must be visible before the SGI. */
	dsb(ishst);
	write_icc_sgi1r_el1(v);
	isb();
}

unsigned int gic_ack(void)
{
	unsigned int intid = (unsigned int)read_icc_iar1_el1();

	/* The acknowledge completes before anything that depends on it (IHI 0069, 12.1.7). */
	dsb(sy);
	return (unsigned int)FIELD_GET(intid, ICC_INTID_SHIFT, ICC_INTID_WIDTH);
}

void gic_eoi(unsigned int intid)
{
	write_icc_eoir1_el1(intid);
	isb();
}
