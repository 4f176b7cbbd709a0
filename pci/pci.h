/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Portable PCIe enumeration over ECAM: bus numbering, BAR sizing and assignment, capability
 * walks, names and formatting. No hardware access: config space goes through struct pci_cfg_ops.
 *
 * Typical use (the MMIO glue and the shell live elsewhere):
 *
 *	static struct pci_topo topo;   // ~44 KiB: keep it off the stack
 *	struct pci_cfg_ops ops = { ecam_read32, ecam_write32, (void *)ecam_base,
 *				   p->pcie.bus_start, p->pcie.bus_end };
 *	int ret = pci_enum(&topo, &ops, p->pcie.windows, p->pcie.n_windows);
 *	// ret < 0 still leaves every function that could be handled configured; see each
 *	// pci_func's flags and each pci_bar's PCI_BAR_F_ASSIGNED.
 *
 * Specifications: PCI Local Bus 3.0 (header layout, capability list), PCI-to-PCI Bridge 1.2
 * (type 1 header, windows), PCI Express Base 6.0 section 7 (ECAM 7.2.2, extended capabilities
 * 7.6), PCI Code and ID Assignment 1.16 (class codes, capability IDs).
 */
#ifndef PCI_PCI_H
#define PCI_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/platform.h" /* struct pci_window, enum pci_space: what the DTB's "ranges" say */

/* ---- Config space access ------------------------------------------------------------------- */

/*
 * How config space is reached. 'off' is an offset into the ECAM window
 * (platform.pcie.ecam), whose first bus is bus_start (PCIe Base 6.0, 7.2.2):
 *	off = (bus - bus_start) << 20 | dev << 15 | fn << 12 | reg,   reg 4-byte aligned.
 * Only aligned 32-bit accesses are made; 8- and 16-bit ones are derived from them. The pci_cfg_*
 * helpers never produce an offset for a bus outside [bus_start, bus_end]: reads there return
 * all-ones (as an absent function does) and writes are dropped.
 */
struct pci_cfg_ops {
	uint32_t (*read32)(void *ctx, uint64_t off);
	void (*write32)(void *ctx, uint64_t off, uint32_t v);
	void *ctx;
	uint8_t bus_start; /* bus number at ECAM offset 0 (platform.pcie.bus_start) */
	uint8_t bus_end;   /* last bus the ECAM window covers (platform.pcie.bus_end) */
};

/* Bus/device/function as one 16-bit number, the layout of a PCIe Requester ID. */
#define PCI_BDF(bus, dev, fn) ((uint16_t)(((bus)&0xff) << 8 | ((dev)&0x1f) << 3 | ((fn)&7)))
#define PCI_BDF_BUS(bdf)      ((unsigned int)(bdf) >> 8 & 0xff)
#define PCI_BDF_DEV(bdf)      ((unsigned int)(bdf) >> 3 & 0x1f)
#define PCI_BDF_FN(bdf)	      ((unsigned int)(bdf)&7)

#define PCI_CFG_SIZE 4096u /* PCIe config space per function; the first 256 bytes are PCI's */

/*
 * Unchecked accessors for code that already knows reg is valid: reg is aligned down to the
 * access width and must be < 4096. Sub-dword writes are read-modify-write of the dword; the
 * RW1C status registers sharing that dword (Status at 0x06, Secondary Status at 0x1e of a type 1
 * header) are written as zero so the write does not clear their bits. Other RW1C registers that
 * share a dword (e.g. PCIe Device Status next to Device Control) are not known here: write
 * those with pci_cfg_write32 and a zero in the RW1C half.
 */
uint32_t pci_cfg_read32(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg);
uint16_t pci_cfg_read16(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg);
uint8_t pci_cfg_read8(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg);
void pci_cfg_write32(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg, uint32_t v);
void pci_cfg_write16(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg, uint16_t v);
void pci_cfg_write8(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t reg, uint8_t v);

/*
 * Checked accessors for input from the shell: width is 1, 2 or 4. E_INVAL for another width or
 * a reg not aligned to it, E_RANGE for reg + width > 4096 or a bus outside the ECAM window.
 */
int pci_cfg_read(const struct pci_cfg_ops *c, uint16_t bdf, uint32_t reg, unsigned int width,
		 uint32_t *val);
