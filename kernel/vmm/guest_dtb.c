// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Generate a guest's device tree from a struct guest_dtb_desc. Node layout and interrupt
 * encodings follow QEMU's arm64 "virt" machine with GICv3 (tests/fixtures/virt-max-smp4-2G.dtb),
 * so Linux boots it with the drivers it uses there.
 */
#include "kernel/vmm/guest_dtb.h"

#include "kernel/lib/err.h"
#include "kernel/lib/fdt_write.h"
#include "kernel/lib/fmt.h"

#define GDTB_PAGE	 0x1000ULL
#define GDTB_GIC_ALIGN	 0x10000ULL	 /* GICv3 spec (IHI 0069) ch. 12: 64 KiB frames */
#define GDTB_ECAM_BUS	 (1ULL << 20)	 /* PCIe Base Spec 7.2.2: 1 MiB of ECAM per bus */
#define GDTB_4GIB	 0x100000000ULL	 /* a 32-bit PCI memory window ends below this */
#define GDTB_MPIDR_AFF	 0xff00ffffffULL /* MPIDR_EL1 Aff3 [39:32], Aff2..Aff0 [23:0] */
#define GDTB_MAX_PCI_BUS 255U

/* GICv3 INTID ranges (GICv3 spec 2.2.1): PPIs 16-31, SPIs 32-1019. */
#define GDTB_INTID_PPI_BASE 16U
#define GDTB_INTID_PPI_LAST 31U
#define GDTB_INTID_SPI_BASE 32U
#define GDTB_INTID_SPI_LAST 1019U

/*
 * GIC interrupt specifier (Linux arm,gic-v3.yaml): type (0 SPI, 1 PPI), number within the type,
 * flags. QEMU virt with GICv3 gives every interrupt 4, level triggered active high, and no CPU
 * mask for PPIs: the mask (bits [15:8]) is a GICv2 notion that the v3 binding does not use.
 */
#define GDTB_GIC_SPI	     0U
#define GDTB_GIC_PPI	     1U
#define GDTB_IRQ_LEVEL_HIGH  4U
#define GDTB_IRQ_EDGE_RISING 1U /* virtio-mmio's, as on QEMU virt */
#define GDTB_GIC_CELLS	     3U

/* phandles: any non-zero values other than 0xffffffff (spec 2.3.3). */
#define GDTB_PHANDLE_GIC 1U
#define GDTB_PHANDLE_CLK 2U
#define GDTB_PHANDLE_ITS 3U

/*
 * PCI bus binding (IEEE 1275 PCI, "phys.hi" = npt000ss bbbbbbbb dddddfff rrrrrrrr): ss = 2 is
 * 32-bit memory, 3 is 64-bit memory. The interrupt-map matches the device number's low two bits
 * (mask 0x1800 of phys.hi) and the pin (1-4 for INTA-INTD, mask 7).
 */
#define GDTB_PCI_MEM32	   0x02000000U
#define GDTB_PCI_MEM64	   0x03000000U
#define GDTB_PCI_DEV_SHIFT 11
#define GDTB_PCI_DEV_MASK  0x1800U
#define GDTB_PCI_PIN_MASK  7U
#define GDTB_PCI_PINS	   4U
#define GDTB_PCI_SLOTS	   4U
/* One interrupt-map entry: child unit address (3) + pin (1) + GIC phandle (1) + the GIC's
 * #address-cells (2) + a GIC specifier (3). */
#define GDTB_IMAP_CELLS 10U

#define GDTB_DEFAULT_MODEL "monadic-hypervisor guest"

struct gdtb_region {
	uint64_t base, size;
};

static bool gdtb_aligned(uint64_t base, uint64_t size, uint64_t align)
{
	return !(base & (align - 1)) && !(size & (align - 1));
}

/* Non-empty, aligned and not wrapping past the top of the address space. */
static bool gdtb_region_ok(uint64_t base, uint64_t size, uint64_t align)
{
	return size && gdtb_aligned(base, size, align) && base + (size - 1) >= base;
}

static bool gdtb_overlap(const struct gdtb_region *a, const struct gdtb_region *b)
{
	return a->base <= b->base + (b->size - 1) && b->base <= a->base + (a->size - 1);
}

