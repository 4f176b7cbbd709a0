// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Resource assignment for a scanned topology: size bridge windows bottom-up, place the root
 * bus's BARs and windows in the host bridge windows, lay out each bridge's children top-down,
 * then program BARs, bridge windows and command registers. Policy: see pci_assign() in pci.h.
 */
#include "pci/pci.h"

#include "kernel/lib/err.h"

enum { RES_IO, RES_MEM, RES_PREF, RES__COUNT };

/* Bridge window granularity (PCI-to-PCI Bridge 1.2, 3.2.5.6 and 3.2.5.8). */
#define IO_GRAN	 0x1000ull
#define MEM_GRAN 0x100000ull
/* I/O addresses below this are never handed out: 0 reads as "unassigned" to many drivers. */
#define IO_MIN 0x1000ull

#define LIMIT_4G  0x100000000ull
#define LIMIT_64K 0x10000ull

/* Round x up to a power-of-two a; UINT64_MAX when that overflows (callers then fail to fit). */
static uint64_t align_up(uint64_t x, uint64_t a)
{
	if (x > UINT64_MAX - (a - 1))
		return UINT64_MAX;
	return (x + a - 1) & ~(a - 1);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static struct pci_bridge_window *br_win(struct pci_func *f, unsigned int res)
{
	return res == RES_IO ? &f->br.io : res == RES_MEM ? &f->br.mem : &f->br.pref;
}

/* Which window of the bus (below 'parent', or the host's when -1) holds a memory item. */
static uint8_t mem_res(const struct pci_topo *t, int parent, bool pref, bool is64)
{
	const struct pci_func *p;

	if (!pref)
		return RES_MEM;
	if (parent < 0)
		return RES_PREF;
	p = &t->fn[parent];
	/* Keep a 64-bit prefetchable window free of 32-bit items so it may live above 4 GiB. */
	if (p->br.pref_window && (is64 || !p->br.pref64))
		return RES_PREF;
	return RES_MEM;
}

static bool bar_item(const struct pci_topo *t, int idx, unsigned int i, struct pci_res_item *it)
{
	const struct pci_func *f = &t->fn[idx];
	const struct pci_bar *b = &f->bar[i];

	if ((b->kind != PCI_BAR_IO && b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) ||
	    (b->flags & PCI_BAR_F_INVALID))
		return false;
	it->size = it->align = b->size;
	it->fn = (int16_t)idx;
	it->slot = (int8_t)i;
	if (b->kind == PCI_BAR_IO) {
		it->res = RES_IO;
		it->is64 = !(b->flags & PCI_BAR_F_IO16);
	} else {
		it->is64 = b->kind == PCI_BAR_MEM64;
		it->res = mem_res(t, f->parent, b->flags & PCI_BAR_F_PREFETCH, it->is64);
	}
	return true;
}

/*
 * Whether a bridge window may sit above the 16-bit (I/O) or 32-bit (memory) boundary: only an
 * I/O window with 32-bit decode whose contents all may, and a 64-bit prefetchable window.
 */
static bool window_is64(const struct pci_topo *t, int idx, unsigned int res);

static bool window_item(const struct pci_topo *t, int idx, unsigned int res,
			struct pci_res_item *it)
{
	const struct pci_func *f = &t->fn[idx];
	const struct pci_bridge_window *w = res == RES_IO    ? &f->br.io
					    : res == RES_MEM ? &f->br.mem
							     : &f->br.pref;

	if (!w->size)
		return false;
	it->size = w->size;
	it->align = w->align;
	it->fn = (int16_t)idx;
	it->slot = (int8_t)(-1 - (int)res);
	it->is64 = window_is64(t, idx, res);
	it->res = res == RES_PREF ? mem_res(t, f->parent, true, it->is64) : (uint8_t)res;
	return true;
}

/* Largest alignment first, then largest size; insertion sort keeps equal items in scan order. */
static void sort_items(struct pci_res_item *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		struct pci_res_item x = v[i];
		unsigned int j = i;

		while (j > 0 && (v[j - 1].align < x.align ||
				 (v[j - 1].align == x.align && v[j - 1].size < x.size))) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Items on the bus below 'parent' (-1: the root bus) going into window 'res' (-1: any), sorted,
 * in t->scratch. The same inputs always give the same order, so sizing and layout agree. */
static unsigned int collect(struct pci_topo *t, int parent, int res)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->n_fn; i++) {
		const struct pci_func *f = &t->fn[i];
		struct pci_res_item it;

		if (f->parent != parent)
			continue;
		for (unsigned int b = 0; b < f->n_bars; b++)
			if (bar_item(t, (int)i, b, &it) && (res < 0 || it.res == res))
				t->scratch[n++] = it;
		if (f->hdr_type != PCI_HDR_BRIDGE)
			continue;
		for (unsigned int r = 0; r < RES__COUNT; r++)
			if (window_item(t, (int)i, r, &it) && (res < 0 || it.res == res))
				t->scratch[n++] = it;
	}
	sort_items(t->scratch, n);
	return n;
}