int pci_cfg_write(const struct pci_cfg_ops *c, uint16_t bdf, uint32_t reg, unsigned int width,
		  uint32_t val);

/* ---- Register layout (PCI Local Bus 3.0 6.1, PCI-to-PCI Bridge 1.2 3.2) --------------------- */

#define PCI_VENDOR_ID	     0x00
#define PCI_DEVICE_ID	     0x02
#define PCI_COMMAND	     0x04
#define PCI_COMMAND_IO	     0x0001u
#define PCI_COMMAND_MEMORY   0x0002u
#define PCI_COMMAND_MASTER   0x0004u
#define PCI_COMMAND_INTX_DIS 0x0400u
#define PCI_STATUS	     0x06
#define PCI_STATUS_CAP_LIST  0x0010u
#define PCI_CLASS_REVISION \
	0x08 /* revision [7:0], prog-if [15:8], subclass [23:16], class [31:24] */
#define PCI_HEADER_TYPE	     0x0e
#define PCI_HEADER_TYPE_MASK 0x7fu
#define PCI_HEADER_MULTI_FN  0x80u
#define PCI_BAR0	     0x10
#define PCI_CAP_PTR	     0x34
#define PCI_ROM_TYPE0	     0x30
#define PCI_INTERRUPT_LINE   0x3c

#define PCI_HDR_NORMAL	0
#define PCI_HDR_BRIDGE	1
#define PCI_HDR_CARDBUS 2

/* Type 1 (bridge) header. */
#define PCI_PRIMARY_BUS	       0x18 /* primary [7:0], secondary [15:8], subordinate [23:16] */
#define PCI_IO_BASE	       0x1c /* I/O base [7:0], I/O limit [15:8]; low nibble 1 = 32-bit */
#define PCI_SEC_STATUS	       0x1e
#define PCI_MEMORY_BASE	       0x20 /* [15:4] = address [31:20]; limit in the upper half */
#define PCI_PREF_MEMORY_BASE   0x24 /* as MEMORY_BASE; low nibble 1 = 64-bit */
#define PCI_PREF_BASE_UPPER32  0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_IO_BASE_UPPER16    0x30 /* base [15:0], limit [31:16] */
#define PCI_ROM_TYPE1	       0x38
#define PCI_BRIDGE_CONTROL     0x3e

#define PCI_BAR_SPACE_IO     0x1u /* BAR bit 0 */
#define PCI_BAR_MEM_TYPE     0x6u /* bits [2:1]: 00 32-bit, 10 64-bit */
#define PCI_BAR_MEM_TYPE_64  0x4u
#define PCI_BAR_MEM_PREFETCH 0x8u
#define PCI_ROM_ENABLE	     0x1u

/* Standard capability IDs (PCI Code and ID Assignment 1.16, 2). */
#define PCI_CAP_ID_PM	 0x01
#define PCI_CAP_ID_VPD	 0x03
#define PCI_CAP_ID_MSI	 0x05
#define PCI_CAP_ID_VNDR	 0x09
#define PCI_CAP_ID_SSVID 0x0d
#define PCI_CAP_ID_EXP	 0x10
#define PCI_CAP_ID_MSIX	 0x11
#define PCI_CAP_ID_EA	 0x14
/* Extended capability IDs (same document, 3). */
#define PCI_EXT_CAP_ID_AER    0x0001
#define PCI_EXT_CAP_ID_VC     0x0002
#define PCI_EXT_CAP_ID_DSN    0x0003
#define PCI_EXT_CAP_ID_VNDR   0x000b
#define PCI_EXT_CAP_ID_ACS    0x000d
#define PCI_EXT_CAP_ID_ARI    0x000e
#define PCI_EXT_CAP_ID_ATS    0x000f
#define PCI_EXT_CAP_ID_SRIOV  0x0010
#define PCI_EXT_CAP_ID_REBAR  0x0015
#define PCI_EXT_CAP_ID_LTR    0x0018
#define PCI_EXT_CAP_ID_SECPCI 0x0019
#define PCI_EXT_CAP_ID_PASID  0x001b
#define PCI_EXT_CAP_ID_DPC    0x001d
#define PCI_EXT_CAP_ID_L1SS   0x001e
#define PCI_EXT_CAP_ID_PTM    0x001f
#define PCI_EXT_CAP_ID_DVSEC  0x0023
#define PCI_EXT_CAP_ID_DOE    0x002e

