// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The guest's emulated ECAM: passed-through functions, config reads filtered, writes mediated. */
#include "kernel/vdev/vpci.h"

#include "kernel/lib/err.h"

/* Command bits the guest owns (PCI Local Bus 3.0, 6.2.2). */
#define VPCI_COMMAND_GUEST                                                               \
	(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | 0x0040u /* Parity Error Response */ | \
	 0x0100u /* SERR# Enable */ | PCI_COMMAND_INTX_DIS)
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_CAP_START	  0x40
#define PCI_CFG_LEGACY	  0x100

uint32_t vpci_guest_intid(uint32_t spi_base, unsigned int slot, unsigned int pin)
{
	return spi_base + (slot + pin - 1) % 4;
}

static int vpci_take_bars(struct vpci_func *g, const struct pci_func *f)
{
	for (unsigned int i = 0; i < f->n_bars && i < PCI_MAX_BARS; i++) {
		const struct pci_bar *b = &f->bar[i];
		struct vpci_bar *v = &g->bar[i];

		if (b->kind == PCI_BAR_MEM32 || b->kind == PCI_BAR_MEM64) {
			if (!(b->flags & PCI_BAR_F_ASSIGNED))
				return E_INVAL;
			if (b->pci_addr != b->cpu_addr)
				return E_RANGE;
			v->kind = b->kind;
			v->flags = (uint8_t)((b->kind == PCI_BAR_MEM64 ? PCI_BAR_MEM_TYPE_64 : 0) |
					     (b->flags & PCI_BAR_F_PREFETCH ? PCI_BAR_MEM_PREFETCH
									    : 0));
			v->addr = b->pci_addr;
			v->size = b->size;
			if (b->kind == PCI_BAR_MEM64 && i + 1 < PCI_MAX_BARS) {
				/* The upper half: kind NONE, but the address and size of the pair. */
				g->bar[i + 1] = (struct vpci_bar){ .kind = PCI_BAR_NONE,
								   .flags = 0xff,
								   .addr = v->addr,
								   .size = v->size };
				i++;
			}
		}
		/* I/O BARs stay unimplemented for the guest: nothing maps I/O space for it. */
	}
	return 0;
}

/* MSI Message Control (PCI Local Bus 3.0, 6.8.1.3). */
#define MSI_CTRL_ENABLE	   0x0001u
#define MSI_CTRL_MME_MASK  0x0070u
#define MSI_CTRL_MMC_SHIFT 1
#define MSI_CTRL_MME_SHIFT 4
#define MSI_CTRL_ADDR64	   0x0080u
#define MSI_CTRL_PVM	   0x0100u
/* MSI-X Message Control (6.8.2.3). */
#define MSIX_CTRL_ENABLE 0x8000u
#define MSIX_CTRL_MASK	 0x4000u

/* Bytes of an MSI capability: 64-bit addresses and per-vector masking each add some. */
static unsigned int msi_cap_len(uint16_t ctrl)
{
	if (ctrl & MSI_CTRL_PVM)
		return ctrl & MSI_CTRL_ADDR64 ? 0x18 : 0x14;
	return ctrl & MSI_CTRL_ADDR64 ? 0x0e : 0x0a;
}

/*
 * Capabilities the guest sees: Power Management (PCI PM 1.2, 3.2: 8 bytes), PCI Express
 * (PCIe Base 6.0, 7.5.3: 0x3c bytes in version 2), MSI (its length from Message Control) and
 * MSI-X (12 bytes), each ending at its architected length or at the next capability, whichever
 * comes first. Everything else (vendor-specific and unknown capabilities, device-specific
 * registers) is unlinked and reads as 0.
 */
static unsigned int vpci_cap_len(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t id,
				 uint16_t off)
{
	switch (id) {
	case PCI_CAP_ID_PM:
		return 8;
	case PCI_CAP_ID_EXP:
		return 0x3c;
	case PCI_CAP_ID_MSI:
		return msi_cap_len(pci_cfg_read16(c, bdf, (uint16_t)(off + 2)));
	case PCI_CAP_ID_MSIX:
		return 12;
	default:
		return 0;
	}
}