static bool window_is64(const struct pci_topo *t, int idx, unsigned int res)
{
	const struct pci_func *f = &t->fn[idx];

	if (res == RES_MEM)
		return false; /* the memory window has 32-bit base and limit registers */
	if (res == RES_PREF)
		return f->br.pref64; /* mem_res() keeps 32-bit items out of a 64-bit one */
	if (!f->br.io32)
		return false;
	/* A 32-bit I/O window may go above 64 KiB only if every BAR and window below may. */
	for (unsigned int i = (unsigned int)idx + 1; i < t->n_fn; i++) {
		const struct pci_func *c = &t->fn[i];

		if (c->parent != idx)
			continue;
		for (unsigned int b = 0; b < c->n_bars; b++)
			if (c->bar[b].kind == PCI_BAR_IO && (c->bar[b].flags & PCI_BAR_F_IO16))
				return false;
		if (c->hdr_type == PCI_HDR_BRIDGE && c->br.io.size &&
		    !window_is64(t, (int)i, RES_IO))
			return false;
	}
	return true;
}

/* Bottom-up: what each bridge window must hold. Children are sized before their parent. */
static void size_bridge(struct pci_topo *t, int idx)
{
	for (unsigned int i = (unsigned int)idx + 1; i < t->n_fn; i++)
		if (t->fn[i].parent == idx && t->fn[i].hdr_type == PCI_HDR_BRIDGE)
			size_bridge(t, (int)i);

	for (unsigned int r = 0; r < RES__COUNT; r++) {
		struct pci_func *f = &t->fn[idx];
		struct pci_bridge_window *w = br_win(f, r);
		uint64_t gran = r == RES_IO ? IO_GRAN : MEM_GRAN, off = 0, align = gran;
		unsigned int n;

		w->size = w->align = 0;
		if ((r == RES_IO && !f->br.io_window) || (r == RES_PREF && !f->br.pref_window))
			continue; /* its items, if any, fail at layout */
		n = collect(t, idx, (int)r);
		for (unsigned int k = 0; k < n; k++) {
			const struct pci_res_item *it = &t->scratch[k];

			off = add_sat(align_up(off, it->align), it->size);
			if (it->align > align)
				align = it->align;
		}
		if (n) {
			w->size = align_up(off, gran);
			w->align = align;
		}
	}
}

static uint64_t xlate(const struct pci_topo *t, int win, uint64_t pci_addr)
{
	if (win < 0)
		return 0;
	return pci_addr - t->win[win].w.pci_addr + t->win[win].w.cpu_addr;
}

static void item_set(struct pci_topo *t, const struct pci_res_item *it, uint64_t addr, int win)
{
	struct pci_func *f = &t->fn[it->fn];

	if (it->slot >= 0) {
		struct pci_bar *b = &f->bar[it->slot];

		b->pci_addr = addr;
		b->cpu_addr = xlate(t, win, addr);
		b->window = (int8_t)win;
		b->flags |= PCI_BAR_F_ASSIGNED;
	} else {
		struct pci_bridge_window *w = br_win(f, (unsigned int)(-1 - it->slot));

		w->assigned = true;
		w->base = addr;
		w->limit = addr + it->size - 1;
		w->cpu_base = xlate(t, win, addr);
		w->window = (int8_t)win;
	}
}

static void item_fail(struct pci_topo *t, const struct pci_res_item *it, int *err)
{
	struct pci_func *f = &t->fn[it->fn];

	if (it->slot >= 0)
		f->bar[it->slot].flags |= PCI_BAR_F_NOSPACE;
	else
		br_win(f, (unsigned int)(-1 - it->slot))->assigned = false;
	f->flags |= PCI_FN_F_NOSPACE;
	*err = E_NOMEM;
}

/* One candidate kind of host window: its space and whether it must (not) be prefetchable. */
struct pass {
	enum pci_space space;
	int8_t pref; /* 1 prefetchable only, 0 non-prefetchable only, -1 either */
};