/* PCI Express Capabilities register, Device/Port Type field (PCIe Base 6.0, 7.5.3.2). */
#define PCI_EXP_TYPE_ENDPOINT	 0x0
#define PCI_EXP_TYPE_LEG_END	 0x1
#define PCI_EXP_TYPE_ROOT_PORT	 0x4
#define PCI_EXP_TYPE_UPSTREAM	 0x5
#define PCI_EXP_TYPE_DOWNSTREAM	 0x6
#define PCI_EXP_TYPE_PCIE_BRIDGE 0x7 /* PCIe to PCI/PCI-X bridge */
#define PCI_EXP_TYPE_PCI_BRIDGE	 0x8 /* PCI/PCI-X to PCIe bridge */
#define PCI_EXP_TYPE_RC_END	 0x9
#define PCI_EXP_TYPE_RC_EC	 0xa
#define PCI_EXP_TYPE_NONE	 0xff /* not a PCIe function: no PCI Express capability */

/* ---- Enumeration results ------------------------------------------------------------------- */

#define PCI_MAX_FUNCS	 64 /* functions recorded; more are counted in pci_topo.n_dropped */
#define PCI_MAX_BARS	 6  /* type 0: 6 BARs, type 1: 2, type 2 (CardBus): 1 */
#define PCI_MAX_CAPS	 16 /* standard capabilities recorded per function */
#define PCI_MAX_EXT_CAPS 16 /* extended capabilities recorded per function */
#define PCI_MAX_DEPTH	 16 /* bridges nested deeper are left without a secondary bus */

enum pci_bar_kind {
	PCI_BAR_NONE = 0, /* unimplemented (reads 0), or the upper half of a 64-bit BAR */
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,
	PCI_BAR_ROM, /* expansion ROM: sized, never assigned nor enabled here */
};

#define PCI_BAR_F_PREFETCH 0x01u /* memory BAR bit 3 */
#define PCI_BAR_F_ASSIGNED 0x02u /* pci_addr/cpu_addr valid and programmed */
#define PCI_BAR_F_UPPER	   0x04u /* this slot holds the upper 32 bits of the previous BAR */
#define PCI_BAR_F_INVALID  0x08u /* 64-bit BAR in the last slot, or reserved type 11b: ignored */
#define PCI_BAR_F_HOLES	   0x10u /* size mask not contiguous: size taken from the top run of ones */
#define PCI_BAR_F_NOSPACE  0x20u /* no room in any window (or no such window above it) */
#define PCI_BAR_F_LEGACY1M 0x40u /* memory type 01b ("below 1 MiB", PCI 2.x): treated as 32-bit */
#define PCI_BAR_F_IO16	   0x80u /* I/O BAR with a 16-bit decoder: must stay below 64 KiB */

struct pci_bar {
	uint8_t kind;	   /* enum pci_bar_kind */
	uint8_t flags;	   /* PCI_BAR_F_* */
	uint8_t reg;	   /* config offset of the (low) BAR register */
	int8_t window;	   /* index into the host windows it was assigned from, -1 if none */
	uint64_t size;	   /* bytes, a power of two; 0 when kind is PCI_BAR_NONE */
	uint64_t pci_addr; /* bus address written to the BAR (PCI_BAR_F_ASSIGNED) */
	uint64_t cpu_addr; /* the same, as a CPU physical address (host window translation) */
};

/* One bridge forwarding window (PCI-to-PCI Bridge 1.2, 3.2.5). */
struct pci_bridge_window {
	bool assigned; /* programmed with base <= limit; otherwise disabled (base > limit) */
	int8_t window; /* host window it lies in, -1 if none */
	uint64_t base; /* PCI bus addresses, inclusive */
	uint64_t limit;
	uint64_t cpu_base; /* base translated to a CPU physical address */
	uint64_t size;	   /* what the children need, rounded to 1 MiB (memory) or 4 KiB (I/O) */
	uint64_t align;
};

