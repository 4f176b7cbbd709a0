// SPDX-License-Identifier: BSD-2-Clause-Patent
/* GICD and GICR register emulation (IHI 0069, 12.9 and 12.10-12.11). */
#include "kernel/vdev/vgic_regs.h"

#include "kernel/lib/err.h"

#define GICD_CTLR	0x0000
#define GICD_TYPER	0x0004
#define GICD_IIDR	0x0008
#define GICD_TYPER2	0x000c
#define GICD_IGROUPR	0x0080
#define GICD_ISENABLER	0x0100
#define GICD_ICENABLER	0x0180
#define GICD_ISPENDR	0x0200
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR	0x0c00
#define GICD_IROUTER	0x6000
#define GICD_PIDR2	0xffe8

#define GICR_CTLR      0x0000
#define GICR_IIDR      0x0004
#define GICR_TYPER     0x0008
#define GICR_WAKER     0x0014
#define GICR_PROPBASER 0x0070
#define GICR_PENDBASER 0x0078
#define GICR_PIDR2     0xffe8
#define SGI_BASE       0x10000

#define CTLR_RWP	      (1U << 31)
#define CTLR_ARE_NS	      (1U << 4)
#define CTLR_ENABLE_G1	      (1U << 1) /* EnableGrp1A in the Non-secure view */
#define IIDR_ARM	      0x43b	/* ProductID 0, implementer Arm */
#define PIDR2_GICV3	      0x3b	/* ArchRev 3 in bits 7:4, JEP106 bits */
#define WAKER_PROCESSOR_SLEEP (1U << 1)
#define WAKER_CHILDREN_ASLEEP (1U << 2)
#define SGIS_ALWAYS_ON	      0xffffU
#define GICR_CTLR_ENABLE_LPIS (1U << 0)
#define GICR_TYPER_PLPIS      (1U << 0)
#define GICD_TYPER_LPIS	      (1U << 17)
#define GICD_TYPER_IDBITS     13 /* 14-bit INTIDs: LPIs exist (5.1) */

void vgic_dist_reset(struct vgic_dist *d)
{
	*d = (struct vgic_dist){ .ctlr = CTLR_ARE_NS };
}

void vgic_redist_reset(struct vgic_redist *r, uint64_t mpidr, unsigned int number, bool last)
{
	*r = (struct vgic_redist){
		.affinity = (mpidr & 0xffffff) | ((mpidr >> 32 & 0xff) << 24),
		.number = number,
		.last = last,
		.waker = WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP,
		/* Whether SGIs can be disabled is IMPLEMENTATION DEFINED (12.11.10): here they cannot. */
		.enable0 = SGIS_ALWAYS_ON,
	};
}

/* Bit-per-interrupt set/clear/read over 32-bit registers; 'base' the register block's offset. */
static void bits_access(uint32_t *words, unsigned int nwords, uint64_t off, uint64_t base,
			bool write, bool set, uint64_t *val, uint32_t fixed_ones)
{
	unsigned int i = (unsigned int)((off - base) / 4);

	if (i >= nwords) {
		if (!write)
			*val = 0;
		return;
	}
	if (!write) {
		*val = words[i];
		return;
	}
	if (set)
		words[i] |= (uint32_t)*val;
	else
		words[i] &= ~(uint32_t)*val;
	if (i == 0)
		words[0] |= fixed_ones;
}

static void bytes_access(uint8_t *bytes, unsigned int n, uint64_t off, bool write,
			 unsigned int size, uint64_t *val)
{
	uint64_t v = 0;

	for (unsigned int b = 0; b < size; b++) {
		if (off + b >= n)
			break;
		if (write)
			bytes[off + b] = (uint8_t)(*val >> (8 * b));
		else
			v |= (uint64_t)bytes[off + b] << (8 * b);
	}
	if (!write)
		*val = v;
}