static unsigned int passes(const struct pci_res_item *it, struct pass *p)
{
	if (it->res == RES_IO) {
		p[0] = (struct pass){ PCI_SPACE_IO, -1 };
		return 1;
	}
	if (it->res == RES_MEM) {
		/* Never in a prefetchable window: reads there may be merged or speculated. */
		p[0] = (struct pass){ it->is64 ? PCI_SPACE_MEM64 : PCI_SPACE_MEM32, 0 };
		p[1] = (struct pass){ it->is64 ? PCI_SPACE_MEM32 : PCI_SPACE_MEM64, 0 };
		return 2;
	}
	p[0] = (struct pass){ it->is64 ? PCI_SPACE_MEM64 : PCI_SPACE_MEM32, 1 };
	p[1] = (struct pass){ it->is64 ? PCI_SPACE_MEM64 : PCI_SPACE_MEM32, 0 };
	p[2] = (struct pass){ it->is64 ? PCI_SPACE_MEM32 : PCI_SPACE_MEM64, 1 };
	p[3] = (struct pass){ it->is64 ? PCI_SPACE_MEM32 : PCI_SPACE_MEM64, 0 };
	return 4;
}

/* Bump-allocate an item from the first host window that takes it (see passes()). */
static bool host_place(struct pci_topo *t, const struct pci_res_item *it, uint64_t *addr, int *win)
{
	struct pass p[4];
	unsigned int np = passes(it, p);
	uint64_t limit = it->is64 ? UINT64_MAX : it->res == RES_IO ? LIMIT_64K : LIMIT_4G;

	for (unsigned int k = 0; k < np; k++) {
		for (unsigned int i = 0; i < t->n_win; i++) {
			struct pci_host_window *hw = &t->win[i];
			uint64_t base, end;

			if (hw->w.space != p[k].space ||
			    (p[k].pref >= 0 && hw->w.prefetchable != (p[k].pref == 1)))
				continue;
			end = add_sat(hw->w.pci_addr, hw->w.size);
			if (end > limit)
				end = limit;
			base = align_up(hw->next, it->align);
			if (base >= end || end - base < it->size)
				continue;
			hw->next = base + it->size;
			*addr = base;
			*win = (int)i;
			return true;
		}
	}
	return false;
}

/* Top-down: the children of a bridge whose windows are placed, in the order sizing used. */
static void layout_bridge(struct pci_topo *t, int idx, int *err)
{
	for (unsigned int r = 0; r < RES__COUNT; r++) {
		unsigned int n = collect(t, idx, (int)r);
		const struct pci_bridge_window *w = br_win(&t->fn[idx], r);
		uint64_t off = w->base;

		for (unsigned int k = 0; k < n; k++) {
			const struct pci_res_item *it = &t->scratch[k];

			if (!w->assigned) {
				item_fail(t, it, err);
				continue;
			}
			off = align_up(off, it->align);
			item_set(t, it, off, w->window);
			off += it->size;
		}
	}
	for (unsigned int i = (unsigned int)idx + 1; i < t->n_fn; i++)
		if (t->fn[i].parent == idx && t->fn[i].hdr_type == PCI_HDR_BRIDGE)
			layout_bridge(t, (int)i, err);
}

/* Windows (PCI-to-PCI Bridge 1.2, 3.2.5): a disabled one has base > limit. */
static void program_bridge(const struct pci_cfg_ops *c, const struct pci_func *f)
{
	const struct pci_bridge_window *io = &f->br.io, *mem = &f->br.mem, *pf = &f->br.pref;

	if (f->br.io_window) {
		/* Base above limit in the upper halves first, so no transient range decodes. */
		if (f->br.io32)
			pci_cfg_write32(c, f->bdf, PCI_IO_BASE_UPPER16, 0x0000ffffu);
		/* Upper half of the dword is Secondary Status (RW1C): written as 0. */
		if (io->assigned)
			pci_cfg_write32(c, f->bdf, PCI_IO_BASE,
					(uint32_t)((io->base >> 8) & 0xf0u) |
						(uint32_t)((io->limit >> 8) & 0xf0u) << 8);
		else
			pci_cfg_write32(c, f->bdf, PCI_IO_BASE, 0x00f0u);
		if (f->br.io32)
			pci_cfg_write32(c, f->bdf, PCI_IO_BASE_UPPER16,
					io->assigned ? (uint32_t)(io->base >> 16 & 0xffffu) |
							       (uint32_t)(io->limit >> 16 & 0xffffu)
								       << 16
						     : 0);
	}
	pci_cfg_write32(c, f->bdf, PCI_MEMORY_BASE,
			mem->assigned ? (uint32_t)((mem->base >> 16) & 0xfff0u) |
						(uint32_t)((mem->limit >> 16) & 0xfff0u) << 16
				      : 0x0000fff0u);
	if (f->br.pref_window) {
		if (f->br.pref64)
			pci_cfg_write32(c, f->bdf, PCI_PREF_BASE_UPPER32, 0xffffffffu);
		pci_cfg_write32(c, f->bdf, PCI_PREF_MEMORY_BASE,
				pf->assigned ? (uint32_t)((pf->base >> 16) & 0xfff0u) |
						       (uint32_t)((pf->limit >> 16) & 0xfff0u) << 16
					     : 0x0000fff0u);
		if (f->br.pref64) {
			pci_cfg_write32(c, f->bdf, PCI_PREF_LIMIT_UPPER32,
					pf->assigned ? (uint32_t)(pf->limit >> 32) : 0);
			pci_cfg_write32(c, f->bdf, PCI_PREF_BASE_UPPER32,
					pf->assigned ? (uint32_t)(pf->base >> 32) : 0);
		}
	}
}