#define PCI_FN_F_MULTI	     0x0001u /* header type bit 7 (recorded on function 0) */
#define PCI_FN_F_CAP_LOOP    0x0002u /* standard capability list revisits an entry: walk stopped */
#define PCI_FN_F_CAP_BAD     0x0004u /* a capability pointer below 0x40 (or an all-ones header) */
#define PCI_FN_F_CAP_TRUNC   0x0008u /* more capabilities than PCI_MAX_CAPS / PCI_MAX_EXT_CAPS */
#define PCI_FN_F_ECAP_LOOP   0x0010u /* the same for the extended list */
#define PCI_FN_F_ECAP_BAD    0x0020u /* extended pointer below 0x100 */
#define PCI_FN_F_NOBUS	     0x0040u /* bridge left without a secondary bus (buses or depth ran out) */
#define PCI_FN_F_NOSPACE     0x0080u /* some BAR or bridge window could not be assigned */
#define PCI_FN_F_BAR_INVALID 0x0100u /* some BAR is PCI_BAR_F_INVALID */

struct pci_cap {
	uint16_t id;  /* capability ID (8-bit for the standard list, 16-bit for the extended) */
	uint16_t off; /* config offset of its header */
};

struct pci_func {
	uint16_t bdf;
	uint16_t vendor, device;
	uint8_t class_code, subclass, progif, revision;
	uint8_t hdr_type;  /* header layout, bit 7 masked off: PCI_HDR_* */
	uint8_t pcie_type; /* PCI_EXP_TYPE_* from the PCI Express capability, or _NONE */
	int16_t parent;	   /* index in pci_topo.fn[] of the bridge above, -1 on the root bus */
	uint16_t flags;	   /* PCI_FN_F_* */
	uint16_t command;  /* command register as pci_assign() left it */

	uint8_t n_bars; /* slots in bar[]: 6, 2 or 1 by header type */
	struct pci_bar bar[PCI_MAX_BARS];
	struct pci_bar rom; /* kind PCI_BAR_ROM with its size, or PCI_BAR_NONE */

	uint8_t n_caps, n_ext_caps;
	struct pci_cap caps[PCI_MAX_CAPS];
	struct pci_cap ext_caps[PCI_MAX_EXT_CAPS];

	/* Type 1 only. */
	struct {
		/* Bus numbers as programmed; secondary and subordinate 0 with PCI_FN_F_NOBUS. */
		uint8_t primary, secondary, subordinate;
		bool io_window, io32;	  /* I/O window implemented, 32-bit I/O */
		bool pref_window, pref64; /* prefetchable window implemented, 64-bit */
		struct pci_bridge_window io, mem, pref;
	} br;
};

/* One host bridge window with what pci_assign() took from it. */
struct pci_host_window {
	struct pci_window w;
	uint64_t next; /* first free PCI address (bump allocator, largest alignment first) */
};

/* Scratch entry of the assignment pass (a BAR or a bridge window waiting for an address). */
struct pci_res_item {
	uint64_t size, align;
	int16_t fn;  /* index in fn[] */
	int8_t slot; /* BAR index, or -1/-2/-3 for a bridge's I/O, memory, prefetchable window */
	uint8_t res; /* which kind of window it goes into: 0 I/O, 1 memory, 2 prefetchable */
	bool is64;   /* may live above 4 GiB */
};

struct pci_topo {
	struct pci_cfg_ops cfg;
	struct pci_func fn[PCI_MAX_FUNCS]; /* depth-first order: a bridge precedes its children */
	unsigned int n_fn;
	unsigned int n_dropped; /* functions found beyond PCI_MAX_FUNCS: not configured */
	unsigned int last_bus;	/* highest bus number in use */
	struct pci_host_window win[PLAT_MAX_PCI_WINDOWS];
	unsigned int n_win;
	struct pci_res_item scratch[PCI_MAX_FUNCS * PCI_MAX_BARS];
};

/*
 * Scan from cfg->bus_start depth first, numbering bridges' secondary/subordinate buses as it goes
 * (bounded by cfg->bus_end and PCI_MAX_DEPTH), and record every function with its BAR sizes and
 * capabilities. Below a PCIe Root Port or Downstream Port only device 0 is scanned (a link has
 * one device; some devices answer for all 32). Existing bus numbers are overwritten.
 * Returns 0, E_RANGE when buses ran out for some bridge, or E_NOMEM when functions were dropped;
 * the scan goes on past either.
 */
int pci_scan(struct pci_topo *t, const struct pci_cfg_ops *cfg);

