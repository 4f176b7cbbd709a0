// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of pci/: a simulated ECAM with per-byte write masks (the way QEMU models config
 * space) runs the enumeration, BAR sizing and assignment, and the capability walks; plus the
 * names, the BDF syntax and the NVMe register decoders checked against the spec's bit layout.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/lib/err.h"
#include "kernel/lib/fdt.h"
#include "kernel/platform.h"
#include "pci/nvme.h"
#include "pci/pci.h"
#include "test.h"

/* ---- The simulated config space ------------------------------------------------------------ */

#define SIM_MAX_FN 80

struct sim_fn {
	bool used;
	bool ghost;    /* answers for every device number of its bus (a misbehaving device) */
	bool fn_alias; /* single-function device answering for every function number */
	int parent;    /* sim index of the bridge above, -1 on the root bus */
	unsigned int dev, fn;
	uint8_t cfg[4096];
	uint8_t wmask[4096]; /* writable bits */
	uint8_t w1c[4096];   /* write-one-to-clear bits */
};

struct sim {
	struct sim_fn fn[SIM_MAX_FN];
	unsigned int bus_start, bus_end;
	unsigned long reads, writes;
	unsigned int bad_access;     /* unaligned, or outside the ECAM window */
	unsigned int sized_decoding; /* a BAR got all-ones while its decode was on */
	unsigned int conflicts;	     /* two bridges claimed the same bus */
};

static struct sim sim;

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static bool sim_is_bridge(const struct sim_fn *f)
{
	return (f->cfg[PCI_HEADER_TYPE] & 0x7f) == 1;
}

/* Route a config access to bus 'bus' the way bridges do: a bridge claims buses sec..sub. */
static struct sim_fn *sim_lookup(unsigned int bus, unsigned int dev, unsigned int fn)
{
	int parent = -1;
	unsigned int cur = sim.bus_start;

	for (int hops = 0; hops < SIM_MAX_FN; hops++) {
		int next = -1;

		for (int i = 0; i < SIM_MAX_FN; i++) {
			struct sim_fn *f = &sim.fn[i];

			if (!f->used || f->parent != parent)
				continue;
			if (bus == cur) {
				if ((f->fn == fn || f->fn_alias) && (f->dev == dev || f->ghost))
					return f;
				continue;
			}
			if (sim_is_bridge(f)) {
				unsigned int sec = f->cfg[0x19], sub = f->cfg[0x1a];

				if (sec > cur && sec <= bus && bus <= sub) {
					if (next >= 0)
						sim.conflicts++; /* both would answer: garbage */
					next = i;
				}
			}
		}
		if (bus == cur || next < 0)
			return NULL;
		parent = next;
		cur = sim.fn[next].cfg[0x19];
	}
	return NULL;
}

static struct sim_fn *sim_decode(uint64_t off, unsigned int *reg)
{
	if ((off & 3) || off >= (uint64_t)(sim.bus_end - sim.bus_start + 1) << 20) {
		sim.bad_access++;
		return NULL;
	}
	*reg = off & 0xfff;
	return sim_lookup(sim.bus_start + (unsigned int)(off >> 20), (off >> 15) & 31,
			  (off >> 12) & 7);
}

static uint32_t sim_read32(void *ctx, uint64_t off)
{
	unsigned int reg;
	struct sim_fn *f;

	(void)ctx;
	sim.reads++;
	f = sim_decode(off, &reg);
	return f ? rd32(f->cfg + reg) : 0xffffffffu;
}

static void sim_write32(void *ctx, uint64_t off, uint32_t v)
{
	unsigned int reg;
	struct sim_fn *f;

	(void)ctx;
	sim.writes++;
	f = sim_decode(off, &reg);
	if (!f)
		return;
	if (v == 0xffffffffu && reg >= 0x10 && reg < (sim_is_bridge(f) ? 0x18u : 0x28u) &&
	    (f->cfg[PCI_COMMAND] & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)))
		sim.sized_decoding++;
	for (int i = 0; i < 4; i++) {
		uint8_t b = (uint8_t)(v >> (8 * i)), *c = &f->cfg[reg + i];

		*c = (uint8_t)(((*c & ~f->wmask[reg + i]) | (b & f->wmask[reg + i])) &
			       ~(b & f->w1c[reg + i]));
	}
}

static struct pci_cfg_ops sim_ops(void)
{
	return (struct pci_cfg_ops){ sim_read32, sim_write32, &sim, (uint8_t)sim.bus_start,
				     (uint8_t)sim.bus_end };
}

static void sim_reset(unsigned int bus_start, unsigned int bus_end)
{
	memset(&sim, 0, sizeof(sim));
	sim.bus_start = bus_start;
	sim.bus_end = bus_end;
}

/* A function with read-only IDs, a writable command register and RW1C status bits. */
static int sim_add(int parent, unsigned int dev, unsigned int fn, uint16_t vendor, uint16_t device,
		   uint32_t class_rev, uint8_t hdr)
{
	for (int i = 0; i < SIM_MAX_FN; i++) {
		struct sim_fn *f = &sim.fn[i];

		if (f->used)
			continue;
		memset(f, 0, sizeof(*f));
		f->used = true;
		f->parent = parent;
		f->dev = dev;
		f->fn = fn;
		wr16(f->cfg + 0, vendor);
		wr16(f->cfg + 2, device);
		wr32(f->cfg + 8, class_rev);
		f->cfg[PCI_HEADER_TYPE] = hdr;
		wr16(f->wmask + PCI_COMMAND, 0x0547); /* IO MEM MASTER PARITY SERR INTX_DIS */
		wr16(f->w1c + PCI_STATUS, 0xf900);    /* error bits */
		f->wmask[PCI_INTERRUPT_LINE] = 0xff;
		if ((hdr & 0x7f) == 1) {
			wr32(f->wmask + PCI_PRIMARY_BUS, 0xffffffffu);
			wr32(f->wmask + PCI_MEMORY_BASE, 0xfff0fff0u);
			wr16(f->w1c + PCI_SEC_STATUS, 0xf900);
			wr16(f->wmask + PCI_BRIDGE_CONTROL, 0x0fff);
		}
		return i;
	}
	fprintf(stderr, "sim full\n");
	exit(2);
}

/* Bridge options: I/O window (none, 16- or 32-bit), prefetchable window (none, 32, 64). */
static void sim_bridge_windows(int i, int io_bits, int pref_bits)
{
	struct sim_fn *f = &sim.fn[i];

	if (io_bits) {
		f->wmask[PCI_IO_BASE] = f->wmask[PCI_IO_BASE + 1] = 0xf0;
		f->cfg[PCI_IO_BASE] = f->cfg[PCI_IO_BASE + 1] = io_bits == 32 ? 1 : 0;
		if (io_bits == 32)
			wr32(f->wmask + PCI_IO_BASE_UPPER16, 0xffffffffu);
	}
	if (pref_bits) {
		wr32(f->wmask + PCI_PREF_MEMORY_BASE, 0xfff0fff0u);
		wr16(f->cfg + PCI_PREF_MEMORY_BASE, pref_bits == 64 ? 1 : 0);
		wr16(f->cfg + PCI_PREF_MEMORY_BASE + 2, pref_bits == 64 ? 1 : 0);
		if (pref_bits == 64) {
			wr32(f->wmask + PCI_PREF_BASE_UPPER32, 0xffffffffu);
			wr32(f->wmask + PCI_PREF_LIMIT_UPPER32, 0xffffffffu);
		}
	}
}

#define BAR_IO	 0x1u
#define BAR_64	 0x4u
#define BAR_PREF 0x8u

/* A BAR of a power-of-two size: the address bits below the size read as zero. */
static void sim_bar(int i, unsigned int bar, uint64_t size, uint32_t type)
{
	struct sim_fn *f = &sim.fn[i];
	unsigned int reg = 0x10 + 4 * bar;
	uint64_t mask = ~(size - 1);

	wr32(f->cfg + reg, type);
	wr32(f->wmask + reg, (uint32_t)mask & ((type & BAR_IO) ? ~0x3u : ~0xfu));
	if (type & BAR_64)
		wr32(f->wmask + reg + 4, (uint32_t)(mask >> 32));
}

/* A BAR register with arbitrary read-only low bits and write mask. */
static void sim_bar_raw(int i, unsigned int reg, uint32_t ro, uint32_t wmask)
{
	wr32(sim.fn[i].cfg + reg, ro);
	wr32(sim.fn[i].wmask + reg, wmask);
}

static void sim_rom(int i, uint32_t size)
{
	unsigned int reg = sim_is_bridge(&sim.fn[i]) ? 0x38 : 0x30;

	wr32(sim.fn[i].wmask + reg, ~(size - 1) | 1u);
}

/* A standard capability: header plus up to 4 dwords of body. */
static void sim_cap(int i, uint8_t off, uint8_t id, uint8_t next, uint16_t word2, uint32_t d1,
		    uint32_t d2)
{
	struct sim_fn *f = &sim.fn[i];

	f->cfg[off] = id;
	f->cfg[off + 1] = next;
	wr16(f->cfg + off + 2, word2);
	wr32(f->cfg + off + 4, d1);
	wr32(f->cfg + off + 8, d2);
	wr16(f->cfg + PCI_STATUS, rd16(f->cfg + PCI_STATUS) | PCI_STATUS_CAP_LIST);
}

static void sim_cap_ptr(int i, uint8_t ptr)
{
	sim.fn[i].cfg[PCI_CAP_PTR] = ptr;
	wr16(sim.fn[i].cfg + PCI_STATUS, rd16(sim.fn[i].cfg + PCI_STATUS) | PCI_STATUS_CAP_LIST);
}

/* A PCI Express capability (version 2) of the given port type; link x1 at 2.5 GT/s. */
static void sim_cap_exp(int i, uint8_t off, uint8_t next, uint8_t type)
{
	sim_cap(i, off, PCI_CAP_ID_EXP, next,
		(uint16_t)(2 | type << 4 | (type == PCI_EXP_TYPE_ROOT_PORT ? 0x100 : 0)),
		0x1 /* 256 */, 0);
	wr32(sim.fn[i].cfg + off + 0x0c, 0x1 | 1 << 4 | 3u << 24);
	wr16(sim.fn[i].cfg + off + 0x12, 0x1 | 1 << 4);
}

static void sim_ext_cap(int i, uint16_t off, uint16_t id, uint8_t ver, uint16_t next)
{
	wr32(sim.fn[i].cfg + off, (uint32_t)id | (uint32_t)ver << 16 | (uint32_t)next << 20);
}

/* ---- Loading the QEMU virt windows through platform.c ------------------------------------- */

static struct platform plat;

static void load_qemu_platform(void)
{
	char path[] = TEST_FIXTURES "virt-max-smp4-2G.dtb";
	struct err_why why;
	FILE *fp = fopen(path, "rb");
	static uint8_t blob[1 << 20];
	struct fdt f;
	size_t n;

	if (!fp) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	n = fread(blob, 1, sizeof(blob), fp);
	fclose(fp);
	if (fdt_init(&f, blob, n) || plat_parse(&plat, &f, &why)) {
		fprintf(stderr, "cannot parse %s\n", path);
		exit(2);
	}
}

/* ---- Invariants every assignment must satisfy ---------------------------------------------- */

static struct pci_topo topo;

static bool mem_kind(const struct pci_bar *b)
{
	return b->kind == PCI_BAR_MEM32 || b->kind == PCI_BAR_MEM64;
}

static bool inside(uint64_t a, uint64_t asize, uint64_t base, uint64_t limit)
{
	return asize && a >= base && a + asize - 1 <= limit && a + asize - 1 >= a;
}

static bool overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

/* Is function j below bridge i (at any depth)? */
static bool below(const struct pci_topo *t, int j, int i)
{
	for (int p = t->fn[j].parent; p >= 0; p = t->fn[p].parent)
		if (p == i)
			return true;
	return false;
}

/* The bridge window that holds an item of function j: io for I/O, else mem or pref. */
static bool in_parent_window(const struct pci_topo *t, int j, bool io, uint64_t a, uint64_t s,
			     bool pref_ok)
{
	const struct pci_func *p = &t->fn[t->fn[j].parent];

	if (io)
		return p->br.io.assigned && inside(a, s, p->br.io.base, p->br.io.limit);
	if (p->br.mem.assigned && inside(a, s, p->br.mem.base, p->br.mem.limit))
		return true;
	return pref_ok && p->br.pref.assigned && inside(a, s, p->br.pref.base, p->br.pref.limit);
}

