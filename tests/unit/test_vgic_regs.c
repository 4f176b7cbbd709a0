// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The emulated GICD/GICR register frames: what a guest's GIC driver reads and writes. */
#include "kernel/lib/err.h"
#include "kernel/vdev/vgic_regs.h"
#include "test.h"

static uint64_t rd(struct vgic_dist *d, uint64_t off, unsigned int size)
{
	uint64_t v = 0xdeadbeef;

	CHECK(vgic_dist_access(d, off, false, size, &v) == 0);
	return v;
}

static void wr(struct vgic_dist *d, uint64_t off, unsigned int size, uint64_t v)
{
	CHECK(vgic_dist_access(d, off, true, size, &v) == 0);
}

static uint64_t rrd(struct vgic_redist *r, uint64_t off, unsigned int size)
{
	uint64_t v = 0xdeadbeef;

	CHECK(vgic_redist_access(r, off, false, size, &v) == 0);
	return v;
}

static void rwr(struct vgic_redist *r, uint64_t off, unsigned int size, uint64_t v)
{
	CHECK(vgic_redist_access(r, off, true, size, &v) == 0);
}

static void test_dist_identity_and_ctlr(void)
{
	struct vgic_dist d;

	vgic_dist_reset(&d);
	CHECK_EQ_U64((rd(&d, 0xffe8, 4) >> 4) & 0xf, 3);	    /* PIDR2.ArchRev: GICv3 */
	CHECK_EQ_U64(rd(&d, 0x4, 4) & 0x1f, VGIC_NR_IRQS / 32 - 1); /* ITLinesNumber */
	CHECK_EQ_U64((rd(&d, 0x4, 4) >> 19) & 0x1f, 13);	    /* IDbits: 14-bit INTIDs */
	CHECK_EQ_U64((rd(&d, 0x4, 4) >> 17) & 1, 1);		    /* LPIS */
	CHECK_EQ_U64(rd(&d, 0x0, 4), 0x10);			    /* ARE_NS only */
	wr(&d, 0x0, 4, 0x2);
	CHECK_EQ_U64(rd(&d, 0x0, 4), 0x12); /* EnableGrp1A set, ARE stays, RWP 0 */
	wr(&d, 0x0, 4, 0x0);
	CHECK_EQ_U64(rd(&d, 0x0, 4), 0x10);
}

static void test_dist_enables_gate_spis(void)
{
	struct vgic_dist d;
	struct vgic_redist r;

	vgic_dist_reset(&d);
	vgic_redist_reset(&r, 0, 0, true);
	CHECK(!vgic_irq_enabled(&d, &r, 33));
	wr(&d, 0x104, 4, 1U << 1);	      /* ISENABLER1: SPI 33 */
	CHECK(!vgic_irq_enabled(&d, &r, 33)); /* Group 1 still off in CTLR */
	wr(&d, 0x0, 4, 0x2);
	CHECK(vgic_irq_enabled(&d, &r, 33));
	CHECK_EQ_U64(rd(&d, 0x104, 4), 2);
	CHECK_EQ_U64(rd(&d, 0x184, 4), 2); /* ICENABLER reads the same state */
	wr(&d, 0x184, 4, 1U << 1);
	CHECK(!vgic_irq_enabled(&d, &r, 33));
	/* Register 0 of each block is the redistributor's with ARE: RAZ/WI here. */
	wr(&d, 0x100, 4, 0xffffffff);
	CHECK_EQ_U64(rd(&d, 0x100, 4), 0);
	CHECK(!vgic_irq_enabled(&d, &r, VGIC_NR_IRQS)); /* beyond the last SPI */
}

static void test_dist_priority_cfg_router(void)
{
	struct vgic_dist d;
	struct vgic_redist r;

	vgic_dist_reset(&d);
	vgic_redist_reset(&r, 0, 0, true);
	wr(&d, 0x400 + 33, 1, 0x80);
	CHECK_EQ_U64(rd(&d, 0x400 + 33, 1), 0x80);
	CHECK_EQ_U64(rd(&d, 0x420, 4), 0x8000); /* bytes 32-35 as one word */
	CHECK_EQ_U64(vgic_irq_priority(&d, &r, 33), 0x80);
	wr(&d, 0x400 + 5, 1, 0x40); /* an SGI's priority in GICD: RAZ/WI */
	CHECK_EQ_U64(rd(&d, 0x400 + 5, 1), 0);
	wr(&d, 0xc08, 4, 0xffffffff);
	CHECK_EQ_U64(rd(&d, 0xc08, 4), 0xaaaaaaaa); /* Int_config[0] is RES0 */
	/* Aff3 [39:32], IRM [31] (kept 0: 1-of-N is not offered), Aff2.Aff1.Aff0; RES0 dropped. */
	wr(&d, 0x6000 + 8 * 33, 8, 0xff00001281020304UL);
	CHECK_EQ_U64(rd(&d, 0x6000 + 8 * 33, 8), 0x1200020304UL);
	CHECK_EQ_U64(rd(&d, 0x6000 + 8 * 5, 8), 0); /* SGIs have no router */
}

