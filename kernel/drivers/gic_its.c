// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The physical ITS and the LPIs it raises (see gic_its.h). Commands are issued one at a time
 * under a lock and waited for (GITS_CREADR catching up with GITS_CWRITER), so the queue is
 * never more than one command deep and each caller knows its command took effect.
 */
#include "kernel/drivers/gic_its.h"

#include <stdatomic.h>

#include "kernel/arch/arch.h"
#include "kernel/arch/spinlock.h"
#include "kernel/drivers/gic.h"
#include "kernel/lib/err.h"

/* ITS_base registers (IHI 0069, 12.19). */
#define GITS_CTLR	0x0000
#define GITS_TYPER	0x0008
#define GITS_CBASER	0x0080
#define GITS_CWRITER	0x0088
#define GITS_CREADR	0x0090
#define GITS_BASER(n)	(0x0100 + 8 * (n))
#define GITS_TRANSLATER 0x10040 /* in the translation frame, ITS_base + 64 KiB */

#define GITS_CTLR_ENABLED   BIT(0)
#define GITS_CTLR_QUIESCENT BIT(31)

/* GITS_TYPER (12.19.20). */
#define GITS_TYPER_PHYSICAL	 BIT(0)
#define GITS_TYPER_VIRTUAL	 BIT(1)
#define GITS_TYPER_ITT_SHIFT	 4  /* ITT_entry_size - 1, [7:4] */
#define GITS_TYPER_IDBITS_SHIFT	 8  /* ID_bits - 1, [12:8] */
#define GITS_TYPER_DEVBITS_SHIFT 13 /* Devbits - 1, [17:13] */
#define GITS_TYPER_PTA		 BIT(19)
#define GITS_TYPER_CIDBITS_SHIFT 32 /* CIDbits - 1, [35:32], when CIL */
#define GITS_TYPER_CIL		 BIT(36)

/* GITS_CBASER (12.19.6) and GITS_BASER<n> (12.19.3) share their attribute fields. */
#define GITS_VALID		BIT(63)
#define GITS_BASER_INDIRECT	BIT(62)
#define GITS_INNER_WB_RAWA	(7UL << 59) /* InnerCache 0b111: Write-back, RA, WA */
#define GITS_INNER_MASK		(7UL << 59)
#define GITS_BASER_TYPE_SHIFT	56
#define GITS_BASER_TYPE_DEVICES 1
#define GITS_BASER_TYPE_VPES	2 /* GICv4: the vPE table */
#define GITS_BASER_TYPE_COLL	4
#define GITS_BASER_ESIZE_SHIFT	48	    /* Entry_Size - 1, [52:48] */
#define GITS_SHARE_IS		(1UL << 10) /* Shareability [11:10]: Inner Shareable */
#define GITS_SHARE_MASK		(3UL << 10)
#define GITS_BASER_PSZ_SHIFT	8 /* Page_Size [9:8]: 4, 16, 64 KiB */
#define GITS_BASER_PSZ_MASK	(3UL << 8)

/* GICR LPI registers (12.11.2, 12.11.27, 12.11.28), in RD_base. */
#define GICR_CTLR	      0x0000
#define GICR_CTLR_ENABLE_LPIS BIT(0)
#define GICR_TYPER	      0x0008
#define GICR_TYPER_PLPIS      BIT(0)
#define GICR_TYPER_PROC_SHIFT 8 /* Processor_Number [23:8] */
#define GICR_PROPBASER	      0x0070
#define GICR_PENDBASER	      0x0078
#define GICR_PENDBASER_PTZ    BIT(62)
#define GICR_BASER_INNER_WB   (7UL << 7) /* InnerCache [9:7] */
#define GICR_BASER_SHARE_IS   (1UL << 10)
#define GICR_BASER_SHARE_MASK (3UL << 10)

/*
 * GICv4.0 virtual LPI registers (12.11.33, 12.11.34), in VLPI_base: the third 64 KiB frame of a
 * redistributor whose GICR_TYPER.VLPIS is set.
 */
