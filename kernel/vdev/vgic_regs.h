/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The emulated GICv3 distributor (GICD) and redistributor (GICR) register frames a guest's GIC
 * driver programs (IHI 0069, chapter 12): enables, priorities, configuration, groups, routing,
 * wake-up. Portable (no hardware access): kernel/vgic.c consults it to decide what to inject.
 */
#ifndef KERNEL_VGIC_REGS_H
#define KERNEL_VGIC_REGS_H

#include <stdbool.h>
#include <stdint.h>

#define VGIC_NR_SPIS	 64 /* INTIDs 32-95 */
#define VGIC_NR_IRQS	 (32 + VGIC_NR_SPIS)
#define VGIC_GICD_SIZE	 0x10000
#define VGIC_GICR_STRIDE 0x20000 /* RD_base + SGI_base, 64 KiB each */
/*
 * LPIs (IHI 0069, 5.1): INTIDs from 8192. GICD_TYPER.IDbits says 14 bits; the ITS maps LPIs
 * 8192-12287 (a MAPTI beyond is a command error), whose pending state each vCPU keeps in a
 * bitmap of VGIC_LPI_WORDS words summarised by one word.
 */
#define VGIC_LPI_BASE  8192U
#define VGIC_NR_LPIS   4096U
#define VGIC_LPI_WORDS (VGIC_NR_LPIS / 64)
#define VGIC_REQ_KINDS 3 /* vgic.c: clear pending, set active, clear active */

/* The pending and active state registers (12.9.27-30), which kernel/vdev/vgic.c serves live. */
#define VGIC_GICD_ISPENDR   0x0200
#define VGIC_GICD_ICACTIVER 0x0380
#define VGIC_STATE_BLOCK    0x80 /* ISPENDR, ICPENDR, ISACTIVER, ICACTIVER: one block each */
#define VGIC_SGI_BASE	    0x10000

struct vgic_dist {
	uint32_t ctlr;
	uint32_t enable[VGIC_NR_IRQS / 32]; /* [0] unused: SGIs/PPIs are per redistributor */
	uint32_t group[VGIC_NR_IRQS / 32];
	uint32_t cfg[VGIC_NR_IRQS / 16];
	uint8_t priority[VGIC_NR_IRQS];
	uint64_t irouter[VGIC_NR_IRQS];
	uint64_t line[2]; /* SPIs: the level of each emulated device's interrupt line */
};

struct vgic_redist {
	uint64_t affinity;   /* Aff3.Aff2.Aff1.Aff0 as GICR_TYPER[63:32] shows it */
	unsigned int number; /* processor number */
	bool last;	     /* the last frame of the region (GICR_TYPER.Last) */
	uint32_t waker;
	uint32_t enable0; /* SGIs (bits 15:0, always set) and PPIs */
	uint32_t group0;
	uint32_t cfg[2];
	uint8_t priority[32];
	/* LPIs (12.11.2, 12.11.27-28): EnableLPIs and where the guest keeps its tables. */
	bool enable_lpis;
	uint64_t propbaser, pendbaser;
	/* Set by kernel/vdev/vgic.c when LPIs are enabled: the property table checked as RAM. */
	uint64_t prop_pa;
	unsigned int prop_n; /* LPIs it covers (0: none, the table was not the VM's RAM) */
	uint32_t eoi_lrs;    /* kernel/vdev/vgic.c: list registers asked to signal EOI */
};

void vgic_dist_reset(struct vgic_dist *d);
void vgic_redist_reset(struct vgic_redist *r, uint64_t mpidr, unsigned int number, bool last);
/* Emulate an access at 'off' in the distributor frame; reads fill *val. 0 or E_INVAL. */
int vgic_dist_access(struct vgic_dist *d, uint64_t off, bool write, unsigned int size,
		     uint64_t *val);
/* The same in one redistributor's 128 KiB (RD_base then SGI_base). */
int vgic_redist_access(struct vgic_redist *r, uint64_t off, bool write, unsigned int size,
		       uint64_t *val);
/* May the guest take 'intid' now: enabled where it lives (and Group 1 on for SPIs)? */
bool vgic_irq_enabled(const struct vgic_dist *d, const struct vgic_redist *r, unsigned int intid);
/* Is 'intid' edge-triggered (GICD_ICFGR, GICR_ICFGR1: Int_config[1] set)? SGIs always are. */
bool vgic_irq_edge(const struct vgic_dist *d, const struct vgic_redist *r, unsigned int intid);
uint8_t vgic_irq_priority(const struct vgic_dist *d, const struct vgic_redist *r,
			  unsigned int intid);

#endif