static void test_dist_bad_accesses(void)
{
	struct vgic_dist d;
	uint64_t v = 0;

	vgic_dist_reset(&d);
	CHECK(vgic_dist_access(&d, 0x2, false, 4, &v) == E_INVAL);     /* misaligned */
	CHECK(vgic_dist_access(&d, 0x0, false, 1, &v) == E_INVAL);     /* byte CTLR */
	CHECK(vgic_dist_access(&d, 0x104, false, 8, &v) == E_INVAL);   /* 64-bit ISENABLER */
	CHECK(vgic_dist_access(&d, 0x10000, false, 4, &v) == E_INVAL); /* outside */
}

static void test_redist(void)
{
	struct vgic_redist r, last;
	uint64_t v = 0;

	vgic_redist_reset(&r, 0x80000102UL, 2, false);
	vgic_redist_reset(&last, 0x3, 3, true);
	/* Affinity 0.0.1.2 in [63:32], processor number 2 in [23:8], not Last, PLPIS. */
	CHECK_EQ_U64(rrd(&r, 0x8, 8), 0x0000010200000201UL);
	CHECK_EQ_U64(rrd(&r, 0xc, 4), 0x102);
	CHECK_EQ_U64((rrd(&last, 0x8, 8) >> 4) & 1, 1); /* Last */
	CHECK_EQ_U64(rrd(&r, 0x14, 4), 6);		/* asleep after reset */
	rwr(&r, 0x14, 4, 0);
	CHECK_EQ_U64(rrd(&r, 0x14, 4), 0);
	CHECK_EQ_U64((rrd(&r, 0xffe8, 4) >> 4) & 0xf, 3);
	/* SGIs are always enabled; PPIs on demand. */
	CHECK_EQ_U64(rrd(&r, 0x10100, 4), 0xffff);
	rwr(&r, 0x10180, 4, 0xffffffff);
	CHECK_EQ_U64(rrd(&r, 0x10100, 4), 0xffff);
	CHECK(!vgic_irq_enabled(NULL, &r, 27));
	rwr(&r, 0x10100, 4, 1U << 27);
	CHECK(vgic_irq_enabled(NULL, &r, 27));
	CHECK(vgic_irq_enabled(NULL, &r, 3));
	rwr(&r, 0x10400 + 27, 1, 0xa0);
	CHECK_EQ_U64(vgic_irq_priority(NULL, &r, 27), 0xa0);
	CHECK(vgic_redist_access(&r, 0x20000, false, 4, &v) == E_INVAL);
	CHECK(vgic_redist_access(&r, 0x10100, false, 1, &v) == E_INVAL);
}

/* GICR_CTLR.EnableLPIs sticks; PROPBASER and PENDBASER are fixed from then on. */
static void test_redist_lpis(void)
{
	struct vgic_redist r;
	uint64_t v = 0x40001000 | 13;

	vgic_redist_reset(&r, 0, 0, true);
	CHECK_EQ_U64(vgic_redist_access(&r, 0x70, true, 8, &v), 0);
	CHECK_EQ_U64(rrd(&r, 0x70, 8), 0x40001000 | 13);
	CHECK_EQ_U64(rrd(&r, 0x74, 4), 0);
	v = 0x40002000;
	CHECK_EQ_U64(vgic_redist_access(&r, 0x78, true, 4, &v), 0);
	CHECK_EQ_U64(rrd(&r, 0x78, 8), 0x40002000);
	CHECK_EQ_U64(rrd(&r, 0x0, 4), 0);
	v = 1;
	CHECK_EQ_U64(vgic_redist_access(&r, 0x0, true, 4, &v), 0);
	v = 0;
	CHECK_EQ_U64(vgic_redist_access(&r, 0x0, true, 4, &v), 0);
	CHECK_EQ_U64(rrd(&r, 0x0, 4), 1);
	v = 0x50000000;
	CHECK_EQ_U64(vgic_redist_access(&r, 0x70, true, 8, &v), 0);
	CHECK_EQ_U64(rrd(&r, 0x70, 8), 0x40001000 | 13);
}

int main(void)
{
	RUN(test_dist_identity_and_ctlr);
	RUN(test_dist_enables_gate_spis);
	RUN(test_dist_priority_cfg_router);
	RUN(test_dist_bad_accesses);
	RUN(test_redist);
	RUN(test_redist_lpis);
	return TEST_SUMMARY();
}