#define GICR_TYPER_VLPIS	    BIT(1)
#define GICR_VLPI_BASE		    0x20000
#define GICR_VPROPBASER		    (GICR_VLPI_BASE + 0x70)
#define GICR_VPENDBASER		    (GICR_VLPI_BASE + 0x78)
#define GICR_VPENDBASER_VALID	    BIT(63)
#define GICR_VPENDBASER_IDAI	    BIT(62)
#define GICR_VPENDBASER_PENDINGLAST BIT(61)
#define GICR_VPENDBASER_DIRTY	    BIT(60)
#define GICR_VPENDBASER_PA_MASK	    0x000fffffffff0000UL /* [51:16] */
#define GICR_VPROPBASER_PA_MASK	    0x000ffffffffff000UL /* [51:12] */

#define GICD_TYPER		0x0004
#define GICD_TYPER_LPIS		BIT(17)
#define GICD_TYPER_IDBITS_SHIFT 19 /* IDbits - 1, [23:19] */

/* LPI configuration byte (5.1.1): Priority [7:2], bit 1 RES1, Enable [0]. */
#define LPI_PROP_PRIORITY 0x80
#define LPI_PROP_RES1	  BIT(1)
#define LPI_PROP_ENABLE	  BIT(0)

/* Commands (5.3, table 5-7). */
#define ITS_CMD_MOVI	0x01
#define ITS_CMD_SYNC	0x05
#define ITS_CMD_MAPD	0x08
#define ITS_CMD_MAPC	0x09
#define ITS_CMD_MAPTI	0x0a
#define ITS_CMD_INV	0x0c
#define ITS_CMD_DISCARD 0x0f
#define ITS_CMD_VMOVI	0x21 /* GICv4 (5.3.27-5.3.30, 5.3.32) */
#define ITS_CMD_VSYNC	0x25
#define ITS_CMD_VMAPP	0x29
#define ITS_CMD_VMAPTI	0x2a
#define ITS_CMD_VINVALL 0x2d
#define ITS_CMD_BYTES	32
#define ITS_NO_DOORBELL 1023 /* Dbell_pINTID 1023: no doorbell (5.3.30) */

#define ITS_LPI_ID_BITS	   14 /* INTIDs below 2^14: LPIs 8192-16383 */
#define ITS_MAX_LPIS	   (BIT(ITS_LPI_ID_BITS) - GIC_LPI_BASE)
#define ITS_MAX_DEVICES	   32 /* DeviceIDs with an ITT (passed-through functions) */
#define ITS_MAX_EVENT_BITS 11 /* up to 2048 events, an MSI-X table's most */
#define ITS_CMDQ_PAGES	   1  /* 128 commands; one is ever outstanding */
#define ITS_TABLE_PAGES	   16 /* the pool's largest naturally aligned run: 64 KiB */
#define ITS_PEND_PAGES	   16 /* a pending table is 64 KiB aligned (GICR_PENDBASER [51:16]) */
#define ITS_POLL_LIMIT	   1000000
#define ITS_MAX_CPUS	   64
#define ITS_VPE_PAGES	   1 /* the vPE table: one page of entries */

struct gic_its_info gic_its;

static struct spinlock its_lock;
static uintptr_t its_base;
static uint64_t *cmdq;
static unsigned int cmdq_off; /* the next command's byte offset: GITS_CWRITER */
static uint8_t *prop;	      /* the LPI property table, one byte per LPI from GIC_LPI_BASE */
static uint64_t prop_pa;
static uint64_t pend_pa[ITS_MAX_CPUS];
static atomic_uint pend_next;
static unsigned int npend;
static bool coherent; /* the ITS and redistributors read the tables through the caches */
static gic_its_alloc_fn its_alloc;
static void *its_actx;

static struct {
	gic_lpi_fn fn;
	void *ctx;
} lpi_handler[ITS_MAX_LPIS];
static uint64_t lpi_used[ITS_MAX_LPIS / 64];

static struct {
	uint32_t devid;
	unsigned int event_bits;
	uint64_t itt_pa;
} itts[ITS_MAX_DEVICES];
static unsigned int n_itts;