static void check_invariants(const struct pci_topo *t)
{
	const struct pci_cfg_ops ops = sim_ops();

	CHECK_EQ_U64(sim.conflicts, 0);
	CHECK_EQ_U64(sim.bad_access, 0);
	CHECK_EQ_U64(sim.sized_decoding, 0);

	for (unsigned int i = 0; i < t->n_fn; i++) {
		const struct pci_func *f = &t->fn[i];
		const struct sim_fn *sf =
			sim_lookup(PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf));
		bool io_ok = true, mem_ok = true, io_any = false, mem_any = false;

		CHECK(sf != NULL);
		if (!sf)
			continue;
		for (unsigned int b = 0; b < f->n_bars; b++) {
			const struct pci_bar *bar = &f->bar[b];
			const struct pci_window *w;
			bool io = bar->kind == PCI_BAR_IO;

			if (io)
				io_any = true;
			if (mem_kind(bar))
				mem_any = true;
			if (!(bar->flags & PCI_BAR_F_ASSIGNED)) {
				if (io)
					io_ok = false;
				if (mem_kind(bar))
					mem_ok = false;
				continue;
			}
			CHECK(io || mem_kind(bar));
			CHECK_EQ_U64(bar->pci_addr & (bar->size - 1), 0);
			CHECK(bar->window >= 0 && bar->window < (int)t->n_win);
			if (bar->window < 0)
				continue;
			w = &t->win[bar->window].w;
			CHECK(inside(bar->pci_addr, bar->size, w->pci_addr,
				     w->pci_addr + w->size - 1));
			CHECK(io ? w->space == PCI_SPACE_IO : w->space != PCI_SPACE_IO);
			CHECK_EQ_U64(bar->cpu_addr, bar->pci_addr - w->pci_addr + w->cpu_addr);
			if (!(bar->flags & PCI_BAR_F_PREFETCH))
				CHECK(!w->prefetchable);
			if (bar->kind != PCI_BAR_MEM64)
				CHECK(bar->pci_addr + bar->size <=
				      (io ? 0x100000000ull : 0x100000000ull));
			if (io && (bar->flags & PCI_BAR_F_IO16))
				CHECK(bar->pci_addr + bar->size <= 0x10000);
			if (io && bar->pci_addr < 0x1000)
				CHECK(!"I/O BAR below 0x1000");
			/* What the device holds is what the topology says. */
			CHECK_EQ_U64(rd32(sf->cfg + bar->reg) & (io ? ~0x3u : ~0xfu),
				     (uint32_t)bar->pci_addr);
			if (bar->kind == PCI_BAR_MEM64)
				CHECK_EQ_U64(rd32(sf->cfg + bar->reg + 4), bar->pci_addr >> 32);
			if (f->parent >= 0)
				CHECK(in_parent_window(t, (int)i, io, bar->pci_addr, bar->size,
						       bar->flags & PCI_BAR_F_PREFETCH));
			/* No two BARs overlap in the same space. */
			for (unsigned int j = 0; j < t->n_fn; j++)
				for (unsigned int c = 0; c < t->fn[j].n_bars; c++) {
					const struct pci_bar *o = &t->fn[j].bar[c];

					if ((j == i && c == b) ||
					    !(o->flags & PCI_BAR_F_ASSIGNED) ||
					    (o->kind == PCI_BAR_IO) != io)
						continue;
					if (overlaps(bar->pci_addr, bar->size, o->pci_addr,
						     o->size)) {
						fprintf(stderr, "overlap fn%u bar%u / fn%u bar%u\n",
							i, b, j, c);
						CHECK(!"BARs overlap");
					}
				}
		}

		/* Command register: decode only with every BAR of that space placed. */
		CHECK_EQ_U64(rd16(sf->cfg + PCI_COMMAND), f->command);
		CHECK_EQ_U64(f->command, pci_cfg_read16(&ops, f->bdf, PCI_COMMAND));
		if (f->hdr_type != PCI_HDR_BRIDGE) {
			CHECK_EQ_U64(!!(f->command & PCI_COMMAND_IO), io_any && io_ok);
			CHECK_EQ_U64(!!(f->command & PCI_COMMAND_MEMORY), mem_any && mem_ok);
			CHECK(!(f->command & PCI_COMMAND_MASTER));
			continue;
		}
		CHECK(f->command & PCI_COMMAND_MASTER);
		CHECK_EQ_U64(!!(f->command & PCI_COMMAND_IO),
			     f->br.io.assigned || (io_any && io_ok));
		CHECK_EQ_U64(!!(f->command & PCI_COMMAND_MEMORY),
			     f->br.mem.assigned || f->br.pref.assigned || (mem_any && mem_ok));

		/* Bridge windows: granular, nested in the parent's, disjoint from everything not
		 * below, and programmed as recorded. */
		{
			const struct pci_bridge_window *ws[3] = { &f->br.io, &f->br.mem,
								  &f->br.pref };
			uint32_t iob = rd16(sf->cfg + PCI_IO_BASE), up16 = rd32(sf->cfg + 0x30);
			uint32_t mb = rd32(sf->cfg + PCI_MEMORY_BASE);
			uint32_t pb = rd32(sf->cfg + PCI_PREF_MEMORY_BASE);
			uint64_t pbu = rd32(sf->cfg + 0x28), plu = rd32(sf->cfg + 0x2c);
			uint64_t io_base = (iob & 0xf0) << 8 | (uint64_t)(up16 & 0xffff) << 16;
			uint64_t io_limit = (iob & 0xf000) | 0xfff | (uint64_t)(up16 >> 16) << 16;
			uint64_t m_base = (uint64_t)(mb & 0xfff0) << 16;
			uint64_t m_limit = (uint64_t)(mb & 0xfff00000u) | 0xfffff;
			uint64_t p_base = (uint64_t)(pb & 0xfff0) << 16 | pbu << 32;
			uint64_t p_limit = (uint64_t)(pb & 0xfff00000u) | 0xfffff | plu << 32;

			if (f->br.io_window) {
				CHECK_EQ_U64(io_base <= io_limit, f->br.io.assigned);
				if (f->br.io.assigned) {
					CHECK_EQ_U64(io_base, f->br.io.base);
					CHECK_EQ_U64(io_limit, f->br.io.limit);
				}
			}
			CHECK_EQ_U64(m_base <= m_limit, f->br.mem.assigned);
			if (f->br.mem.assigned) {
				CHECK_EQ_U64(m_base, f->br.mem.base);
				CHECK_EQ_U64(m_limit, f->br.mem.limit);
			}
			if (f->br.pref_window) {
				CHECK_EQ_U64(p_base <= p_limit, f->br.pref.assigned);
				if (f->br.pref.assigned) {
					CHECK_EQ_U64(p_base, f->br.pref.base);
					CHECK_EQ_U64(p_limit, f->br.pref.limit);
				}
			}
			for (int r = 0; r < 3; r++) {
				const struct pci_bridge_window *w = ws[r];
				uint64_t gran = r == 0 ? 0x1000 : 0x100000, size;

				if (!w->assigned)
					continue;
				size = w->limit - w->base + 1;
				CHECK_EQ_U64(w->base % gran, 0);
				CHECK_EQ_U64(size % gran, 0);
				CHECK(size >= w->size);
				if (r == 1 || (r == 2 && !f->br.pref64))
					CHECK(w->limit < 0x100000000ull);
				if (r == 0 && !f->br.io32)
					CHECK(w->limit < 0x10000);
				if (f->parent >= 0)
					CHECK(in_parent_window(t, (int)i, r == 0, w->base, size,
							       r == 2));
				CHECK(w->window >= 0);
				if (w->window >= 0) {
					const struct pci_window *hw = &t->win[w->window].w;

					CHECK(inside(w->base, size, hw->pci_addr,
						     hw->pci_addr + hw->size - 1));
					CHECK_EQ_U64(w->cpu_base,
						     w->base - hw->pci_addr + hw->cpu_addr);
				}
				for (unsigned int j = 0; j < t->n_fn; j++) {
					const struct pci_func *o = &t->fn[j];

					if (j == i || below(t, (int)j, (int)i))
						continue;
					for (unsigned int c = 0; c < o->n_bars; c++)
						if ((o->bar[c].flags & PCI_BAR_F_ASSIGNED) &&
						    (o->bar[c].kind == PCI_BAR_IO) == (r == 0))
							CHECK(!overlaps(w->base, size,
									o->bar[c].pci_addr,
									o->bar[c].size));
					if (o->hdr_type == PCI_HDR_BRIDGE &&
					    !below(t, (int)i, (int)j)) {
						const struct pci_bridge_window *ow[3] = {
							&o->br.io, &o->br.mem, &o->br.pref
						};

						for (int q = 0; q < 3; q++)
							if (ow[q]->assigned && (q == 0) == (r == 0))
								CHECK(!overlaps(
									w->base, size, ow[q]->base,
									ow[q]->limit - ow[q]->base +
										1));
					}
				}
			}
		}
	}
}

/* ---- The QEMU topology --------------------------------------------------------------------- */

/*
 * What QEMU builds for
 *   -M virt -device nvme,serial=x,drive=nvm
 *   -device pcie-root-port,id=rp0,addr=2.0,multifunction=on -device e1000e,bus=rp0
 *   -device pcie-root-port,id=rp1,addr=2.1 -device x3130-upstream,bus=rp1,id=up
 *   -device xio3130-downstream,bus=up,chassis=1 (x2) with a display and an accelerator below
 * plus a transitional virtio-net with an I/O BAR and a multifunction device on the root bus.
 */
struct qemu_ids {
	int host, nvme, rp0, rp1, vnet, mf0, mf1, mf3, e1000e, up, dn0, dn1, vga, accel;
};

static struct qemu_ids build_qemu(void)
{
	struct qemu_ids q;

	sim_reset(0, 255);
	q.host = sim_add(-1, 0, 0, 0x1b36, 0x0008, 0x06000000, 0);

	/* NVMe (QEMU hw/nvme): BAR0 64-bit 16 KiB non-prefetchable, MSI-X, PM, PCIe endpoint. */
	q.nvme = sim_add(-1, 1, 0, 0x1b36, 0x0010, 0x01080202, 0);
	sim_bar(q.nvme, 0, 0x4000, BAR_64);
	sim_cap_ptr(q.nvme, 0x40);
	sim_cap(q.nvme, 0x40, PCI_CAP_ID_MSIX, 0x60, 65 - 1, 0x2000 | 0, 0x3000 | 0);
	sim_cap(q.nvme, 0x60, PCI_CAP_ID_PM, 0x80, 0x0003, 0, 0);
	sim_cap_exp(q.nvme, 0x80, 0, PCI_EXP_TYPE_ENDPOINT);

	/* pcie-root-port 00:02.0 (multifunction) and 00:02.1: a 4 KiB BAR0 for MSI-X. */
	q.rp0 = sim_add(-1, 2, 0, 0x1b36, 0x000c, 0x06040000, 0x81);
	q.rp1 = sim_add(-1, 2, 1, 0x1b36, 0x000c, 0x06040000, 0x01);
	for (int k = 0; k < 2; k++) {
		int rp = k ? q.rp1 : q.rp0;

		sim_bridge_windows(rp, 16, 64);
		sim_bar(rp, 0, 0x1000, 0);
		sim_cap_ptr(rp, 0x40);
		sim_cap(rp, 0x40, PCI_CAP_ID_SSVID, 0x48, 0, 0, 0);
		sim_cap(rp, 0x48, PCI_CAP_ID_MSIX, 0x54, 0, 0x0, 0x800);
		sim_cap_exp(rp, 0x54, 0, PCI_EXP_TYPE_ROOT_PORT);
		sim_ext_cap(rp, 0x100, PCI_EXT_CAP_ID_AER, 2, 0x148);
		sim_ext_cap(rp, 0x148, PCI_EXT_CAP_ID_ACS, 1, 0);
	}

	/* Transitional virtio-net: I/O BAR0 32 bytes (16-bit decoder), BAR1 4 KiB, BAR4 64-bit
	 * prefetchable 16 KiB; conventional PCI, so junk at 0x100 must not be walked. */
	q.vnet = sim_add(-1, 3, 0, 0x1af4, 0x1000, 0x02000000, 0);
	sim.fn[q.vnet].fn_alias = true; /* not multifunction: functions 1-7 are not scanned */
	sim_bar_raw(q.vnet, 0x10, 0x1, 0x0000ffe0);
	sim_bar(q.vnet, 1, 0x1000, 0);
	sim_bar(q.vnet, 4, 0x4000, BAR_64 | BAR_PREF);
	sim_cap_ptr(q.vnet, 0x40);
	sim_cap(q.vnet, 0x40, PCI_CAP_ID_VNDR, 0x50, 0, 0, 0);
	sim_cap(q.vnet, 0x50, PCI_CAP_ID_MSI, 0x70, 0x0184 /* 64-bit, maskable, 4 vectors */, 0, 0);
	sim_cap(q.vnet, 0x70, PCI_CAP_ID_MSIX, 0, 3 | 0x8000, 0x1 | 0x0, 0x1 | 0x800);
	sim_ext_cap(q.vnet, 0x100, PCI_EXT_CAP_ID_AER, 1, 0);

