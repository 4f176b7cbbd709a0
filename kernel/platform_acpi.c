// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The machine description from ACPI tables (ACPI 6.5; Arm's IORT and SPCR specifications): the
 * same struct platform the device tree fills (kernel/platform.c), for UEFI servers that give no
 * DT. No AML is interpreted: the host bridge's legacy INTx routing is read from a static _PRT
 * package in the DSDT (kernel/lib/aml.c); the PCI windows, known only to AML, are not, and the
 * BARs firmware assigned are kept.
 */
#include "kernel/platform.h"

#include "kernel/drivers/uart.h"
#include "kernel/lib/acpi.h"
#include "kernel/lib/aml.h"
#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"

/* MADT (ACPI 6.5 5.2.12): entries from offset 44; the GIC structures' types and layouts. */
#define MADT_ENTRIES	    44
#define MADT_GICC	    0x0b
#define MADT_GICD	    0x0c
#define MADT_GICR	    0x0e
#define MADT_ITS	    0x0f
#define GICC_LEN_MIN	    76 /* ACPI 5.1; 6.0 adds the efficiency class, 6.3 SPE */
#define GICC_FLAGS	    12
#define GICC_ENABLED	    (1U << 0)
#define GICC_ONLINE_CAPABLE (1U << 3)
#define GICC_VGIC_MAINT	    56
#define GICC_GICR_BASE	    60
#define GICC_MPIDR	    68
#define GICD_LEN	    24
#define GICD_BASE	    8
#define GICD_VERSION	    20
#define GICR_LEN	    16
#define GICR_BASE	    4
#define GICR_RANGE_LEN	    12
#define ITS_LEN		    20
#define ITS_BASE	    8
/* GICv3 architecture specification 12.1: distributor 64 KiB; a redistributor's RD and SGI
 * frames 128 KiB (GICv4 adds two more frames); an ITS's control and translation frames 128 KiB. */
#define GICD_SIZE    0x10000ULL
#define GICR_V3_SIZE 0x20000ULL
#define GICR_V4_SIZE 0x40000ULL
#define ITS_SIZE     0x20000ULL

/* GTDT (5.2.25): revision 2 layout; GSIVs of the four per-CPU timers. */
#define GTDT_LEN_MIN  96
#define GTDT_SEC_EL1  48
#define GTDT_NS_EL1   56
#define GTDT_VIRT_EL1 64
#define GTDT_NS_EL2   72

/* MCFG (PCI Firmware Specification 3.2, 4.1.2): 16-byte allocations from offset 44. */
#define MCFG_ENTRIES   44
#define MCFG_ENTRY_LEN 16
#define ECAM_BUS_SHIFT 20

/* SPCR (Microsoft SPCR specification, revision 2+). */
#define SPCR_LEN_MIN	  80
#define SPCR_IFTYPE	  36
#define SPCR_ADDR_SPACE	  40 /* Generic Address Structure: space, width, offset, access, address */
#define SPCR_ADDR	  44
#define SPCR_IRQ_TYPE	  52
#define SPCR_IRQ_GIC	  (1U << 3)
#define SPCR_GSIV	  54
#define SPCR_ADDR_ACCESS  43 /* GAS Access Size: 1 byte, 2 word, 3 dword, 4 qword */
#define SPCR_ACCESS_BYTE  1
#define SPCR_ACCESS_DWORD 3
#define SPCR_PCI_DEVICE	  64
#define SPCR_PCI_VENDOR	  66
#define SPCR_PCI_BUS	  68
#define SPCR_PCI_DEV	  69
#define SPCR_PCI_FN	  70
/* Interface types (Microsoft "Serial Port Console Redirection Table", table 3; DBG2 types). */
#define SPCR_16550	0x00
#define SPCR_16450	0x01
#define SPCR_16550_GAS	0x12
#define SPCR_PL011	0x03
#define SPCR_SBSA_32BIT 0x0d
#define SPCR_SBSA	0x0e
#define UART_SIZE	0x1000ULL

/* FADT (5.2.9): Flags, and the Arm boot architecture flags (ACPI 5.1+). */
#define FADT_LEN_MIN	    131
#define FADT_ARM_BOOT_FLAGS 129
#define FADT_PSCI_COMPLIANT (1U << 0)
#define FADT_PSCI_USE_HVC   (1U << 1)
#define FADT_DSDT	    40	/* 32-bit physical address */
#define FADT_X_DSDT	    140 /* 64-bit physical address, used when non-zero (ACPI 2.0+) */
#define FADT_X_DSDT_END	    148