int vgic_dist_access(struct vgic_dist *d, uint64_t off, bool write, unsigned int size,
		     uint64_t *val)
{
	/* Word registers need 32-bit access; priorities also take bytes, IROUTER 64-bit. */
	bool byte_ok = off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + VGIC_NR_IRQS;
	bool dword_ok = off >= GICD_IROUTER && off < GICD_IROUTER + 8 * VGIC_NR_IRQS;

	if (off >= VGIC_GICD_SIZE || (off & (size - 1)) ||
	    !(size == 4 || (size == 1 && byte_ok) || (size == 8 && dword_ok)))
		return E_INVAL;
	if (byte_ok) {
		bytes_access(d->priority, VGIC_NR_IRQS, off - GICD_IPRIORITYR, write, size, val);
		/* SGI/PPI priorities live in the redistributor: RAZ/WI here (ARE set). */
		for (unsigned int i = 0; i < 32; i++)
			d->priority[i] = 0;
		return 0;
	}
	if (dword_ok || (off >= GICD_IROUTER && off < GICD_IROUTER + 8 * VGIC_NR_IRQS + 8)) {
		unsigned int n = (unsigned int)((off - GICD_IROUTER) / 8);

		if (n < 32 || n >= VGIC_NR_IRQS) {
			if (!write)
				*val = 0;
		} else if (write) {
			d->irouter[n] = *val & 0xff00ffffffUL; /* Aff3, IRM=0, Aff2.Aff1.Aff0 */
		} else {
			*val = d->irouter[n];
		}
		return 0;
	}
	switch (off) {
	case GICD_CTLR:
		if (write)
			d->ctlr = ((uint32_t)*val & CTLR_ENABLE_G1) |
				  CTLR_ARE_NS; /* ARE: always on */
		else
			*val = d->ctlr; /* RWP reads 0: writes take effect at once */
		return 0;
	case GICD_TYPER:
		/* ITLinesNumber, LPIs (through the ITS), IDbits; no MBIS, no security. */
		if (!write)
			*val = (VGIC_NR_IRQS / 32 - 1) | GICD_TYPER_LPIS |
			       ((uint32_t)GICD_TYPER_IDBITS << 19);
		return 0;
	case GICD_IIDR:
		if (!write)
			*val = IIDR_ARM;
		return 0;
	case GICD_PIDR2:
		if (!write)
			*val = PIDR2_GICV3;
		return 0;
	default:
		break;
	}
	if (off >= GICD_IGROUPR && off < GICD_IGROUPR + 0x80)
		bits_access(d->group, VGIC_NR_IRQS / 32, off, GICD_IGROUPR, write, true, val, 0);
	else if (off >= GICD_ISENABLER && off < GICD_ISENABLER + 0x80)
		bits_access(d->enable, VGIC_NR_IRQS / 32, off, GICD_ISENABLER, write, true, val, 0);
	else if (off >= GICD_ICENABLER && off < GICD_ICENABLER + 0x80)
		bits_access(d->enable, VGIC_NR_IRQS / 32, off, GICD_ICENABLER, write, false, val,
			    0);
	else if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100) {
		unsigned int i = (unsigned int)((off - GICD_ICFGR) / 4);

		if (i >= VGIC_NR_IRQS / 16)
			*val = write ? *val : 0;
		else if (write)
			d->cfg[i] = (uint32_t)*val & 0xaaaaaaaaU; /* Int_config[1] bits only */
		else
			*val = d->cfg[i];
	} else if (!write) {
		*val = 0; /* pending/active state, group modifiers, NSACR, SGIR...: RAZ/WI */
	}
	/* SGIs and PPIs (register 0 of each block) belong to the redistributors with ARE. */
	d->enable[0] = d->group[0] = 0;
	return 0;
}