	/* Multifunction device 00:04: functions 0, 1 and 3 (2 absent, the scan goes on). */
	q.mf0 = sim_add(-1, 4, 0, 0x8086, 0x2922, 0x01060102, 0x80);
	sim_bar(q.mf0, 5, 0x1000, 0);
	q.mf1 = sim_add(-1, 4, 1, 0x1b36, 0x000d, 0x0c033001, 0);
	sim_bar(q.mf1, 0, 0x4000, BAR_64);
	q.mf3 = sim_add(-1, 4, 3, 0x8086, 0x2930, 0x0c050002, 0);
	sim_bar(q.mf3, 4, 0x40, BAR_IO);
	/* A device at 00:05.1 without function 0 does not exist. */
	sim_add(-1, 5, 1, 0xdead, 0xbeef, 0x02000000, 0);

	/* e1000e behind 00:02.0; it ghosts on every device number of bus 1. */
	q.e1000e = sim_add(q.rp0, 0, 0, 0x8086, 0x10d3, 0x02000000, 0);
	sim.fn[q.e1000e].ghost = true;
	sim_bar(q.e1000e, 0, 0x20000, 0);
	sim_bar(q.e1000e, 1, 0x20000, 0);
	sim_bar(q.e1000e, 2, 0x20, BAR_IO);
	sim_bar(q.e1000e, 3, 0x4000, 0);
	sim_rom(q.e1000e, 0x40000);
	sim_cap_ptr(q.e1000e, 0xc8);
	sim_cap(q.e1000e, 0xc8, PCI_CAP_ID_PM, 0xd0, 0x0002 | 0x0200, 0, 0);
	sim_cap(q.e1000e, 0xd0, PCI_CAP_ID_MSI, 0xe0, 0x0080, 0, 0);
	sim_cap_exp(q.e1000e, 0xe0, 0xa0, PCI_EXP_TYPE_ENDPOINT);
	sim_cap(q.e1000e, 0xa0, PCI_CAP_ID_MSIX, 0, 4, 0x3 | 0x0, 0x3 | 0x2000);
	sim_ext_cap(q.e1000e, 0x100, PCI_EXT_CAP_ID_AER, 1, 0x140);
	sim_ext_cap(q.e1000e, 0x140, PCI_EXT_CAP_ID_DSN, 1, 0);

	/* Switch behind 00:02.1: upstream port (32-bit I/O window), two downstream ports. */
	q.up = sim_add(q.rp1, 0, 0, 0x104c, 0x8232, 0x06040002, 0x01);
	sim_bridge_windows(q.up, 32, 64);
	sim_cap_ptr(q.up, 0x40);
	sim_cap_exp(q.up, 0x40, 0, PCI_EXP_TYPE_UPSTREAM);
	q.dn0 = sim_add(q.up, 0, 0, 0x104c, 0x8233, 0x06040002, 0x01);
	q.dn1 = sim_add(q.up, 1, 0, 0x104c, 0x8233, 0x06040002, 0x01);
	for (int k = 0; k < 2; k++) {
		int dn = k ? q.dn1 : q.dn0;

		sim_bridge_windows(dn, 32, 64);
		sim_cap_ptr(dn, 0x40);
		sim_cap_exp(dn, 0x40, 0, PCI_EXP_TYPE_DOWNSTREAM);
	}

	/* Display below dn0: 32-bit prefetchable 16 MiB framebuffer, 4 KiB registers. */
	q.vga = sim_add(q.dn0, 0, 0, 0x1234, 0x1111, 0x03000002, 0);
	sim_bar(q.vga, 0, 0x1000000, BAR_PREF);
	sim_bar(q.vga, 2, 0x1000, 0);
	/* Accelerator below dn1: 8 GiB 64-bit prefetchable, 64 KiB 64-bit registers, ROM. */
	q.accel = sim_add(q.dn1, 0, 0, 0x1ded, 0x0001, 0x12000001, 0);
	sim_bar(q.accel, 0, 0x200000000ull, BAR_64 | BAR_PREF);
	sim_bar(q.accel, 2, 0x10000, BAR_64);
	sim_rom(q.accel, 0x10000);
	sim_cap_ptr(q.accel, 0x40);
	sim_cap_exp(q.accel, 0x40, 0, PCI_EXP_TYPE_ENDPOINT);
	return q;
}

static const struct pci_func *fn_at(unsigned int bus, unsigned int dev, unsigned int fn)
{
	return pci_find(&topo, PCI_BDF(bus, dev, fn));
}

static void test_enum_qemu(void)
{
	struct pci_cfg_ops ops;
	const struct pci_func *f;
	int ret;

	load_qemu_platform();
	build_qemu();
	/* Firmware left decoding on and stale bus numbers (crossed) on the root ports. */
	sim.fn[1].cfg[PCI_COMMAND] = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	sim.fn[2].cfg[0x19] = 2, sim.fn[2].cfg[0x1a] = 2;
	sim.fn[3].cfg[0x19] = 1, sim.fn[3].cfg[0x1a] = 5;
	sim.bus_start = plat.pcie.bus_start;
	sim.bus_end = plat.pcie.bus_end;
	ops = sim_ops();
	ret = pci_enum(&topo, &ops, plat.pcie.windows, plat.pcie.n_windows);
	CHECK_EQ_U64(ret, 0);
	CHECK_EQ_U64(sim.bad_access, 0);
	CHECK_EQ_U64(sim.sized_decoding, 0);
	CHECK_EQ_U64(topo.n_fn, 14);
	CHECK_EQ_U64(topo.n_dropped, 0);
	CHECK_EQ_U64(topo.last_bus, 5);

	/* Depth-first order: the root bus, then each bridge's subtree in turn. */
	{
		static const uint16_t order[] = {
			PCI_BDF(0, 0, 0), PCI_BDF(0, 1, 0), PCI_BDF(0, 2, 0), PCI_BDF(0, 2, 1),
			PCI_BDF(0, 3, 0), PCI_BDF(0, 4, 0), PCI_BDF(0, 4, 1), PCI_BDF(0, 4, 3),
			PCI_BDF(1, 0, 0), PCI_BDF(2, 0, 0), PCI_BDF(3, 0, 0), PCI_BDF(3, 1, 0),
			PCI_BDF(4, 0, 0), PCI_BDF(5, 0, 0),
		};

		for (unsigned int i = 0; i < sizeof(order) / sizeof(order[0]) && i < topo.n_fn; i++)
			CHECK_EQ_U64(topo.fn[i].bdf, order[i]);
	}

	f = fn_at(0, 0, 0);
	CHECK(f && f->vendor == 0x1b36 && f->device == 0x0008 && f->class_code == 6 &&
	      f->subclass == 0 && f->parent == -1 && f->pcie_type == PCI_EXP_TYPE_NONE);

	/* NVMe: identity, BAR0 and capabilities. */
	f = fn_at(0, 1, 0);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ_U64(f->vendor, 0x1b36);
		CHECK_EQ_U64(f->device, 0x0010);
		CHECK_EQ_U64(f->class_code, 0x01);
		CHECK_EQ_U64(f->subclass, 0x08);
		CHECK_EQ_U64(f->progif, 0x02);
		CHECK_EQ_U64(f->revision, 0x02);
		CHECK_STR(pci_class_name(f->class_code, f->subclass, f->progif),
			  "NVM Express controller");
		CHECK_EQ_U64(f->bar[0].kind, PCI_BAR_MEM64);
		CHECK_EQ_U64(f->bar[0].size, 0x4000);
		CHECK(!(f->bar[0].flags & PCI_BAR_F_PREFETCH));
		CHECK(f->bar[1].flags & PCI_BAR_F_UPPER);
		CHECK_EQ_U64(f->bar[1].kind, PCI_BAR_NONE);
		CHECK_EQ_U64(f->bar[2].kind, PCI_BAR_NONE);
		CHECK_EQ_U64(f->rom.kind, PCI_BAR_NONE);
		/* 64-bit non-prefetchable on the root bus: QEMU's 64-bit window is not
		 * prefetchable (ranges phys.hi 0x03000000), so it lands there. */
		CHECK(f->bar[0].flags & PCI_BAR_F_ASSIGNED);
		CHECK(f->bar[0].pci_addr >= 0x8000000000ull);
		CHECK_EQ_U64(f->bar[0].cpu_addr, f->bar[0].pci_addr);
		CHECK_EQ_U64(f->bar[0].window, 2);
		CHECK_EQ_U64(pci_host_window_of(&topo, PCI_SPACE_MEM64, f->bar[0].pci_addr, 0x4000),
			     2);
		CHECK_EQ_U64(pci_host_window_of(&topo, PCI_SPACE_MEM32, f->bar[0].pci_addr, 0x4000),
			     (uint64_t)-1);
		CHECK_EQ_U64(pci_host_window_of(&topo, PCI_SPACE_MEM64, 0xfffffff000ull, 0x2000),
			     (uint64_t)-1);
		CHECK_EQ_U64(f->n_caps, 3);
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_MSIX), 0x40);
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_PM), 0x60);
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_EXP), 0x80);
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_MSI), 0);
		CHECK_EQ_U64(f->n_ext_caps, 0);
		CHECK_EQ_U64(f->pcie_type, PCI_EXP_TYPE_ENDPOINT);
		CHECK_EQ_U64(f->command, PCI_COMMAND_MEMORY); /* bus master cleared */
		CHECK_EQ_U64(f->flags, 0);
	}

	/* Root ports: multifunction, bus numbers, caps, windows. */
	f = fn_at(0, 2, 0);
	CHECK(f != NULL);
	if (f) {
		CHECK(f->flags & PCI_FN_F_MULTI);
		CHECK_EQ_U64(f->hdr_type, PCI_HDR_BRIDGE);
		CHECK_EQ_U64(f->n_bars, 2);
		CHECK_EQ_U64(f->bar[0].kind, PCI_BAR_MEM32);
		CHECK_EQ_U64(f->bar[0].size, 0x1000);
		CHECK_EQ_U64(f->br.primary, 0);
		CHECK_EQ_U64(f->br.secondary, 1);
		CHECK_EQ_U64(f->br.subordinate, 1);
		CHECK(f->br.io_window && !f->br.io32 && f->br.pref_window && f->br.pref64);
		CHECK_EQ_U64(f->pcie_type, PCI_EXP_TYPE_ROOT_PORT);
		CHECK_STR(pci_class_name(f->class_code, f->subclass, f->progif),
			  "PCI-to-PCI bridge");
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_SSVID), 0x40);
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_MSIX), 0x48);
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_EXP), 0x54);
		CHECK_EQ_U64(f->n_ext_caps, 2);
		CHECK_EQ_U64(pci_find_ext_cap(f, PCI_EXT_CAP_ID_AER), 0x100);
		CHECK_EQ_U64(pci_find_ext_cap(f, PCI_EXT_CAP_ID_ACS), 0x148);
		CHECK_EQ_U64(pci_find_ext_cap(f, PCI_EXT_CAP_ID_DSN), 0);
		/* e1000e: 2 x 128K + 16K memory (1 MiB window), 32 bytes I/O (4 KiB window). */
		CHECK(f->br.mem.assigned && f->br.io.assigned && !f->br.pref.assigned);
		CHECK_EQ_U64(f->br.mem.limit - f->br.mem.base + 1, 0x100000);
		CHECK_EQ_U64(f->br.io.limit - f->br.io.base + 1, 0x1000);
		CHECK_EQ_U64(f->command, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	}
	f = fn_at(0, 2, 1);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ_U64(f->br.secondary, 2);
		CHECK_EQ_U64(f->br.subordinate, 5);
		CHECK_EQ_U64(sim.fn[3].cfg[0x18], 0);
		CHECK_EQ_U64(sim.fn[3].cfg[0x19], 2);
		CHECK_EQ_U64(sim.fn[3].cfg[0x1a], 5);
		/* The 8 GiB BAR below makes a 64-bit prefetchable window above 4 GiB. */
		CHECK(f->br.pref.assigned && f->br.pref.base >= 0x8000000000ull);
		CHECK_EQ_U64(f->br.pref.base % 0x200000000ull, 0);
	}

	/* The ghosting e1000e is seen once, at device 0 only (below a Root Port). */
	f = fn_at(1, 0, 0);
	CHECK(f != NULL);
	CHECK(fn_at(1, 1, 0) == NULL && fn_at(1, 31, 0) == NULL);
	if (f) {
		CHECK_EQ_U64(f->parent, 2);
		CHECK_EQ_U64(f->bar[0].size, 0x20000);
		CHECK_EQ_U64(f->bar[1].size, 0x20000);
		CHECK_EQ_U64(f->bar[2].kind, PCI_BAR_IO);
		CHECK_EQ_U64(f->bar[2].size, 0x20);
		CHECK(!(f->bar[2].flags & PCI_BAR_F_IO16));
		CHECK_EQ_U64(f->bar[3].size, 0x4000);
		CHECK_EQ_U64(f->rom.kind, PCI_BAR_ROM);
		CHECK_EQ_U64(f->rom.size, 0x40000);
		CHECK(!(f->rom.flags & PCI_BAR_F_ASSIGNED));
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_PM), 0xc8);
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_MSI), 0xd0);
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_EXP), 0xe0);
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_MSIX), 0xa0);
		CHECK_EQ_U64(pci_find_ext_cap(f, PCI_EXT_CAP_ID_DSN), 0x140);
		CHECK_EQ_U64(f->command, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
		/* Its I/O BAR as the CPU sees it: QEMU's I/O window is at 0x3eff0000. */
		CHECK_EQ_U64(f->bar[2].cpu_addr, 0x3eff0000ull + f->bar[2].pci_addr);
	}

	/* virtio-net on the root bus: 16-bit I/O decoder, no extended walk (not PCIe). */
	f = fn_at(0, 3, 0);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ_U64(f->bar[0].kind, PCI_BAR_IO);
		CHECK_EQ_U64(f->bar[0].size, 0x20);
		CHECK(f->bar[0].flags & PCI_BAR_F_IO16);
		CHECK(f->bar[0].pci_addr >= 0x1000 && f->bar[0].pci_addr < 0x10000);
		CHECK_EQ_U64(f->bar[4].kind, PCI_BAR_MEM64);
		CHECK(f->bar[4].flags & PCI_BAR_F_PREFETCH);
		CHECK(f->bar[4].pci_addr >= 0x8000000000ull);
		CHECK_EQ_U64(f->n_ext_caps, 0);
		CHECK_EQ_U64(f->pcie_type, PCI_EXP_TYPE_NONE);
		CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_VNDR), 0x40);
		CHECK_EQ_U64(f->command, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	}

	CHECK(fn_at(0, 3, 1) == NULL && fn_at(0, 3, 7) == NULL);

	/* Multifunction device: 0, 1, 3 found, 2 skipped, 00:05.1 without 00:05.0 ignored. */
	CHECK(fn_at(0, 4, 0) && fn_at(0, 4, 1) && !fn_at(0, 4, 2) && fn_at(0, 4, 3));
	CHECK(fn_at(0, 5, 1) == NULL);
	f = fn_at(0, 4, 1);
	if (f)
		CHECK_STR(pci_class_name(f->class_code, f->subclass, f->progif),
			  "USB controller (xHCI)");
	f = fn_at(0, 4, 3);
	if (f)
		CHECK(f->bar[4].kind == PCI_BAR_IO && f->bar[4].size == 0x40);

	/* Switch: the upstream port's bus holds two downstream ports (any device number). */
	f = fn_at(2, 0, 0);
	CHECK(f && f->br.secondary == 3 && f->br.subordinate == 5 && f->br.io32);
	f = fn_at(3, 0, 0);
	CHECK(f && f->br.secondary == 4 && f->br.subordinate == 4);
	f = fn_at(3, 1, 0);
	CHECK(f && f->br.secondary == 5 && f->br.subordinate == 5);

	/* Display: its 32-bit prefetchable BAR goes to the (32-bit) memory window. */
	f = fn_at(4, 0, 0);
	CHECK(f != NULL);
	if (f) {
		const struct pci_func *dn = fn_at(3, 0, 0);

		CHECK(f->bar[0].flags & PCI_BAR_F_PREFETCH);
		CHECK_EQ_U64(f->bar[0].size, 0x1000000);
		CHECK(dn && dn->br.mem.assigned && !dn->br.pref.assigned);
		CHECK(f->bar[0].pci_addr + f->bar[0].size <= 0x100000000ull);
		CHECK_EQ_U64(f->command, PCI_COMMAND_MEMORY);
	}
	/* Accelerator: an 8 GiB BAR, naturally aligned above 4 GiB; its 64-bit non-prefetchable
	 * BAR stays below 4 GiB (a bridge's memory window is 32-bit). */
	f = fn_at(5, 0, 0);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ_U64(f->bar[0].size, 0x200000000ull);
		CHECK_EQ_U64(f->bar[0].pci_addr % 0x200000000ull, 0);
		CHECK(f->bar[0].pci_addr >= 0x8000000000ull);
		CHECK_EQ_U64(f->bar[2].size, 0x10000);
		CHECK(f->bar[2].pci_addr < 0x100000000ull);
		CHECK_EQ_U64(f->rom.size, 0x10000);
	}
	check_invariants(&topo);
}