/* PCI binding phys.hi (IEEE 1275 PCI binding 2.2.1.1): the device number in bits 15:11. */
#define PCI_HI_DEV_SHIFT 11
#define PCI_HI_DEV_MASK	 (0x1fU << PCI_HI_DEV_SHIFT)
#define PCI_PIN_MASK	 7U

/* IORT (Arm DEN 0049E): nodes, ID mappings, the root complex and SMMUv3 nodes. */
#define IORT_LEN_MIN	    48
#define IORT_NODE_COUNT	    36
#define IORT_NODE_OFFSET    40
#define IORT_NODE_HDR	    16
#define IORT_NODE_N_MAPS    8
#define IORT_NODE_MAPS	    12
#define IORT_MAP_LEN	    20
#define IORT_ITS_GROUP	    0
#define IORT_RC		    2
#define IORT_SMMU	    3 /* SMMUv1 or v2 */
#define IORT_SMMUV3	    4
#define IORT_MAP_SINGLE	    1U /* ID mapping Flags bit 0: one ID (the node's own), no input */
#define IORT_SMMUV3_BASE    16
#define IORT_SMMUV3_LEN_MIN 68
#define SMMUV3_SIZE	    0x20000ULL /* SMMUv3 2.0 6.1: register pages 0 and 1 */

/* PPTT (5.2.30): processor hierarchy nodes and cache nodes. */
#define PPTT_ENTRIES	  36
#define PPTT_PROCESSOR	  0
#define PPTT_CACHE	  1
#define PPTT_PROC_LEN_MIN 20
#define PPTT_PROC_FLAGS	  4
#define PPTT_PROC_PARENT  8
#define PPTT_LEAF	  (1U << 3)

/* XSDT: 64-bit table addresses after the header. */
#define XSDT_ENTRY_LEN 8

static void plat_name(char *dst, const char *src)
{
	fmt_snprintf(dst, PLAT_NAME_LEN, "%s", src);
}

static void add_dev(struct platform *p, const char *name, uint64_t base, uint64_t size)
{
	if (p->n_devs >= PLAT_MAX_DEVS) {
		p->n_devs_dropped++;
		return;
	}
	plat_name(p->devs[p->n_devs].name, name);
	p->devs[p->n_devs].reg = (struct plat_range){ base, size };
	p->n_devs++;
}

/* A redistributor range; adjacent per-CPU frames (GICC's GICR base) merge into one. */
static int add_redist(struct platform *p, uint64_t base, uint64_t size, struct err_why *why)
{
	for (unsigned int i = 0; i < p->gic.n_redist; i++) {
		struct plat_range *r = &p->gic.redist[i];

		if (r->base + r->size == base) {
			r->size += size;
			return 0;
		}
		if (base >= r->base && base < r->base + r->size)
			return 0;
	}
	if (p->gic.n_redist >= PLAT_MAX_REDIST)
		return err_fail(why, E_RANGE, "MADT: more than %u redistributor ranges",
				PLAT_MAX_REDIST);
	p->gic.redist[p->gic.n_redist++] = (struct plat_range){ base, size };
	return 0;
}

