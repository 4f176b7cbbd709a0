/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A guest's view of PCIe: an emulated ECAM with one bus on which only the functions passed
 * through to the VM appear, each as device N function 0. Config reads come from the real
 * function, filtered; config writes are mediated. Portable: hardware through struct pci_cfg_ops.
 *
 * What the guest sees and may change (PCI Local Bus 3.0, 6.1-6.2; PCIe Base 6.0, 7.5):
 *  - IDs, class, subsystem, status and the visible capabilities: read from the function.
 *  - Command: Memory Space, Bus Master, Parity Error Response, SERR# and Interrupt Disable are
 *    the guest's; I/O Space and the rest stay as the hypervisor left them.
 *  - BARs: where the hypervisor placed them. Writing all-ones reads back the size mask (so the
 *    guest can size them); any other value is ignored: the guest cannot move a BAR. I/O BARs
 *    and the expansion ROM read as 0 (not implemented).
 *  - Capabilities: Power Management, PCI Express, MSI and MSI-X stay linked; vendor-specific
 *    and unknown ones read as 0, as do device-specific registers. Writes are accepted only
 *    inside a visible capability. MSI and MSI-X are emulated (struct vpci_msi): the guest's
 *    address, data, enables and masks are kept here and never written to the function, so the
 *    guest cannot aim a device's writes at an address of its choosing. Extended capabilities
 *    read as 0.
 *  - Header type without the multi-function bit; Interrupt Line a scratch byte of the guest's;
 *    Interrupt Pin the function's own.
 */
#ifndef PCI_VPCI_H
#define PCI_VPCI_H

#include <stdbool.h>
#include <stdint.h>

#include "pci/pci.h"

#define VPCI_MAX_FUNCS 4   /* guest devices 0-3: one per INTx swizzle slot */
#define VPCI_MSIX_MAX  128 /* MSI-X table entries a guest sees (Table Size is capped there) */

/* One MSI-X table entry as the guest wrote it (PCI Local Bus 3.0, 6.8.2.6-9), by DWORD. */
enum vpci_msix_dw {
	VPCI_MSIX_ADDR_LO,
	VPCI_MSIX_ADDR_HI,
	VPCI_MSIX_DATA,
	VPCI_MSIX_CTRL, /* Vector Control: bit 0 is the Mask Bit */
};
struct vpci_msix_entry {
	uint32_t dw[4];
};

/*
 * The guest's MSI and MSI-X state, kept virtual: what it programs never reaches the function
 * as written. The VM model (kernel/vmm/vm_msi.c) programs the function with the physical ITS's
 * doorbell and its own events, and turns each message into the guest's LPI through the guest's
 * own address and data here.
 */
struct vpci_msi {
	uint8_t cap;   /* MSI capability offset, 0 when the function has none */
	uint8_t cap_x; /* MSI-X capability offset, 0 when none */
	uint16_t
		ctrl; /* MSI Message Control: the function's read-only bits, the guest's Enable, MME */
	uint32_t addr_lo, addr_hi, mask;
	uint16_t data;
	uint16_t
		x_ctrl; /* MSI-X Message Control: Enable (15), Function Mask (14) as the guest set */
	uint16_t x_n;	/* table entries the guest sees */
	uint8_t table_bir, pba_bir;
	uint32_t table_off, pba_off;
	bool changed;	   /* the guest changed its capability: the function must follow */
	int entry_changed; /* the one table entry it changed, -1 none, -2 several */
	struct vpci_msix_entry table[VPCI_MSIX_MAX];
	/* Kept by the VM model (kernel/vmm/vm_msi.c), untouched by a reset: */
	void *owner;		 /* the struct vm, for the LPI handler */
	uint32_t devid;		 /* the function's DeviceID at the physical ITS */
	unsigned int lpi, n_lpi; /* hypervisor LPIs lpi.. stand for events 0..n_lpi - 1 */
	uint64_t msgs, dropped;	 /* messages that became the guest's LPIs; ones that could not */
	/* Where each event's LPI is taken: the pCPU of the vCPU the guest's ITS routes it to. */
	uint16_t phys_cpu[VPCI_MSIX_MAX];
	uint16_t last_cpu; /* the pCPU that took the last message */
	uint64_t remote;   /* messages taken on a pCPU other than their vCPU's */
	/* GICv4 (kernel/vmm/vm_vpe.h): event n is vLPI dvintid[n] of vCPU dvcpu[n]'s vPE, or 0xff. */
	uint8_t dvcpu[VPCI_MSIX_MAX];
	uint32_t dvintid[VPCI_MSIX_MAX];
};