/* pci_scan() alone restores every BAR and the command register it touched. */
static void test_scan_restores(void)
{
	struct qemu_ids q = build_qemu();
	struct pci_cfg_ops ops = sim_ops();

	wr32(sim.fn[q.nvme].cfg + 0x10, 0x12344004u); /* firmware's address, type bits RO */
	wr32(sim.fn[q.nvme].cfg + 0x14, 0x00000080u);
	sim.fn[q.nvme].cfg[PCI_COMMAND] = PCI_COMMAND_MEMORY;
	wr16(sim.fn[q.nvme].cfg + PCI_STATUS, rd16(sim.fn[q.nvme].cfg + PCI_STATUS) | 0x8000);
	CHECK_EQ_U64(pci_scan(&topo, &ops), 0);
	CHECK_EQ_U64(sim.sized_decoding, 0);
	CHECK_EQ_U64(rd32(sim.fn[q.nvme].cfg + 0x10), 0x12344004u);
	CHECK_EQ_U64(rd32(sim.fn[q.nvme].cfg + 0x14), 0x00000080u);
	CHECK_EQ_U64(sim.fn[q.nvme].cfg[PCI_COMMAND], PCI_COMMAND_MEMORY);
	/* The RW1C error bit survived the command writes. */
	CHECK(rd16(sim.fn[q.nvme].cfg + PCI_STATUS) & 0x8000);
	CHECK_EQ_U64(sim.bad_access, 0);
}

/* ---- Config access helpers ----------------------------------------------------------------- */

static void test_cfg_access(void)
{
	struct pci_cfg_ops ops;
	uint32_t v = 0;
	unsigned long writes;
	int i;

	sim_reset(0, 3);
	i = sim_add(-1, 1, 0, 0x1b36, 0x0010, 0x01080202, 0);
	wr16(sim.fn[i].cfg + PCI_STATUS, 0x8010); /* detected parity error (RW1C) + cap list */
	ops = sim_ops();

	CHECK_EQ_U64(pci_cfg_read16(&ops, PCI_BDF(0, 1, 0), 2), 0x0010);
	CHECK_EQ_U64(pci_cfg_read8(&ops, PCI_BDF(0, 1, 0), 0x0b), 0x01);
	CHECK_EQ_U64(pci_cfg_read8(&ops, PCI_BDF(0, 1, 0), 0x09), 0x02);
	CHECK_EQ_U64(pci_cfg_read32(&ops, PCI_BDF(0, 2, 0), 0), 0xffffffffu);
	/* A 16-bit write to the command register keeps Status's RW1C bit. */
	pci_cfg_write16(&ops, PCI_BDF(0, 1, 0), PCI_COMMAND, PCI_COMMAND_MEMORY);
	CHECK_EQ_U64(rd16(sim.fn[i].cfg + PCI_COMMAND), PCI_COMMAND_MEMORY);
	CHECK_EQ_U64(rd16(sim.fn[i].cfg + PCI_STATUS), 0x8010);
	/* An 8-bit write leaves its neighbours alone. */
	pci_cfg_write8(&ops, PCI_BDF(0, 1, 0), PCI_INTERRUPT_LINE, 0x2a);
	CHECK_EQ_U64(sim.fn[i].cfg[PCI_INTERRUPT_LINE], 0x2a);
	CHECK_EQ_U64(pci_cfg_read8(&ops, PCI_BDF(0, 1, 0), PCI_INTERRUPT_LINE), 0x2a);

	/* Checked accessors. */
	CHECK_EQ_U64(pci_cfg_read(&ops, PCI_BDF(0, 1, 0), 0, 4, &v), 0);
	CHECK_EQ_U64(v, 0x00101b36);
	CHECK_EQ_U64(pci_cfg_read(&ops, PCI_BDF(0, 1, 0), 2, 2, &v), 0);
	CHECK_EQ_U64(v, 0x0010);
	CHECK_EQ_U64(pci_cfg_read(&ops, PCI_BDF(0, 1, 0), 0xb, 1, &v), 0);
	CHECK_EQ_U64(v, 0x01);
	CHECK_EQ_U64(pci_cfg_read(&ops, PCI_BDF(0, 1, 0), 2, 4, &v), E_INVAL);
	CHECK_EQ_U64(pci_cfg_read(&ops, PCI_BDF(0, 1, 0), 1, 2, &v), E_INVAL);
	CHECK_EQ_U64(pci_cfg_read(&ops, PCI_BDF(0, 1, 0), 0, 3, &v), E_INVAL);
	CHECK_EQ_U64(pci_cfg_read(&ops, PCI_BDF(0, 1, 0), 0, 8, &v), E_INVAL);
	CHECK_EQ_U64(pci_cfg_read(&ops, PCI_BDF(0, 1, 0), 4096, 4, &v), E_RANGE);
	CHECK_EQ_U64(pci_cfg_read(&ops, PCI_BDF(0, 1, 0), 4095, 1, &v), 0);
	CHECK_EQ_U64(pci_cfg_read(&ops, PCI_BDF(4, 0, 0), 0, 4, &v), E_RANGE); /* beyond bus_end */
	CHECK_EQ_U64(pci_cfg_write(&ops, PCI_BDF(0, 1, 0), PCI_COMMAND, 2, 0), 0);
	CHECK_EQ_U64(rd16(sim.fn[i].cfg + PCI_COMMAND), 0);
	CHECK_EQ_U64(pci_cfg_write(&ops, PCI_BDF(0, 1, 0), 0x3d, 2, 0), E_INVAL);

	/* Buses outside the ECAM window never produce an access. */
	writes = sim.writes;
	CHECK_EQ_U64(pci_cfg_read32(&ops, PCI_BDF(9, 0, 0), 0), 0xffffffffu);
	pci_cfg_write32(&ops, PCI_BDF(9, 0, 0), 0, 0);
	CHECK_EQ_U64(sim.writes, writes);
	CHECK_EQ_U64(sim.bad_access, 0);

	/* An ECAM window starting at bus 0x10: bus 0x10 is offset 0. */
	sim_reset(0x10, 0x1f);
	i = sim_add(-1, 0, 0, 0x1b36, 0x0008, 0x06000000, 0);
	ops = sim_ops();
	CHECK_EQ_U64(pci_cfg_read16(&ops, PCI_BDF(0x10, 0, 0), 0), 0x1b36);
	CHECK_EQ_U64(pci_cfg_read16(&ops, PCI_BDF(0x0f, 0, 0), 0), 0xffff);
	CHECK_EQ_U64(pci_scan(&topo, &ops), 0);
	CHECK_EQ_U64(topo.n_fn, 1);
	CHECK_EQ_U64(topo.fn[0].bdf, PCI_BDF(0x10, 0, 0));
	CHECK_EQ_U64(sim.bad_access, 0);
	(void)i;
}

/* ---- Capability lists ---------------------------------------------------------------------- */