static int madt(struct platform *p, const struct acpi_table *t, struct err_why *why)
{
	struct acpi_iter it = { .t = t, .off = MADT_ENTRIES, .len_size = 1 };
	uint64_t gicc_redist[PLAT_MAX_CPUS];
	unsigned int n_gicc_redist = 0;
	uint32_t off, len;
	uint8_t type;
	int ret;

	while ((ret = acpi_next(&it, &type, &off, &len, why)) > 0) {
		switch (type) {
		case MADT_GICC: {
			uint32_t flags;

			if (len < GICC_LEN_MIN)
				return err_fail(why, E_INVAL,
						"MADT: GICC at %u is %u bytes, not %u", off, len,
						GICC_LEN_MIN);
			flags = acpi_u32(t, off + GICC_FLAGS);
			if (!(flags & (GICC_ENABLED | GICC_ONLINE_CAPABLE)))
				break;
			if (p->n_cpus >= PLAT_MAX_CPUS)
				return err_fail(why, E_RANGE, "MADT: more than %u CPUs",
						PLAT_MAX_CPUS);
			p->cpus[p->n_cpus].mpidr = acpi_u64(t, off + GICC_MPIDR);
			p->cpus[p->n_cpus].psci = true;
			p->n_cpus++;
			if (!p->gic.maint_irq)
				p->gic.maint_irq = acpi_u32(t, off + GICC_VGIC_MAINT);
			if (acpi_u64(t, off + GICC_GICR_BASE) && n_gicc_redist < PLAT_MAX_CPUS)
				gicc_redist[n_gicc_redist++] = acpi_u64(t, off + GICC_GICR_BASE);
			break;
		}
		case MADT_GICD:
			if (len < GICD_LEN)
				return err_fail(why, E_INVAL, "MADT: GICD at %u is %u bytes", off,
						len);
			if (p->gic.dist.base)
				return err_fail(why, E_INVAL, "MADT: more than one GICD");
			p->gic.dist =
				(struct plat_range){ acpi_u64(t, off + GICD_BASE), GICD_SIZE };
			/* GIC version 0 means "discover from the hardware": only v3/v4 have GICR. */
			p->gic.version = acpi_u8(t, off + GICD_VERSION);
			break;
		case MADT_GICR:
			if (len < GICR_LEN)
				return err_fail(why, E_INVAL, "MADT: GICR at %u is %u bytes", off,
						len);
			ret = add_redist(p, acpi_u64(t, off + GICR_BASE),
					 acpi_u32(t, off + GICR_RANGE_LEN), why);
			if (ret)
				return ret;
			break;
		case MADT_ITS:
			if (len < ITS_LEN)
				return err_fail(why, E_INVAL, "MADT: ITS at %u is %u bytes", off,
						len);
			if (!p->gic.its.base)
				p->gic.its = (struct plat_range){ acpi_u64(t, off + ITS_BASE),
								  ITS_SIZE };
			break;
		default:
			break;
		}
	}
	if (ret < 0)
		return ret;
	if (!p->gic.dist.base)
		return err_fail(why, E_NOENT, "MADT: no GIC distributor (GICD) entry");
	if (p->gic.version == 0 || p->gic.version == 4)
		p->gic.version = 3;
	if (p->gic.version != 3)
		return err_fail(why, E_NOTSUP, "MADT: GIC version %u; a GICv3 or GICv4 is needed",
				p->gic.version);
	/* No GICR ranges: each GICC names its CPU's redistributor frames. */
	if (!p->gic.n_redist)
		for (unsigned int i = 0; i < n_gicc_redist; i++) {
			ret = add_redist(p, gicc_redist[i], GICR_V3_SIZE, why);
			if (ret)
				return ret;
		}
	if (!p->gic.n_redist)
		return err_fail(why, E_NOENT, "MADT: no redistributor (GICR range or GICC base)");
	if (!p->n_cpus)
		return err_fail(why, E_NOENT, "MADT: no enabled GICC (CPU) entry");
	add_dev(p, "GICD (MADT)", p->gic.dist.base, p->gic.dist.size);
	for (unsigned int i = 0; i < p->gic.n_redist; i++)
		add_dev(p, "GICR (MADT)", p->gic.redist[i].base, p->gic.redist[i].size);
	if (p->gic.its.base)
		add_dev(p, "ITS (MADT)", p->gic.its.base, p->gic.its.size);
	return 0;
}

static int gtdt(struct platform *p, const struct acpi_table *t, struct err_why *why)
{
	(void)why; /* the length check in acpi_check() covers every field read */
	p->timer.present = true;
	p->timer.intid_sec = acpi_u32(t, GTDT_SEC_EL1);
	p->timer.intid_phys = acpi_u32(t, GTDT_NS_EL1);
	p->timer.intid_virt = acpi_u32(t, GTDT_VIRT_EL1);
	p->timer.intid_hyp = acpi_u32(t, GTDT_NS_EL2);
	return 0;
}

static int mcfg(struct platform *p, const struct acpi_table *t, struct err_why *why)
{
	for (uint32_t off = MCFG_ENTRIES; off + MCFG_ENTRY_LEN <= t->len; off += MCFG_ENTRY_LEN) {
		uint64_t base = acpi_u64(t, off);
		uint16_t segment = acpi_u16(t, off + 8);
		uint8_t start = acpi_u8(t, off + 10), end = acpi_u8(t, off + 11);

		if (segment != 0)
			continue; /* one host bridge: segment 0 */
		if (end < start)
			return err_fail(why, E_INVAL, "MCFG: bus range %u-%u", start, end);
		p->pcie.present = true;
		/* The allocation's base address is that of bus 0 even when the range starts later. */
		p->pcie.ecam =
			(struct plat_range){ base + ((uint64_t)start << ECAM_BUS_SHIFT),
					     ((uint64_t)(end - start) + 1) << ECAM_BUS_SHIFT };
		p->pcie.bus_start = start;
		p->pcie.bus_end = end;
		p->fw.firmware_bars = true;
		add_dev(p, "ECAM (MCFG)", p->pcie.ecam.base, p->pcie.ecam.size);
		return 0;
	}
	return err_fail(why, E_NOENT, "MCFG: no allocation for PCI segment 0");
}