static void vpci_take_caps(struct vpci_func *g, const struct pci_func *f,
			   const struct pci_cfg_ops *c)
{
	for (unsigned int i = 0; i < f->n_caps && i < PCI_MAX_CAPS; i++) {
		uint16_t off = f->caps[i].off, end;
		unsigned int len = off >= PCI_CAP_START && off < PCI_CFG_LEGACY
					   ? vpci_cap_len(c, f->bdf, f->caps[i].id, off)
					   : 0;

		if (!len)
			continue;
		end = (uint16_t)(off + len);
		if (end > PCI_CFG_LEGACY)
			end = PCI_CFG_LEGACY;
		for (unsigned int j = 0; j < f->n_caps && j < PCI_MAX_CAPS; j++)
			if (f->caps[j].off > off && f->caps[j].off < end)
				end = f->caps[j].off;
		if (f->caps[i].id == PCI_CAP_ID_MSI && !g->msi.cap &&
		    (unsigned int)(end - off) >= len)
			g->msi.cap = (uint8_t)off;
		else if (f->caps[i].id == PCI_CAP_ID_MSIX && !g->msi.cap_x &&
			 (unsigned int)(end - off) >= len)
			g->msi.cap_x = (uint8_t)off;
		else if (f->caps[i].id == PCI_CAP_ID_MSI || f->caps[i].id == PCI_CAP_ID_MSIX)
			continue; /* a second one, or one cut short: not shown */
		g->caps[g->n_caps] = (uint8_t)off;
		g->cap_end[g->n_caps] = (uint8_t)(end - 1); /* inclusive: 0x100 does not fit */
		g->n_caps++;
	}
}

/* The function's MSI and MSI-X layout (read-only fields), then the reset state. */
static void vpci_take_msi(struct vpci_func *g, const struct pci_cfg_ops *c)
{
	struct vpci_msi *m = &g->msi;
	struct pci_msix_info x;

	if (m->cap)
		m->ctrl = pci_cfg_read16(c, g->pbdf, (uint16_t)(m->cap + 2)) &
			  (uint16_t)(7u << MSI_CTRL_MMC_SHIFT | MSI_CTRL_ADDR64 | MSI_CTRL_PVM);
	if (m->cap_x && !pci_msix_decode(c, g->pbdf, m->cap_x, &x)) {
		m->x_n = x.table_size > VPCI_MSIX_MAX ? VPCI_MSIX_MAX : x.table_size;
		m->table_bir = x.table_bir;
		m->table_off = x.table_offset;
		m->pba_bir = x.pba_bir;
		m->pba_off = x.pba_offset;
	}
	vpci_msi_reset(g);
}

void vpci_msi_hide(struct vpci_func *g)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < g->n_caps; i++) {
		if (g->caps[i] == g->msi.cap || g->caps[i] == g->msi.cap_x)
			continue;
		g->caps[n] = g->caps[i];
		g->cap_end[n] = g->cap_end[i];
		n++;
	}
	g->n_caps = (uint8_t)n;
	g->msi.cap = g->msi.cap_x = 0;
	g->msi.x_n = 0;
}

void vpci_msi_reset(struct vpci_func *g)
{
	struct vpci_msi *m = &g->msi;

	m->ctrl &= (uint16_t) ~(MSI_CTRL_ENABLE | MSI_CTRL_MME_MASK);
	m->addr_lo = m->addr_hi = m->mask = 0;
	m->data = 0;
	m->x_ctrl = 0;
	for (unsigned int i = 0; i < VPCI_MSIX_MAX; i++)
		m->table[i] = (struct vpci_msix_entry){ .dw[VPCI_MSIX_CTRL] = 1 };
	m->changed = false;
	m->entry_changed = -1;
}

int vpci_add(struct vpci *vp, const struct pci_cfg_ops *c, const struct pci_func *f,
	     uint32_t pintid, uint32_t spi_base)
{
	struct vpci_func *g;
	int ret;

	if (vp->n >= VPCI_MAX_FUNCS)
		return E_NOMEM;
	for (unsigned int i = 0; i < vp->n; i++)
		if (vp->fn[i].pbdf == f->bdf)
			return E_EXIST;
	if (f->hdr_type != PCI_HDR_NORMAL)
		return E_INVAL;
	/* A list we could not walk whole might hide an MSI capability past where we stopped. */
	if (f->flags & (PCI_FN_F_CAP_LOOP | PCI_FN_F_CAP_BAD | PCI_FN_F_CAP_TRUNC))
		return E_IO;
	g = &vp->fn[vp->n];
	*g = (struct vpci_func){ 0 };
	ret = vpci_take_bars(g, f);
	if (ret)
		return ret;
	g->pbdf = f->bdf;
	vpci_take_caps(g, f, c);
	vpci_take_msi(g, c);
	g->slot = (uint8_t)vp->n;
	g->pin = pci_cfg_read8(c, f->bdf, PCI_INTERRUPT_PIN);
	if (g->pin > 4)
		g->pin = 0;
	g->pintid = g->pin ? pintid : 0;
	g->vintid = g->pintid ? vpci_guest_intid(spi_base, g->slot, g->pin) : 0;
	vp->n++;
	return 0;
}