/* Make a table the CPU just wrote visible to a GIC that does not snoop the caches. */
static void its_clean(const void *p, uintptr_t len)
{
	if (!coherent)
		dcache_clean_range((uintptr_t)p, len);
}

/* RDbase for MAPC, SYNC, MOVALL: the redistributor's PA or its processor number (PTA). */
static uint64_t rdbase(uintptr_t rd)
{
	if (gic_its.typer & GITS_TYPER_PTA)
		return rd & ~0xffffUL; /* bits [51:16] of the address, in place */
	return ((mmio_read64(rd + GICR_TYPER) >> GICR_TYPER_PROC_SHIFT) & 0xffff) << 16;
}

/* Write one command at byte offset 'off' of the queue. */
static void cmd_put(unsigned int off, uint64_t dw0, uint64_t dw1, uint64_t dw2, uint64_t dw3)
{
	uint64_t *c = cmdq + off / 8;

	c[0] = dw0;
	c[1] = dw1;
	c[2] = dw2;
	c[3] = dw3;
	its_clean(c, ITS_CMD_BYTES);
}

/* Issue one command and wait for the ITS to have carried it out. Under its_lock. */
static int its_cmd(uint64_t dw0, uint64_t dw1, uint64_t dw2, uint64_t dw3)
{
	unsigned int next = (cmdq_off + ITS_CMD_BYTES) % (ITS_CMDQ_PAGES * 4096);
	int ret = 0;

	cmd_put(cmdq_off, dw0, dw1, dw2, dw3);
	/* The command's memory writes complete before the CWRITER write that makes the ITS read it. */
	dsb(ishst);
	cmdq_off = next;
	mmio_write64(its_base + GITS_CWRITER, next);
	gic_its.commands++;
	for (unsigned int i = 0; i < ITS_POLL_LIMIT; i++) {
		uint64_t r = mmio_read64(its_base + GITS_CREADR);

		if (r & 1) {
			/*
			 * Stalled (5.3.2): the ITS refused the command. Put a SYNC in its place
			 * and retry, so the queue moves on; the caller learns it failed.
			 */
			uintptr_t rd = gic_redist_base(read_sysreg(mpidr_el1));

			cmd_put((unsigned int)(r & 0xfffe0UL), ITS_CMD_SYNC, 0, rd ? rdbase(rd) : 0,
				0);
			/* The replacement is in memory before the Retry makes the ITS read it again. */
			dsb(ishst);
			mmio_write64(its_base + GITS_CWRITER, next | 1);
			ret = E_IO;
			continue;
		}
		if ((r & 0xfffe0UL) == next) {
			if (ret)
				gic_its.errors++;
			return ret;
		}
	}
	gic_its.errors++;
	return E_BUSY;
}

static uint64_t icid_of(uintptr_t rd)
{
	return (mmio_read64(rd + GICR_TYPER) >> GICR_TYPER_PROC_SHIFT) & 0xffff;
}

/* The pool's largest run, or 'want' pages rounded up to a power of two. */
static unsigned int pow2_pages(uint64_t bytes)
{
	unsigned int n = 1;

	while ((uint64_t)n * 4096 < bytes && n < ITS_TABLE_PAGES)
		n *= 2;
	return n;
}