static int spcr(struct platform *p, const struct acpi_table *t, struct err_why *why)
{
	uint8_t type = acpi_u8(t, SPCR_IFTYPE);
	uint8_t access = acpi_u8(t, SPCR_ADDR_ACCESS);

	if (type == SPCR_PL011)
		p->uart.kind = UART_PL011;
	else if (type == SPCR_SBSA || type == SPCR_SBSA_32BIT)
		p->uart.kind = UART_SBSA;
	else if (type == SPCR_16550 || type == SPCR_16450 || type == SPCR_16550_GAS)
		p->uart.kind = UART_16550;
	else
		return err_fail(why, E_NOTSUP,
				"SPCR: console interface type 0x%02x; this build drives PL011, "
				"SBSA generic and 16550 UARTs only",
				type);
	if (acpi_u8(t, SPCR_ADDR_SPACE) != 0)
		return err_fail(why, E_NOTSUP, "SPCR: UART in address space %u, not memory",
				acpi_u8(t, SPCR_ADDR_SPACE));
	p->uart.present = true;
	p->uart.reg = (struct plat_range){ acpi_u64(t, SPCR_ADDR), UART_SIZE };
	if (!p->uart.reg.base)
		return err_fail(why, E_INVAL, "SPCR: UART base address is 0");
	if (p->uart.kind == UART_16550) {
		/* GAS access size (ACPI 6.5 table 5.1): 1 byte, 3 dword; registers that wide apart. */
		if (access == SPCR_ACCESS_DWORD) {
			p->uart.reg_shift = 2;
			p->uart.reg_width = 4;
		} else if (access == SPCR_ACCESS_BYTE || access == 0) {
			p->uart.reg_shift = 0;
			p->uart.reg_width = 1;
		} else {
			return err_fail(why, E_NOTSUP, "SPCR: 16550 with access size %u", access);
		}
	}
	p->uart.pci_vendor = acpi_u16(t, SPCR_PCI_VENDOR);
	p->uart.pci_device = acpi_u16(t, SPCR_PCI_DEVICE);
	p->uart.pci_bus = acpi_u8(t, SPCR_PCI_BUS);
	p->uart.pci_dev = acpi_u8(t, SPCR_PCI_DEV);
	p->uart.pci_fn = acpi_u8(t, SPCR_PCI_FN);
	plat_name(p->uart.node, p->uart.kind == UART_16550  ? "16550 (SPCR)"
				: p->uart.kind == UART_SBSA ? "SBSA UART (SPCR)"
							    : "PL011 (SPCR)");
	if (acpi_u8(t, SPCR_IRQ_TYPE) & SPCR_IRQ_GIC)
		p->uart.intid = acpi_u32(t, SPCR_GSIV);
	add_dev(p, p->uart.node, p->uart.reg.base, p->uart.reg.size);
	return 0;
}

static int fadt(struct platform *p, const struct acpi_table *t, struct err_why *why)
{
	uint16_t flags = acpi_u16(t, FADT_ARM_BOOT_FLAGS);

	(void)why; /* as for the GTDT */
	p->psci.present = flags & FADT_PSCI_COMPLIANT;
	p->psci.conduit = !p->psci.present		? PSCI_CONDUIT_NONE
			  : (flags & FADT_PSCI_USE_HVC) ? PSCI_CONDUIT_HVC
							: PSCI_CONDUIT_SMC;
	plat_name(p->psci.compatible, p->psci.present ? "PSCI (FADT)" : "");
	return 0;
}

/*
 * The root bus's INTx routes from the DSDT's _PRT, in the form the DT's interrupt-map gives
 * them (platform.h): one entry per device and pin, matched on the device number.
 */