static const struct vpci_func *vpci_func_at(const struct vpci *vp, uint64_t off)
{
	unsigned int bus = (unsigned int)(off >> 20), dev = (unsigned int)(off >> 15) & 0x1f;
	unsigned int fn = (unsigned int)(off >> 12) & 7;

	if (bus || fn || off >= VPCI_ECAM_SIZE)
		return NULL;
	for (unsigned int i = 0; i < vp->n; i++)
		if (vp->fn[i].slot == dev)
			return &vp->fn[i];
	return NULL;
}

/* Index of the visible capability holding byte 'reg', or -1. */
static int vpci_cap_at(const struct vpci_func *g, unsigned int reg)
{
	for (unsigned int i = 0; i < g->n_caps; i++)
		if (reg >= g->caps[i] && reg <= g->cap_end[i])
			return (int)i;
	return -1;
}

static uint32_t vpci_bar_read(const struct vpci_func *g, unsigned int i)
{
	const struct vpci_bar *b = &g->bar[i];
	uint64_t v = b->sizing ? ~(b->size - 1) : b->addr;

	if (b->kind == PCI_BAR_MEM32 || b->kind == PCI_BAR_MEM64)
		return ((uint32_t)v & ~0xfu) | b->flags;
	if (b->flags == 0xff) /* upper half of a 64-bit BAR */
		return (uint32_t)(v >> 32);
	return 0;
}

/* The dword at 'rel' into the MSI or MSI-X capability at 'cap', as the guest sees it. */
static uint32_t vpci_msi_dword(const struct vpci_func *g, const struct pci_cfg_ops *c,
			       unsigned int cap, unsigned int rel)
{
	const struct vpci_msi *m = &g->msi;
	bool a64 = m->ctrl & MSI_CTRL_ADDR64;

	if (cap == m->cap_x) {
		switch (rel) {
		case 0:
			return PCI_CAP_ID_MSIX | (uint32_t)(m->x_ctrl | (m->x_n - 1u)) << 16;
		case 4:
			return m->table_off | m->table_bir;
		default:
			return m->pba_off | m->pba_bir;
		}
	}
	if (rel == 0)
		return PCI_CAP_ID_MSI | (uint32_t)m->ctrl << 16;
	if (rel == 4)
		return m->addr_lo;
	if (a64 && rel == 8)
		return m->addr_hi;
	if (rel == (a64 ? 0x0cu : 0x08u))
		return m->data;
	if (rel == (a64 ? 0x10u : 0x0cu))
		return m->mask;
	/* Pending Bits: the function's own, as it holds them while a vector is masked. */
	return pci_cfg_read32(c, g->pbdf, (uint16_t)(cap + rel));
}

/* The guest wrote 'val' over 'bytes' of the dword at 'rel' into its MSI or MSI-X capability. */
static void vpci_msi_write(struct vpci_func *g, const struct pci_cfg_ops *c, unsigned int cap,
			   unsigned int rel, uint32_t bytes, uint32_t val)
{
	struct vpci_msi *m = &g->msi;
	uint32_t v = (vpci_msi_dword(g, c, cap, rel) & ~bytes) | (val & bytes);
	bool a64 = m->ctrl & MSI_CTRL_ADDR64;

	if (cap == m->cap_x) {
		if (rel == 0) /* Enable and Function Mask; Table Size is read-only */
			m->x_ctrl = (uint16_t)(v >> 16) & (MSIX_CTRL_ENABLE | MSIX_CTRL_MASK);
		else
			return; /* Table and PBA offsets are read-only */
	} else if (rel == 0) {
		uint16_t w = (uint16_t)(v >> 16);
		unsigned int mmc = (m->ctrl >> MSI_CTRL_MMC_SHIFT) & 7u;
		unsigned int mme = (w & MSI_CTRL_MME_MASK) >> MSI_CTRL_MME_SHIFT;

		/* MME beyond MMC is undefined (6.8.1.3): held to what the function has. */
		if (mme > mmc)
			mme = mmc;
		m->ctrl = (uint16_t)((m->ctrl & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME_MASK)) |
				     (w & MSI_CTRL_ENABLE) | mme << MSI_CTRL_MME_SHIFT);
	} else if (rel == 4) {
		m->addr_lo = v & ~3u; /* DWORD aligned: bits [1:0] are reserved */
	} else if (a64 && rel == 8) {
		m->addr_hi = v;
	} else if (rel == (a64 ? 0x0cu : 0x08u)) {
		m->data = (uint16_t)v;
	} else if ((m->ctrl & MSI_CTRL_PVM) && rel == (a64 ? 0x10u : 0x0cu)) {
		m->mask = v;
	} else {
		return; /* Pending Bits are read-only */
	}
	m->changed = true;
}