/*
 * Give every BAR of a scanned topology an address from the host windows, program the bridges'
 * windows to cover their children, then turn on decoding (see below). Policy:
 *  - I/O BARs from the I/O window (never PCI I/O address 0-0xfff); non-prefetchable 32-bit BARs
 *    from 32-bit memory; 64-bit non-prefetchable BARs on the root bus from a non-prefetchable
 *    64-bit window, else 32-bit memory; prefetchable BARs from a 64-bit window (prefetchable
 *    first) when they are 64-bit, else 32-bit memory. Nothing that cannot hold a 64-bit address
 *    is placed above 4 GiB.
 *  - Behind a bridge: non-prefetchable BARs go into its memory window (32-bit by definition);
 *    prefetchable ones into its prefetchable window when it has one, except a 32-bit BAR below
 *    a bridge whose prefetchable window is 64-bit, which goes to the memory window.
 *  - Natural alignment; largest alignment first at every level (on the root bus, items that must
 *    stay below 4 GiB / 64 KiB go first, then the rest). Bridge memory windows are sized
 *    and aligned to 1 MiB, I/O windows to 4 KiB; unused ones are disabled (base > limit).
 *  - Bridges: MEM and IO decode on for the windows in use, bus mastering on. Endpoints: MEM (IO)
 *    decode on when every memory (I/O) BAR got an address; bus mastering off.
 * The expansion ROM is sized only. Returns 0, or E_NOMEM when something did not fit (see
 * PCI_BAR_F_NOSPACE / PCI_FN_F_NOSPACE); everything that fits is still assigned.
 */
int pci_assign(struct pci_topo *t, const struct pci_window *win, unsigned int n_win);

/*
 * Instead of pci_assign(), for firmware that assigned the BARs (ACPI machines, whose host
 * bridge windows only AML describes): record each BAR where firmware put it, when that lies in
 * one of the windows given, and enable decoding as pci_assign() would; a BAR at 0 or outside
 * every window gets no space (E_NOMEM, as from pci_assign()). Bridges are left as they are.
 */
int pci_keep(struct pci_topo *t, const struct pci_window *win, unsigned int n_win);

/* pci_scan() then pci_assign(); returns the first error of the two. */
int pci_enum(struct pci_topo *t, const struct pci_cfg_ops *cfg, const struct pci_window *win,
	     unsigned int n_win);
/*
 * After pci_enum() returned 'err', record in 'why' what went wrong, from what the scan and the
 * assignment left in 't': the first bridge left without buses, functions beyond the table,
 * the first BAR or bridge window that found no room. Returns 'err'.
 */
struct err_why;
int pci_enum_why(const struct pci_topo *t, int err, struct err_why *why);

/* ---- Lookups -------------------------------------------------------------------------------- */

/* The recorded function at bdf, or NULL. */
const struct pci_func *pci_find(const struct pci_topo *t, uint16_t bdf);
/* Config offset of the first standard capability 'id' recorded for f, or 0 if none. */
uint16_t pci_find_cap(const struct pci_func *f, uint8_t id);
/* Config offset of the first extended capability 'id' recorded for f, or 0 if none. */
uint16_t pci_find_ext_cap(const struct pci_func *f, uint16_t id);
/* The host window containing [pci_addr, pci_addr + size) of the given space, or -1. */
int pci_host_window_of(const struct pci_topo *t, enum pci_space space, uint64_t pci_addr,
		       uint64_t size);

/*
 * The GIC INTID that INTx 'pin' (1 INTA .. 4 INTD) of function 'bdf' raises: swizzled through
 * each bridge above it (PCI-to-PCI Bridge 1.2, 9.1: pin' = (pin - 1 + device) mod 4 + 1) to
 * the root bus, then looked up in the host bridge's interrupt-map (platform.pcie.imap).
 * Returns 0, E_INVAL for pin 0 or > 4, E_NOENT when the function is unknown or no entry
 * matches.
 */
int pci_intx_intid(const struct pci_topo *t, const struct platform *p, uint16_t bdf,
		   unsigned int pin, uint32_t *intid);

/* ---- Capability decoders (read live config space) ----------------------------------------- */

struct pci_msi_info { /* PCI Local Bus 3.0, 6.8.1 */
	bool enabled, addr64, per_vector_mask;
	uint8_t vectors;	 /* Multiple Message Capable: 1..32 */
	uint8_t vectors_enabled; /* Multiple Message Enable */
};