int vgic_redist_access(struct vgic_redist *r, uint64_t off, bool write, unsigned int size,
		       uint64_t *val)
{
	bool byte_ok = off >= SGI_BASE + GICD_IPRIORITYR && off < SGI_BASE + GICD_IPRIORITYR + 32;

	bool dword_ok = off == GICR_TYPER || off == GICR_PROPBASER || off == GICR_PENDBASER;

	if (off >= VGIC_GICR_STRIDE || (off & (size - 1)) ||
	    !(size == 4 || (size == 1 && byte_ok) || (size == 8 && dword_ok)))
		return E_INVAL;
	if (off >= GICR_PROPBASER && off < GICR_PENDBASER + 8) {
		uint64_t *reg = off < GICR_PENDBASER ? &r->propbaser : &r->pendbaser;
		unsigned int sh = (off & 4) ? 32 : 0;
		uint64_t mask = size == 8 ? ~0UL : 0xffffffffUL << sh;

		/* Writable while EnableLPIs is 0, UNPREDICTABLE after: ignored (12.11.27). */
		if (!write)
			*val = (*reg & mask) >> sh;
		else if (!r->enable_lpis)
			*reg = (*reg & ~mask) | ((*val << sh) & mask);
		return 0;
	}
	if (byte_ok) {
		bytes_access(r->priority, 32, off - SGI_BASE - GICD_IPRIORITYR, write, size, val);
		return 0;
	}
	switch (off) {
	case GICR_CTLR:
		/* EnableLPIs; once set it stays set (clearing it is IMPLEMENTATION DEFINED). */
		if (write)
			r->enable_lpis |= (*val & GICR_CTLR_ENABLE_LPIS) != 0;
		else
			*val = r->enable_lpis ? GICR_CTLR_ENABLE_LPIS : 0;
		return 0;
	case GICR_IIDR:
		if (!write)
			*val = IIDR_ARM;
		return 0;
	case GICR_TYPER:
	case GICR_TYPER + 4: {
		uint64_t typer = r->affinity << 32 | (uint64_t)(r->number & 0xffff) << 8 |
				 (r->last ? 1U << 4 : 0) | GICR_TYPER_PLPIS;

		if (!write)
			*val = off == GICR_TYPER ? (size == 8 ? typer : (uint32_t)typer)
						 : typer >> 32;
		return 0;
	}
	case GICR_WAKER:
		if (write) {
			/* Clearing ProcessorSleep wakes it at once: ChildrenAsleep follows. */
			r->waker = (*val & WAKER_PROCESSOR_SLEEP)
					   ? WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP
					   : 0;
		} else {
			*val = r->waker;
		}
		return 0;
	case GICR_PIDR2:
		if (!write)
			*val = PIDR2_GICV3;
		return 0;
	case SGI_BASE + GICD_IGROUPR:
		if (write)
			r->group0 = (uint32_t)*val;
		else
			*val = r->group0;
		return 0;
	case SGI_BASE + GICD_ISENABLER:
		bits_access(&r->enable0, 1, off, off, write, true, val, SGIS_ALWAYS_ON);
		return 0;
	case SGI_BASE + GICD_ICENABLER:
		bits_access(&r->enable0, 1, off, off, write, false, val, SGIS_ALWAYS_ON);
		return 0;
	case SGI_BASE + GICD_ICFGR:
		if (!write)
			*val = 0xaaaaaaaaU; /* SGIs: edge, fixed */
		return 0;
	case SGI_BASE + GICD_ICFGR + 4:
		if (write)
			r->cfg[1] = (uint32_t)*val & 0xaaaaaaaaU;
		else
			*val = r->cfg[1];
		return 0;
	default:
		if (!write)
			*val = 0; /* pending, active, group modifier, LPI tables...: RAZ/WI */
		return 0;
	}
}

bool vgic_irq_enabled(const struct vgic_dist *d, const struct vgic_redist *r, unsigned int intid)
{
	if (intid < 32)
		return r->enable0 & (1U << intid);
	if (intid >= VGIC_NR_IRQS)
		return false;
	return (d->ctlr & CTLR_ENABLE_G1) && (d->enable[intid / 32] & (1U << (intid % 32)));
}

bool vgic_irq_edge(const struct vgic_dist *d, const struct vgic_redist *r, unsigned int intid)
{
	if (intid < 16)
		return true;
	if (intid < 32)
		return r->cfg[1] & (2U << (2 * (intid - 16)));
	if (intid >= VGIC_NR_IRQS)
		return true; /* LPIs: edge (5.1) */
	return d->cfg[intid / 16] & (2U << (2 * (intid % 16)));
}

uint8_t vgic_irq_priority(const struct vgic_dist *d, const struct vgic_redist *r,
			  unsigned int intid)
{
	if (intid < 32)
		return r->priority[intid];
	return intid < VGIC_NR_IRQS ? d->priority[intid] : 0xff;
}