/* GITS_BASER<n> of type Devices or Collections: a flat table as large as one run of the pool. */
static int its_setup_baser(unsigned int n, unsigned int ncpus)
{
	uint64_t baser = mmio_read64(its_base + GITS_BASER(n)), pa, want, back;
	unsigned int type = (unsigned int)(baser >> GITS_BASER_TYPE_SHIFT) & 7;
	unsigned int esize = (unsigned int)((baser >> GITS_BASER_ESIZE_SHIFT) & 0x1f) + 1;
	unsigned int pages;
	void *t;

	if (type == GITS_BASER_TYPE_DEVICES)
		want = (uint64_t)esize << gic_its.devid_bits;
	else if (type == GITS_BASER_TYPE_COLL)
		want = (uint64_t)esize * (ncpus > 16 ? ncpus : 16);
	else if (type == GITS_BASER_TYPE_VPES && gic_its.v4)
		want = ITS_VPE_PAGES * 4096;
	else
		return 0; /* None */
	pages = pow2_pages(want);
	t = its_alloc(its_actx, pages, &pa);
	if (!t)
		return E_NOMEM;
	/* 4 KiB pages; an ITS with a fixed Page_Size keeps its own, and 64 KiB is one run. */
	baser = (baser & (7UL << GITS_BASER_TYPE_SHIFT | 0x1fUL << GITS_BASER_ESIZE_SHIFT)) |
		GITS_VALID | GITS_INNER_WB_RAWA | pa | GITS_SHARE_IS | (pages - 1);
	mmio_write64(its_base + GITS_BASER(n), baser);
	back = mmio_read64(its_base + GITS_BASER(n));
	if (back & GITS_BASER_PSZ_MASK) { /* 16 or 64 KiB pages: Size counts those */
		unsigned int psz = (back & GITS_BASER_PSZ_MASK) == (1UL << 8) ? 4 : 16;

		if (pages < psz)
			return E_NOMEM;
		baser = (back & ~0xffUL) | (pages / psz - 1);
		mmio_write64(its_base + GITS_BASER(n), baser);
		back = mmio_read64(its_base + GITS_BASER(n));
	}
	if (!(back & GITS_SHARE_MASK))
		coherent = false;
	if (type == GITS_BASER_TYPE_VPES) {
		uint64_t entries = (uint64_t)pages * 4096 / esize;

		gic_its.vpes = entries > GIC_MAX_VPES ? GIC_MAX_VPES : (unsigned int)entries;
	}
	if (type == GITS_BASER_TYPE_DEVICES) {
		uint64_t entries = (uint64_t)pages * 4096 / esize;
		unsigned int bits = 0;

		while (bits < 32 && (1UL << (bits + 1)) <= entries)
			bits++;
		if (bits < gic_its.devid_bits)
			gic_its.devid_bits = bits;
	}
	its_clean(t, (uintptr_t)pages * 4096);
	return 0;
}

int gic_its_probe(uint64_t dist, uint64_t base, unsigned int ncpus, gic_its_alloc_fn alloc,
		  void *actx)
{
	uint64_t typer, pa;
	uint32_t gicd_typer = dist ? mmio_read32(dist + GICD_TYPER) : 0;
	unsigned int idbits;
	int ret;

	if (!base)
		return E_NOENT;
	if (!(gicd_typer & GICD_TYPER_LPIS))
		return E_NOTSUP;
	if (mmio_read32(base + GITS_CTLR) & GITS_CTLR_ENABLED)
		return E_IO; /* its tables belong to someone else */
	its_base = base;
	its_alloc = alloc;
	its_actx = actx;
	coherent = true;
	typer = mmio_read64(base + GITS_TYPER);
	if (!(typer & GITS_TYPER_PHYSICAL))
		return E_NOTSUP;
	gic_its.base = base;
	gic_its.typer = typer;
	gic_its.v4 = typer & GITS_TYPER_VIRTUAL;
	gic_its.vpes = 0;
	gic_its.vlpis = gic_its.v4; /* until a redistributor without VLPIS is met */
	gic_its.itt_entry = (unsigned int)((typer >> GITS_TYPER_ITT_SHIFT) & 0xf) + 1;
	gic_its.event_bits = (unsigned int)((typer >> GITS_TYPER_IDBITS_SHIFT) & 0x1f) + 1;
	gic_its.devid_bits = (unsigned int)((typer >> GITS_TYPER_DEVBITS_SHIFT) & 0x1f) + 1;
	for (unsigned int n = 0; n < 8; n++) {
		ret = its_setup_baser(n, ncpus);
		if (ret)
			return ret;
	}
	/* The command queue: Size is in 4 KiB pages whatever the tables' Page_Size. */
	cmdq = alloc(actx, ITS_CMDQ_PAGES, &pa);
	if (!cmdq)
		return E_NOMEM;
	mmio_write64(base + GITS_CBASER,
		     GITS_VALID | GITS_INNER_WB_RAWA | pa | GITS_SHARE_IS | (ITS_CMDQ_PAGES - 1));
	if (!(mmio_read64(base + GITS_CBASER) & GITS_SHARE_MASK))
		coherent = false;
	mmio_write64(base + GITS_CWRITER, 0);
	cmdq_off = 0;
	/* The LPI property table, shared by every redistributor: IDbits as GICD_TYPER allows. */
	idbits = (unsigned int)((gicd_typer >> GICD_TYPER_IDBITS_SHIFT) & 0x1f) + 1;
	if (idbits > ITS_LPI_ID_BITS)
		idbits = ITS_LPI_ID_BITS;
	if (idbits <= 13)
		return E_NOTSUP; /* no INTID above 8191: no LPI */
	gic_its.nr_lpis = (unsigned int)(BIT(idbits) - GIC_LPI_BASE);
	prop = alloc(actx, pow2_pages(gic_its.nr_lpis), &prop_pa);
	if (!prop)
		return E_NOMEM;
	prop_pa |= idbits - 1; /* GICR_PROPBASER.IDbits */
	if (ncpus > ITS_MAX_CPUS)
		ncpus = ITS_MAX_CPUS;
	for (npend = 0; npend < ncpus; npend++)
		if (!alloc(actx, ITS_PEND_PAGES, &pend_pa[npend]))
			return E_NOMEM;
	atomic_store(&pend_next, 0);
	its_clean(prop, gic_its.nr_lpis);
	/* The zeroed tables and queue are in memory before the ITS is told to use them. */
	dsb(ish);
	mmio_write32(base + GITS_CTLR, GITS_CTLR_ENABLED);
	gic_its.on = true;
	return 0;
}

