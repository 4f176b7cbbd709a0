// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The ITS test guest (two vCPUs): it finds the arm,gic-v3-its node in its DTB, gives the ITS
 * and both redistributors their tables in its own RAM, maps a device, two collections and an
 * event with MAPD, MAPC and MAPTI, and checks from inside that INT and a write to
 * GITS_TRANSLATER deliver the LPI to vCPU 0, MOVI moves it to vCPU 1, the property table's
 * enable bit with INV, CLEAR and DISCARD behave, and that bad commands (unmapped events, an ITT
 * outside RAM, a queue of garbage) stall the queue as GITS_CREADR shows, and the guest recovers.
 *
 * With a passed-through QEMU edu function as its device 0 it also checks the function's own MSI
 * (mediated by the hypervisor): it reaches vCPU 0, and vCPU 1 after MOVI or a MAPTI into vCPU
 * 1's collection; messages it aims elsewhere (the hypervisor's RAM, its GIC distributor), with
 * an EventID its ITS does not map, or meant for a DeviceID that is not the function's, never
 * arrive; a Multiple Message Enable beyond what the function can is held to what it can. With an
 * NVMe controller as its device 1 it fills that function's MSI-X table, what lies past it and
 * its PBA with garbage: the controller's message then reaches no vCPU, and once vector 0 is
 * aimed right (into vCPU 1's collection) it reaches vCPU 1.
 */
#include "guest.h"

#include "kernel/lib/fdt.h"

extern char secondary_start[];

#define write_sysreg_(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")
#define wr(reg, v)	      write_sysreg_(reg, v)
#define rd(reg)		      read_sysreg(reg)
#define ICC_IAR1	      s3_0_c12_c12_0
#define ICC_EOIR1	      s3_0_c12_c12_1

#define GITS_CTLR	0x0000
#define GITS_TYPER	0x0008
#define GITS_CBASER	0x0080
#define GITS_CWRITER	0x0088
#define GITS_CREADR	0x0090
#define GITS_BASER(n)	(0x0100 + 8 * (n))
#define GITS_TRANSLATER 0x10040
#define GICR_CTLR	0x0000
#define GICR_PROPBASER	0x0070
#define GICR_PENDBASER	0x0078

#define LPI	 8197 /* the event's LPI */
#define LPI_PRIO 0xa0
#define EVENT	 2

/* Tables in our RAM: the property table covers 14-bit INTIDs (8 KiB for LPIs 8192-16383). */
static uint8_t prop[8192] __attribute__((aligned(4096)));
static uint8_t pend[2][65536] __attribute__((aligned(65536)));
static uint64_t cmdq[4096 / 8] __attribute__((aligned(4096)));
static uint64_t devtab[4096 / 8] __attribute__((aligned(4096)));
static uint64_t colltab[4096 / 8] __attribute__((aligned(4096)));
static uint64_t itt[256 / 8] __attribute__((aligned(256)));

static uint64_t itt2[256 / 8] __attribute__((aligned(256)));
static uint64_t itt3[256 / 8] __attribute__((aligned(256)));
/* Device 1, an NVMe controller: its admin queues, and a page for Identify. */
static uint32_t nvme_sq[16 * 16] __attribute__((aligned(4096)));
static uint32_t nvme_cq[16 * 4] __attribute__((aligned(4096)));
static uint8_t nvme_data[4096] __attribute__((aligned(4096)));

static uintptr_t its;
/* The edu function (docs/specs/edu.txt in QEMU): BAR0 and its MSI capability in config space. */
static volatile uint32_t *edu;
static volatile uint8_t *edu_msi;
#define EDU_IRQ_RAISE 0x60 /* WO: status |= value, and an MSI while MSI is enabled */
#define EDU_IRQ_ACK   0x64 /* WO: status &= ~value */
static unsigned int cmd_wr;
static volatile uint64_t lpis[2], last_lpi[2], secondary_up;

static void mb(void)
{
	__asm__ volatile("dsb sy" : : : "memory");
}

static volatile uint64_t *its64(unsigned int off)
{
	return (volatile uint64_t *)(its + off);
}

static volatile uint32_t *its32(unsigned int off)
{
	return (volatile uint32_t *)(its + off);
}

void guest_irq(void)
{
	uint64_t iar = rd(ICC_IAR1), cpu = rd(mpidr_el1) & 0xff;

	if ((iar & 0xffffff) >= 1020 && (iar & 0xffffff) < 8192)
		return;
	if ((iar & 0xffffff) >= 8192 && cpu < 2) {
		lpis[cpu]++;
		last_lpi[cpu] = iar & 0xffffff;
	}
	if (edu)
		edu[EDU_IRQ_ACK / 4] = ~0U;
	wr(ICC_EOIR1, iar);
	__asm__ volatile("isb");
}

void guest_secondary(uint64_t cpu)
{
	(void)cpu;
	guest_gic_enable();
	secondary_up = 1;
	for (;;)
		__asm__ volatile("wfi");
}

/* Queue one command and let the ITS run it. */
static void its_cmd(uint64_t d0, uint64_t d1, uint64_t d2, uint64_t d3)
{
	uint64_t *c = &cmdq[cmd_wr / 8];

	c[0] = d0;
	c[1] = d1;
	c[2] = d2;
	c[3] = d3;
	cmd_wr = (cmd_wr + 32) % sizeof(cmdq);
	mb(); /* the command is in memory before the ITS is told of it */
	*its64(GITS_CWRITER) = cmd_wr;
}

static uint64_t creadr(void)
{
	return *its64(GITS_CREADR);
}

#define MAPD(dev, size, itt_pa) \
	its_cmd(0x08 | (uint64_t)(dev) << 32, (size), (1UL << 63) | (itt_pa), 0)
#define MAPC(icid, rd) its_cmd(0x09, 0, (1UL << 63) | (uint64_t)(rd) << 16 | (icid), 0)
#define MAPTI(dev, ev, lpi, icid) \
	its_cmd(0x0a | (uint64_t)(dev) << 32, (ev) | (uint64_t)(lpi) << 32, (icid), 0)
#define INT(dev, ev)	    its_cmd(0x03 | (uint64_t)(dev) << 32, (ev), 0, 0)
#define CLEAR(dev, ev)	    its_cmd(0x04 | (uint64_t)(dev) << 32, (ev), 0, 0)
#define DISCARD(dev, ev)    its_cmd(0x0f | (uint64_t)(dev) << 32, (ev), 0, 0)
#define INV(dev, ev)	    its_cmd(0x0c | (uint64_t)(dev) << 32, (ev), 0, 0)
#define MOVI(dev, ev, icid) its_cmd(0x01 | (uint64_t)(dev) << 32, (ev), (icid), 0)
#define SYNC(rd)	    its_cmd(0x05, 0, (uint64_t)(rd) << 16, 0)

/* Wait a while for 'count' to reach 'want'; WFI sleeps until an interrupt comes. */
static bool wait_for(volatile uint64_t *count, uint64_t want)
{
	for (unsigned long i = 0; i < 2000000UL && *count < want; i++)
		__asm__ volatile("" : : : "memory");
	return *count >= want;
}

static uintptr_t find_its(const void *dtb)
{
	struct fdt f;
	const void *reg;
	uint32_t len;
	int node;

	if (fdt_init(&f, dtb, 1 << 20))
		return 0;
	node = fdt_find_compatible(&f, -1, "arm,gic-v3-its");
	if (node < 0 || !fdt_getprop(&f, node, "msi-controller", &len))
		return 0;
	reg = fdt_getprop(&f, node, "reg", &len);
	return reg && len >= 16 ? (uintptr_t)fdt_read_cells(reg, 2) : 0;
}

static void setup_redistributors(void)
{
	for (unsigned int c = 0; c < 2; c++) {
		uintptr_t r = guest_gicr(c);

		*(volatile uint64_t *)(r + GICR_PROPBASER) = (uintptr_t)prop | 13; /* IDbits 14 */
		*(volatile uint64_t *)(r + GICR_PENDBASER) = (uintptr_t)pend[c];
		*(volatile uint32_t *)(r + GICR_CTLR) = 1; /* EnableLPIs */
	}
}

static void setup_its(void)
{
	uint64_t typer = *its64(GITS_TYPER);

	guest_check((typer & 1) && ((typer >> 4) & 0xf) == 7 && !((typer >> 19) & 1), "its-typer",
		    "GITS_TYPER 0x%llx", (unsigned long long)typer);
	guest_check((*its64(GITS_BASER(0)) >> 56 & 7) == 1 &&
			    (*its64(GITS_BASER(1)) >> 56 & 7) == 4,
		    "its-baser-types", "BASER0 0x%llx BASER1 0x%llx",
		    (unsigned long long)*its64(GITS_BASER(0)),
		    (unsigned long long)*its64(GITS_BASER(1)));
	*its64(GITS_BASER(0)) = (1UL << 63) | (uintptr_t)devtab; /* 4 KiB pages, one page */
	*its64(GITS_BASER(1)) = (1UL << 63) | (uintptr_t)colltab;
	*its64(GITS_CBASER) = (1UL << 63) | (uintptr_t)cmdq; /* Size 0: one page */
	*its64(GITS_CWRITER) = 0;
	*its32(GITS_CTLR) = 1; /* Enabled */
}

static void delivery_checks(void)
{
	prop[LPI - 8192] = LPI_PRIO | 1; /* enabled */
	mb();
	MAPD(0, 3, (uintptr_t)itt); /* 16 events */
	MAPC(0, 0);
	MAPC(1, 1);
	MAPTI(0, EVENT, LPI, 0);
	SYNC(0);
	guest_check(creadr() == cmd_wr, "its-queue-drained", "CREADR 0x%llx CWRITER 0x%x",
		    (unsigned long long)creadr(), cmd_wr);
	INT(0, EVENT);
	guest_check(wait_for(&lpis[0], 1) && last_lpi[0] == LPI, "lpi-int", "%llu LPIs, last %llu",
		    (unsigned long long)lpis[0], (unsigned long long)last_lpi[0]);
	*its32(GITS_TRANSLATER) = EVENT; /* an MSI from our CPU: DeviceID 0 */
	guest_check(wait_for(&lpis[0], 2) && last_lpi[0] == LPI, "lpi-translater",
		    "%llu LPIs, last %llu", (unsigned long long)lpis[0],
		    (unsigned long long)last_lpi[0]);
	MOVI(0, EVENT, 1);
	INT(0, EVENT);
	guest_check(wait_for(&lpis[1], 1) && last_lpi[1] == LPI && lpis[0] == 2, "movi-to-vcpu1",
		    "vcpu1 %llu LPIs (last %llu), vcpu0 %llu", (unsigned long long)lpis[1],
		    (unsigned long long)last_lpi[1], (unsigned long long)lpis[0]);
	MOVI(0, EVENT, 0);

	/* Disabled in the property table: it stays pending until enabled (INV re-reads it). */
	prop[LPI - 8192] = LPI_PRIO;
	mb();
	INV(0, EVENT);
	INT(0, EVENT);
	bool held = !wait_for(&lpis[0], 3);
	prop[LPI - 8192] = LPI_PRIO | 1;
	mb();
	INV(0, EVENT);
	guest_check(held && wait_for(&lpis[0], 3), "lpi-enable-inv", "held %d, %llu LPIs", held,
		    (unsigned long long)lpis[0]);
	/* CLEAR takes the pending state back. */
	prop[LPI - 8192] = LPI_PRIO;
	mb();
	INV(0, EVENT);
	INT(0, EVENT);
	CLEAR(0, EVENT);
	prop[LPI - 8192] = LPI_PRIO | 1;
	mb();
	INV(0, EVENT);
	guest_check(!wait_for(&lpis[0], 4), "lpi-clear", "%llu LPIs", (unsigned long long)lpis[0]);
}

/* Recover a stalled queue: the command at CREADR becomes a SYNC, then Retry. */
static void unstall(void)
{
	uint64_t *c = &cmdq[(creadr() & 0xfffe0) / 8];

	c[0] = 0x05;
	c[1] = c[3] = 0;
	c[2] = 0;
	mb();
	*its64(GITS_CWRITER) = cmd_wr | 1; /* Retry */
}

static void error_checks(void)
{
	uint64_t at, r;

	/* DISCARD unmaps the event: an INT for it is a command error, and the queue stalls. */
	DISCARD(0, EVENT);
	at = cmd_wr;
	INT(0, EVENT);
	SYNC(0);
	r = creadr();
	guest_check((r & 1) && (r & 0xfffe0) == at && !wait_for(&lpis[0], 4), "its-error-stalls",
		    "CREADR 0x%llx, INT at 0x%llx", (unsigned long long)r, (unsigned long long)at);
	unstall();
	r = creadr();
	guest_check(!(r & 1) && r == cmd_wr, "its-retry-recovers", "CREADR 0x%llx CWRITER 0x%x",
		    (unsigned long long)r, cmd_wr);
	/* The translation of an unmapped event is dropped, nothing else happens. */
	*its32(GITS_TRANSLATER) = EVENT;
	guest_check(!wait_for(&lpis[0], 4), "its-unmapped-msi-dropped", "%llu LPIs",
		    (unsigned long long)lpis[0]);

	/* An ITT outside our RAM, a bogus DeviceID, an LPI this GIC does not have. */
	MAPD(1, 3, 0x1000UL);
	r = creadr();
	guest_check(r & 1, "its-itt-outside-ram", "CREADR 0x%llx", (unsigned long long)r);
	unstall();
	MAPD(0xfffff, 3, (uintptr_t)itt);
	r = creadr();
	guest_check(r & 1, "its-bogus-deviceid", "CREADR 0x%llx", (unsigned long long)r);
	unstall();
	MAPTI(0, EVENT, 100, 0); /* an SPI's INTID */
	r = creadr();
	guest_check(r & 1, "its-bogus-intid", "CREADR 0x%llx", (unsigned long long)r);
	unstall();
	MAPTI(0, 99, LPI, 0); /* beyond the ITT's 16 events */
	r = creadr();
	guest_check(r & 1, "its-bogus-eventid", "CREADR 0x%llx", (unsigned long long)r);
	unstall();

	/* A queue of garbage: it stalls at the first bad command; CBASER starts it over. */
	uint64_t x = 0x9e3779b97f4a7c15UL;
	for (unsigned int i = 0; i < sizeof(cmdq) / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		cmdq[i] = x;
	}
	mb();
	*its64(GITS_CWRITER) = sizeof(cmdq) - 32;
	r = creadr();
	guest_check(r & 1, "its-garbage-stalls", "CREADR 0x%llx", (unsigned long long)r);
	*its32(GITS_CTLR) = 0;
	*its64(GITS_CBASER) = (1UL << 63) | (uintptr_t)cmdq;
	*its64(GITS_CWRITER) = 0;
	cmd_wr = 0;
	*its32(GITS_CTLR) = 1;
	/* Whatever of the garbage ran as a valid command may have remapped: map again. */
	MAPD(0, 3, (uintptr_t)itt);
	MAPC(0, 0);
	MAPTI(0, EVENT, LPI, 0);
	INT(0, EVENT);
	guest_check(creadr() == cmd_wr && wait_for(&lpis[0], 4), "its-cbaser-recovers",
		    "CREADR 0x%llx, %llu LPIs", (unsigned long long)creadr(),
		    (unsigned long long)lpis[0]);
}

/* Device 0 as the edu function (1234:11e8) with an MSI capability: true when it is. */
static bool find_edu(const void *dtb)
{
	volatile uint8_t *cfg = guest_dev0_config(dtb);
	unsigned int cap, hops = 0;

	if (!cfg || *(volatile uint32_t *)cfg != 0x11e81234)
		return false;
	for (cap = cfg[0x34]; cap && cfg[cap] != 0x05 && hops < 48; hops++)
		cap = cfg[cap + 1];
	if (!cap || cfg[cap] != 0x05)
		return false;
	*(volatile uint16_t *)(cfg + 0x04) = 0x6; /* Memory Space, Bus Master */
	edu_msi = cfg + cap;
	edu = (volatile uint32_t *)(uintptr_t)(*(volatile uint32_t *)(cfg + 0x10) & ~0xfU);
	return true;
}

/* The function's MSI: off, the message (address, data), then on with Multiple Message 'mme'. */
static void msi_program(uint64_t addr, uint16_t data, unsigned int mme)
{
	bool a64 = edu_msi[2] & 0x80;

	*(volatile uint16_t *)(edu_msi + 2) = 0;
	*(volatile uint32_t *)(edu_msi + 4) = (uint32_t)addr;
	if (a64)
		*(volatile uint32_t *)(edu_msi + 8) = (uint32_t)(addr >> 32);
	*(volatile uint16_t *)(edu_msi + (a64 ? 12 : 8)) = data;
	*(volatile uint16_t *)(edu_msi + 2) = (uint16_t)(1 | mme << 4); /* MSI Enable */
}

/* The function raises its MSI: true when an LPI then arrives at vCPU 'cpu' (and none elsewhere). */
static bool dev_msi_to(unsigned int cpu)
{
	uint64_t before[2] = { lpis[0], lpis[1] };

	edu[EDU_IRQ_RAISE / 4] = 1;
	return wait_for(&lpis[cpu], before[cpu] + 1) && last_lpi[cpu] == LPI &&
	       lpis[!cpu] == before[!cpu];
}

/* The function raises its MSI: true when no LPI arrives anywhere. */
static bool dev_msi_lost(void)
{
	uint64_t before = lpis[0] + lpis[1];

	edu[EDU_IRQ_RAISE / 4] = 1;
	for (unsigned long i = 0; i < 2000000UL; i++)
		__asm__ volatile("" : : : "memory");
	return lpis[0] + lpis[1] == before;
}

static void device_checks(void)
{
	uint64_t doorbell = its + GITS_TRANSLATER;
	unsigned int mme;

	MAPC(1, 1); /* the garbage of error_checks() may have unmapped it */
	SYNC(0);
	msi_program(doorbell, EVENT, 0);
	guest_check(dev_msi_to(0), "dev-msi-vcpu0", "vcpu0 %llu, vcpu1 %llu LPIs",
		    (unsigned long long)lpis[0], (unsigned long long)lpis[1]);

	/* Aimed at the hypervisor's RAM, then at our distributor's GICD_SETSPI_NSR: no message. */
	msi_program(0x40000000UL, EVENT, 0);
	bool lost_ram = dev_msi_lost();
	msi_program(0x08000040UL, EVENT, 0);
	guest_check(lost_ram && dev_msi_lost(), "dev-msi-aimed-elsewhere-dropped",
		    "an LPI arrived");
	/* An EventID our ITS does not map for the function. */
	msi_program(doorbell, 0x777, 0);
	guest_check(dev_msi_lost(), "dev-msi-unmapped-event-dropped", "an LPI arrived");
	/* DeviceID 0x10 is mapped, but the function's messages carry its own DeviceID (0). */
	prop[LPI + 1 - 8192] = LPI_PRIO | 1;
	mb();
	MAPD(0x10, 3, (uintptr_t)itt2);
	MAPTI(0x10, 5, LPI + 1, 0);
	msi_program(doorbell, 5, 0);
	guest_check(creadr() == cmd_wr && dev_msi_lost(), "dev-msi-foreign-deviceid-dropped",
		    "CREADR 0x%llx, an LPI arrived", (unsigned long long)creadr());
	/* 32 messages asked of a function capable of 1: held to 1 (PCI 3.0, 6.8.1.3). */
	msi_program(doorbell, EVENT, 5);
	mme = (edu_msi[2] >> 4) & 7;
	guest_check(mme == 0 && dev_msi_to(0), "dev-msi-mme-held", "MME %u", mme);

	/* Moved to vCPU 1: by MOVI, then back by MAPTI, then by MAPTI into another collection. */
	MOVI(0, EVENT, 1);
	SYNC(1);
	guest_check(dev_msi_to(1), "dev-msi-movi-vcpu1", "vcpu0 %llu, vcpu1 %llu LPIs",
		    (unsigned long long)lpis[0], (unsigned long long)lpis[1]);
	MAPTI(0, EVENT, LPI, 0);
	SYNC(0);
	guest_check(dev_msi_to(0), "dev-msi-mapti-vcpu0", "vcpu0 %llu, vcpu1 %llu LPIs",
		    (unsigned long long)lpis[0], (unsigned long long)lpis[1]);
	MAPC(2, 1);
	MAPTI(0, EVENT, LPI, 2);
	SYNC(1);
	guest_check(dev_msi_to(1), "dev-msi-mapti-vcpu1", "vcpu0 %llu, vcpu1 %llu LPIs",
		    (unsigned long long)lpis[0], (unsigned long long)lpis[1]);
	guest_printf("guest: device MSIs done, the last on vcpu1\n");
}

static uint64_t nvme_bar;

/*
 * One 32-bit store or load at 'a', as a single plain STR/LDR: the MSI-X table traps, and an
 * access with writeback (which a compiler may pick in a loop) has no syndrome to emulate.
 */
static void wr32(uintptr_t a, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(a) : "memory");
}