struct pci_msix_info { /* PCI Local Bus 3.0, 6.8.2 */
	bool enabled, function_mask;
	uint16_t table_size; /* entries (field + 1) */
	uint8_t table_bir, pba_bir;
	uint32_t table_offset, pba_offset;
};

struct pci_exp_info {				/* PCIe Base 6.0, 7.5.3 */
	uint8_t version, type;			/* capability version, PCI_EXP_TYPE_* */
	bool slot;				/* Slot Implemented */
	uint16_t max_payload;			/* Max_Payload_Size Supported, bytes */
	bool has_link;				/* false for RCiEPs and event collectors */
	uint8_t link_speed_max, link_width_max; /* Link Capabilities: speed code, lanes */
	uint8_t link_speed, link_width;		/* Link Status */
};

struct pci_pm_info { /* PCI Bus Power Management 1.2, 3.2 */
	uint8_t version;
	bool d1, d2, no_soft_reset;
	uint8_t pme_support; /* PMC[15:11]: D0, D1, D2, D3hot, D3cold */
	uint8_t state;	     /* PMCSR PowerState: 0 = D0 .. 3 = D3hot */
};

/* Each returns 0, or E_INVAL when off does not hold that capability. */
int pci_msi_decode(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t off, struct pci_msi_info *m);
int pci_msix_decode(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t off,
		    struct pci_msix_info *m);
int pci_exp_decode(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t off, struct pci_exp_info *e);
int pci_pm_decode(const struct pci_cfg_ops *c, uint16_t bdf, uint16_t off, struct pci_pm_info *p);

/* ---- Names and formatting ------------------------------------------------------------------ */

/* Most specific name for a class code: class/subclass/prog-if, then class/subclass, then class;
 * "Unknown class" otherwise. Never NULL. */
const char *pci_class_name(uint8_t class_code, uint8_t subclass, uint8_t progif);
/* "MSI-X", "PCI Express", ...; "Unknown" when not in the table. Never NULL. */
const char *pci_cap_name(uint8_t id);
const char *pci_ext_cap_name(uint16_t id);
/* "Endpoint", "Root Port", ...; "Unknown" otherwise. */
const char *pci_exp_type_name(uint8_t type);
/* "2.5GT/s" .. "64GT/s" for a Link speed code, "unknown" otherwise. */
const char *pci_link_speed_name(uint8_t code);

#define PCI_BDF_STRLEN 8 /* "bb:dd.f" and its NUL */

/* "bb:dd.f" in lower-case hex; returns the length it wanted to write (snprintf semantics). */
int pci_format_bdf(char *buf, size_t len, uint16_t bdf);
/*
 * Parse "[domain:]bus:dev.fn", every part hex (either case): domain 1-4 digits, bus and dev 1-2,
 * fn 1; nothing before, between or after (no spaces, signs or "0x"). Returns 0, E_INVAL for any
 * other shape (NULL, empty part, a fourth part, more than 4 digits, or a part with more digits
 * than its field but an in-range value, e.g. "000:00.0"), E_RANGE for a well-formed but
 * out-of-range value: domain != 0 (only segment 0 exists), bus > 0xff, dev > 0x1f, fn > 7.
 * *bdf is written only on success.
 */
int pci_parse_bdf(const char *s, uint16_t *bdf);
/* "16K", "1M", "8G", "512" — the largest binary unit that divides size exactly. */
int pci_format_size(char *buf, size_t len, uint64_t size);
/* One line: "Memory at 0x10000000 (64-bit, non-prefetchable) [size=16K]", "I/O at 0x1000 [size=32]",
 * "Memory (32-bit, prefetchable) [size=16M] [unassigned]". Empty for PCI_BAR_NONE. */
int pci_format_bar(char *buf, size_t len, const struct pci_bar *b);
/* One line: "00:01.0 1b36:0010 [01:08:02] NVM Express controller". */
int pci_format_func(char *buf, size_t len, const struct pci_func *f);
/* One line describing a capability, decoded where known, e.g.
 * "[40] MSI-X: Enable- Count=65 Masked- Table=BAR0+0x2000 PBA=BAR0+0x3000". ext selects the
 * extended list's naming. Reads live config space. */
int pci_format_cap(char *buf, size_t len, const struct pci_cfg_ops *c, uint16_t bdf,
		   const struct pci_cap *cap, bool ext);

#endif