static void program_func(const struct pci_cfg_ops *c, struct pci_func *f)
{
	uint16_t cmd = pci_cfg_read16(c, f->bdf, PCI_COMMAND);
	const uint16_t decode = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	bool io_any = false, io_all = true, mem_any = false, mem_all = true;

	/* Decode off while BARs and windows change; the upper half (Status) is RW1C. */
	cmd &= (uint16_t)~decode;
	pci_cfg_write32(c, f->bdf, PCI_COMMAND, cmd);
	for (unsigned int i = 0; i < f->n_bars; i++) {
		const struct pci_bar *b = &f->bar[i];
		bool ok = b->flags & PCI_BAR_F_ASSIGNED;

		if (b->kind == PCI_BAR_IO) {
			io_any = true;
			io_all = io_all && ok;
		} else if (b->kind == PCI_BAR_MEM32 || b->kind == PCI_BAR_MEM64) {
			mem_any = true;
			mem_all = mem_all && ok;
		}
		if (!ok)
			continue;
		/* The low bits of a BAR are read-only, so writing the address alone is enough. */
		pci_cfg_write32(c, f->bdf, b->reg, (uint32_t)b->pci_addr);
		if (b->kind == PCI_BAR_MEM64)
			pci_cfg_write32(c, f->bdf, (uint16_t)(b->reg + 4),
					(uint32_t)(b->pci_addr >> 32));
	}
	if (f->hdr_type == PCI_HDR_BRIDGE) {
		program_bridge(c, f);
		/* A bridge forwards what its windows hold and must master to pass DMA upstream. */
		if (f->br.io.assigned || (io_any && io_all))
			cmd |= PCI_COMMAND_IO;
		if (f->br.mem.assigned || f->br.pref.assigned || (mem_any && mem_all))
			cmd |= PCI_COMMAND_MEMORY;
		cmd |= PCI_COMMAND_MASTER;
	} else {
		/* Fail closed: one BAR without an address (or invalid) keeps its space off. */
		if (io_any && io_all)
			cmd |= PCI_COMMAND_IO;
		if (mem_any && mem_all)
			cmd |= PCI_COMMAND_MEMORY;
	}
	pci_cfg_write32(c, f->bdf, PCI_COMMAND, cmd);
	f->command = cmd;
}

int pci_assign(struct pci_topo *t, const struct pci_window *win, unsigned int n_win)
{
	int err = 0;
	unsigned int n;

	t->n_win = 0;
	for (unsigned int i = 0; i < n_win && t->n_win < PLAT_MAX_PCI_WINDOWS; i++) {
		struct pci_host_window *hw = &t->win[t->n_win];

		if (win[i].space == PCI_SPACE_CFG || !win[i].size)
			continue;
		hw->w = win[i];
		hw->next = win[i].pci_addr;
		if (win[i].space == PCI_SPACE_IO && hw->next < IO_MIN)
			hw->next = IO_MIN;
		t->n_win++;
	}

	for (unsigned int i = 0; i < t->n_fn; i++) {
		struct pci_func *f = &t->fn[i];

		f->flags &= (uint16_t)~PCI_FN_F_NOSPACE;
		for (unsigned int b = 0; b < PCI_MAX_BARS; b++) {
			f->bar[b].flags &= (uint8_t) ~(PCI_BAR_F_ASSIGNED | PCI_BAR_F_NOSPACE);
			f->bar[b].window = -1;
			f->bar[b].pci_addr = f->bar[b].cpu_addr = 0;
		}
		for (unsigned int r = 0; r < RES__COUNT; r++) {
			struct pci_bridge_window *w = br_win(f, r);

			*w = (struct pci_bridge_window){ .window = -1 };
		}
	}
	for (unsigned int i = 0; i < t->n_fn; i++)
		if (t->fn[i].parent < 0 && t->fn[i].hdr_type == PCI_HDR_BRIDGE)
			size_bridge(t, (int)i);

	/* Items that must stay below 4 GiB (64 KiB for I/O) first: a bump allocator cannot go
	 * back down once a larger, unconstrained item has passed the boundary. */
	n = collect(t, -1, -1);
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int k = 0; k < n; k++) {
			const struct pci_res_item *it = &t->scratch[k];
			uint64_t addr;
			int w;

			if (it->is64 != (pass == 1))
				continue;
			if (host_place(t, it, &addr, &w))
				item_set(t, it, addr, w);
			else
				item_fail(t, it, &err);
		}
	}
	for (unsigned int i = 0; i < t->n_fn; i++)
		if (t->fn[i].parent < 0 && t->fn[i].hdr_type == PCI_HDR_BRIDGE)
			layout_bridge(t, (int)i, &err);

	for (unsigned int i = 0; i < t->n_fn; i++)
		program_func(&t->cfg, &t->fn[i]);
	return err;
}