int gic_its_cpu_init(uintptr_t rd)
{
	uint64_t typer = mmio_read64(rd + GICR_TYPER), pend;
	unsigned int slot;
	int ret;

	if (!gic_its.on)
		return E_NOENT;
	if (!(typer & GICR_TYPER_PLPIS))
		return E_NOTSUP;
	if (mmio_read32(rd + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS)
		return E_IO; /* PROPBASER and PENDBASER can no longer change (12.11.2) */
	if (!(typer & GICR_TYPER_VLPIS))
		gic_its.vlpis = false; /* direct injection needs every redistributor to have it */
	slot = atomic_fetch_add(&pend_next, 1);
	if (slot >= npend)
		return E_NOMEM;
	pend = pend_pa[slot];
	mmio_write64(rd + GICR_PROPBASER, prop_pa | GICR_BASER_INNER_WB | GICR_BASER_SHARE_IS);
	/* PTZ: the table is zero (the pool zeroes it), so the redistributor need not read it. */
	mmio_write64(rd + GICR_PENDBASER,
		     pend | GICR_BASER_INNER_WB | GICR_BASER_SHARE_IS | GICR_PENDBASER_PTZ);
	if (!(mmio_read64(rd + GICR_PROPBASER) & GICR_BASER_SHARE_MASK))
		coherent = false; /* set once, before any LPI is allocated */
	/* The base registers are written (Device memory, in order) before LPIs go on. */
	mmio_write32(rd + GICR_CTLR, mmio_read32(rd + GICR_CTLR) | GICR_CTLR_ENABLE_LPIS);
	spin_lock(&its_lock);
	ret = its_cmd(ITS_CMD_MAPC, 0, GITS_VALID | rdbase(rd) | icid_of(rd), 0);
	if (!ret)
		ret = its_cmd(ITS_CMD_SYNC, 0, rdbase(rd), 0);
	if (!ret)
		gic_its.cpus_on++;
	spin_unlock(&its_lock);
	return ret;
}

uint64_t gic_its_translater(void)
{
	return gic_its.on ? gic_its.base + GITS_TRANSLATER : 0;
}

static bool lpi_busy(unsigned int n)
{
	return lpi_used[n / 64] & BIT(n % 64);
}

unsigned int gic_lpi_alloc(unsigned int count, gic_lpi_fn fn, void *ctx)
{
	unsigned int got = 0;

	if (!gic_its.on || !count)
		return 0;
	spin_lock(&its_lock);
	for (unsigned int n = 0; n + count <= gic_its.nr_lpis && !got; n++) {
		unsigned int k = 0;

		while (k < count && !lpi_busy(n + k))
			k++;
		if (k < count) {
			n += k; /* n + k is taken: look past it */
			continue;
		}
		for (k = n; k < n + count; k++) {
			lpi_used[k / 64] |= BIT(k % 64);
			lpi_handler[k].fn = fn;
			lpi_handler[k].ctx = ctx;
			prop[k] = LPI_PROP_PRIORITY | LPI_PROP_RES1 | LPI_PROP_ENABLE;
		}
		its_clean(&prop[n], count);
		/* The configuration is in memory before a MAPTI makes the GIC read it. */
		dsb(ishst);
		gic_its.lpis_used += count;
		got = GIC_LPI_BASE + n;
	}
	spin_unlock(&its_lock);
	return got;
}

void gic_lpi_free(unsigned int first, unsigned int count)
{
	unsigned int n = first - GIC_LPI_BASE;

	if (first < GIC_LPI_BASE || n >= gic_its.nr_lpis || count > gic_its.nr_lpis - n)
		return;
	spin_lock(&its_lock);
	for (unsigned int k = n; k < n + count; k++) {
		if (!lpi_busy(k))
			continue;
		lpi_used[k / 64] &= ~BIT(k % 64);
		prop[k] = LPI_PROP_PRIORITY | LPI_PROP_RES1; /* disabled */
		lpi_handler[k].fn = NULL;
		gic_its.lpis_used--;
	}
	its_clean(&prop[n], count);
	spin_unlock(&its_lock);
}

bool gic_lpi_dispatch(unsigned int intid)
{
	unsigned int n = intid - GIC_LPI_BASE;
	gic_lpi_fn fn;

	if (intid < GIC_LPI_BASE || intid == GIC_INTID_SPURIOUS)
		return false;
	if (n >= ITS_MAX_LPIS || !(fn = lpi_handler[n].fn)) {
		gic_its.lpis_spurious++;
		return true;
	}
	gic_its.lpis_taken++;
	fn(lpi_handler[n].ctx, intid);
	return true;
}

int gic_its_map_device(uint32_t devid, unsigned int event_bits)
{
	unsigned int i;
	int ret;

	if (!gic_its.on)
		return E_NOENT;
	if (event_bits < 1)
		event_bits = 1;
	if (devid >= BIT(gic_its.devid_bits) || event_bits > gic_its.event_bits ||
	    event_bits > ITS_MAX_EVENT_BITS)
		return E_RANGE;
	spin_lock(&its_lock);
	for (i = 0; i < n_itts && itts[i].devid != devid; i++)
		;
	if (i == n_itts || itts[i].event_bits < event_bits) {
		uint64_t bytes = (uint64_t)gic_its.itt_entry << event_bits, pa;

		/* A new ITT, or a larger one: the old one stays with the pool's other leftovers. */
		if (i == ITS_MAX_DEVICES || bytes > ITS_TABLE_PAGES * 4096 ||
		    !its_alloc(its_actx, pow2_pages(bytes), &pa)) {
			spin_unlock(&its_lock);
			return E_NOMEM;
		}
		itts[i].devid = devid;
		itts[i].event_bits = event_bits;
		itts[i].itt_pa = pa;
		if (i == n_itts)
			n_itts++;
	}
	/* MAPD DW1 Size: EventID bits - 1; DW2 ITT_addr [51:8], V [63]. A zeroed ITT. */
	ret = its_cmd(ITS_CMD_MAPD | (uint64_t)devid << 32, itts[i].event_bits - 1,
		      GITS_VALID | itts[i].itt_pa, 0);
	spin_unlock(&its_lock);
	return ret;
}

/* SYNC against any redistributor: the commands before it have taken effect (5.3.23). */
static int its_sync_any(void)
{
	uintptr_t rd = gic_redist_base(read_sysreg(mpidr_el1));

	return rd ? its_cmd(ITS_CMD_SYNC, 0, rdbase(rd), 0) : 0;
}

int gic_its_unmap_device(uint32_t devid)
{
	int ret;

	if (!gic_its.on)
		return E_NOENT;
	spin_lock(&its_lock);
	ret = its_cmd(ITS_CMD_MAPD | (uint64_t)devid << 32, 0, 0, 0);
	if (!ret)
		ret = its_sync_any();
	spin_unlock(&its_lock);
	return ret;
}

int gic_its_map_event(uint32_t devid, uint32_t event, unsigned int intid, uint64_t mpidr)
{
	uintptr_t rd = gic_redist_base(mpidr);
	int ret;

	if (!gic_its.on)
		return E_NOENT;
	if (!rd)
		return E_NOENT;
	spin_lock(&its_lock);
	ret = its_cmd(ITS_CMD_MAPTI | (uint64_t)devid << 32, (uint64_t)intid << 32 | event,
		      icid_of(rd), 0);
	if (!ret) /* the redistributor may have cached the LPI's configuration (5.1.1) */
		ret = its_cmd(ITS_CMD_INV | (uint64_t)devid << 32, event, 0, 0);
	if (!ret)
		ret = its_cmd(ITS_CMD_SYNC, 0, rdbase(rd), 0);
	spin_unlock(&its_lock);
	return ret;
}

int gic_its_move_event(uint32_t devid, uint32_t event, uint64_t mpidr)
{
	uintptr_t rd = gic_redist_base(mpidr);
	int ret;

	if (!gic_its.on || !rd)
		return E_NOENT;
	spin_lock(&its_lock);
	ret = its_cmd(ITS_CMD_MOVI | (uint64_t)devid << 32, event, icid_of(rd), 0);
	if (!ret)
		ret = its_sync_any();
	spin_unlock(&its_lock);
	return ret;
}

int gic_its_discard_event(uint32_t devid, uint32_t event)
{
	int ret;

	if (!gic_its.on)
		return E_NOENT;
	spin_lock(&its_lock);
	ret = its_cmd(ITS_CMD_DISCARD | (uint64_t)devid << 32, event, 0, 0);
	if (!ret)
		ret = its_sync_any();
	spin_unlock(&its_lock);
	return ret;
}

bool gic_its_v4_ok(void)
{
	return gic_its.on && gic_its.v4 && gic_its.vlpis && gic_its.vpes;
}

/* VSYNC (5.3.31): the ITS's earlier effects on vPE 'vpeid' are visible. Under its_lock. */
static int its_vsync(unsigned int vpeid)
{
	return its_cmd(ITS_CMD_VSYNC, (uint64_t)vpeid << 32, 0, 0);
}

/*
 * A GICv4 command about vPE 'vpeid', then VSYNC so its effect is visible before we return:
 * E_NOENT without GICv4, E_RANGE for a vPEID past the vPE table.
 */
static int its_vcmd(unsigned int vpeid, uint64_t dw0, uint64_t dw1, uint64_t dw2)
{
	int ret;

	if (!gic_its_v4_ok())
		return E_NOENT;
	if (vpeid >= gic_its.vpes)
		return E_RANGE;
	spin_lock(&its_lock);
	ret = its_cmd(dw0, dw1, dw2, 0);
	if (!ret)
		ret = its_vsync(vpeid);
	spin_unlock(&its_lock);
	return ret;
}

int gic_its_vmapp(unsigned int vpeid, uint64_t mpidr, uint64_t vpt_pa, unsigned int id_bits,
		  bool valid)
{
	uintptr_t rd = gic_redist_base(mpidr);
	int ret;

	if (!gic_its_v4_ok() || !rd)
		return E_NOENT;
	if (vpeid >= gic_its.vpes || id_bits < 14 || id_bits > 32 ||
	    (vpt_pa & ~GICR_VPENDBASER_PA_MASK))
		return E_RANGE;
	spin_lock(&its_lock);
	/* VMAPP (5.3.29): DW1 vPEID [47:32]; DW2 V [63], RDbase [51:16]; DW3 VPT_addr, VPT_size. */
	ret = its_cmd(ITS_CMD_VMAPP, (uint64_t)vpeid << 32, (valid ? GITS_VALID : 0) | rdbase(rd),
		      vpt_pa | (id_bits - 1));
	if (!ret)
		ret = valid ? its_vsync(vpeid) : its_cmd(ITS_CMD_SYNC, 0, rdbase(rd), 0);
	spin_unlock(&its_lock);
	return ret;
}

int gic_its_vmapti(uint32_t devid, uint32_t event, unsigned int vpeid, unsigned int vintid,
		   unsigned int doorbell)
{
	/* VMAPTI (5.3.30): DW1 vPEID [47:32], EventID [31:0]; DW2 Dbell_pINTID [63:32], vINTID. */
	return its_vcmd(vpeid, ITS_CMD_VMAPTI | (uint64_t)devid << 32,
			(uint64_t)vpeid << 32 | event,
			(uint64_t)(doorbell ? doorbell : ITS_NO_DOORBELL) << 32 | vintid);
}

int gic_its_vmovi(uint32_t devid, uint32_t event, unsigned int vpeid, unsigned int doorbell)
{
	/* VMOVI (5.3.32): DW1 vPEID, EventID; DW2 Dbell_pINTID [63:32], D [0] (it is valid). */
	return its_vcmd(vpeid, ITS_CMD_VMOVI | (uint64_t)devid << 32, (uint64_t)vpeid << 32 | event,
			doorbell ? (uint64_t)doorbell << 32 | 1 : 0);
}

int gic_its_vdiscard(uint32_t devid, uint32_t event, unsigned int vpeid)
{
	int ret;

	if (!gic_its_v4_ok())
		return E_NOENT;
	spin_lock(&its_lock);
	ret = its_cmd(ITS_CMD_DISCARD | (uint64_t)devid << 32, event, 0, 0);
	if (!ret && vpeid < gic_its.vpes)
		ret = its_vsync(vpeid);
	spin_unlock(&its_lock);
	return ret;
}

int gic_its_vinvall(unsigned int vpeid)
{
	return its_vcmd(vpeid, ITS_CMD_VINVALL, (uint64_t)vpeid << 32, 0);
}

void gic_vpe_load(uintptr_t rd, uint64_t vprop_pa, unsigned int id_bits, uint64_t vpt_pa,
		  bool first)
{
	/* GICR_VPROPBASER changes only while GICR_VPENDBASER.Valid is 0 (12.11.33). */
	mmio_write64(rd + GICR_VPROPBASER, (vprop_pa & GICR_VPROPBASER_PA_MASK) |
						   GICR_BASER_INNER_WB | GICR_BASER_SHARE_IS |
						   (id_bits - 1));
	/*
	 * PendingLast set: the VPT may hold pending vLPIs, so the redistributor scans it.
	 * IDAI on the first load: the VPT's IMPLEMENTATION DEFINED area was never written
	 * (12.11.34). The two registers are Device memory in one frame: written in order.
	 */
	mmio_write64(rd + GICR_VPENDBASER,
		     (vpt_pa & GICR_VPENDBASER_PA_MASK) | GICR_BASER_INNER_WB |
			     GICR_BASER_SHARE_IS | GICR_VPENDBASER_PENDINGLAST |
			     (first ? GICR_VPENDBASER_IDAI : 0) | GICR_VPENDBASER_VALID);
}

bool gic_vpe_put(uintptr_t rd)
{
	uint64_t v = mmio_read64(rd + GICR_VPENDBASER);

	if (!(v & GICR_VPENDBASER_VALID))
		return false;
	mmio_write64(
		rd + GICR_VPENDBASER,
		v & ~(GICR_VPENDBASER_VALID | GICR_VPENDBASER_PENDINGLAST | GICR_VPENDBASER_IDAI));
	/*
	 * Dirty: the redistributor is still writing the vPE's state back to its VPT (12.11.34).
	 * Only once it reads 0 are PendingLast and the VPT meaningful, and may the VPT be
	 * reused.
	 */
	for (unsigned int i = 0; i < ITS_POLL_LIMIT; i++) {
		v = mmio_read64(rd + GICR_VPENDBASER);
		if (!(v & GICR_VPENDBASER_DIRTY))
			return v & GICR_VPENDBASER_PENDINGLAST;
	}
	gic_its.errors++;
	return true; /* assume something is pending: the caller does not sleep on it */
}