bool vpci_msix_access(struct vpci_func *g, uint64_t off, bool write, unsigned int size,
		      uint64_t *val)
{
	struct vpci_msi *m = &g->msi;
	unsigned int e = (unsigned int)(off / 16), w = (unsigned int)(off % 16) / 4;

	/* DWORD or aligned QWORD accesses only (6.8.2: other sizes are undefined). */
	if ((size != 4 && size != 8) || (off & (size - 1)))
		return false;
	if (e >= m->x_n || e >= VPCI_MSIX_MAX) {
		if (!write)
			*val = 0;
		return true;
	}
	for (unsigned int i = 0; i < size / 4; i++, w++) {
		uint32_t part = (uint32_t)(*val >> (32 * i));

		if (!write) {
			uint64_t got = m->table[e].dw[w];

			*val = i ? *val | got << 32 : got;
			continue;
		}
		if (w == VPCI_MSIX_CTRL)
			part &= 1u; /* Vector Control: only the Mask Bit is defined */
		else if (w == VPCI_MSIX_ADDR_LO)
			part &= ~3u; /* Message Address: DWORD aligned */
		m->table[e].dw[w] = part;
	}
	if (write) {
		/* One entry changed; two in one access cannot happen (16-byte entries). */
		m->entry_changed = m->entry_changed < 0 || m->entry_changed == (int)e ? (int)e : -2;
	}
	return true;
}

/* The aligned dword at 'reg' as the guest sees it. */
static uint32_t vpci_dword(const struct vpci_func *g, const struct pci_cfg_ops *c, unsigned int reg)
{
	int cap;
	uint32_t v;

	switch (reg) {
	case PCI_VENDOR_ID:
	case PCI_COMMAND:
	case PCI_CLASS_REVISION:
	case 0x2c: /* Subsystem Vendor ID, Subsystem ID */
		return pci_cfg_read32(c, g->pbdf, (uint16_t)reg);
	case 0x0c: /* Cache Line Size, Latency Timer, Header Type, BIST */
		return pci_cfg_read32(c, g->pbdf, 0x0c) & ~((uint32_t)PCI_HEADER_MULTI_FN << 16);
	case PCI_CAP_PTR:
		return g->n_caps ? g->caps[0] : 0;
	case PCI_INTERRUPT_LINE: /* Max_Lat and Min_Gnt are 0 on PCIe */
		return g->int_line | (uint32_t)g->pin << 8;
	default:
		break;
	}
	if (reg >= PCI_BAR0 && reg < PCI_BAR0 + 4 * PCI_MAX_BARS)
		return vpci_bar_read(g, (reg - PCI_BAR0) / 4);
	cap = vpci_cap_at(g, reg);
	if (cap < 0)
		return 0; /* ROM, reserved, hidden capabilities, extended space */
	if (g->caps[cap] == g->msi.cap || g->caps[cap] == g->msi.cap_x)
		v = vpci_msi_dword(g, c, g->caps[cap], reg - g->caps[cap]);
	else
		v = pci_cfg_read32(c, g->pbdf, (uint16_t)reg);
	if (reg == g->caps[cap]) { /* header: relink past the hidden capabilities */
		uint32_t next = (unsigned int)cap + 1 < g->n_caps ? g->caps[cap + 1] : 0;

		v = (v & ~0xff00u) | next << 8;
	}
	return v;
}

static bool vpci_access_ok(uint64_t off, unsigned int size)
{
	return (size == 1 || size == 2 || size == 4) && !(off & (size - 1));
}