int pci_host_window_of(const struct pci_topo *t, enum pci_space space, uint64_t pci_addr,
		       uint64_t size)
{
	for (unsigned int i = 0; i < t->n_win; i++) {
		const struct pci_window *w = &t->win[i].w;

		if (w->space == space && pci_addr >= w->pci_addr && size <= w->size &&
		    pci_addr - w->pci_addr <= w->size - size)
			return (int)i;
	}
	return -1;
}

/* A BAR's address as the configuration space holds it (the low type bits masked off). */
static uint64_t bar_read(const struct pci_cfg_ops *c, const struct pci_func *f,
			 const struct pci_bar *b)
{
	uint32_t lo = pci_cfg_read32(c, f->bdf, b->reg);
	uint64_t a = b->kind == PCI_BAR_IO ? lo & ~0x3u : lo & ~0xfu;

	if (b->kind == PCI_BAR_MEM64)
		a |= (uint64_t)pci_cfg_read32(c, f->bdf, (uint16_t)(b->reg + 4)) << 32;
	return a;
}

int pci_keep(struct pci_topo *t, const struct pci_window *win, unsigned int n_win)
{
	int err = 0;

	t->n_win = 0;
	for (unsigned int i = 0; i < n_win && t->n_win < PLAT_MAX_PCI_WINDOWS; i++)
		if (win[i].space != PCI_SPACE_CFG && win[i].size)
			t->win[t->n_win++] = (struct pci_host_window){ .w = win[i] };
	for (unsigned int i = 0; i < t->n_fn; i++) {
		struct pci_func *f = &t->fn[i];

		f->flags &= (uint16_t)~PCI_FN_F_NOSPACE;
		for (unsigned int n = 0; n < f->n_bars; n++) {
			struct pci_bar *b = &f->bar[n];
			uint64_t addr;
			int w = -1;

			b->flags &= (uint8_t) ~(PCI_BAR_F_ASSIGNED | PCI_BAR_F_NOSPACE);
			b->window = -1;
			b->pci_addr = b->cpu_addr = 0;
			if (b->kind != PCI_BAR_IO && b->kind != PCI_BAR_MEM32 &&
			    b->kind != PCI_BAR_MEM64)
				continue;
			if (b->flags & (PCI_BAR_F_UPPER | PCI_BAR_F_INVALID))
				continue;
			addr = bar_read(&t->cfg, f, b);
			/* 0 is "unassigned" to firmware too; a 64-bit BAR may sit below 4 GiB. */
			if (addr && b->kind == PCI_BAR_IO)
				w = pci_host_window_of(t, PCI_SPACE_IO, addr, b->size);
			if (addr && b->kind == PCI_BAR_MEM64)
				w = pci_host_window_of(t, PCI_SPACE_MEM64, addr, b->size);
			if (addr && w < 0 && b->kind != PCI_BAR_IO)
				w = pci_host_window_of(t, PCI_SPACE_MEM32, addr, b->size);
			if (w < 0) {
				b->flags |= PCI_BAR_F_NOSPACE;
				f->flags |= PCI_FN_F_NOSPACE;
				err = E_NOMEM;
				continue;
			}
			b->pci_addr = addr;
			b->cpu_addr = xlate(t, w, addr);
			b->window = (int8_t)w;
			b->flags |= PCI_BAR_F_ASSIGNED;
		}
		/* A bridge's windows stay as firmware programmed them. */
		if (f->hdr_type != PCI_HDR_BRIDGE)
			program_func(&t->cfg, f);
		else
			f->command = pci_cfg_read16(&t->cfg, f->bdf, PCI_COMMAND);
	}
	return err;
}