static int dsdt(struct platform *p, const struct acpi_table *t, struct err_why *why)
{
	struct aml_prt_route r[PLAT_MAX_PCI_IMAP];
	unsigned int skipped;
	int n = aml_prt(t, r, PLAT_MAX_PCI_IMAP, &skipped, why);

	if (n == E_NOENT)
		return 0; /* no PCI INTx routing: nothing to learn */
	if (n < 0)
		return n;
	p->pcie.imap_mask_hi = PCI_HI_DEV_MASK;
	p->pcie.imap_mask_pin = PCI_PIN_MASK;
	for (int i = 0; i < n; i++) {
		p->pcie.imap[i].hi = (uint32_t)r[i].dev << PCI_HI_DEV_SHIFT;
		p->pcie.imap[i].pin = r[i].pin;
		p->pcie.imap[i].intid = r[i].gsiv;
	}
	p->pcie.n_imap = (unsigned int)n;
	if (skipped && !p->fw.acpi_warn[0])
		fmt_snprintf(p->fw.acpi_warn, sizeof(p->fw.acpi_warn),
			     "DSDT: %u _PRT entries without a static interrupt", skipped);
	return 0;
}

/* One ID mapping (DEN 0049E, 3.4): IDs [in, in + n] become [out, out + n] at node 'ref'. */
struct iort_map {
	uint32_t in, n, out, ref, flags;
};

static int iort_map_read(const struct acpi_table *t, uint32_t off, struct iort_map *m,
			 struct err_why *why)
{
	m->in = acpi_u32(t, off);
	m->n = acpi_u32(t, off + 4); /* Number of IDs: the count minus one */
	m->out = acpi_u32(t, off + 8);
	m->ref = acpi_u32(t, off + 12);
	m->flags = acpi_u32(t, off + 16);
	if (!(m->flags & IORT_MAP_SINGLE) &&
	    (m->in > UINT32_MAX - m->n || m->out > UINT32_MAX - m->n))
		return err_fail(why, E_INVAL,
				"IORT: ID mapping at %u: 0x%x IDs from 0x%x to 0x%x run past 2^32",
				off, m->n, m->in, m->out);
	return 0;
}

/* The node an ID mapping's output reference names: its type and its ID mappings, checked. */
static int iort_node_at(const struct acpi_table *t, uint32_t first, uint32_t ref, uint8_t *type,
			uint32_t *maps, uint32_t *n_maps, struct err_why *why)
{
	uint32_t len, off;

	if (ref < first || ref > t->len - IORT_NODE_HDR)
		return err_fail(why, E_INVAL,
				"IORT: an ID mapping's output reference %u lies outside the nodes",
				ref);
	len = acpi_u16(t, ref + 1);
	if (len < IORT_NODE_HDR || len > t->len - ref)
		return err_fail(why, E_INVAL, "IORT: node at %u is %u bytes", ref, len);
	*type = acpi_u8(t, ref);
	*n_maps = acpi_u32(t, ref + IORT_NODE_N_MAPS);
	off = acpi_u32(t, ref + IORT_NODE_MAPS);
	if (*n_maps && (off < IORT_NODE_HDR || off > len || *n_maps > (len - off) / IORT_MAP_LEN))
		return err_fail(why, E_INVAL,
				"IORT: node at %u: %u ID mappings at %u overrun its %u bytes", ref,
				*n_maps, off, len);
	*maps = ref + off;
	return 0;
}

static int iort_msi_add(struct platform *p, uint32_t rid, uint64_t len, uint32_t devid,
			struct err_why *why)
{
	if (p->pcie.n_msi == PLAT_MAX_MSI_MAPS)
		return err_fail(why, E_INVAL, "IORT: more than %u RID ranges lead to an ITS",
				PLAT_MAX_MSI_MAPS);
	p->pcie.msi[p->pcie.n_msi++] = (struct plat_msi_map){ rid, devid, len };
	return 0;
}

/*
 * The root complex's ID mappings at 'rc_maps' followed to an ITS group: directly (RID ->
 * DeviceID), or through an SMMU's mappings (RID -> StreamID -> DeviceID, the overlap of each
 * pair). A mapping that leads anywhere else is refused: the table is wrong.
 */