static void test_caps_hostile(void)
{
	struct pci_cfg_ops ops;
	const struct pci_func *f;
	int a, b, c, d, e, g;
	unsigned long reads;

	sim_reset(0, 0);
	/* a: 0x40 -> 0x50 -> 0x40 (cycle). */
	a = sim_add(-1, 0, 0, 0x1111, 0x0001, 0xff000000, 0);
	sim_cap_ptr(a, 0x40);
	sim_cap(a, 0x40, PCI_CAP_ID_PM, 0x50, 3, 0, 0);
	sim_cap(a, 0x50, PCI_CAP_ID_MSI, 0x40, 0, 0, 0);
	/* b: 0x40 -> 0x20 (into the header). */
	b = sim_add(-1, 1, 0, 0x1111, 0x0002, 0xff000000, 0);
	sim_cap_ptr(b, 0x40);
	sim_cap(b, 0x40, PCI_CAP_ID_VNDR, 0x20, 0, 0, 0);
	/* c: reserved low pointer bits are masked: 0x43 -> 0x40, 0x63 -> 0x60; self loop at 0x60. */
	c = sim_add(-1, 2, 0, 0x1111, 0x0003, 0xff000000, 0);
	sim_cap_ptr(c, 0x43);
	sim_cap(c, 0x40, PCI_CAP_ID_PM, 0x63, 3, 0, 0);
	sim_cap(c, 0x60, PCI_CAP_ID_VNDR, 0x60, 0, 0, 0);
	/* d: status says "no list": the pointer is ignored. */
	d = sim_add(-1, 3, 0, 0x1111, 0x0004, 0xff000000, 0);
	sim.fn[d].cfg[PCI_CAP_PTR] = 0x40;
	sim.fn[d].cfg[0x40] = PCI_CAP_ID_PM;
	/* e: PCIe with a cyclic extended list 0x100 -> 0x200 -> 0x100 and 20 vendor caps. */
	e = sim_add(-1, 4, 0, 0x1111, 0x0005, 0xff000000, 0);
	sim_cap_ptr(e, 0xfc);
	sim_cap_exp(e, 0xfc, 0,
		    PCI_EXP_TYPE_ENDPOINT); /* body beyond 0x100: header is what counts */
	sim.fn[e].cfg[0xfc] = PCI_CAP_ID_EXP;
	sim.fn[e].cfg[0xfd] = 0x44;
	for (int k = 0; k < 20; k++)
		sim_cap(e, (uint8_t)(0x44 + 4 * k), PCI_CAP_ID_VNDR,
			(uint8_t)(k == 19 ? 0 : 0x48 + 4 * k), 0, 0, 0);
	sim_ext_cap(e, 0x100, PCI_EXT_CAP_ID_AER, 2, 0x200);
	sim_ext_cap(e, 0x200, PCI_EXT_CAP_ID_DSN, 1, 0x100);
	/* g: PCIe, extended next pointer into the first 256 bytes. */
	g = sim_add(-1, 5, 0, 0x1111, 0x0006, 0xff000000, 0);
	sim_cap_ptr(g, 0x40);
	sim_cap_exp(g, 0x40, 0, PCI_EXP_TYPE_RC_END);
	sim_ext_cap(g, 0x100, PCI_EXT_CAP_ID_VNDR, 1, 0x0c0);

	ops = sim_ops();
	reads = sim.reads;
	CHECK_EQ_U64(pci_scan(&topo, &ops), 0);
	CHECK(sim.reads - reads < 2000); /* bounded, no spinning */
	CHECK_EQ_U64(topo.n_fn, 6);

	f = &topo.fn[0];
	CHECK_EQ_U64(f->n_caps, 2);
	CHECK(f->flags & PCI_FN_F_CAP_LOOP);
	CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_MSI), 0x50);
	f = &topo.fn[1];
	CHECK_EQ_U64(f->n_caps, 1);
	CHECK(f->flags & PCI_FN_F_CAP_BAD);
	f = &topo.fn[2];
	CHECK_EQ_U64(f->n_caps, 2);
	CHECK_EQ_U64(f->caps[0].off, 0x40);
	CHECK_EQ_U64(f->caps[1].off, 0x60);
	CHECK(f->flags & PCI_FN_F_CAP_LOOP);
	f = &topo.fn[3];
	CHECK_EQ_U64(f->n_caps, 0);
	CHECK_EQ_U64(f->flags, 0);
	f = &topo.fn[4];
	CHECK_EQ_U64(f->n_caps, PCI_MAX_CAPS);
	CHECK(f->flags & PCI_FN_F_CAP_TRUNC);
	CHECK(!(f->flags & PCI_FN_F_CAP_LOOP));
	CHECK_EQ_U64(pci_find_cap(f, PCI_CAP_ID_EXP), 0xfc);
	CHECK_EQ_U64(f->n_ext_caps, 2);
	CHECK(f->flags & PCI_FN_F_ECAP_LOOP);
	CHECK_EQ_U64(pci_find_ext_cap(f, PCI_EXT_CAP_ID_DSN), 0x200);
	f = &topo.fn[5];
	CHECK_EQ_U64(f->n_ext_caps, 1);
	CHECK(f->flags & PCI_FN_F_ECAP_BAD);
	CHECK_EQ_U64(f->pcie_type, PCI_EXP_TYPE_RC_END);
	CHECK_EQ_U64(sim.bad_access, 0);
}

static void test_cap_decode(void)
{
	struct pci_cfg_ops ops;
	struct pci_msi_info msi;
	struct pci_msix_info msix;
	struct pci_exp_info exp;
	struct pci_pm_info pm;
	char buf[160];
	uint16_t bdf = PCI_BDF(0, 0, 0);
	int i;

	sim_reset(0, 0);
	i = sim_add(-1, 0, 0, 0x1b36, 0x0010, 0x01080202, 0);
	sim_cap_ptr(i, 0x40);
	/* MSI-X: enabled, function mask clear, 65 entries, table BAR0+0x2000, PBA BAR2+0x3000. */
	sim_cap(i, 0x40, PCI_CAP_ID_MSIX, 0x50, 0x8000 | 64, 0x2000, 0x3000 | 2);
	/* MSI: 64-bit, per-vector masking, 8 capable (011b), 2 enabled (001b), enabled. */
	sim_cap(i, 0x50, PCI_CAP_ID_MSI, 0x60, 0x0100 | 0x0080 | 1 << 4 | 3 << 1 | 1, 0, 0);
	/* PM: version 3, D1+, D2-, PME from D0 and D3hot; PMCSR D3hot, No_Soft_Reset. */
	sim_cap(i, 0x60, PCI_CAP_ID_PM, 0x70, 0x0003 | 0x0200 | (0x01 | 0x08) << 11, 0x3 | 0x8, 0);
	sim_cap_exp(i, 0x70, 0, PCI_EXP_TYPE_ENDPOINT);
	ops = sim_ops();

	CHECK_EQ_U64(pci_msix_decode(&ops, bdf, 0x40, &msix), 0);
	CHECK(msix.enabled && !msix.function_mask);
	CHECK_EQ_U64(msix.table_size, 65);
	CHECK_EQ_U64(msix.table_bir, 0);
	CHECK_EQ_U64(msix.table_offset, 0x2000);
	CHECK_EQ_U64(msix.pba_bir, 2);
	CHECK_EQ_U64(msix.pba_offset, 0x3000);
	CHECK_EQ_U64(pci_msix_decode(&ops, bdf, 0x50, &msix), E_INVAL);

	CHECK_EQ_U64(pci_msi_decode(&ops, bdf, 0x50, &msi), 0);
	CHECK(msi.enabled && msi.addr64 && msi.per_vector_mask);
	CHECK_EQ_U64(msi.vectors, 8);
	CHECK_EQ_U64(msi.vectors_enabled, 2);

	CHECK_EQ_U64(pci_pm_decode(&ops, bdf, 0x60, &pm), 0);
	CHECK_EQ_U64(pm.version, 3);
	CHECK(pm.d1 && !pm.d2 && pm.no_soft_reset);
	CHECK_EQ_U64(pm.pme_support, 0x09);
	CHECK_EQ_U64(pm.state, 3);

	CHECK_EQ_U64(pci_exp_decode(&ops, bdf, 0x70, &exp), 0);
	CHECK_EQ_U64(exp.version, 2);
	CHECK_EQ_U64(exp.type, PCI_EXP_TYPE_ENDPOINT);
	CHECK_EQ_U64(exp.max_payload, 256);
	CHECK(exp.has_link && !exp.slot);
	CHECK_EQ_U64(exp.link_speed_max, 1);
	CHECK_EQ_U64(exp.link_width, 1);
	CHECK_EQ_U64(pci_exp_decode(&ops, bdf, 0x42, &exp), E_INVAL);
	CHECK_EQ_U64(pci_exp_decode(&ops, bdf, 0x20, &exp), E_INVAL);

	pci_format_cap(buf, sizeof(buf), &ops, bdf, &(struct pci_cap){ PCI_CAP_ID_MSIX, 0x40 },
		       false);
	CHECK_STR(buf, "[40] MSI-X: Enable+ Count=65 Masked- Table=BAR0+0x2000 PBA=BAR2+0x3000");
	pci_format_cap(buf, sizeof(buf), &ops, bdf, &(struct pci_cap){ PCI_CAP_ID_MSI, 0x50 },
		       false);
	CHECK_STR(buf, "[50] MSI: Enable+ Count=2/8 Maskable+ 64bit+");
	pci_format_cap(buf, sizeof(buf), &ops, bdf, &(struct pci_cap){ PCI_CAP_ID_PM, 0x60 },
		       false);
	CHECK_STR(buf, "[60] Power Management v3 D1+ D2- PME=0x09 D3hot");
	pci_format_cap(buf, sizeof(buf), &ops, bdf, &(struct pci_cap){ PCI_CAP_ID_EXP, 0x70 },
		       false);
	CHECK_STR(buf,
		  "[70] Express v2 Endpoint MaxPayload=256 Link: max 2.5GT/s x1, now 2.5GT/s x1");
	pci_format_cap(buf, sizeof(buf), &ops, bdf, &(struct pci_cap){ PCI_CAP_ID_VNDR, 0x80 },
		       false);
	CHECK_STR(buf, "[80] Vendor Specific");
	sim_ext_cap(i, 0x100, PCI_EXT_CAP_ID_L1SS, 1, 0);
	pci_format_cap(buf, sizeof(buf), &ops, bdf, &(struct pci_cap){ PCI_EXT_CAP_ID_L1SS, 0x100 },
		       true);
	CHECK_STR(buf, "[100 v1] L1 PM Substates");
}

/* ---- BAR edge cases ------------------------------------------------------------------------ */

static const struct pci_window qemu_windows[] = {
	{ PCI_SPACE_IO, false, 0x0, 0x3eff0000, 0x10000 },
	{ PCI_SPACE_MEM32, false, 0x10000000, 0x10000000, 0x2eff0000 },
	{ PCI_SPACE_MEM64, false, 0x8000000000ull, 0x8000000000ull, 0x8000000000ull },
};

/* Firmware's assignment kept (ACPI machines): BARs inside the windows stay, others get none. */
static void test_keep_firmware_bars(void)
{
	struct pci_cfg_ops ops;
	const struct pci_func *f;
	int a, b;

	sim_reset(0, 0);
	a = sim_add(-1, 1, 0, 0x1b36, 0x0010, 0x01080200, 0); /* NVMe: a 64-bit BAR */
	sim_bar(a, 0, 0x4000, BAR_64);
	wr32(sim.fn[a].cfg + 0x10, 0x00004004u); /* 0x80_0000_4000, as EDK2 leaves it */
	wr32(sim.fn[a].cfg + 0x14, 0x80u);
	b = sim_add(-1, 2, 0, 0x2222, 0x0001, 0xff000000, 0);
	sim_bar(b, 0, 0x1000, 0);
	wr32(sim.fn[b].cfg + 0x10, 0x3f000000u); /* outside every window */
	sim_bar(b, 1, 0x1000, 0);
	wr32(sim.fn[b].cfg + 0x14, 0x10001000u);
	sim_bar(b, 2, 0x100, BAR_IO); /* left at 0: unassigned */
	ops = sim_ops();
	CHECK_EQ_U64(pci_scan(&topo, &ops), 0);
	CHECK_EQ_U64(pci_keep(&topo, &qemu_windows[1], 2), E_NOMEM);
	CHECK_EQ_U64(sim.sized_decoding, 0);
	f = fn_at(0, 1, 0);
	CHECK(f && (f->bar[0].flags & PCI_BAR_F_ASSIGNED));
	CHECK_EQ_U64(f ? f->bar[0].cpu_addr : 0, 0x8000004000ull);
	CHECK_EQ_U64(rd32(sim.fn[a].cfg + 0x10), 0x00004004u);
	CHECK(rd16(sim.fn[a].cfg + PCI_COMMAND) & PCI_COMMAND_MEMORY);
	f = fn_at(0, 2, 0);
	CHECK(f && (f->bar[0].flags & PCI_BAR_F_NOSPACE));
	CHECK(f && (f->bar[1].flags & PCI_BAR_F_ASSIGNED) && f->bar[1].cpu_addr == 0x10001000u);
	CHECK(f && (f->bar[2].flags & PCI_BAR_F_NOSPACE));
	/* Fail closed: one memory BAR without space keeps memory decoding off. */
	CHECK(!(rd16(sim.fn[b].cfg + PCI_COMMAND) & PCI_COMMAND_MEMORY));
}