static uint32_t rd32(uintptr_t a)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}
static unsigned int nvme_cids;

static bool nvme_ready(uint32_t want)
{
	for (unsigned long i = 0; i < 100000000UL; i++)
		if ((*(volatile uint32_t *)(nvme_bar + NVME_CSTS) & 1) == want)
			return true;
	return false;
}

/* Identify Controller, completed by polling its queue: its interrupt is the message. */
static bool nvme_identify(void)
{
	unsigned int cid = nvme_cids++;
	uint32_t *e = &nvme_sq[16 * (cid % 16)];
	volatile uint32_t *c = &nvme_cq[4 * (cid % 16)];
	uint32_t phase = (cid / 16 + 1) & 1;

	for (unsigned int i = 0; i < 16; i++)
		e[i] = 0;
	e[0] = 0x06 | cid << 16; /* Identify */
	e[6] = (uint32_t)(uintptr_t)nvme_data;
	e[7] = (uint32_t)((uint64_t)(uintptr_t)nvme_data >> 32);
	e[10] = 1; /* CNS: the controller */
	mb();	   /* the entry is in memory before the doorbell */
	*(volatile uint32_t *)(nvme_bar + NVME_SQ0TDBL) = (cid + 1) % 16;
	for (unsigned long i = 0; i < 100000000UL; i++) {
		if ((c[3] >> 16 & 1) == phase) {
			*(volatile uint32_t *)(nvme_bar + NVME_SQ0TDBL + 4) = (cid + 1) % 16;
			return (c[3] >> 17) == 0;
		}
	}
	return false;
}