static bool gdtb_is_ppi(uint32_t intid)
{
	return intid >= GDTB_INTID_PPI_BASE && intid <= GDTB_INTID_PPI_LAST;
}

static int gdtb_check_cpus(const struct guest_dtb_desc *d)
{
	if (!d->n_cpus || d->n_cpus > GUEST_DTB_MAX_CPUS)
		return E_INVAL;
	for (unsigned int i = 0; i < d->n_cpus; i++) {
		if (d->mpidr[i] & ~GDTB_MPIDR_AFF)
			return E_INVAL;
		/* Two cpu@ nodes with one name would be a malformed tree. */
		for (unsigned int j = 0; j < i; j++)
			if (d->mpidr[j] == d->mpidr[i])
				return E_INVAL;
	}
	return 0;
}

static int gdtb_check_irqs(const struct guest_dtb_desc *d)
{
	if (!gdtb_is_ppi(d->maint_intid))
		return E_INVAL;
	for (unsigned int i = 0; i < 4; i++) {
		if (!gdtb_is_ppi(d->timer_intids[i]) || d->timer_intids[i] == d->maint_intid)
			return E_INVAL;
		for (unsigned int j = 0; j < i; j++)
			if (d->timer_intids[j] == d->timer_intids[i])
				return E_INVAL;
	}
	if (d->pmu_intid) {
		if (!gdtb_is_ppi(d->pmu_intid) || d->pmu_intid == d->maint_intid)
			return E_INVAL;
		for (unsigned int i = 0; i < 4; i++)
			if (d->timer_intids[i] == d->pmu_intid)
				return E_INVAL;
	}
	if (d->uart_spi < GDTB_INTID_SPI_BASE || d->uart_spi > GDTB_INTID_SPI_LAST)
		return E_INVAL;
	if (d->virtio_size &&
	    (d->virtio_spi < GDTB_INTID_SPI_BASE || d->virtio_spi > GDTB_INTID_SPI_LAST ||
	     d->virtio_spi == d->uart_spi ||
	     (d->pcie && d->virtio_spi >= d->pcie_spi_base &&
	      d->virtio_spi < d->pcie_spi_base + GDTB_PCI_PINS)))
		return E_INVAL;
	if (!d->pcie)
		return 0;
	if (d->pcie_spi_base < GDTB_INTID_SPI_BASE ||
	    d->pcie_spi_base > GDTB_INTID_SPI_LAST - (GDTB_PCI_PINS - 1))
		return E_INVAL;
	/* A level interrupt shared between the UART and PCI INTx could never be told apart. */
	if (d->uart_spi >= d->pcie_spi_base && d->uart_spi < d->pcie_spi_base + GDTB_PCI_PINS)
		return E_INVAL;
	return 0;
}

/* The PCIe host's own fields; appends its regions to r[]. */
static int gdtb_check_pcie(const struct guest_dtb_desc *d, struct gdtb_region *r, unsigned int *n)
{
	if (d->bus_end > GDTB_MAX_PCI_BUS || !gdtb_region_ok(d->ecam_base, d->ecam_size, GDTB_PAGE))
		return E_INVAL;
	if (d->ecam_size < ((uint64_t)d->bus_end + 1) * GDTB_ECAM_BUS)
		return E_INVAL;
	if (!gdtb_region_ok(d->mmio32_base, d->mmio32_size, GDTB_PAGE) ||
	    d->mmio32_base + (d->mmio32_size - 1) >= GDTB_4GIB)
		return E_INVAL;
	if (d->mmio64_size && !gdtb_region_ok(d->mmio64_base, d->mmio64_size, GDTB_PAGE))
		return E_INVAL;
	r[(*n)++] = (struct gdtb_region){ d->ecam_base, d->ecam_size };
	r[(*n)++] = (struct gdtb_region){ d->mmio32_base, d->mmio32_size };
	if (d->mmio64_size)
		r[(*n)++] = (struct gdtb_region){ d->mmio64_base, d->mmio64_size };
	return 0;
}