static void test_bar_edges(void)
{
	struct pci_cfg_ops ops;
	const struct pci_func *f;
	int a, b, c, d;

	sim_reset(0, 0);
	/* a: BAR5 claims 64-bit: there is no BAR6 to hold the upper half. BAR0 normal. */
	a = sim_add(-1, 0, 0, 0x2222, 0x0001, 0xff000000, 0);
	sim_bar(a, 0, 0x1000, 0);
	sim_bar_raw(a, 0x24, BAR_64, 0xfffff000u);
	wr32(sim.fn[a].wmask + 0x28, 0xffffffffu); /* CardBus CIS pointer: must stay untouched */
	wr32(sim.fn[a].cfg + 0x28, 0x5a5a5a5au);
	/* b: a mask with holes (bits 16-19 stuck at 0), a reserved memory type, a legacy 1M. */
	b = sim_add(-1, 1, 0, 0x2222, 0x0002, 0xff000000, 0);
	sim_bar_raw(b, 0x10, 0, 0xfff0f000u);
	sim_bar_raw(b, 0x14, 0x6, 0xfffff000u);
	sim_bar_raw(b, 0x18, 0x2, 0xffff0000u);
	/* c: 64-bit BARs of 8 GiB (upper half only) and of 4 GiB exactly; a 32-bit I/O BAR. */
	c = sim_add(-1, 2, 0, 0x2222, 0x0003, 0xff000000, 0);
	sim_bar(c, 0, 0x200000000ull, BAR_64 | BAR_PREF);
	sim_bar(c, 2, 0x100000000ull, BAR_64 | BAR_PREF);
	sim_bar(c, 4, 0x100, BAR_IO);
	/* d: unimplemented BARs everywhere, I/O BAR with no writable bits, ROM absent. */
	d = sim_add(-1, 3, 0, 0x2222, 0x0004, 0xff000000, 0);
	sim_bar_raw(d, 0x10, 0x1, 0);

	ops = sim_ops();
	CHECK_EQ_U64(pci_enum(&topo, &ops, qemu_windows, 3), 0);
	CHECK_EQ_U64(sim.sized_decoding, 0);

	f = &topo.fn[0];
	CHECK_EQ_U64(f->bar[0].size, 0x1000);
	CHECK_EQ_U64(f->bar[5].kind, PCI_BAR_MEM64);
	CHECK(f->bar[5].flags & PCI_BAR_F_INVALID);
	CHECK(!(f->bar[5].flags & PCI_BAR_F_ASSIGNED));
	CHECK(f->flags & PCI_FN_F_BAR_INVALID);
	CHECK_EQ_U64(rd32(sim.fn[a].cfg + 0x28), 0x5a5a5a5au);
	CHECK(!(f->command & PCI_COMMAND_MEMORY)); /* fail closed: BAR5 would decode somewhere */

	f = &topo.fn[1];
	CHECK_EQ_U64(f->bar[0].kind, PCI_BAR_MEM32);
	CHECK_EQ_U64(f->bar[0].size, 0x100000); /* top run of ones: bits 31..20 */
	CHECK(f->bar[0].flags & PCI_BAR_F_HOLES);
	CHECK(f->bar[0].flags & PCI_BAR_F_ASSIGNED);
	CHECK_EQ_U64(f->bar[0].pci_addr & 0xfffff, 0); /* the stuck bits are zero */
	CHECK(f->bar[1].flags & PCI_BAR_F_INVALID);
	CHECK_EQ_U64(f->bar[2].kind, PCI_BAR_MEM32);
	CHECK(f->bar[2].flags & PCI_BAR_F_LEGACY1M);
	CHECK_EQ_U64(f->bar[2].size, 0x10000);

	f = &topo.fn[2];
	CHECK_EQ_U64(f->bar[0].kind, PCI_BAR_MEM64);
	CHECK_EQ_U64(f->bar[0].size, 0x200000000ull);
	CHECK_EQ_U64(f->bar[2].size, 0x100000000ull);
	CHECK_EQ_U64(f->bar[0].pci_addr % 0x200000000ull, 0);
	CHECK_EQ_U64(f->bar[2].pci_addr % 0x100000000ull, 0);
	CHECK(f->bar[0].pci_addr >= 0x8000000000ull && f->bar[2].pci_addr >= 0x8000000000ull);
	CHECK_EQ_U64(f->bar[4].kind, PCI_BAR_IO);
	CHECK_EQ_U64(f->bar[4].size, 0x100);
	CHECK(!(f->bar[4].flags & PCI_BAR_F_IO16));
	CHECK_EQ_U64(f->command, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);

	f = &topo.fn[3];
	for (int k = 0; k < 6; k++)
		CHECK_EQ_U64(f->bar[k].kind, PCI_BAR_NONE);
	CHECK_EQ_U64(f->rom.kind, PCI_BAR_NONE);
	CHECK_EQ_U64(f->command, 0);
	check_invariants(&topo);
	(void)c;
	(void)d;
}

/* The host window a 64-bit BAR can use depends on what platform.c says about prefetch. */
static void test_window_choice(void)
{
	struct err_why why = { 0 };
	struct pci_cfg_ops ops;
	const struct pci_func *f;
	struct pci_window w[3];
	int a;

	/* No 64-bit window: the NVMe BAR falls back to 32-bit memory. */
	sim_reset(0, 0);
	a = sim_add(-1, 1, 0, 0x1b36, 0x0010, 0x01080202, 0);
	sim_bar(a, 0, 0x4000, BAR_64);
	sim_bar(a, 2, 0x100000, BAR_64 | BAR_PREF);
	ops = sim_ops();
	CHECK_EQ_U64(pci_enum(&topo, &ops, qemu_windows, 2), 0);
	f = &topo.fn[0];
	CHECK(f->bar[0].pci_addr >= 0x10000000 && f->bar[0].pci_addr < 0x3eff0000);
	CHECK(f->bar[2].pci_addr >= 0x10000000 && f->bar[2].pci_addr < 0x3eff0000);
	CHECK_EQ_U64(f->bar[2].window, 1);
	check_invariants(&topo);

	/* A prefetchable 64-bit window takes the prefetchable BAR, never the other one. */
	memcpy(w, qemu_windows, sizeof(w));
	w[2].prefetchable = true;
	CHECK_EQ_U64(pci_enum(&topo, &ops, w, 3), 0);
	f = &topo.fn[0];
	CHECK_EQ_U64(f->bar[0].window, 1);
	CHECK_EQ_U64(f->bar[2].window, 2);
	CHECK(f->bar[2].pci_addr >= 0x8000000000ull);
	check_invariants(&topo);

	/* pci_addr != cpu_addr: the BAR holds the bus address, cpu_addr is translated. */
	memcpy(w, qemu_windows, sizeof(w));
	w[1].pci_addr = 0x40000000;
	w[1].cpu_addr = 0x1040000000ull;
	w[1].size = 0x10000000;
	CHECK_EQ_U64(pci_enum(&topo, &ops, w, 2), 0);
	f = &topo.fn[0];
	CHECK(f->bar[0].pci_addr >= 0x40000000 && f->bar[0].pci_addr < 0x50000000);
	CHECK_EQ_U64(f->bar[0].cpu_addr, f->bar[0].pci_addr + 0x1000000000ull);
	CHECK_EQ_U64(rd32(sim.fn[a].cfg + 0x10) & ~0xfu, (uint32_t)f->bar[0].pci_addr);
	check_invariants(&topo);

	/* A "64-bit" window below 4 GiB (allowed by the binding) serves 32-bit BARs too. */
	sim_reset(0, 0);
	a = sim_add(-1, 0, 0, 0x2222, 0x0001, 0xff000000, 0);
	sim_bar(a, 0, 0x1000000, 0);
	ops = sim_ops();
	w[0] = (struct pci_window){ PCI_SPACE_MEM64, false, 0x40000000, 0x40000000, 0x10000000 };
	CHECK_EQ_U64(pci_enum(&topo, &ops, w, 1), 0);
	CHECK_EQ_U64(topo.fn[0].bar[0].pci_addr, 0x40000000);
	/* ...but one straddling 4 GiB keeps them below it. */
	w[0] = (struct pci_window){ PCI_SPACE_MEM64, false, 0xff000000, 0xff000000, 0x10000000 };
	CHECK_EQ_U64(pci_enum(&topo, &ops, w, 1), 0);
	CHECK_EQ_U64(topo.fn[0].bar[0].pci_addr, 0xff000000);
	w[0].pci_addr = w[0].cpu_addr = 0xff800000;
	CHECK_EQ_U64(pci_enum(&topo, &ops, w, 1), E_NOMEM);
	CHECK(topo.fn[0].bar[0].flags & PCI_BAR_F_NOSPACE);
	check_invariants(&topo);
	/* The reason names the BAR that did not fit, for the boot log. */
	CHECK_EQ_U64(pci_enum_why(&topo, E_NOMEM, &why), E_NOMEM);
	CHECK_STR(why.msg, "BAR0 of 00:00.0 (16M) found no room in the host bridge's windows");
}

/* Largest alignment first: exact addresses, and a child window whose size is not a multiple of
 * its alignment followed by a smaller item. */
static void test_packing(void)
{
	struct pci_cfg_ops ops;
	const struct pci_func *f;
	int a, rp, sw, b, c;

	sim_reset(0, 255);
	a = sim_add(-1, 0, 0, 0x2222, 0x0001, 0xff000000, 0);
	sim_bar(a, 0, 0x1000, 0);
	sim_bar(a, 1, 0x1000000, 0);
	sim_bar(a, 2, 0x100000, 0);
	/* Root port > switch port with 4M + 1M BARs (window 5M, align 4M) and a 2M BAR. */
	rp = sim_add(-1, 1, 0, 0x1b36, 0x000c, 0x06040000, 0x01);
	sim_bridge_windows(rp, 16, 64);
	b = sim_add(rp, 0, 0, 0x2222, 0x0002, 0xff000000, 0);
	sim_bar(b, 0, 0x200000, 0);
	sw = sim_add(rp, 1, 0, 0x104c, 0x8232, 0x06040000, 0x01);
	sim_bridge_windows(sw, 32, 64);
	c = sim_add(sw, 0, 0, 0x2222, 0x0003, 0xff000000, 0);
	sim_bar(c, 0, 0x400000, 0);
	sim_bar(c, 1, 0x100000, 0);
	ops = sim_ops();
	CHECK_EQ_U64(pci_enum(&topo, &ops, qemu_windows, 3), 0);
	f = &topo.fn[0];
	/* 16M BAR, then the root port's 8M window (align 4M), then 1M, then 4K. */
	CHECK_EQ_U64(f->bar[1].pci_addr, 0x10000000);
	CHECK_EQ_U64(fn_at(0, 1, 0)->br.mem.base, 0x11000000);
	CHECK_EQ_U64(f->bar[2].pci_addr, 0x11800000);
	CHECK_EQ_U64(f->bar[0].pci_addr, 0x11900000);
	f = fn_at(1, 1, 0);
	CHECK(f && f->br.mem.assigned && f->br.mem.limit - f->br.mem.base + 1 == 0x500000);
	f = fn_at(1, 0, 0);
	CHECK(f && f->bar[0].pci_addr % 0x200000 == 0);
	f = fn_at(0, 1, 0);
	/* 5M at 0, 2M at 6M (aligned up from 5M): 8M in all. */
	CHECK(f && f->br.mem.limit - f->br.mem.base + 1 == 0x800000);
	check_invariants(&topo);
}

/* Only I/O that may live above 64 KiB goes there, in a host I/O window larger than that. */
static void test_io_64k(void)
{
	struct pci_cfg_ops ops;
	struct pci_window w = { PCI_SPACE_IO, false, 0x0, 0x3eff0000, 0x20000 };
	const struct pci_func *f;
	int a, rp, b;

	sim_reset(0, 255);
	a = sim_add(-1, 0, 0, 0x2222, 0x0001, 0xff000000, 0);
	sim_bar_raw(a, 0x10, 0x1, 0xffff8000u); /* 32 KiB, 32-bit decoder */
	sim_bar_raw(a, 0x14, 0x1, 0xffff8000u);
	rp = sim_add(-1, 1, 0, 0x1b36, 0x000c, 0x06040000, 0x01);
	sim_bridge_windows(rp, 16, 0); /* 16-bit I/O window, no prefetchable window */
	b = sim_add(rp, 0, 0, 0x2222, 0x0002, 0xff000000, 0);
	sim_bar(b, 0, 0x20, BAR_IO);
	ops = sim_ops();
	CHECK_EQ_U64(pci_enum(&topo, &ops, &w, 1), 0);
	f = &topo.fn[0];
	CHECK(f->bar[0].size == 0x8000 && !(f->bar[0].flags & PCI_BAR_F_IO16));
	CHECK(f->bar[0].pci_addr >= 0x8000 && f->bar[1].pci_addr >= 0x8000);
	f = fn_at(0, 1, 0);
	CHECK(f && !f->br.io32 && !f->br.pref_window && f->br.io.assigned);
	CHECK(f && f->br.io.limit < 0x10000);
	check_invariants(&topo);
}

