// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Config space access through pci_cfg_ops, the depth-first scan with bus numbering, BAR sizing
 * and the capability walks. Portable: the hardware is reached only through the ops.
 */
#include "pci/pci.h"

#include "kernel/lib/err.h"

/* ---- Config access ------------------------------------------------------------------------- */

static bool cfg_bus_ok(const struct pci_cfg_ops *c, uint16_t bdf)
{
	unsigned int bus = PCI_BDF_BUS(bdf);

	return bus >= c->bus_start && bus <= c->bus_end;
}

/* ECAM offset of a dword (PCIe Base 6.0, 7.2.2: bus [27:20], dev [19:15], fn [14:12]). */
static uint64_t cfg_off(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg)
{
	return (uint64_t)(PCI_BDF_BUS(bdf) - c->bus_start) << 20 |
	       (uint64_t)PCI_BDF_DEV(bdf) << 15 | (uint64_t)PCI_BDF_FN(bdf) << 12 |
	       (uint64_t)(reg & 0xffcu);
}

uint32_t pci_cfg_read32(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg)
{
	if (!cfg_bus_ok(c, bdf) || reg >= PCI_CFG_SIZE)
		return 0xffffffffu;
	return c->read32(c->ctx, cfg_off(c, bdf, reg));
}

uint16_t pci_cfg_read16(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg)
{
	return (uint16_t)(pci_cfg_read32(c, bdf, reg) >> (8 * (reg & 2u)));
}

uint8_t pci_cfg_read8(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg)
{
	return (uint8_t)(pci_cfg_read32(c, bdf, reg) >> (8 * (reg & 3u)));
}

void pci_cfg_write32(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg, uint32_t v)
{
	if (!cfg_bus_ok(c, bdf) || reg >= PCI_CFG_SIZE)
		return;
	c->write32(c->ctx, cfg_off(c, bdf, reg), v);
}

/*
 * Bits of the dword at 'reg' that are RW1C and must be written as 0 by a read-modify-write:
 * Status (upper half of 0x04) always, Secondary Status (upper half of 0x1c) in a bridge.
 */