uint32_t vpci_read(const struct vpci *vp, const struct pci_cfg_ops *c, uint64_t off,
		   unsigned int size)
{
	const struct vpci_func *g = vpci_func_at(vp, off);
	unsigned int reg = (unsigned int)off & 0xfff, shift = 8 * (reg & 3);
	uint32_t v;

	if (!vpci_access_ok(off, size))
		return 0xffffffffu;
	if (!g)
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	v = vpci_dword(g, c, reg & ~3u) >> shift;
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void vpci_program_bars(const struct vpci_func *g, const struct pci_cfg_ops *c)
{
	for (unsigned int i = 0; i < PCI_MAX_BARS; i++) {
		const struct vpci_bar *b = &g->bar[i];
		uint16_t reg = (uint16_t)(PCI_BAR0 + 4 * i);

		if (b->kind == PCI_BAR_MEM32 || b->kind == PCI_BAR_MEM64)
			pci_cfg_write32(c, g->pbdf, reg, (uint32_t)b->addr);
		else if (b->flags == 0xff)
			pci_cfg_write32(c, g->pbdf, reg, (uint32_t)(b->addr >> 32));
	}
}

static void vpci_command_write(struct vpci_func *g, const struct pci_cfg_ops *c, uint16_t val)
{
	uint16_t now = pci_cfg_read16(c, g->pbdf, PCI_COMMAND);
	uint16_t next = (uint16_t)((now & ~VPCI_COMMAND_GUEST) | (val & VPCI_COMMAND_GUEST));

	/* A function reset by the guest (FLR) lost its BARs: put them back before decoding. */
	if ((next & PCI_COMMAND_MEMORY) && !(now & PCI_COMMAND_MEMORY)) {
		vpci_program_bars(g, c);
		g->msi.changed = true; /* the MSI-X table decodes again: program it */
	}
	pci_cfg_write16(c, g->pbdf, PCI_COMMAND, next);
}

void vpci_write(struct vpci *vp, const struct pci_cfg_ops *c, uint64_t off, unsigned int size,
		uint32_t val)
{
	struct vpci_func *g = (struct vpci_func *)vpci_func_at(vp, off);
	unsigned int reg = (unsigned int)off & 0xfff, dw = reg & ~3u, shift = 8 * (reg & 3);
	uint32_t bytes;
	int cap;

	if (!g || !vpci_access_ok(off, size))
		return; /* checked before 'size' takes part in a shift */
	bytes = size == 4 ? 0xffffffffu : ((1u << (8 * size)) - 1) << shift;
	val = size == 4 ? val : (val << shift) & bytes;
	if (dw == PCI_COMMAND) {
		if (bytes & 0xffff) {
			uint16_t cmd = pci_cfg_read16(c, g->pbdf, PCI_COMMAND);

			cmd = (uint16_t)((cmd & ~bytes) | (val & bytes));
			vpci_command_write(g, c, cmd);
		}
		return; /* Status: its error bits are the hypervisor's to clear */
	}
	if (dw == 0x0c) {
		if (bytes & 0xff)
			pci_cfg_write8(c, g->pbdf, 0x0c, (uint8_t)val);
		if (bytes & 0xff00)
			pci_cfg_write8(c, g->pbdf, 0x0d, (uint8_t)(val >> 8));
		return;
	}
	if (dw >= PCI_BAR0 && dw < PCI_BAR0 + 4 * PCI_MAX_BARS) {
		if (size == 4)
			g->bar[(dw - PCI_BAR0) / 4].sizing = val == 0xffffffffu;
		return;
	}
	if (dw == PCI_INTERRUPT_LINE) {
		if (bytes & 0xff)
			g->int_line = (uint8_t)val;
		return;
	}
	/* Inside one visible capability, header bytes aside (they are read-only anyway). */
	cap = vpci_cap_at(g, reg);
	if (cap < 0 || vpci_cap_at(g, reg + size - 1) != cap || reg < g->caps[cap] + 2u)
		return;
	if (g->caps[cap] == g->msi.cap || g->caps[cap] == g->msi.cap_x) {
		vpci_msi_write(g, c, g->caps[cap], dw - g->caps[cap], bytes, val);
		return;
	}
	if (size == 4)
		pci_cfg_write32(c, g->pbdf, (uint16_t)reg, val);
	else if (size == 2)
		pci_cfg_write16(c, g->pbdf, (uint16_t)reg, (uint16_t)(val >> shift));
	else
		pci_cfg_write8(c, g->pbdf, (uint16_t)reg, (uint8_t)(val >> shift));
}

void vpci_quiesce(const struct vpci *vp, const struct pci_cfg_ops *c, bool intx_off)
{
	for (unsigned int i = 0; i < vp->n; i++) {
		const struct vpci_func *g = &vp->fn[i];
		uint16_t cmd = pci_cfg_read16(c, g->pbdf, PCI_COMMAND);

		/* Decoding and DMA off first, then the BARs back where they belong. */
		cmd &= (uint16_t) ~(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_IO |
				    PCI_COMMAND_INTX_DIS);
		pci_cfg_write16(c, g->pbdf, PCI_COMMAND,
				(uint16_t)(cmd | (intx_off ? PCI_COMMAND_INTX_DIS : 0)));
		vpci_program_bars(g, c);
	}
}

struct vpci_func *vpci_by_pintid(struct vpci *vp, uint32_t pintid)
{
	for (unsigned int i = 0; i < vp->n; i++)
		if (pintid && vp->fn[i].pintid == pintid)
			return &vp->fn[i];
	return NULL;
}