/* Windows too small: what does not fit is reported, everything else still works. */
static void test_window_exhaustion(void)
{
	struct qemu_ids q = build_qemu();
	struct pci_cfg_ops ops = sim_ops();
	struct pci_window w[3];
	const struct pci_func *f;

	/* 2 MiB of 32-bit memory, no 64-bit window, no I/O. */
	w[0] = (struct pci_window){ PCI_SPACE_MEM32, false, 0x10000000, 0x10000000, 0x200000 };
	CHECK_EQ_U64(pci_enum(&topo, &ops, w, 1), E_NOMEM);
	CHECK_EQ_U64(topo.n_fn, 14);
	/* The 8 GiB accelerator cannot fit: the 00:02.1 prefetchable window fails, and so
	 * does everything below it that needed it. */
	f = fn_at(0, 2, 1);
	CHECK(f && !f->br.pref.assigned && (f->flags & PCI_FN_F_NOSPACE));
	f = fn_at(5, 0, 0);
	CHECK(f && (f->bar[0].flags & PCI_BAR_F_NOSPACE) && !(f->command & PCI_COMMAND_MEMORY));
	/* I/O BARs have no window at all. */
	f = fn_at(0, 3, 0);
	CHECK(f && (f->bar[0].flags & PCI_BAR_F_NOSPACE) && !(f->command & PCI_COMMAND_IO));
	/* The NVMe got its 16 KiB (largest alignments first leave room for it). */
	f = fn_at(0, 1, 0);
	CHECK(f && (f->bar[0].flags & PCI_BAR_F_ASSIGNED) && f->command == PCI_COMMAND_MEMORY);
	check_invariants(&topo);
	(void)q;

	/* I/O BAR behind a bridge without an I/O window. */
	sim_reset(0, 255);
	{
		int rp = sim_add(-1, 0, 0, 0x1b36, 0x000c, 0x06040000, 0x01), dev;

		sim_bridge_windows(rp, 0, 64);
		sim_cap_ptr(rp, 0x40);
		sim_cap_exp(rp, 0x40, 0, PCI_EXP_TYPE_ROOT_PORT);
		dev = sim_add(rp, 0, 0, 0x8086, 0x10d3, 0x02000000, 0);
		sim_bar(dev, 0, 0x20000, 0);
		sim_bar(dev, 2, 0x20, BAR_IO);
		ops = sim_ops();
		CHECK_EQ_U64(pci_enum(&topo, &ops, qemu_windows, 3), E_NOMEM);
		CHECK_EQ_U64(topo.n_fn, 2);
		CHECK(!topo.fn[0].br.io_window && topo.fn[0].br.pref64);
		CHECK(topo.fn[1].bar[2].flags & PCI_BAR_F_NOSPACE);
		CHECK(topo.fn[1].bar[0].flags & PCI_BAR_F_ASSIGNED);
		CHECK_EQ_U64(topo.fn[1].command, PCI_COMMAND_MEMORY);
		CHECK_EQ_U64(topo.fn[0].command, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		check_invariants(&topo);
	}
}

/* Bus numbers run out: the bridge that gets none is reported, the rest still work. */
static void test_bus_exhaustion(void)
{
	struct err_why why = { 0 };
	struct pci_cfg_ops ops;
	int rp[3], dev;

	sim_reset(0, 2);
	for (int k = 0; k < 3; k++) {
		rp[k] = sim_add(-1, (unsigned int)k + 1, 0, 0x1b36, 0x000c, 0x06040000, 0x01);
		sim_bridge_windows(rp[k], 16, 64);
		dev = sim_add(rp[k], 0, 0, 0x1af4, 0x1041, 0x02000000, 0);
		sim_bar(dev, 1, 0x1000, 0);
	}
	/* The third root port is stale-programmed to claim bus 1: it must be reset. */
	sim.fn[rp[2]].cfg[0x19] = 1;
	sim.fn[rp[2]].cfg[0x1a] = 2;
	ops = sim_ops();
	CHECK_EQ_U64(pci_enum(&topo, &ops, qemu_windows, 3), E_RANGE);
	CHECK_EQ_U64(topo.n_fn, 5);
	CHECK_EQ_U64(topo.last_bus, 2);
	CHECK(fn_at(1, 0, 0) && fn_at(2, 0, 0));
	CHECK(fn_at(0, 3, 0) && (fn_at(0, 3, 0)->flags & PCI_FN_F_NOBUS));
	CHECK_EQ_U64(pci_enum_why(&topo, E_RANGE, &why), E_RANGE);
	CHECK_STR(why.msg, "bridge 00:03.0 got no bus: buses 0-2 or 16 levels ran out");
	CHECK_EQ_U64(sim.fn[rp[2]].cfg[0x19], 0);
	CHECK_EQ_U64(sim.fn[rp[2]].cfg[0x1a], 0);
	CHECK(!fn_at(0, 3, 0)->br.mem.assigned);
	CHECK_EQ_U64(sim.bad_access, 0);
	check_invariants(&topo);

	/* A chain of bridges deeper than PCI_MAX_DEPTH stops there with E_RANGE. */
	sim_reset(0, 255);
	{
		int parent = -1;

		for (int k = 0; k < PCI_MAX_DEPTH + 4; k++) {
			parent = sim_add(parent, 0, 0, 0x104c, 0x8232, 0x06040000, 0x01);
			sim_bridge_windows(parent, 32, 64);
		}
		sim_bar(sim_add(parent, 0, 0, 0x1af4, 0x1041, 0x02000000, 0), 0, 0x1000, 0);
	}
	ops = sim_ops();
	CHECK_EQ_U64(pci_enum(&topo, &ops, qemu_windows, 3), E_RANGE);
	CHECK_EQ_U64(topo.n_fn, PCI_MAX_DEPTH);
	CHECK(topo.fn[PCI_MAX_DEPTH - 1].flags & PCI_FN_F_NOBUS);
	CHECK_EQ_U64(topo.last_bus, PCI_MAX_DEPTH - 1);
	check_invariants(&topo);
}

/* More functions than the table holds. */
static void test_table_overflow(void)
{
	struct pci_cfg_ops ops;

	sim_reset(0, 0);
	for (unsigned int d = 0; d < 9; d++)
		for (unsigned int fn = 0; fn < 8; fn++) {
			int i = sim_add(-1, d, fn, 0x3333, (uint16_t)(d << 8 | fn), 0x05000000,
					fn == 0 ? 0x80 : 0);

			sim_bar(i, 0, 0x1000, 0);
		}
	ops = sim_ops();
	CHECK_EQ_U64(pci_enum(&topo, &ops, qemu_windows, 3), E_NOMEM);
	CHECK_EQ_U64(topo.n_fn, PCI_MAX_FUNCS);
	CHECK_EQ_U64(topo.n_dropped, 72 - PCI_MAX_FUNCS);
	for (unsigned int i = 0; i < topo.n_fn; i++)
		CHECK(topo.fn[i].bar[0].flags & PCI_BAR_F_ASSIGNED);
	check_invariants(&topo);
}

/* ---- Names and text ------------------------------------------------------------------------ */

static void test_class_names(void)
{
	CHECK_STR(pci_class_name(0x01, 0x08, 0x02), "NVM Express controller");
	CHECK_STR(pci_class_name(0x01, 0x08, 0x01), "Non-Volatile memory controller");
	CHECK_STR(pci_class_name(0x01, 0x06, 0x01), "SATA controller (AHCI)");
	CHECK_STR(pci_class_name(0x01, 0x42, 0x00), "Mass storage controller");
	CHECK_STR(pci_class_name(0x06, 0x00, 0x00), "Host bridge");
	CHECK_STR(pci_class_name(0x06, 0x04, 0x00), "PCI-to-PCI bridge");
	CHECK_STR(pci_class_name(0x06, 0x04, 0x01), "PCI-to-PCI bridge (subtractive decode)");
	CHECK_STR(pci_class_name(0x02, 0x00, 0x00), "Ethernet controller");
	CHECK_STR(pci_class_name(0x03, 0x00, 0x00), "VGA compatible controller");
	CHECK_STR(pci_class_name(0x0c, 0x03, 0x30), "USB controller (xHCI)");
	CHECK_STR(pci_class_name(0x0c, 0x03, 0x99), "USB controller");
	CHECK_STR(pci_class_name(0x12, 0x00, 0x00), "Processing accelerators");
	CHECK_STR(pci_class_name(0x77, 0x00, 0x00), "Unknown class");

	CHECK_STR(pci_cap_name(PCI_CAP_ID_EXP), "PCI Express");
	CHECK_STR(pci_cap_name(PCI_CAP_ID_MSIX), "MSI-X");
	CHECK_STR(pci_cap_name(PCI_CAP_ID_MSI), "MSI");
	CHECK_STR(pci_cap_name(PCI_CAP_ID_PM), "Power Management");
	CHECK_STR(pci_cap_name(PCI_CAP_ID_VNDR), "Vendor Specific");
	CHECK_STR(pci_cap_name(0x00), "Unknown");
	CHECK_STR(pci_cap_name(0xff), "Unknown");
	CHECK_STR(pci_ext_cap_name(PCI_EXT_CAP_ID_AER), "Advanced Error Reporting");
	CHECK_STR(pci_ext_cap_name(PCI_EXT_CAP_ID_DSN), "Device Serial Number");
	CHECK_STR(pci_ext_cap_name(PCI_EXT_CAP_ID_ARI), "Alternative Routing-ID Interpretation");
	CHECK_STR(pci_ext_cap_name(PCI_EXT_CAP_ID_SRIOV), "Single Root I/O Virtualization");
	CHECK_STR(pci_ext_cap_name(PCI_EXT_CAP_ID_ACS), "Access Control Services");
	CHECK_STR(pci_ext_cap_name(PCI_EXT_CAP_ID_L1SS), "L1 PM Substates");
	CHECK_STR(pci_ext_cap_name(0x0014), "Unknown");
	CHECK_STR(pci_ext_cap_name(0xffff), "Unknown");
	CHECK_STR(pci_exp_type_name(PCI_EXP_TYPE_ROOT_PORT), "Root Port");
	CHECK_STR(pci_exp_type_name(PCI_EXP_TYPE_ENDPOINT), "Endpoint");
	CHECK_STR(pci_exp_type_name(2), "Unknown");
	CHECK_STR(pci_exp_type_name(0xff), "Unknown");
	CHECK_STR(pci_link_speed_name(1), "2.5GT/s");
	CHECK_STR(pci_link_speed_name(4), "16GT/s");
	CHECK_STR(pci_link_speed_name(0), "unknown");
	CHECK_STR(pci_link_speed_name(9), "unknown");
}

static void test_bdf(void)
{
	static const struct {
		const char *s;
		int ret;
		uint16_t bdf;
	} cases[] = {
		{ "00:01.0", 0, PCI_BDF(0, 1, 0) },
		{ "0000:00:01.0", 0, PCI_BDF(0, 1, 0) },
		{ "0:0:1.0", 0, PCI_BDF(0, 1, 0) },
		{ "ff:1f.7", 0, PCI_BDF(0xff, 0x1f, 7) },
		{ "FF:1F.7", 0, PCI_BDF(0xff, 0x1f, 7) },
		{ "3:2.1", 0, PCI_BDF(3, 2, 1) },
		{ "00:20.0", E_RANGE, 0 },
		{ "00:1f.8", E_RANGE, 0 },
		{ "00:00.f", E_RANGE, 0 },
		{ "100:00.0", E_RANGE, 0 },
		{ "0001:00:00.0", E_RANGE, 0 },
		{ "ffff:00:00.0", E_RANGE, 0 },
		{ "00:00.10", E_RANGE, 0 },
		{ "000:00.0", E_INVAL, 0 }, /* padded bus */
		{ "00:001.0", E_INVAL, 0 }, /* padded device */
		{ "00:00.00", E_INVAL, 0 }, /* padded function */
		{ "00000:00:00.0", E_INVAL, 0 },
		{ "00:00:00:00.0", E_INVAL, 0 },
		{ "1.0", E_INVAL, 0 },
		{ "00:01", E_INVAL, 0 },
		{ "00:01.", E_INVAL, 0 },
		{ ":01.0", E_INVAL, 0 },
		{ "00:.0", E_INVAL, 0 },
		{ "00:01.0 ", E_INVAL, 0 },
		{ " 00:01.0", E_INVAL, 0 },
		{ "00:01.0x", E_INVAL, 0 },
		{ "0x0:01.0", E_INVAL, 0 },
		{ "-1:01.0", E_INVAL, 0 },
		{ "g0:01.0", E_INVAL, 0 },
		{ "", E_INVAL, 0 },
		{ "123456789:0.0", E_INVAL, 0 },
	};
	char buf[PCI_BDF_STRLEN];
	uint16_t bdf;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;

		bdf = 0xabcd;
		ret = pci_parse_bdf(cases[i].s, &bdf);
		if (ret != cases[i].ret)
			fprintf(stderr, "pci_parse_bdf(\"%s\") = %d, want %d\n", cases[i].s, ret,
				cases[i].ret);
		CHECK_EQ_U64(ret, cases[i].ret);
		CHECK_EQ_U64(bdf, ret ? 0xabcd : cases[i].bdf);
	}
	CHECK_EQ_U64(pci_parse_bdf(NULL, &bdf), E_INVAL);

	CHECK_EQ_U64(pci_format_bdf(buf, sizeof(buf), PCI_BDF(0, 1, 0)), 7);
	CHECK_STR(buf, "00:01.0");
	pci_format_bdf(buf, sizeof(buf), PCI_BDF(0xff, 0x1f, 7));
	CHECK_STR(buf, "ff:1f.7");
	CHECK_EQ_U64(pci_format_bdf(buf, 4, PCI_BDF(0xab, 3, 2)), 7);
	CHECK_STR(buf, "ab:");
	/* Round trip over every BDF. */
	for (unsigned int v = 0; v < 0x10000; v++) {
		pci_format_bdf(buf, sizeof(buf), (uint16_t)v);
		if (pci_parse_bdf(buf, &bdf) || bdf != v) {
			CHECK(!"round trip");
			break;
		}
	}
}