int guest_dtb_check(const struct guest_dtb_desc *d)
{
	struct gdtb_region r[9]; /* RAM, GICD, GICR, UART, ITS, virtio, ECAM, two PCIe windows */
	unsigned int n = 0;
	int ret;

	if (!d)
		return E_INVAL;
	ret = gdtb_check_cpus(d);
	if (!ret)
		ret = gdtb_check_irqs(d);
	if (ret)
		return ret;
	if (!gdtb_region_ok(d->ram_base, d->ram_size, GDTB_PAGE) ||
	    !gdtb_region_ok(d->gicd_base, d->gicd_size, GDTB_GIC_ALIGN) ||
	    !gdtb_region_ok(d->gicr_base, d->gicr_size, GDTB_GIC_ALIGN) ||
	    !gdtb_region_ok(d->uart_base, d->uart_size, GDTB_PAGE))
		return E_INVAL;
	/* Linux's GICv3 driver needs the distributor frame and one redistributor per vCPU. */
	if (d->gicd_size < GUEST_DTB_GICD_SIZE_MIN ||
	    d->gicr_size < (uint64_t)GUEST_DTB_GICR_PER_CPU * d->n_cpus)
		return E_INVAL;
	/* The initrd is [start, end), as Linux reads linux,initrd-end, and lies in guest RAM. */
	if (d->initrd_start || d->initrd_end) {
		if (d->initrd_start >= d->initrd_end || d->initrd_start < d->ram_base ||
		    d->initrd_end - d->ram_base > d->ram_size)
			return E_INVAL;
	}
	r[n++] = (struct gdtb_region){ d->ram_base, d->ram_size };
	r[n++] = (struct gdtb_region){ d->gicd_base, d->gicd_size };
	r[n++] = (struct gdtb_region){ d->gicr_base, d->gicr_size };
	r[n++] = (struct gdtb_region){ d->uart_base, d->uart_size };
	if (d->its_size) {
		if (!gdtb_region_ok(d->its_base, d->its_size, GDTB_GIC_ALIGN))
			return E_INVAL;
		r[n++] = (struct gdtb_region){ d->its_base, d->its_size };
	}
	if (d->virtio_size) {
		/* virtio-mmio's registers are 0x100 bytes and its configuration follows. */
		if (d->virtio_size < 0x100 || (d->virtio_base & 0x1ff) ||
		    d->virtio_base + (d->virtio_size - 1) < d->virtio_base)
			return E_INVAL;
		r[n++] = (struct gdtb_region){ d->virtio_base, d->virtio_size };
	}
	if (d->pcie) {
		ret = gdtb_check_pcie(d, r, &n);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < i; j++)
			if (gdtb_overlap(&r[i], &r[j]))
				return E_INVAL;
	return 0;
}