struct vpci_bar {
	uint8_t kind; /* PCI_BAR_MEM32, PCI_BAR_MEM64, or PCI_BAR_NONE (also a 64-bit BAR's upper half) */
	uint8_t flags; /* low bits the BAR register reads with: type and prefetchable */
	bool sizing;   /* the guest wrote all-ones: it reads the size mask until the next write */
	uint64_t addr; /* bus address (the BAR's value); for an upper half, that of the lower */
	uint64_t size;
};

struct vpci_func {
	uint16_t pbdf;	  /* the real function */
	uint8_t slot;	  /* guest device number on bus 0 */
	uint8_t pin;	  /* Interrupt Pin: 0 none, 1 INTA .. 4 INTD */
	uint8_t int_line; /* the guest's Interrupt Line byte */
	uint32_t pintid;  /* physical GIC INTID of its INTx, 0 when none */
	uint32_t vintid;  /* the guest's INTID for it (see vpci_guest_intid) */
	uint64_t irqs;	  /* INTx interrupts delivered to the guest */
	struct vpci_bar bar[PCI_MAX_BARS];
	uint8_t n_caps;		       /* visible standard capabilities, in list order */
	uint8_t caps[PCI_MAX_CAPS];    /* their config offsets */
	uint8_t cap_end[PCI_MAX_CAPS]; /* exclusive end of each (next capability up, or 0x100) */
	struct vpci_msi msi;
};

struct vpci {
	unsigned int n;
	struct vpci_func fn[VPCI_MAX_FUNCS];
};

/* Config window per bus (PCIe Base 6.0, 7.2.2): the guest has bus 0 only. */
#define VPCI_ECAM_SIZE (1UL << 20)

/*
 * The guest INTID of pin 'pin' of guest device 'slot', given the guest's INTA base: the same
 * swizzle the guest DTB's interrupt-map describes (base + (slot + pin - 1) mod 4).
 */
uint32_t vpci_guest_intid(uint32_t spi_base, unsigned int slot, unsigned int pin);

/*
 * Add the real function 'f' as the next guest device. Its memory BARs must be assigned with
 * bus address = CPU address (the guest sees the hypervisor's placement, mapped 1:1). Reads its
 * Interrupt Pin; pintid is its route (0 when it has none). Returns 0, E_NOMEM when full,
 * E_EXIST when already there, E_INVAL for a bridge or an unassigned memory BAR, E_RANGE when a
 * BAR's bus and CPU addresses differ, E_IO when its capability list could not be walked
 * whole (looped, pointed into the header, or was longer than recorded).
 */
int vpci_add(struct vpci *vp, const struct pci_cfg_ops *c, const struct pci_func *f,
	     uint32_t pintid, uint32_t spi_base);

/*
 * A guest access at 'off' in its ECAM window: size 1, 2 or 4, naturally aligned (anything else
 * reads all-ones and writes nothing). Functions not passed through read as absent (all-ones).
 */
uint32_t vpci_read(const struct vpci *vp, const struct pci_cfg_ops *c, uint64_t off,
		   unsigned int size);
void vpci_write(struct vpci *vp, const struct pci_cfg_ops *c, uint64_t off, unsigned int size,
		uint32_t val);

/*
 * Put every function back where the hypervisor wants it before a (re)start and after a stop:
 * no bus mastering (no DMA into RAM that may be reused), no memory decode, BARs re-programmed
 * (a reset may have cleared them), and INTx disabled when 'intx_off' (after a stop) or left
 * enabled, as after a reset (before a start).
 */
void vpci_quiesce(const struct vpci *vp, const struct pci_cfg_ops *c, bool intx_off);

/*
 * A guest access to the MSI-X table of 'g' at byte 'off' into the table: 4 or 8 bytes, aligned.
 * True when it was one (a read fills *val); false for an access the table does not take.
 * Entries past the table the guest sees read 0 and ignore writes.
 */
bool vpci_msix_access(struct vpci_func *g, uint64_t off, bool write, unsigned int size,
		      uint64_t *val);
/* Unlink the MSI and MSI-X capabilities (no ITS to mediate them with): INTx only. */
void vpci_msi_hide(struct vpci_func *g);
/* Back to the reset state (PCI Local Bus 3.0, 6.8.1-2): both off, every MSI-X vector masked. */
void vpci_msi_reset(struct vpci_func *g);

/* The function whose physical INTx is 'pintid', or NULL. */
struct vpci_func *vpci_by_pintid(struct vpci *vp, uint32_t pintid);

#endif