static int iort_msi_maps(struct platform *p, const struct acpi_table *t, uint32_t first,
			 uint32_t rc_maps, uint32_t rc_n_maps, struct err_why *why)
{
	for (uint32_t i = 0; i < rc_n_maps; i++) {
		uint32_t smmu_maps, smmu_n;
		struct iort_map m;
		uint8_t type;
		int ret = iort_map_read(t, rc_maps + i * IORT_MAP_LEN, &m, why);

		if (!ret)
			ret = iort_node_at(t, first, m.ref, &type, &smmu_maps, &smmu_n, why);
		if (ret)
			return ret;
		if (m.flags & IORT_MAP_SINGLE)
			return err_fail(why, E_INVAL,
					"IORT: root complex ID mapping %u is a single mapping", i);
		if (type == IORT_ITS_GROUP) {
			ret = iort_msi_add(p, m.in, (uint64_t)m.n + 1, m.out, why);
			if (ret)
				return ret;
			continue;
		}
		if (type != IORT_SMMU && type != IORT_SMMUV3)
			return err_fail(
				why, E_INVAL,
				"IORT: root complex ID mapping %u leads to a node of type %u, "
				"neither an SMMU nor an ITS group",
				i, type);
		for (uint32_t j = 0; j < smmu_n; j++) {
			uint32_t u, v, lo, hi;
			struct iort_map s;

			ret = iort_map_read(t, smmu_maps + j * IORT_MAP_LEN, &s, why);
			if (!ret)
				ret = iort_node_at(t, first, s.ref, &type, &u, &v, why);
			if (ret)
				return ret;
			/* The SMMU's own interrupts (single), or StreamIDs to something else. */
			if ((s.flags & IORT_MAP_SINGLE) || type != IORT_ITS_GROUP)
				continue;
			lo = m.out > s.in ? m.out : s.in;
			hi = m.out + m.n < s.in + s.n ? m.out + m.n : s.in + s.n;
			if (lo > hi)
				continue;
			ret = iort_msi_add(p, m.in + (lo - m.out), (uint64_t)(hi - lo) + 1,
					   s.out + (lo - s.in), why);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int iort(struct platform *p, const struct acpi_table *t, struct err_why *why)
{
	uint32_t count = acpi_u32(t, IORT_NODE_COUNT);
	struct acpi_iter it = { .t = t, .off = acpi_u32(t, IORT_NODE_OFFSET), .len_size = 2 };
	uint32_t off, len, rc_ref = 0, rc_rid = 0, rc_sid = 0, rc_n = 0, rc_maps = 0, rc_n_maps = 0;
	uint8_t type;
	int ret = 1;

	if (it.off < IORT_LEN_MIN)
		return err_fail(why, E_INVAL, "IORT: node array at offset %u overlaps the header",
				it.off);
	for (uint32_t i = 0; i < count && (ret = acpi_next(&it, &type, &off, &len, why)) > 0; i++) {
		uint32_t n_maps, maps;

		if (len < IORT_NODE_HDR)
			return err_fail(why, E_INVAL, "IORT: node at %u is %u bytes", off, len);
		n_maps = acpi_u32(t, off + IORT_NODE_N_MAPS);
		maps = acpi_u32(t, off + IORT_NODE_MAPS);
		if (n_maps &&
		    (maps < IORT_NODE_HDR || maps > len || n_maps > (len - maps) / IORT_MAP_LEN))
			return err_fail(
				why, E_INVAL,
				"IORT: node at %u: %u ID mappings at %u overrun its %u bytes", off,
				n_maps, maps, len);
		if (type == IORT_SMMUV3 && !p->smmu.present) {
			if (len < IORT_SMMUV3_LEN_MIN)
				return err_fail(why, E_INVAL, "IORT: SMMUv3 node at %u is %u bytes",
						off, len);
			p->smmu.present = true;
			p->smmu.reg = (struct plat_range){ acpi_u64(t, off + IORT_SMMUV3_BASE),
							   SMMUV3_SIZE };
			/* The node's offset stands for the DT's phandle: mappings name it so. */
			p->smmu.phandle = off;
			add_dev(p, "SMMUv3 (IORT)", p->smmu.reg.base, p->smmu.reg.size);
		} else if (type == IORT_RC && n_maps && !rc_maps) {
			rc_maps = off + maps;
			rc_n_maps = n_maps;
		}
	}
	if (ret < 0)
		return ret;
	/*
	 * The first root complex's first mapping to the SMMU: RIDs [in, in + n] -> StreamIDs from
	 * out. Others may go straight to an ITS (RIDs that bypass the SMMU) and come first.
	 */
	for (uint32_t i = 0; p->smmu.present && i < rc_n_maps && !rc_ref; i++) {
		uint32_t m = rc_maps + i * IORT_MAP_LEN;

		if (acpi_u32(t, m + 12) != p->smmu.phandle)
			continue;
		rc_rid = acpi_u32(t, m);
		rc_n = acpi_u32(t, m + 4) + 1;
		rc_sid = acpi_u32(t, m + 8);
		rc_ref = acpi_u32(t, m + 12);
	}
	if (rc_ref) {
		p->pcie.iommu_map = true;
		p->pcie.iommu_phandle = rc_ref;
		p->pcie.rid_base = rc_rid;
		p->pcie.sid_base = rc_sid;
		p->pcie.iommu_len = rc_n;
	}
	p->pcie.n_msi = 0;
	return iort_msi_maps(p, t, acpi_u32(t, IORT_NODE_OFFSET), rc_maps, rc_n_maps, why);
}

static int pptt(struct platform *p, const struct acpi_table *t, struct err_why *why)
{
	struct acpi_iter it = { .t = t, .off = PPTT_ENTRIES, .len_size = 1 };
	uint32_t parents[PLAT_MAX_CPUS], off, len;
	unsigned int n_parents = 0;
	uint8_t type;
	int ret;

	p->pptt.cores = p->pptt.clusters = p->pptt.caches = 0;
	while ((ret = acpi_next(&it, &type, &off, &len, why)) > 0) {
		uint32_t parent;
		unsigned int i;

		if (type == PPTT_CACHE) {
			p->pptt.caches++;
			continue;
		}
		if (type != PPTT_PROCESSOR)
			continue;
		if (len < PPTT_PROC_LEN_MIN)
			return err_fail(why, E_INVAL, "PPTT: processor node at %u is %u bytes", off,
					len);
		if (!(acpi_u32(t, off + PPTT_PROC_FLAGS) & PPTT_LEAF))
			continue;
		p->pptt.cores++;
		parent = acpi_u32(t, off + PPTT_PROC_PARENT);
		for (i = 0; i < n_parents && parents[i] != parent; i++)
			;
		if (i == n_parents && parent && n_parents < PLAT_MAX_CPUS)
			parents[n_parents++] = parent;
	}
	if (ret < 0)
		return ret;
	p->pptt.clusters = n_parents;
	p->pptt.present = true;
	return 0;
}

struct acpi_kind {
	char sig[5];
	uint8_t min_rev;
	uint32_t min_len;
	bool required;
	int (*parse)(struct platform *p, const struct acpi_table *t, struct err_why *why);
};

static const struct acpi_kind acpi_kinds[] = {
	{ "APIC", 3, MADT_ENTRIES, true, madt },  { "SPCR", 2, SPCR_LEN_MIN, true, spcr },
	{ "GTDT", 2, GTDT_LEN_MIN, false, gtdt }, { "MCFG", 1, MCFG_ENTRIES, false, mcfg },
	{ "FACP", 5, FADT_LEN_MIN, false, fadt }, { "IORT", 0, IORT_LEN_MIN, false, iort },
	{ "PPTT", 1, PPTT_ENTRIES, false, pptt }, { "DSDT", 1, ACPI_HDR_LEN, false, dsdt },
};

static void note_table(struct platform *p, const char *sig)
{
	size_t n = 0;

	while (n < sizeof(p->fw.acpi_tables) && p->fw.acpi_tables[n])
		n++;

	if (n + 6 <= sizeof(p->fw.acpi_tables))
		fmt_snprintf(p->fw.acpi_tables + n, sizeof(p->fw.acpi_tables) - n, "%s%s",
			     n ? " " : "", sig);
}

int plat_acpi_table(struct platform *p, const void *t, uint64_t avail, struct err_why *why)
{
	const uint8_t *b = t;
	const struct acpi_kind *k = NULL;
	struct acpi_table tab;
	struct platform saved;
	int ret;

	if (!b || avail < 4)
		return err_fail(why, E_INVAL, "ACPI table at %p not readable", t);
	for (unsigned int i = 0; i < sizeof(acpi_kinds) / sizeof(acpi_kinds[0]); i++)
		if (!memcmp(b, acpi_kinds[i].sig, 4))
			k = &acpi_kinds[i];
	if (!k)
		return 0;
	ret = acpi_check(t, avail, k->sig, k->min_rev, k->min_len, &tab, why);
	if (ret)
		return ret;
	/* A table that fails half-way leaves nothing behind. */
	saved = *p;
	ret = k->parse(p, &tab, why);
	if (ret) {
		*p = saved;
		return ret;
	}
	note_table(p, k->sig);
	return 0;
}

int plat_acpi_finish(struct platform *p, struct err_why *why)
{
	if (!p->gic.dist.base || !p->n_cpus)
		return err_fail(why, E_NOENT, "ACPI: no usable MADT (no GIC or no CPUs)");
	if (!p->uart.present)
		return err_fail(why, E_NOENT, "ACPI: no usable SPCR, so no console");
	plat_name(p->compatible, "acpi");
	if (!p->model[0])
		fmt_snprintf(p->model, sizeof(p->model), "ACPI %s", p->fw.acpi_oem);
	p->fw.source = PLAT_SRC_ACPI;
	return 0;
}

/* The DSDT's address from a FADT that plat_acpi_table() accepted (its Length is checked). */
static uint64_t fadt_dsdt(const uint8_t *t)
{
	uint32_t len = (uint32_t)t[ACPI_HDR_LENGTH] | (uint32_t)t[ACPI_HDR_LENGTH + 1] << 8 |
		       (uint32_t)t[ACPI_HDR_LENGTH + 2] << 16 |
		       (uint32_t)t[ACPI_HDR_LENGTH + 3] << 24;
	uint64_t x = 0;

	if (len >= FADT_X_DSDT_END)
		for (int i = 7; i >= 0; i--)
			x = x << 8 | t[FADT_X_DSDT + i];
	if (!x)
		x = (uint32_t)t[FADT_DSDT] | (uint32_t)t[FADT_DSDT + 1] << 8 |
		    (uint32_t)t[FADT_DSDT + 2] << 16 | (uint32_t)t[FADT_DSDT + 3] << 24;
	return x;
}

/* Keep the first optional table's failure for the boot log; carry on without it. */
static void warn_skip(struct platform *p, const struct err_why *w)
{
	if (!p->fw.acpi_warn[0])
		fmt_snprintf(p->fw.acpi_warn, sizeof(p->fw.acpi_warn), "%s", w->msg);
}

int plat_acpi_parse(struct platform *p, uint64_t rsdp, plat_acpi_avail_fn avail, const void *ctx,
		    struct err_why *why)
{
	struct err_why local;
	struct acpi_table xsdt;
	uint64_t xsdt_pa, dsdt_pa = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	if (why)
		why->msg[0] = '\0';
	ret = acpi_rsdp_check((const void *)(uintptr_t)rsdp, avail(ctx, rsdp), &xsdt_pa, why);
	if (ret)
		return ret;
	ret = acpi_check((const void *)(uintptr_t)xsdt_pa, avail(ctx, xsdt_pa), "XSDT", 1,
			 ACPI_HDR_LEN, &xsdt, why);
	if (ret)
		return ret;
	{
		char id[8], table_id[10];

		acpi_strcpy(id, sizeof(id), xsdt.p + ACPI_HDR_OEM_ID, 6);
		acpi_strcpy(table_id, sizeof(table_id), xsdt.p + ACPI_HDR_OEM_TABLEID, 8);
		fmt_snprintf(p->fw.acpi_oem, sizeof(p->fw.acpi_oem), "%s %s", id, table_id);
	}
	/* The required tables first decide: a broken MADT or SPCR stops the boot. */
	for (uint32_t off = ACPI_HDR_LEN; off + XSDT_ENTRY_LEN <= xsdt.len; off += XSDT_ENTRY_LEN) {
		uint64_t pa = acpi_u64(&xsdt, off);
		uint64_t n = avail(ctx, pa);
		const uint8_t *t = (const uint8_t *)(uintptr_t)pa;
		bool required = false;

		if (n < ACPI_HDR_LEN) {
			local.msg[0] = '\0';
			err_fail(&local, E_INVAL, "XSDT entry %u: table at 0x%llx not in memory",
				 (off - ACPI_HDR_LEN) / XSDT_ENTRY_LEN, (unsigned long long)pa);
			warn_skip(p, &local);
			continue;
		}
		for (unsigned int i = 0; i < sizeof(acpi_kinds) / sizeof(acpi_kinds[0]); i++)
			if (!memcmp(t, acpi_kinds[i].sig, 4))
				required = acpi_kinds[i].required;
		local.msg[0] = '\0';
		ret = plat_acpi_table(p, t, n, &local);
		if (ret && required) {
			if (why)
				*why = local;
			return ret;
		}
		if (ret)
			warn_skip(p, &local);
		/* The DSDT is named by the FADT, not the XSDT; read once the FADT passed. */
		if (!ret && !memcmp(t, "FACP", 4))
			dsdt_pa = fadt_dsdt(t);
	}
	if (dsdt_pa) {
		uint64_t n = avail(ctx, dsdt_pa);

		local.msg[0] = '\0';
		if (n < ACPI_HDR_LEN) {
			err_fail(&local, E_INVAL, "DSDT at 0x%llx not in memory",
				 (unsigned long long)dsdt_pa);
			warn_skip(p, &local);
		} else if (plat_acpi_table(p, (const void *)(uintptr_t)dsdt_pa, n, &local)) {
			warn_skip(p, &local);
		}
	}
	return plat_acpi_finish(p, why);
}