/*
 * Device 1, when it is an NVMe controller with MSI-X (QEMU's): garbage in every entry of its
 * MSI-X table and past it, unmasked, and in the PBA; MSI-X on; the controller's admin
 * completion (vector 0) must then reach no vCPU. Vector 0 aimed right, at an event of DeviceID
 * 8 (its RID) in vCPU 1's collection: the completion's message arrives there.
 */
static void msix_checks(volatile uint8_t *cfg)
{
	unsigned int cap, hops = 0, n;
	uint32_t tbl, pba, pba_before, pba_after;
	uintptr_t table;
	uint64_t before;
	bool ok;

	if (*(volatile uint32_t *)cfg != 0x00101b36)
		return;
	for (cap = cfg[0x34]; cap && cfg[cap] != 0x11 && hops < 48; hops++)
		cap = cfg[cap + 1];
	if (!cap || cfg[cap] != 0x11)
		return;
	*(volatile uint16_t *)(cfg + 0x04) = 0x6; /* Memory Space, Bus Master */
	nvme_bar = (*(volatile uint32_t *)(cfg + 0x10) & ~0xfU) |
		   (uint64_t) * (volatile uint32_t *)(cfg + 0x14) << 32;
	n = (*(volatile uint16_t *)(cfg + cap + 2) & 0x7ff) + 1;
	tbl = *(volatile uint32_t *)(cfg + cap + 4);
	pba = *(volatile uint32_t *)(cfg + cap + 8);
	table = (uintptr_t)(nvme_bar + (tbl & ~7U)); /* BIR 0 (QEMU's) */
	uint64_t x = 0x2545f4914f6cdd1dUL;
	for (unsigned int i = 0; i < 4 * n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		wr32(table + 4 * i, (i & 3) == 3 ? 0 : (uint32_t)x); /* unmasked */
	}
	/* Past the table, to the end of its page. */
	for (uintptr_t a = table + 16 * n; a & 0xfff; a += 4)
		wr32(a, 0xdeadbeef);
	ok = rd32(table) != 0 && rd32(table + 12) == 0;
	pba_before = rd32((uintptr_t)(nvme_bar + (pba & ~7U)));
	wr32((uintptr_t)(nvme_bar + (pba & ~7U)), ~0U);
	pba_after = rd32((uintptr_t)(nvme_bar + (pba & ~7U)));
	guest_check(ok && pba_after == pba_before, "dev-msix-garbage-kept",
		    "entry 0 0x%x ctrl 0x%x, PBA 0x%x then 0x%x", rd32(table), rd32(table + 12),
		    pba_before, pba_after);
	*(volatile uint16_t *)(cfg + cap + 2) = 0x8000; /* MSI-X Enable, no Function Mask */

	*(volatile uint32_t *)(nvme_bar + NVME_CC) = 0;
	nvme_ready(0);
	*(volatile uint32_t *)(nvme_bar + NVME_AQA) = 15u << 16 | 15u;
	*(volatile uint32_t *)(nvme_bar + NVME_ASQ) = (uint32_t)(uintptr_t)nvme_sq;
	*(volatile uint32_t *)(nvme_bar + NVME_ASQ + 4) =
		(uint32_t)((uint64_t)(uintptr_t)nvme_sq >> 32);
	*(volatile uint32_t *)(nvme_bar + NVME_ACQ) = (uint32_t)(uintptr_t)nvme_cq;
	*(volatile uint32_t *)(nvme_bar + NVME_ACQ + 4) =
		(uint32_t)((uint64_t)(uintptr_t)nvme_cq >> 32);
	*(volatile uint32_t *)(nvme_bar + NVME_CC) = NVME_CC_EN | NVME_CC_QES;
	before = lpis[0] + lpis[1];
	ok = nvme_ready(1) && nvme_identify();
	for (unsigned long i = 0; i < 2000000UL; i++)
		__asm__ volatile("" : : : "memory");
	guest_check(ok && lpis[0] + lpis[1] == before, "dev-msix-garbage-dropped",
		    "identify %d, %llu LPIs arrived", ok,
		    (unsigned long long)(lpis[0] + lpis[1] - before));

	prop[LPI + 2 - 8192] = LPI_PRIO | 1;
	mb();
	MAPD(8, 3, (uintptr_t)itt3);
	MAPTI(8, 3, LPI + 2, 1);
	SYNC(1);
	wr32(table, (uint32_t)(its + GITS_TRANSLATER));
	wr32(table + 4, (uint32_t)((uint64_t)(its + GITS_TRANSLATER) >> 32));
	wr32(table + 8, 3);
	before = lpis[1];
	ok = nvme_identify();
	guest_check(ok && wait_for(&lpis[1], before + 1) && last_lpi[1] == LPI + 2,
		    "dev-msix-to-vcpu1", "identify %d, vcpu1 %llu LPIs, last %llu", ok,
		    (unsigned long long)lpis[1], (unsigned long long)last_lpi[1]);
	*(volatile uint32_t *)(nvme_bar + NVME_CC) = 0;
	nvme_ready(0);
	guest_printf("guest: MSI-X checks done\n");
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	its = find_its(dtb);
	guest_check(its != 0, "its-in-dtb", "no arm,gic-v3-its msi-controller");
	if (!its) {
		guest_summary();
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	}
	guest_gic_enable();
	guest_hvc(PSCI_CPU_ON, 1, (uintptr_t)secondary_start, 1);
	for (unsigned long i = 0; i < 200000000UL && !secondary_up; i++)
		__asm__ volatile("" : : : "memory");
	setup_redistributors();
	setup_its();
	delivery_checks();
	error_checks();
	if (find_edu(dtb))
		device_checks();
	if (guest_dev0_config(dtb))
		msix_checks(guest_dev0_config(dtb) + (1 << 15)); /* device 1 */
	guest_summary();
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}