static void test_format(void)
{
	char buf[128];
	struct pci_bar b = { .kind = PCI_BAR_MEM64,
			     .flags = PCI_BAR_F_ASSIGNED,
			     .size = 0x4000,
			     .pci_addr = 0x8000000000ull };
	struct pci_func f = { .bdf = PCI_BDF(0, 1, 0),
			      .vendor = 0x1b36,
			      .device = 0x0010,
			      .class_code = 1,
			      .subclass = 8,
			      .progif = 2 };

	pci_format_size(buf, sizeof(buf), 0x4000);
	CHECK_STR(buf, "16K");
	pci_format_size(buf, sizeof(buf), 0x100000);
	CHECK_STR(buf, "1M");
	pci_format_size(buf, sizeof(buf), 0x200000000ull);
	CHECK_STR(buf, "8G");
	pci_format_size(buf, sizeof(buf), 0x20);
	CHECK_STR(buf, "32");
	pci_format_size(buf, sizeof(buf), 0x1800);
	CHECK_STR(buf, "6K");
	pci_format_size(buf, sizeof(buf), 1ull << 63);
	CHECK_STR(buf, "8E");

	pci_format_bar(buf, sizeof(buf), &b);
	CHECK_STR(buf, "Memory at 0x8000000000 (64-bit, non-prefetchable) [size=16K]");
	b = (struct pci_bar){
		.kind = PCI_BAR_IO, .flags = PCI_BAR_F_ASSIGNED, .size = 32, .pci_addr = 0x1000
	};
	pci_format_bar(buf, sizeof(buf), &b);
	CHECK_STR(buf, "I/O at 0x1000 [size=32]");
	b = (struct pci_bar){ .kind = PCI_BAR_MEM32,
			      .flags = PCI_BAR_F_PREFETCH | PCI_BAR_F_NOSPACE,
			      .size = 0x1000000 };
	pci_format_bar(buf, sizeof(buf), &b);
	CHECK_STR(buf, "Memory (32-bit, prefetchable) [size=16M] [no space]");
	b = (struct pci_bar){ .kind = PCI_BAR_MEM32, .size = 0x1000 };
	pci_format_bar(buf, sizeof(buf), &b);
	CHECK_STR(buf, "Memory (32-bit, non-prefetchable) [size=4K] [unassigned]");
	b = (struct pci_bar){ .kind = PCI_BAR_ROM, .size = 0x40000 };
	pci_format_bar(buf, sizeof(buf), &b);
	CHECK_STR(buf, "Expansion ROM [size=256K] [not assigned]");
	b = (struct pci_bar){ .kind = PCI_BAR_NONE };
	pci_format_bar(buf, sizeof(buf), &b);
	CHECK_STR(buf, "");

	pci_format_func(buf, sizeof(buf), &f);
	CHECK_STR(buf, "00:01.0 1b36:0010 [01:08:02] NVM Express controller");
}

/* ---- NVMe ---------------------------------------------------------------------------------- */

/* Identify Controller fields at their Figure 275 offsets; padding trimmed, junk made visible. */
static void test_nvme_id_ctrl(void)
{
	static uint8_t page[4096];
	struct nvme_id_ctrl id;

	memset(page, 0, sizeof(page));
	page[0] = 0x36;
	page[1] = 0x1b;
	page[2] = 0xf4;
	page[3] = 0x1a;
	memcpy(page + 4, "beef0               ", 20);
	memcpy(page + 24, "QEMU NVMe Ctrl                          ", 40);
	memcpy(page + 64, "7.2.22  ", 8);
	page[30] = 0x01; /* a control byte inside the model: shown as '?' */
	page[77] = 7;
	page[78] = 2;
	page[80] = 0x00;
	page[81] = 0x04;
	page[82] = 0x01;
	page[516] = 0x00;
	page[517] = 0x01;
	nvme_decode_id_ctrl(page, &id);
	CHECK_EQ_U64(id.vid, 0x1b36);
	CHECK_EQ_U64(id.ssvid, 0x1af4);
	CHECK_STR(id.sn, "beef0");
	CHECK_STR(id.mn, "QEMU N?Me Ctrl");
	CHECK_STR(id.fr, "7.2.22");
	CHECK_EQ_U64(id.mdts, 7);
	CHECK_EQ_U64(id.cntlid, 2);
	CHECK_EQ_U64(id.ver, 0x10400);
	CHECK_EQ_U64(id.nn, 256);
	memset(page + 4, ' ', 20); /* all padding: empty */
	nvme_decode_id_ctrl(page, &id);
	CHECK_STR(id.sn, "");
}

static void test_nvme(void)
{
	struct nvme_cap cap;
	struct nvme_vs vs;
	struct nvme_cc cc;
	struct nvme_csts csts;
	struct nvme_aqa aqa;
	char buf[256];
	/*
	 * QEMU's CAP (hw/nvme/ctrl.c nvme_init_cap): MQES 0x7ff, CQR 1, TO 0xf, CSS bits
	 * NVM (37), I/O command sets (43) and admin-only (44), MPSMAX 4. By the spec's layout:
	 * low dword = MQES | CQR << 16 | TO << 24 = 0x0f0107ff; high dword = CSS << 5 |
	 * MPSMAX << 20 = 0xc1 << 5 | 4 << 20 = 0x00401820.
	 */
	uint64_t qemu_cap = 0x004018200f0107ffull;

	nvme_decode_cap(qemu_cap, &cap);
	CHECK_EQ_U64(cap.mqes, 0x7ff);
	CHECK_EQ_U64(cap.max_queue_entries, 2048);
	CHECK(cap.cqr);
	CHECK_EQ_U64(cap.ams, 0);
	CHECK_EQ_U64(cap.to, 15);
	CHECK_EQ_U64(cap.timeout_ms, 7500);
	CHECK_EQ_U64(cap.dstrd, 0);
	CHECK_EQ_U64(cap.doorbell_stride, 4);
	CHECK(!cap.nssrs);
	CHECK_EQ_U64(cap.css, 0xc1);
	CHECK(!cap.bps);
	CHECK_EQ_U64(cap.cps, 0);
	CHECK_EQ_U64(cap.mpsmin, 0);
	CHECK_EQ_U64(cap.mpsmax, 4);
	CHECK_EQ_U64(cap.page_min, 4096);
	CHECK_EQ_U64(cap.page_max, 65536);
	CHECK(!cap.pmrs && !cap.cmbs && !cap.nsss);
	CHECK_EQ_U64(cap.crms, 0);
	nvme_format_cap(buf, sizeof(buf), qemu_cap);
	CHECK_STR(buf,
		  "mqes=2048 cqr+ ams=- to=7500ms dstrd=4 nssrs- css=nvm,iocs,admin bps- cps=0 "
		  "mps=4K..64K pmrs- cmbs- nsss- crms=-");
	/* The brief's older QEMU value: NVM command set only. */
	nvme_decode_cap(0x004000200f0107ffull, &cap);
	CHECK_EQ_U64(cap.css, 0x01);
	CHECK_EQ_U64(cap.mpsmax, 4);

	/* Every single-bit field on its own, from the spec's bit positions. */
	nvme_decode_cap(1ull << 17, &cap);
	CHECK_EQ_U64(cap.ams, 1);
	nvme_decode_cap(1ull << 18, &cap);
	CHECK_EQ_U64(cap.ams, 2);
	nvme_decode_cap(0xfull << 32, &cap);
	CHECK_EQ_U64(cap.dstrd, 15);
	CHECK_EQ_U64(cap.doorbell_stride, 4u << 15);
	nvme_decode_cap(1ull << 36, &cap);
	CHECK(cap.nssrs && cap.css == 0);
	nvme_decode_cap(1ull << 45, &cap);
	CHECK(cap.bps && cap.css == 0 && cap.cps == 0);
	nvme_decode_cap(3ull << 46, &cap);
	CHECK_EQ_U64(cap.cps, 3);
	CHECK_EQ_U64(cap.mpsmin, 0);
	nvme_decode_cap(0xfull << 48, &cap);
	CHECK_EQ_U64(cap.mpsmin, 15);
	CHECK_EQ_U64(cap.page_min, 4096u << 15);
	nvme_decode_cap(1ull << 56, &cap);
	CHECK(cap.pmrs && !cap.cmbs);
	nvme_decode_cap(1ull << 57, &cap);
	CHECK(cap.cmbs && !cap.pmrs && !cap.nsss);
	nvme_decode_cap(1ull << 58, &cap);
	CHECK(cap.nsss && cap.crms == 0);
	nvme_decode_cap(3ull << 59, &cap);
	CHECK_EQ_U64(cap.crms, 3);
	nvme_decode_cap(7ull << 61, &cap); /* reserved bits: nothing */
	CHECK(!cap.crms && !cap.nsss && cap.mqes == 0);
	nvme_decode_cap(0xffull << 19 & 0x1f << 19, &cap); /* reserved 23:19 */
	CHECK(!cap.ams && !cap.to && !cap.cqr);
	nvme_format_cap(buf, sizeof(buf), 1ull << 17 | 1ull << 18 | 3ull << 59 | 1ull << 36);
	CHECK_STR(buf, "mqes=1 cqr- ams=wrr,vendor to=0ms dstrd=4 nssrs+ css=- bps- cps=0 "
		       "mps=4K..4K pmrs- cmbs- nsss- crms=crwms,crims");

	/* VS: QEMU reports 1.4.0 (0x00010400); NVMe 2.0 is 0x00020000. */
	nvme_decode_vs(0x00010400, &vs);
	CHECK(vs.mjr == 1 && vs.mnr == 4 && vs.ter == 0);
	nvme_format_vs(buf, sizeof(buf), 0x00010400);
	CHECK_STR(buf, "1.4.0");
	nvme_format_vs(buf, sizeof(buf), 0x00020001);
	CHECK_STR(buf, "2.0.1");

	/* CC as Linux writes it: EN, CSS 000b, MPS 0 (4K), AMS RR, IOSQES 6, IOCQES 4. */
	nvme_decode_cc(0x00460001, &cc);
	CHECK(cc.en && cc.css == 0 && cc.mps == 0 && cc.ams == 0 && cc.shn == 0);
	CHECK_EQ_U64(cc.iosqes, 6);
	CHECK_EQ_U64(cc.iocqes, 4);
	CHECK(!cc.crime);
	nvme_format_cc(buf, sizeof(buf), 0x00460001);
	CHECK_STR(buf, "en+ css=nvm mps=4K ams=rr shn=none iosqes=64 iocqes=16 crime-");
	/* CSS 110b [6:4], MPS 4 [10:7], AMS 001b [13:11], SHN 01b [15:14], CRIME [24]. */
	nvme_decode_cc(0x6u << 4 | 4u << 7 | 1u << 11 | 1u << 14 | 1u << 24, &cc);
	CHECK(!cc.en && cc.css == 6 && cc.mps == 4 && cc.ams == 1 && cc.shn == 1 && cc.crime);
	nvme_format_cc(buf, sizeof(buf), 0x7u << 4 | 7u << 11 | 2u << 14);
	CHECK_STR(buf, "en- css=admin mps=4K ams=vendor shn=abrupt iosqes=1 iocqes=1 crime-");

	/* CSTS: RDY [0], CFS [1], SHST [3:2], NSSRO [4], PP [5], ST [6]. */
	nvme_decode_csts(0x1, &csts);
	CHECK(csts.rdy && !csts.cfs && csts.shst == 0 && !csts.nssro && !csts.pp && !csts.st);
	nvme_decode_csts(0x2 | 0x8 | 0x10 | 0x20 | 0x40, &csts);
	CHECK(!csts.rdy && csts.cfs && csts.shst == 2 && csts.nssro && csts.pp && csts.st);
	nvme_format_csts(buf, sizeof(buf), 0x5);
	CHECK_STR(buf, "rdy+ cfs- shst=occurring nssro- pp- st-");

	/* AQA: ASQS [11:0], ACQS [27:16], 0's based; bits above are reserved. */
	nvme_decode_aqa(0x001f001f, &aqa);
	CHECK(aqa.asqs == 31 && aqa.acqs == 31);
	nvme_decode_aqa(0xfffff000, &aqa); /* reserved [15:12] and [31:28] set */
	CHECK(aqa.asqs == 0 && aqa.acqs == 0xfff);
	nvme_format_aqa(buf, sizeof(buf), 0x001f001f);
	CHECK_STR(buf, "asqs=32 acqs=32");
}

int main(void)
{
	RUN(test_cfg_access);
	RUN(test_enum_qemu);
	RUN(test_scan_restores);
	RUN(test_caps_hostile);
	RUN(test_cap_decode);
	RUN(test_bar_edges);
	RUN(test_keep_firmware_bars);
	RUN(test_window_choice);
	RUN(test_packing);
	RUN(test_io_64k);
	RUN(test_window_exhaustion);
	RUN(test_bus_exhaustion);
	RUN(test_table_overflow);
	RUN(test_class_names);
	RUN(test_bdf);
	RUN(test_format);
	RUN(test_nvme);
	RUN(test_nvme_id_ctrl);
	return TEST_SUMMARY();
}