static uint32_t cfg_rw1c_mask(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t dword)
{
	if (dword == PCI_COMMAND)
		return 0xffff0000u;
	if (dword == PCI_IO_BASE &&
	    (pci_cfg_read8(c, bdf, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK) == PCI_HDR_BRIDGE)
		return 0xffff0000u;
	return 0;
}

static void cfg_write_sub(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg, uint32_t v,
			  uint32_t width_mask)
{
	uint16_t dword = reg & 0xffcu;
	unsigned int shift = 8 * (reg & 3u);
	uint32_t old, keep;

	if (!cfg_bus_ok(c, bdf) || reg >= PCI_CFG_SIZE)
		return;
	keep = ~(width_mask << shift) & ~cfg_rw1c_mask(c, bdf, dword);
	old = pci_cfg_read32(c, bdf, dword);
	pci_cfg_write32(c, bdf, dword, (old & keep) | (v & width_mask) << shift);
}

void pci_cfg_write16(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg, uint16_t v)
{
	cfg_write_sub(c, bdf, reg & 0xffeu, v, 0xffffu);
}

void pci_cfg_write8(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg, uint8_t v)
{
	cfg_write_sub(c, bdf, reg, v, 0xffu);
}

static int cfg_check(const struct pci_cfg_ops *c, uint16_t bdf, uint32_t reg, unsigned int width)
{
	if (!c || (width != 1 && width != 2 && width != 4) || reg % width)
		return E_INVAL;
	if (reg >= PCI_CFG_SIZE || !cfg_bus_ok(c, bdf))
		return E_RANGE;
	return 0;
}

int pci_cfg_read(const struct pci_cfg_ops *c, uint16_t bdf, uint32_t reg, unsigned int width,
		 uint32_t *val)
{
	int ret = cfg_check(c, bdf, reg, width);

	if (ret)
		return ret;
	if (width == 4)
		*val = pci_cfg_read32(c, bdf, (uint16_t)reg);
	else if (width == 2)
		*val = pci_cfg_read16(c, bdf, (uint16_t)reg);
	else
		*val = pci_cfg_read8(c, bdf, (uint16_t)reg);
	return 0;
}

int pci_cfg_write(const struct pci_cfg_ops *c, uint16_t bdf, uint32_t reg, unsigned int width,
		  uint32_t val)
{
	int ret = cfg_check(c, bdf, reg, width);

	if (ret)
		return ret;
	if (width == 4)
		pci_cfg_write32(c, bdf, (uint16_t)reg, val);
	else if (width == 2)
		pci_cfg_write16(c, bdf, (uint16_t)reg, (uint16_t)val);
	else
		pci_cfg_write8(c, bdf, (uint16_t)reg, (uint8_t)val);
	return 0;
}

/* ---- Capabilities -------------------------------------------------------------------------- */

/*
 * Standard list (PCI Local Bus 3.0, 6.7): pointers live in [0x40, 0xff]; their low two bits are
 * reserved and masked off as the spec tells software to. A bitmap of visited dwords stops a
 * list that points back into itself after at most 48 entries.
 */
static void walk_caps(const struct pci_cfg_ops *c, struct pci_func *f)
{
	uint64_t seen = 0;
	uint16_t ptr_reg = f->hdr_type == PCI_HDR_CARDBUS ? 0x14 : PCI_CAP_PTR;
	unsigned int ptr;

	if (!(pci_cfg_read16(c, f->bdf, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return;
	ptr = pci_cfg_read8(c, f->bdf, ptr_reg) & 0xfcu;
	while (ptr) {
		uint16_t hdr;

		if (ptr < 0x40) {
			f->flags |= PCI_FN_F_CAP_BAD;
			return;
		}
		if (seen & (1ull << (ptr / 4))) {
			f->flags |= PCI_FN_F_CAP_LOOP;
			return;
		}
		seen |= 1ull << (ptr / 4);
		hdr = pci_cfg_read16(c, f->bdf, (uint16_t)ptr);
		if (hdr == 0xffff) { /* the function went away or never decoded this */
			f->flags |= PCI_FN_F_CAP_BAD;
			return;
		}
		if (f->n_caps < PCI_MAX_CAPS)
			f->caps[f->n_caps++] =
				(struct pci_cap){ .id = hdr & 0xffu, .off = (uint16_t)ptr };
		else
			f->flags |= PCI_FN_F_CAP_TRUNC;
		ptr = (hdr >> 8) & 0xfcu;
	}
}

/*
 * Extended list (PCIe Base 6.0, 7.6.3): starts at 0x100, header = ID [15:0], version [19:16],
 * next [31:20]; next pointers below 0x100 are invalid, low two bits masked. A header of 0 or
 * all-ones at 0x100 means there is none.
 */
static void walk_ext_caps(const struct pci_cfg_ops *c, struct pci_func *f)
{
	uint64_t seen[PCI_CFG_SIZE / 4 / 64] = { 0 };
	unsigned int off = 0x100;

	for (;;) {
		uint32_t hdr;

		if (seen[off / 4 / 64] & (1ull << (off / 4 % 64))) {
			f->flags |= PCI_FN_F_ECAP_LOOP;
			return;
		}
		seen[off / 4 / 64] |= 1ull << (off / 4 % 64);
		hdr = pci_cfg_read32(c, f->bdf, (uint16_t)off);
		if (hdr == 0 || hdr == 0xffffffffu)
			return;
		if (f->n_ext_caps < PCI_MAX_EXT_CAPS)
			f->ext_caps[f->n_ext_caps++] =
				(struct pci_cap){ .id = hdr & 0xffffu, .off = (uint16_t)off };
		else
			f->flags |= PCI_FN_F_CAP_TRUNC;
		off = (hdr >> 20) & 0xffcu;
		if (!off)
			return;
		if (off < 0x100) {
			f->flags |= PCI_FN_F_ECAP_BAD;
			return;
		}
	}
}

uint16_t pci_find_cap(const struct pci_func *f, uint8_t id)
{
	for (unsigned int i = 0; i < f->n_caps; i++)
		if (f->caps[i].id == id)
			return f->caps[i].off;
	return 0;
}

uint16_t pci_find_ext_cap(const struct pci_func *f, uint16_t id)
{
	for (unsigned int i = 0; i < f->n_ext_caps; i++)
		if (f->ext_caps[i].id == id)
			return f->ext_caps[i].off;
	return 0;
}

/* ---- BAR sizing ---------------------------------------------------------------------------- */

/* Size from a mask of writable address bits: the lowest bit of the run of ones from the top. */
static uint64_t mask_to_size(uint64_t mask, uint64_t top_bit, uint8_t *flags)
{
	uint64_t run = 0;

	for (uint64_t b = top_bit; b; b >>= 1) {
		if (!(mask & b))
			break;
		run = b;
	}
	/* A mask with holes (PCI 3.0, 6.2.5.1 says the writable bits are contiguous) gets the
	 * size of its top run, so an aligned address has every bit below it zero. */
	if (run && (mask & (run - 1)))
		*flags |= PCI_BAR_F_HOLES;
	return run;
}

/*
 * Size BAR 'i' by writing all-ones and reading back (PCI Local Bus 3.0, 6.2.5.1); the caller has
 * turned decoding off. Returns the number of slots consumed (2 for a 64-bit BAR).
 */
static unsigned int size_bar(const struct pci_cfg_ops *c, struct pci_func *f, unsigned int i)
{
	struct pci_bar *b = &f->bar[i];
	uint16_t reg = (uint16_t)(PCI_BAR0 + 4 * i);
	uint32_t orig, lo, orig_hi, hi;

	b->reg = (uint8_t)reg;
	b->window = -1;
	orig = pci_cfg_read32(c, f->bdf, reg);
	pci_cfg_write32(c, f->bdf, reg, 0xffffffffu);
	lo = pci_cfg_read32(c, f->bdf, reg);
	pci_cfg_write32(c, f->bdf, reg, orig);
	if (lo == 0 || lo == 0xffffffffu) /* unimplemented, or the function vanished */
		return 1;

	if (lo & PCI_BAR_SPACE_IO) {
		uint32_t mask = lo & ~0x3u;

		if (!(mask & 0xffffu)) /* no writable address bit in the low 64 KiB */
			return 1;
		/* A 16-bit I/O decoder hardwires the upper half to 0 (PCI 3.0, 6.2.5.1). */
		if (!(mask & 0xffff0000u)) {
			mask |= 0xffff0000u;
			b->flags |= PCI_BAR_F_IO16;
		}
		b->kind = PCI_BAR_IO;
		b->size = mask_to_size(mask, 1ull << 31, &b->flags);
		return 1;
	}

	if (lo & PCI_BAR_MEM_PREFETCH)
		b->flags |= PCI_BAR_F_PREFETCH;
	switch (lo & PCI_BAR_MEM_TYPE) {
	case 0x2: /* 01b: "locate below 1 MiB", reserved since PCI 3.0 */
		b->flags |= PCI_BAR_F_LEGACY1M;
		/* fall through */
	case 0x0:
		b->kind = PCI_BAR_MEM32;
		b->size = mask_to_size(lo & ~0xfu, 1ull << 31, &b->flags);
		if (!b->size)
			b->kind = PCI_BAR_NONE, b->flags = 0;
		return 1;
	case PCI_BAR_MEM_TYPE_64:
		break;
	default: /* 11b is reserved */
		b->kind = PCI_BAR_MEM32;
		b->flags |= PCI_BAR_F_INVALID;
		f->flags |= PCI_FN_F_BAR_INVALID;
		return 1;
	}

	b->kind = PCI_BAR_MEM64;
	if (i + 1 >= f->n_bars) {
		/* No slot for the upper half: never write past the BAR array. */
		b->flags |= PCI_BAR_F_INVALID;
		f->flags |= PCI_FN_F_BAR_INVALID;
		return 1;
	}
	orig_hi = pci_cfg_read32(c, f->bdf, (uint16_t)(reg + 4));
	pci_cfg_write32(c, f->bdf, (uint16_t)(reg + 4), 0xffffffffu);
	hi = pci_cfg_read32(c, f->bdf, (uint16_t)(reg + 4));
	pci_cfg_write32(c, f->bdf, (uint16_t)(reg + 4), orig_hi);
	b->size = mask_to_size((uint64_t)hi << 32 | (lo & ~0xfu), 1ull << 63, &b->flags);
	f->bar[i + 1].reg = (uint8_t)(reg + 4);
	f->bar[i + 1].window = -1;
	f->bar[i + 1].flags = PCI_BAR_F_UPPER;
	if (!b->size)
		b->kind = PCI_BAR_NONE, b->flags = 0;
	return 2;
}

static void size_rom(const struct pci_cfg_ops *c, struct pci_func *f)
{
	uint16_t reg;
	uint32_t orig, v;

	f->rom.window = -1;
	if (f->hdr_type == PCI_HDR_NORMAL)
		reg = PCI_ROM_TYPE0;
	else if (f->hdr_type == PCI_HDR_BRIDGE)
		reg = PCI_ROM_TYPE1;
	else
		return;
	f->rom.reg = (uint8_t)reg;
	orig = pci_cfg_read32(c, f->bdf, reg);
	/* Address bits [31:11]; bit 0 (enable) stays clear while sizing. */
	pci_cfg_write32(c, f->bdf, reg, 0xfffff800u);
	v = pci_cfg_read32(c, f->bdf, reg);
	pci_cfg_write32(c, f->bdf, reg, orig);
	if (v == 0xffffffffu)
		return;
	f->rom.size = mask_to_size(v & 0xfffff800u, 1ull << 31, &f->rom.flags);
	if (f->rom.size)
		f->rom.kind = PCI_BAR_ROM;
	else
		f->rom.flags = 0;
}

static void size_bars(const struct pci_cfg_ops *c, struct pci_func *f)
{
	uint16_t cmd = pci_cfg_read16(c, f->bdf, PCI_COMMAND);

	/* Decoding off while a BAR holds all-ones: it would claim most of the address space. */
	if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
		pci_cfg_write32(c, f->bdf, PCI_COMMAND,
				cmd & ~(uint32_t)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned int i = 0; i < f->n_bars;)
		i += size_bar(c, f, i);
	size_rom(c, f);
	if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
		pci_cfg_write32(c, f->bdf, PCI_COMMAND, cmd);
	f->command = cmd;
}

/* Which bridge windows exist (PCI-to-PCI Bridge 1.2, 3.2.5.6 and 3.2.5.9): the I/O and
 * prefetchable windows are optional and read 0 when absent. */
static void probe_bridge_windows(const struct pci_cfg_ops *c, struct pci_func *f)
{
	uint32_t io = pci_cfg_read16(c, f->bdf, PCI_IO_BASE);
	uint32_t pmem = pci_cfg_read32(c, f->bdf, PCI_PREF_MEMORY_BASE);

	if (!io) {
		/* Upper half written 0: Secondary Status is RW1C. */
		pci_cfg_write32(c, f->bdf, PCI_IO_BASE, 0xe0f0u);
		io = pci_cfg_read16(c, f->bdf, PCI_IO_BASE);
		pci_cfg_write32(c, f->bdf, PCI_IO_BASE, 0);
	}
	f->br.io_window = io != 0;
	f->br.io32 = (io & 0xfu) == 1;
	if (!pmem) {
		pci_cfg_write32(c, f->bdf, PCI_PREF_MEMORY_BASE, 0xffe0fff0u);
		pmem = pci_cfg_read32(c, f->bdf, PCI_PREF_MEMORY_BASE);
		pci_cfg_write32(c, f->bdf, PCI_PREF_MEMORY_BASE, 0);
	}
	f->br.pref_window = pmem != 0;
	f->br.pref64 = f->br.pref_window && (pmem & 0xfu) == 1;
}

/* ---- Scan ---------------------------------------------------------------------------------- */

static void zero(void *p, size_t n)
{
	uint8_t *q = p;

	while (n--)
		*q++ = 0;
}

static void record_func(struct pci_topo *t, uint16_t bdf, uint32_t id, int16_t parent)
{
	const struct pci_cfg_ops *c = &t->cfg;
	struct pci_func *f = &t->fn[t->n_fn++];
	uint32_t cr = pci_cfg_read32(c, bdf, PCI_CLASS_REVISION);
	uint8_t ht = pci_cfg_read8(c, bdf, PCI_HEADER_TYPE);
	uint16_t exp;

	zero(f, sizeof(*f));
	f->bdf = bdf;
	f->vendor = (uint16_t)id;
	f->device = (uint16_t)(id >> 16);
	f->revision = (uint8_t)cr;
	f->progif = (uint8_t)(cr >> 8);
	f->subclass = (uint8_t)(cr >> 16);
	f->class_code = (uint8_t)(cr >> 24);
	f->hdr_type = ht & PCI_HEADER_TYPE_MASK;
	if (ht & PCI_HEADER_MULTI_FN)
		f->flags |= PCI_FN_F_MULTI;
	f->parent = parent;
	f->n_bars = f->hdr_type == PCI_HDR_NORMAL ? 6 : f->hdr_type == PCI_HDR_BRIDGE ? 2 : 1;
	for (unsigned int i = 0; i < PCI_MAX_BARS; i++)
		f->bar[i].window = -1;
	f->br.io.window = f->br.mem.window = f->br.pref.window = -1;

	walk_caps(c, f);
	exp = pci_find_cap(f, PCI_CAP_ID_EXP);
	f->pcie_type = PCI_EXP_TYPE_NONE;
	if (exp) {
		f->pcie_type = (pci_cfg_read16(c, bdf, (uint16_t)(exp + 2)) >> 4) & 0xfu;
		walk_ext_caps(c, f);
	}
	size_bars(c, f);
	if (f->hdr_type == PCI_HDR_BRIDGE)
		probe_bridge_windows(c, f);
}

static unsigned int scan_bus(struct pci_topo *t, unsigned int bus, int16_t parent,
			     unsigned int depth, int *err);

/* Number the bridge's buses: secondary = max + 1, subordinate = bus_end while scanning below
 * (so config cycles for every deeper bus reach it), then the highest bus found. */
static unsigned int setup_bridge(struct pci_topo *t, unsigned int idx, unsigned int max,
				 unsigned int depth, int *err)
{
	const struct pci_cfg_ops *c = &t->cfg;
	struct pci_func *f = &t->fn[idx];
	unsigned int bus = PCI_BDF_BUS(f->bdf), sec;
	uint32_t keep =
		pci_cfg_read32(c, f->bdf, PCI_PRIMARY_BUS) & 0xff000000u; /* latency timer */

	if (max + 1 > c->bus_end || depth + 1 >= PCI_MAX_DEPTH) {
		pci_cfg_write32(c, f->bdf, PCI_PRIMARY_BUS, keep | bus);
		f->br.primary = (uint8_t)bus;
		f->flags |= PCI_FN_F_NOBUS;
		if (!*err)
			*err = E_RANGE;
		return max;
	}
	sec = max + 1;
	pci_cfg_write32(c, f->bdf, PCI_PRIMARY_BUS,
			keep | (uint32_t)c->bus_end << 16 | sec << 8 | bus);
	max = scan_bus(t, sec, (int16_t)idx, depth + 1, err);
	pci_cfg_write32(c, f->bdf, PCI_PRIMARY_BUS, keep | max << 16 | sec << 8 | bus);
	f = &t->fn[idx];
	f->br.primary = (uint8_t)bus;
	f->br.secondary = (uint8_t)sec;
	f->br.subordinate = (uint8_t)max;
	return max;
}

/* Scan one bus, then descend into its bridges; returns the highest bus number used below. */
static unsigned int scan_bus(struct pci_topo *t, unsigned int bus, int16_t parent,
			     unsigned int depth, int *err)
{
	const struct pci_cfg_ops *c = &t->cfg;
	unsigned int ndev = 32, first = t->n_fn, last, max = bus;

	if (parent >= 0 && (t->fn[parent].pcie_type == PCI_EXP_TYPE_ROOT_PORT ||
			    t->fn[parent].pcie_type == PCI_EXP_TYPE_DOWNSTREAM))
		ndev = 1;
	for (unsigned int dev = 0; dev < ndev; dev++) {
		bool multi = false;

		for (unsigned int fn = 0; fn < 8; fn++) {
			uint16_t bdf = PCI_BDF(bus, dev, fn);
			uint32_t id = pci_cfg_read32(c, bdf, PCI_VENDOR_ID);
			uint16_t vendor = (uint16_t)id;

			/* 0xffff: nothing there (PCIe 6.0, 7.5.1.1.1); 0 is no valid vendor. */
			if (vendor == 0xffff || vendor == 0) {
				if (fn == 0)
					break;
				continue;
			}
			if (fn == 0)
				multi = pci_cfg_read8(c, bdf, PCI_HEADER_TYPE) &
					PCI_HEADER_MULTI_FN;
			if (t->n_fn < PCI_MAX_FUNCS)
				record_func(t, bdf, id, parent);
			else
				t->n_dropped++;
			if (!multi)
				break;
		}
	}
	if (bus > t->last_bus)
		t->last_bus = bus;
	/* Bridges after the whole bus is recorded, in order: children follow their bridge. */
	last = t->n_fn;
	/* Forget bus numbers left by firmware first: a stale range on a bridge not yet numbered
	 * could claim config cycles meant for a bus given to an earlier sibling. */
	for (unsigned int i = first; i < last; i++)
		if (t->fn[i].hdr_type == PCI_HDR_BRIDGE)
			pci_cfg_write32(
				c, t->fn[i].bdf, PCI_PRIMARY_BUS,
				(pci_cfg_read32(c, t->fn[i].bdf, PCI_PRIMARY_BUS) & 0xff000000u) |
					bus);
	for (unsigned int i = first; i < last; i++)
		if (t->fn[i].hdr_type == PCI_HDR_BRIDGE)
			max = setup_bridge(t, i, max, depth, err);
	return max;
}

int pci_scan(struct pci_topo *t, const struct pci_cfg_ops *cfg)
{
	int err = 0;

	zero(t, sizeof(*t));
	t->cfg = *cfg;
	if (cfg->bus_start > cfg->bus_end)
		return E_RANGE;
	t->last_bus = cfg->bus_start;
	scan_bus(t, cfg->bus_start, -1, 0, &err);
	if (!err && t->n_dropped)
		err = E_NOMEM;
	return err;
}

int pci_enum(struct pci_topo *t, const struct pci_cfg_ops *cfg, const struct pci_window *win,
	     unsigned int n_win)
{
	int err = pci_scan(t, cfg);
	int err2 = pci_assign(t, win, n_win);

	return err ? err : err2;
}

int pci_enum_why(const struct pci_topo *t, int err, struct err_why *why)
{
	char bdf[PCI_BDF_STRLEN], size[16];

	if (!err)
		return 0;
	for (unsigned int i = 0; i < t->n_fn; i++) {
		const struct pci_func *f = &t->fn[i];

		pci_format_bdf(bdf, sizeof(bdf), f->bdf);
		if (f->flags & PCI_FN_F_NOBUS)
			return err_fail(why, err,
					"bridge %s got no bus: buses %u-%u or %u levels ran out",
					bdf, t->cfg.bus_start, t->cfg.bus_end, PCI_MAX_DEPTH);
	}
	if (t->n_dropped)
		return err_fail(why, err, "%u functions beyond the first %u were not configured",
				t->n_dropped, PCI_MAX_FUNCS);
	for (unsigned int i = 0; i < t->n_fn; i++) {
		const struct pci_func *f = &t->fn[i];

		if (!(f->flags & PCI_FN_F_NOSPACE))
			continue;
		pci_format_bdf(bdf, sizeof(bdf), f->bdf);
		for (unsigned int b = 0; b < PCI_MAX_BARS; b++)
			if (f->bar[b].flags & PCI_BAR_F_NOSPACE) {
				pci_format_size(size, sizeof(size), f->bar[b].size);
				return err_fail(
					why, err,
					"BAR%u of %s (%s) found no room in the host bridge's "
					"windows",
					b, bdf, size);
			}
		return err_fail(why, err, "a window of bridge %s found no room", bdf);
	}
	return err;
}

const struct pci_func *pci_find(const struct pci_topo *t, uint16_t bdf)
{
	for (unsigned int i = 0; i < t->n_fn; i++)
		if (t->fn[i].bdf == bdf)
			return &t->fn[i];
	return NULL;
}

/* ---- Capability decoders ------------------------------------------------------------------- */

int pci_intx_intid(const struct pci_topo *t, const struct platform *p, uint16_t bdf,
		   unsigned int pin, uint32_t *intid)
{
	const struct pci_func *f = pci_find(t, bdf);

	if (pin < 1 || pin > 4)
		return E_INVAL;
	if (!f)
		return E_NOENT;
	for (unsigned int depth = 0; f->parent >= 0; depth++) {
		if (depth > PCI_MAX_DEPTH || f->parent >= (int)t->n_fn)
			return E_NOENT;
		pin = (pin - 1 + PCI_BDF_DEV(f->bdf)) % 4 + 1;
		f = &t->fn[f->parent];
	}
	for (unsigned int i = 0; i < p->pcie.n_imap; i++) {
		uint32_t hi = (uint32_t)f->bdf
			      << 8; /* phys.hi: bus [23:16], dev [15:11], fn [10:8] */

		if ((hi & p->pcie.imap_mask_hi) == (p->pcie.imap[i].hi & p->pcie.imap_mask_hi) &&
		    (pin & p->pcie.imap_mask_pin) ==
			    (p->pcie.imap[i].pin & p->pcie.imap_mask_pin)) {
			*intid = p->pcie.imap[i].intid;
			return 0;
		}
	}
	return E_NOENT;
}

static bool cap_is(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t off, uint8_t id)
{
	return off >= 0x40 && off <= 0xfc && !(off & 3) && pci_cfg_read8(c, bdf, off) == id;
}

/* Multiple Message Capable/Enable: 2^code vectors, codes 110b and 111b reserved. */
static uint8_t msi_count(unsigned int code)
{
	return (uint8_t)(1u << (code > 5 ? 5 : code));
}

int pci_msi_decode(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t off, struct pci_msi_info *m)
{
	uint16_t ctl;

	if (!cap_is(c, bdf, off, PCI_CAP_ID_MSI))
		return E_INVAL;
	ctl = pci_cfg_read16(c, bdf, (uint16_t)(off + 2));
	m->enabled = ctl & 1u;
	m->vectors = msi_count((ctl >> 1) & 7u);
	m->vectors_enabled = msi_count((ctl >> 4) & 7u);
	m->addr64 = ctl & 0x80u;
	m->per_vector_mask = ctl & 0x100u;
	return 0;
}

int pci_msix_decode(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t off,
		    struct pci_msix_info *m)
{
	uint16_t ctl;
	uint32_t table, pba;

	if (!cap_is(c, bdf, off, PCI_CAP_ID_MSIX))
		return E_INVAL;
	ctl = pci_cfg_read16(c, bdf, (uint16_t)(off + 2));
	table = pci_cfg_read32(c, bdf, (uint16_t)(off + 4));
	pba = pci_cfg_read32(c, bdf, (uint16_t)(off + 8));
	m->table_size = (uint16_t)((ctl & 0x7ffu) + 1);
	m->function_mask = ctl & 0x4000u;
	m->enabled = ctl & 0x8000u;
	m->table_bir = table & 7u;
	m->table_offset = table & ~7u;
	m->pba_bir = pba & 7u;
	m->pba_offset = pba & ~7u;
	return 0;
}

int pci_exp_decode(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t off, struct pci_exp_info *e)
{
	uint16_t caps, lsta;
	uint32_t devcap, lcap;

	if (!cap_is(c, bdf, off, PCI_CAP_ID_EXP))
		return E_INVAL;
	caps = pci_cfg_read16(c, bdf, (uint16_t)(off + 2));
	devcap = pci_cfg_read32(c, bdf, (uint16_t)(off + 4));
	e->version = caps & 0xfu;
	e->type = (caps >> 4) & 0xfu;
	e->slot = caps & 0x100u;
	e->max_payload = (uint16_t)(128u << ((devcap & 7u) > 5 ? 5 : (devcap & 7u)));
	e->has_link = e->type != PCI_EXP_TYPE_RC_END && e->type != PCI_EXP_TYPE_RC_EC;
	e->link_speed_max = e->link_width_max = e->link_speed = e->link_width = 0;
	if (e->has_link) {
		lcap = pci_cfg_read32(c, bdf, (uint16_t)(off + 0x0c));
		lsta = pci_cfg_read16(c, bdf, (uint16_t)(off + 0x12));
		e->link_speed_max = lcap & 0xfu;
		e->link_width_max = (lcap >> 4) & 0x3fu;
		e->link_speed = lsta & 0xfu;
		e->link_width = (lsta >> 4) & 0x3fu;
	}
	return 0;
}

int pci_pm_decode(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t off, struct pci_pm_info *p)
{
	uint16_t pmc, pmcsr;

	if (!cap_is(c, bdf, off, PCI_CAP_ID_PM))
		return E_INVAL;
	pmc = pci_cfg_read16(c, bdf, (uint16_t)(off + 2));
	pmcsr = pci_cfg_read16(c, bdf, (uint16_t)(off + 4));
	p->version = pmc & 7u;
	p->d1 = pmc & 0x200u;
	p->d2 = pmc & 0x400u;
	p->pme_support = (uint8_t)(pmc >> 11);
	p->state = pmcsr & 3u;
	p->no_soft_reset = pmcsr & 8u;
	return 0;
}