/* <address size> with the root's two address and two size cells. */
static void gdtb_reg(struct fdt_w *w, uint64_t base, uint64_t size)
{
	uint32_t c[4] = { (uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
			  (uint32_t)size };

	fdt_w_prop_cells(w, "reg", c, 4);
}

/* Open "<prefix>@<hex address>", the unit address being the first "reg" address (spec 2.2.1). */
static void gdtb_begin_at(struct fdt_w *w, const char *prefix, uint64_t addr)
{
	char name[FDT_W_NAME_MAX + 1];

	fmt_snprintf(name, sizeof(name), "%s@%llx", prefix, (unsigned long long)addr);
	fdt_w_begin_node(w, name);
}

static void gdtb_irq(uint32_t *c, uint32_t type, uint32_t num)
{
	c[0] = type;
	c[1] = num;
	c[2] = GDTB_IRQ_LEVEL_HIGH;
}

static void gdtb_chosen(struct fdt_w *w, const struct guest_dtb_desc *d)
{
	char path[FDT_W_NAME_MAX + 2];

	fdt_w_begin_node(w, "chosen");
	if (d->bootargs)
		fdt_w_prop_str(w, "bootargs", d->bootargs);
	fmt_snprintf(path, sizeof(path), "/pl011@%llx", (unsigned long long)d->uart_base);
	fdt_w_prop_str(w, "stdout-path", path);
	/* BARs are the hypervisor's to place: the guest must take them as they are. */
	if (d->pcie)
		fdt_w_prop_u32(w, "linux,pci-probe-only", 1);
	if (d->initrd_end) {
		/* Linux (drivers/of/fdt.c) reads either width; 64 bits always fits. */
		fdt_w_prop_u64(w, "linux,initrd-start", d->initrd_start);
		fdt_w_prop_u64(w, "linux,initrd-end", d->initrd_end);
	}
	fdt_w_end_node(w);
}

static void gdtb_cpus(struct fdt_w *w, const struct guest_dtb_desc *d)
{
	uint32_t cells = 1;

	/* arm,cpus.yaml: one address cell unless some MPIDR has Aff3 set. */
	for (unsigned int i = 0; i < d->n_cpus; i++)
		if (d->mpidr[i] >> 32)
			cells = 2;
	fdt_w_begin_node(w, "cpus");
	fdt_w_prop_u32(w, "#address-cells", cells);
	fdt_w_prop_u32(w, "#size-cells", 0);
	for (unsigned int i = 0; i < d->n_cpus; i++) {
		gdtb_begin_at(w, "cpu", d->mpidr[i]);
		fdt_w_prop_str(w, "device_type", "cpu");
		fdt_w_prop_str(w, "compatible", "arm,armv8");
		if (cells == 2)
			fdt_w_prop_u64(w, "reg", d->mpidr[i]);
		else
			fdt_w_prop_u32(w, "reg", (uint32_t)d->mpidr[i]);
		fdt_w_prop_str(w, "enable-method", "psci");
		fdt_w_end_node(w);
	}
	fdt_w_end_node(w);
}

static void gdtb_gic(struct fdt_w *w, const struct guest_dtb_desc *d)
{
	uint32_t c[8] = { (uint32_t)(d->gicd_base >> 32), (uint32_t)d->gicd_base,
			  (uint32_t)(d->gicd_size >> 32), (uint32_t)d->gicd_size,
			  (uint32_t)(d->gicr_base >> 32), (uint32_t)d->gicr_base,
			  (uint32_t)(d->gicr_size >> 32), (uint32_t)d->gicr_size };

	gdtb_begin_at(w, "intc", d->gicd_base);
	fdt_w_prop_str(w, "compatible", "arm,gic-v3");
	fdt_w_prop_u32(w, "#interrupt-cells", GDTB_GIC_CELLS);
	fdt_w_prop_empty(w, "interrupt-controller");
	/* Address cells let interrupt-map entries name the GIC, as QEMU's do, and the ITS sit in it. */
	fdt_w_prop_u32(w, "#address-cells", 2);
	fdt_w_prop_u32(w, "#size-cells", 2);
	fdt_w_prop_empty(w, "ranges");
	/* arm,gic-v3.yaml: reg is GICD, then each redistributor region (one here). */
	fdt_w_prop_cells(w, "reg", c, 8);
	fdt_w_prop_u32(w, "#redistributor-regions", 1);
	fdt_w_prop_u32(w, "phandle", GDTB_PHANDLE_GIC);
	gdtb_irq(c, GDTB_GIC_PPI, d->maint_intid - GDTB_INTID_PPI_BASE);
	fdt_w_prop_cells(w, "interrupts", c, GDTB_GIC_CELLS);
	if (d->its_size) { /* arm,gic-v3-its.yaml: an MSI controller, DeviceID in one cell */
		gdtb_begin_at(w, "its", d->its_base);
		fdt_w_prop_str(w, "compatible", "arm,gic-v3-its");
		fdt_w_prop_empty(w, "msi-controller");
		fdt_w_prop_u32(w, "#msi-cells", 1);
		gdtb_reg(w, d->its_base, d->its_size);
		fdt_w_prop_u32(w, "phandle", GDTB_PHANDLE_ITS);
		fdt_w_end_node(w);
	}
	fdt_w_end_node(w);
}

static void gdtb_timer(struct fdt_w *w, const struct guest_dtb_desc *d)
{
	uint32_t c[4 * GDTB_GIC_CELLS];

	fdt_w_begin_node(w, "timer");
	fdt_w_prop_str(w, "compatible", "arm,armv8-timer");
	for (unsigned int i = 0; i < 4; i++)
		gdtb_irq(c + GDTB_GIC_CELLS * i, GDTB_GIC_PPI,
			 d->timer_intids[i] - GDTB_INTID_PPI_BASE);
	fdt_w_prop_cells(w, "interrupts", c, 4 * GDTB_GIC_CELLS);
	fdt_w_prop_empty(w, "always-on");
	fdt_w_end_node(w);
}

/* The PMU (arm,pmu.yaml): one PPI, the same on every CPU. */
static void gdtb_pmu(struct fdt_w *w, const struct guest_dtb_desc *d)
{
	uint32_t c[GDTB_GIC_CELLS];

	fdt_w_begin_node(w, "pmu");
	fdt_w_prop_str(w, "compatible", "arm,armv8-pmuv3");
	gdtb_irq(c, GDTB_GIC_PPI, d->pmu_intid - GDTB_INTID_PPI_BASE);
	fdt_w_prop_cells(w, "interrupts", c, GDTB_GIC_CELLS);
	fdt_w_end_node(w);
}

static void gdtb_uart(struct fdt_w *w, const struct guest_dtb_desc *d)
{
	static const char *const compat[] = { "arm,pl011", "arm,primecell" };
	static const char *const clock_names[] = { "uartclk", "apb_pclk" };
	const uint32_t clocks[2] = { GDTB_PHANDLE_CLK, GDTB_PHANDLE_CLK };
	uint32_t c[GDTB_GIC_CELLS];

	/* The PL011's UARTCLK and the APB clock both come from one fixed clock, as on QEMU. */
	fdt_w_begin_node(w, "apb-pclk");
	fdt_w_prop_str(w, "compatible", "fixed-clock");
	fdt_w_prop_u32(w, "#clock-cells", 0);
	fdt_w_prop_u32(w, "clock-frequency",
		       d->uart_clock_hz ? d->uart_clock_hz : GUEST_DTB_DEFAULT_CLOCK_HZ);
	fdt_w_prop_u32(w, "phandle", GDTB_PHANDLE_CLK);
	fdt_w_end_node(w);

	gdtb_begin_at(w, "pl011", d->uart_base);
	fdt_w_prop_strlist(w, "compatible", compat, 2);
	gdtb_reg(w, d->uart_base, d->uart_size);
	gdtb_irq(c, GDTB_GIC_SPI, d->uart_spi - GDTB_INTID_SPI_BASE);
	fdt_w_prop_cells(w, "interrupts", c, GDTB_GIC_CELLS);
	fdt_w_prop_cells(w, "clocks", clocks, 2);
	fdt_w_prop_strlist(w, "clock-names", clock_names, 2);
	fdt_w_end_node(w);
}

/* A virtio-mmio device (virtio,mmio binding, Linux virtio/mmio.yaml), as QEMU virt writes it. */
static void gdtb_virtio(struct fdt_w *w, const struct guest_dtb_desc *d)
{
	uint32_t c[GDTB_GIC_CELLS];

	gdtb_begin_at(w, "virtio_mmio", d->virtio_base);
	fdt_w_prop_str(w, "compatible", "virtio,mmio");
	gdtb_reg(w, d->virtio_base, d->virtio_size);
	gdtb_irq(c, GDTB_GIC_SPI, d->virtio_spi - GDTB_INTID_SPI_BASE);
	c[2] = GDTB_IRQ_EDGE_RISING;
	fdt_w_prop_cells(w, "interrupts", c, GDTB_GIC_CELLS);
	fdt_w_prop_empty(w, "dma-coherent");
	fdt_w_end_node(w);
}

/* <phys.hi phys.mid phys.lo cpu.hi cpu.lo size.hi size.lo>, PCI address = CPU address. */
static void gdtb_pci_range(uint32_t *c, uint32_t space, uint64_t base, uint64_t size)
{
	c[0] = space;
	c[1] = c[3] = (uint32_t)(base >> 32);
	c[2] = c[4] = (uint32_t)base;
	c[5] = (uint32_t)(size >> 32);
	c[6] = (uint32_t)size;
}

static void gdtb_pcie(struct fdt_w *w, const struct guest_dtb_desc *d)
{
	const uint32_t mask[4] = { GDTB_PCI_DEV_MASK, 0, 0, GDTB_PCI_PIN_MASK };
	const uint32_t bus_range[2] = { 0, d->bus_end };
	uint32_t ranges[2 * 7], imap[GDTB_PCI_SLOTS * GDTB_PCI_PINS * GDTB_IMAP_CELLS];
	uint32_t *e = imap;
	size_t n_ranges = 7;

	gdtb_begin_at(w, "pcie", d->ecam_base);
	fdt_w_prop_str(w, "compatible", "pci-host-ecam-generic");
	fdt_w_prop_str(w, "device_type", "pci");
	fdt_w_prop_u32(w, "#address-cells", 3);
	fdt_w_prop_u32(w, "#size-cells", 2);
	fdt_w_prop_u32(w, "#interrupt-cells", 1);
	fdt_w_prop_cells(w, "bus-range", bus_range, 2);
	gdtb_reg(w, d->ecam_base, d->ecam_size);
	gdtb_pci_range(ranges, GDTB_PCI_MEM32, d->mmio32_base, d->mmio32_size);
	if (d->mmio64_size) {
		gdtb_pci_range(ranges + 7, GDTB_PCI_MEM64, d->mmio64_base, d->mmio64_size);
		n_ranges += 7;
	}
	fdt_w_prop_cells(w, "ranges", ranges, n_ranges);
	/*
	 * INTx swizzle of QEMU virt (and PCI-to-PCI bridge spec 9.1): pin P of slot S raises
	 * SPI base + (S + P - 1) mod 4; slots repeat every four, hence the mask.
	 */
	for (uint32_t slot = 0; slot < GDTB_PCI_SLOTS; slot++) {
		for (uint32_t pin = 1; pin <= GDTB_PCI_PINS; pin++) {
			e[0] = slot << GDTB_PCI_DEV_SHIFT;
			e[1] = e[2] = 0;
			e[3] = pin;
			e[4] = GDTB_PHANDLE_GIC;
			e[5] = e[6] = 0; /* the GIC's unit address: unused, but sized */
			gdtb_irq(e + 7, GDTB_GIC_SPI,
				 d->pcie_spi_base - GDTB_INTID_SPI_BASE +
					 (slot + pin - 1) % GDTB_PCI_PINS);
			e += GDTB_IMAP_CELLS;
		}
	}
	fdt_w_prop_cells(w, "interrupt-map-mask", mask, 4);
	fdt_w_prop_cells(w, "interrupt-map", imap, sizeof(imap) / sizeof(imap[0]));
	if (d->its_size) {
		/* pci-msi.txt: requester ID r is DeviceID r at the ITS, for every RID. */
		const uint32_t msi_map[4] = { 0, GDTB_PHANDLE_ITS, 0, 0x10000 };

		fdt_w_prop_cells(w, "msi-map", msi_map, 4);
	}
	fdt_w_prop_empty(w, "dma-coherent");
	fdt_w_end_node(w);
}

int guest_dtb_build(const struct guest_dtb_desc *d, void *buf, size_t size, uint32_t *out_size)
{
	static const char *const psci_compat[] = { "arm,psci-1.0", "arm,psci-0.2" };
	struct fdt_w w;

	if (!buf || !out_size || guest_dtb_check(d))
		return E_INVAL;
	fdt_w_init(&w, buf, size);
	fdt_w_begin_node(&w, "");
	fdt_w_prop_u32(&w, "#address-cells", 2);
	fdt_w_prop_u32(&w, "#size-cells", 2);
	fdt_w_prop_str(&w, "compatible", "monadic,virt");
	fdt_w_prop_str(&w, "model", d->model ? d->model : GDTB_DEFAULT_MODEL);
	fdt_w_prop_u32(&w, "interrupt-parent", GDTB_PHANDLE_GIC);

	gdtb_chosen(&w, d);

	gdtb_begin_at(&w, "memory", d->ram_base);
	fdt_w_prop_str(&w, "device_type", "memory");
	gdtb_reg(&w, d->ram_base, d->ram_size);
	fdt_w_end_node(&w);

	gdtb_cpus(&w, d);

	/* PSCI 1.0 through HVC: the hypervisor is the guest's firmware (arm,psci.yaml). */
	fdt_w_begin_node(&w, "psci");
	fdt_w_prop_strlist(&w, "compatible", psci_compat, 2);
	fdt_w_prop_str(&w, "method", "hvc");
	fdt_w_end_node(&w);

	gdtb_gic(&w, d);
	gdtb_timer(&w, d);
	if (d->pmu_intid)
		gdtb_pmu(&w, d);
	gdtb_uart(&w, d);
	if (d->virtio_size)
		gdtb_virtio(&w, d);
	if (d->pcie)
		gdtb_pcie(&w, d);

	fdt_w_end_node(&w);
	return fdt_w_finish(&w, out_size);
}
