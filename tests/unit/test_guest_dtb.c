// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the guest DTB: read back with kernel/fdt.c and with plat_parse(), interrupt
 * encodings compared with QEMU virt's own tree, dtc reads it without warnings, bad descriptions
 * and small buffers are refused without writing out of bounds.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel/lib/err.h"
#include "kernel/lib/fdt.h"
#include "kernel/vmm/guest_dtb.h"
#include "kernel/platform.h"
#include "test.h"

#define QEMU_DTB   "virt-max-smp4-2G.dtb"
#define CANARY	   0xa5
#define BUF_SIZE   8192
#define CANARY_LEN 64

/* The layout QEMU virt uses with GICv3 (hw/arm/virt.c), which is also what vm_guest.c gives. */
static struct guest_dtb_desc desc(unsigned int cpus, bool pcie, bool initrd)
{
	struct guest_dtb_desc d = {
		.model = "monadic test guest",
		.ram_base = 0x40000000,
		.ram_size = 0x10000000,
		.n_cpus = cpus,
		.gicd_base = 0x08000000,
		.gicd_size = 0x10000,
		.gicr_base = 0x080a0000,
		.gicr_size = 0x20000ULL * cpus,
		.its_base = 0x08080000,
		.its_size = 0x20000,
		.timer_intids = { 29, 30, 27, 26 },
		.maint_intid = 25,
		.uart_base = 0x09000000,
		.uart_size = 0x1000,
		.uart_spi = 33,
		.uart_clock_hz = 24000000,
		.bootargs = "console=ttyAMA0 earlycon",
	};

	for (unsigned int i = 0; i < cpus; i++)
		d.mpidr[i] = i;
	if (initrd) {
		d.initrd_start = 0x48000000;
		d.initrd_end = 0x48123456;
	}
	if (pcie) {
		d.pcie = true;
		d.ecam_base = 0x4010000000ULL;
		d.ecam_size = 0x10000000;
		d.bus_end = 255;
		d.mmio32_base = 0x10000000;
		d.mmio32_size = 0x2eff0000;
		d.mmio64_base = 0x8000000000ULL;
		d.mmio64_size = 0x8000000000ULL;
		d.pcie_spi_base = 35; /* QEMU's VIRT_PCIE_IRQ 3 */
	}
	return d;
}

/* Property 'name' of the node at 'path' as cells, compared with 'expect'. */
static void check_cells(const struct fdt *f, const char *path, const char *name,
			const uint32_t *expect, uint32_t n)
{
	int node = fdt_path_offset(f, path);
	uint32_t len = 0;
	const uint8_t *v = fdt_getprop(f, node, name, &len);

	CHECK(node >= 0);
	CHECK(v != NULL);
	CHECK_EQ_U64(len, 4 * n);
	if (!v || len != 4 * n)
		return;
	for (uint32_t i = 0; i < n; i++)
		if (fdt_be32(v + 4 * i) != expect[i]) {
			fprintf(stderr, "%s %s cell %u: 0x%x, expected 0x%x\n", path, name, i,
				fdt_be32(v + 4 * i), expect[i]);
			CHECK(fdt_be32(v + 4 * i) == expect[i]);
		}
}

/* Two property values equal, cell by cell, except the cells listed as phandles. */
static bool same_cells(const uint8_t *a, const uint8_t *b, uint32_t len, uint32_t stride,
		       uint32_t phandle_at)
{
	for (uint32_t i = 0; i < len / 4; i++)
		if ((stride == 0 || i % stride != phandle_at) &&
		    fdt_be32(a + 4 * i) != fdt_be32(b + 4 * i))
			return false;
	return true;
}

static int build(const struct guest_dtb_desc *d, uint8_t *buf, struct fdt *f)
{
	uint32_t size = 0;
	int rc;

	memset(buf, CANARY, BUF_SIZE);
	rc = guest_dtb_build(d, buf, BUF_SIZE, &size);
	if (rc)
		return rc;
	rc = fdt_init(f, buf, size);
	if (rc)
		fprintf(stderr, "fdt_init: %s\n", f->why);
	CHECK(size == f->size);
	return rc;
}

/* The tree as kernel/fdt.c sees it. */
static void check_tree(const struct guest_dtb_desc *d, const struct fdt *f)
{
	const uint32_t gic_irq[] = { 1, 9, 4 };
	const uint32_t timer_irq[] = { 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4 };
	const uint32_t uart_irq[] = { 0, 1, 4 };
	const uint32_t mem_reg[] = { 0, 0x40000000, 0, 0x10000000 };
	int root = fdt_root(f), n, gic, clk;
	uint32_t len = 0, gic_ph, cpus = 0;
	const uint8_t *v;
	char path[64];

	CHECK(fdt_is_compatible(f, root, "monadic,virt"));
	CHECK_STR(fdt_getprop_str(f, root, "model"), "monadic test guest");
	CHECK_EQ_U64(fdt_getprop_u32(f, root, "#address-cells", 0), 2);
	CHECK_EQ_U64(fdt_getprop_u32(f, root, "#size-cells", 0), 2);

	n = fdt_path_offset(f, "/chosen");
	CHECK_STR(fdt_getprop_str(f, n, "bootargs"), "console=ttyAMA0 earlycon");
	CHECK_STR(fdt_getprop_str(f, n, "stdout-path"), "/pl011@9000000");
	v = fdt_getprop(f, n, "linux,initrd-start", &len);
	if (d->initrd_end) {
		CHECK(v && len == 8 && fdt_read_cells(v, 2) == d->initrd_start);
		v = fdt_getprop(f, n, "linux,initrd-end", &len);
		CHECK(v && len == 8 && fdt_read_cells(v, 2) == d->initrd_end);
	} else {
		CHECK(!v && !fdt_getprop(f, n, "linux,initrd-end", NULL));
	}

	check_cells(f, "/memory@40000000", "reg", mem_reg, 4);
	CHECK_STR(fdt_getprop_str(f, fdt_path_offset(f, "/memory@40000000"), "device_type"),
		  "memory");

	n = fdt_path_offset(f, "/cpus");
	CHECK_EQ_U64(fdt_getprop_u32(f, n, "#address-cells", 0), 1);
	CHECK_EQ_U64(fdt_getprop_u32(f, n, "#size-cells", 9), 0);
	for (int c = fdt_first_child(f, n); c >= 0; c = fdt_next_sibling(f, c), cpus++) {
		snprintf(path, sizeof(path), "cpu@%x", cpus);
		CHECK_STR(fdt_node_name(f, c), path);
		CHECK_STR(fdt_getprop_str(f, c, "device_type"), "cpu");
		CHECK(fdt_is_compatible(f, c, "arm,armv8"));
		CHECK_STR(fdt_getprop_str(f, c, "enable-method"), "psci");
		v = fdt_getprop(f, c, "reg", &len);
		CHECK(v && len == 4 && fdt_be32(v) == cpus);
	}
	CHECK_EQ_U64(cpus, d->n_cpus);

	n = fdt_path_offset(f, "/psci");
	CHECK(fdt_is_compatible(f, n, "arm,psci-1.0") && fdt_is_compatible(f, n, "arm,psci-0.2"));
	CHECK_STR(fdt_getprop_str(f, n, "method"), "hvc");

	gic = fdt_path_offset(f, "/intc@8000000");
	CHECK(fdt_is_compatible(f, gic, "arm,gic-v3"));
	CHECK(fdt_getprop(f, gic, "interrupt-controller", &len) && len == 0);
	CHECK(fdt_getprop(f, gic, "ranges", &len) && len == 0);
	CHECK_EQ_U64(fdt_getprop_u32(f, gic, "#interrupt-cells", 0), 3);
	CHECK_EQ_U64(fdt_getprop_u32(f, gic, "#address-cells", 0), 2);
	CHECK_EQ_U64(fdt_getprop_u32(f, gic, "#size-cells", 0), 2);
	CHECK_EQ_U64(fdt_getprop_u32(f, gic, "#redistributor-regions", 0), 1);
	gic_ph = fdt_getprop_u32(f, gic, "phandle", 0);
	CHECK(fdt_find_phandle(f, gic_ph) == gic);
	CHECK_EQ_U64(fdt_getprop_u32(f, root, "interrupt-parent", 0), gic_ph);
	{
		const uint32_t reg[] = { 0, 0x08000000, 0, 0x10000,
					 0, 0x080a0000, 0, 0x20000 * d->n_cpus };

		check_cells(f, "/intc@8000000", "reg", reg, 8);
	}
	check_cells(f, "/intc@8000000", "interrupts", gic_irq, 3);
	check_cells(f, "/timer", "interrupts", timer_irq, 12);
	CHECK(fdt_is_compatible(f, fdt_path_offset(f, "/timer"), "arm,armv8-timer"));
	CHECK(fdt_getprop(f, fdt_path_offset(f, "/timer"), "always-on", &len) && len == 0);

	clk = fdt_path_offset(f, "/apb-pclk");
	CHECK(fdt_is_compatible(f, clk, "fixed-clock"));
	CHECK_EQ_U64(fdt_getprop_u32(f, clk, "clock-frequency", 0), 24000000);
	CHECK_EQ_U64(fdt_getprop_u32(f, clk, "#clock-cells", 9), 0);

	n = fdt_path_offset(f, "/pl011@9000000");
	CHECK(fdt_is_compatible(f, n, "arm,pl011") && fdt_is_compatible(f, n, "arm,primecell"));
	check_cells(f, "/pl011@9000000", "interrupts", uart_irq, 3);
	{
		const uint32_t reg[] = { 0, 0x09000000, 0, 0x1000 };
		const uint32_t clocks[] = { fdt_getprop_u32(f, clk, "phandle", 0),
					    fdt_getprop_u32(f, clk, "phandle", 0) };

		check_cells(f, "/pl011@9000000", "reg", reg, 4);
		check_cells(f, "/pl011@9000000", "clocks", clocks, 2);
	}
	v = fdt_getprop(f, n, "clock-names", &len);
	CHECK(v && len == sizeof("uartclk\0apb_pclk") && !memcmp(v, "uartclk\0apb_pclk", len));

	/* Only a guest with PCIe is told to keep the BARs it finds. */
	CHECK(fdt_getprop_u32(f, fdt_path_offset(f, "/chosen"), "linux,pci-probe-only", 0) ==
	      (d->pcie ? 1u : 0u));
	n = fdt_path_offset(f, "/pcie@4010000000");
	CHECK((n >= 0) == d->pcie);
	if (d->pcie) {
		const uint32_t bus[] = { 0, d->bus_end }, mask[] = { 0x1800, 0, 0, 7 };
		const uint32_t ranges[] = {
			0x02000000,
			(uint32_t)(d->mmio32_base >> 32),
			(uint32_t)d->mmio32_base,
			(uint32_t)(d->mmio32_base >> 32),
			(uint32_t)d->mmio32_base,
			(uint32_t)(d->mmio32_size >> 32),
			(uint32_t)d->mmio32_size,
			0x03000000,
			(uint32_t)(d->mmio64_base >> 32),
			(uint32_t)d->mmio64_base,
			(uint32_t)(d->mmio64_base >> 32),
			(uint32_t)d->mmio64_base,
			(uint32_t)(d->mmio64_size >> 32),
			(uint32_t)d->mmio64_size,
		};
		const uint32_t reg[] = { (uint32_t)(d->ecam_base >> 32), (uint32_t)d->ecam_base,
					 (uint32_t)(d->ecam_size >> 32), (uint32_t)d->ecam_size };

		CHECK(fdt_is_compatible(f, n, "pci-host-ecam-generic"));
		CHECK_STR(fdt_getprop_str(f, n, "device_type"), "pci");
		CHECK_EQ_U64(fdt_getprop_u32(f, n, "#address-cells", 0), 3);
		CHECK_EQ_U64(fdt_getprop_u32(f, n, "#size-cells", 0), 2);
		CHECK_EQ_U64(fdt_getprop_u32(f, n, "#interrupt-cells", 0), 1);
		CHECK(fdt_getprop(f, n, "dma-coherent", &len) && len == 0);
		check_cells(f, "/pcie@4010000000", "bus-range", bus, 2);
		check_cells(f, "/pcie@4010000000", "reg", reg, 4);
		check_cells(f, "/pcie@4010000000", "ranges", ranges, d->mmio64_size ? 14 : 7);
		check_cells(f, "/pcie@4010000000", "interrupt-map-mask", mask, 4);
		v = fdt_getprop(f, n, "interrupt-map", &len);
		CHECK(v && len == 16 * 10 * 4);
		for (uint32_t i = 0; v && i < len / 40; i++)
			CHECK(fdt_be32(v + 40 * i + 16) == gic_ph);
	}
}

/* Interrupt specifiers and the INTx map exactly as QEMU virt writes them (phandles aside). */
static void check_like_qemu(const struct fdt *ours)
{
	static const char *const nodes[][2] = {
		{ "/timer", "interrupts" },
		{ "/intc@8000000", "interrupts" },
		{ "/pl011@9000000", "interrupts" },
		{ "/pl011@9000000", "clock-names" },
		{ "/pcie@4010000000", "interrupt-map-mask" },
		{ "/pcie@4010000000", "interrupt-map" },
		{ "/pcie@4010000000", "bus-range" },
		{ "/pcie@4010000000", "#interrupt-cells" },
	};
	size_t size;
	uint8_t *blob = test_load_fixture(QEMU_DTB, &size);
	struct fdt q;

	CHECK(fdt_init(&q, blob, size) == 0);
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		const char *qpath = nodes[i][0];
		uint32_t la = 0, lb = 0;
		const uint8_t *a, *b;

		/* QEMU's PCIe ECAM sits elsewhere; the node is found by its name alone. */
		if (!strncmp(qpath, "/pcie@", 6))
			qpath = "/pcie";
		a = fdt_getprop(ours, fdt_path_offset(ours, nodes[i][0]), nodes[i][1], &la);
		b = fdt_getprop(&q, fdt_path_offset(&q, qpath), nodes[i][1], &lb);
		CHECK(a && b && la == lb);
		if (!a || !b || la != lb) {
			fprintf(stderr, "%s %s differs in length\n", nodes[i][0], nodes[i][1]);
			continue;
		}
		/* interrupt-map: cell 4 of each 10-cell entry is the GIC's phandle. */
		if (!strcmp(nodes[i][1], "interrupt-map"))
			CHECK(same_cells(a, b, la, 10, 4));
		else
			CHECK(!memcmp(a, b, la));
	}
	free(blob);
}

/* The tree as our own platform discovery sees it. */
static void check_platform(const struct guest_dtb_desc *d, const struct fdt *f)
{
	static struct platform p;
	struct err_why why = { 0 };
	int rc = plat_parse(&p, f, &why);

	if (rc)
		fprintf(stderr, "plat_parse: %s\n", why.msg);
	CHECK(rc == 0);
	CHECK_STR(p.model, "monadic test guest");
	CHECK_STR(p.compatible, "monadic,virt");
	CHECK_STR(p.bootargs, d->bootargs);
	CHECK_EQ_U64(p.n_mem, 1);
	CHECK_EQ_U64(p.mem[0].base, d->ram_base);
	CHECK_EQ_U64(p.mem[0].size, d->ram_size);
	CHECK_EQ_U64(p.n_reserved, 0);
	CHECK_EQ_U64(p.n_cpus, d->n_cpus);
	for (unsigned int i = 0; i < d->n_cpus && i < p.n_cpus; i++) {
		CHECK_EQ_U64(p.cpus[i].mpidr, d->mpidr[i]);
		CHECK(p.cpus[i].psci);
	}
	CHECK(p.uart.present);
	CHECK_STR(p.uart.node, "pl011@9000000");
	CHECK_EQ_U64(p.uart.reg.base, d->uart_base);
	CHECK_EQ_U64(p.uart.reg.size, d->uart_size);
	CHECK_EQ_U64(p.uart.intid, d->uart_spi);
	CHECK_EQ_U64(p.uart.clock_hz, d->uart_clock_hz ? d->uart_clock_hz : 24000000);
	CHECK_EQ_U64(p.gic.version, 3);
	CHECK_EQ_U64(p.gic.dist.base, d->gicd_base);
	CHECK_EQ_U64(p.gic.dist.size, d->gicd_size);
	CHECK_EQ_U64(p.gic.n_redist, 1);
	CHECK_EQ_U64(p.gic.redist[0].base, d->gicr_base);
	CHECK_EQ_U64(p.gic.redist[0].size, d->gicr_size);
	CHECK_EQ_U64(p.gic.maint_irq, 25);
	CHECK(p.timer.present);
	CHECK_EQ_U64(p.timer.intid_sec, d->timer_intids[GUEST_TIMER_SEC]);
	CHECK_EQ_U64(p.timer.intid_phys, d->timer_intids[GUEST_TIMER_PHYS]);
	CHECK_EQ_U64(p.timer.intid_virt, d->timer_intids[GUEST_TIMER_VIRT]);
	CHECK_EQ_U64(p.timer.intid_hyp, d->timer_intids[GUEST_TIMER_HYP]);
	CHECK_EQ_U64(p.timer.clock_frequency, 0);
	CHECK(p.psci.present);
	CHECK(p.psci.conduit == PSCI_CONDUIT_HVC);
	CHECK_STR(p.psci.compatible, "arm,psci-1.0");
	CHECK(p.pcie.present == d->pcie);
	if (d->pcie) {
		unsigned int nw = d->mmio64_size ? 2 : 1;

		CHECK_EQ_U64(p.pcie.ecam.base, d->ecam_base);
		CHECK_EQ_U64(p.pcie.ecam.size, ((uint64_t)d->bus_end + 1) << 20);
		CHECK_EQ_U64(p.pcie.bus_start, 0);
		CHECK_EQ_U64(p.pcie.bus_end, d->bus_end);
		CHECK_EQ_U64(p.pcie.n_windows, nw);
		CHECK(p.pcie.windows[0].space == PCI_SPACE_MEM32);
		CHECK(!p.pcie.windows[0].prefetchable);
		CHECK_EQ_U64(p.pcie.windows[0].pci_addr, d->mmio32_base);
		CHECK_EQ_U64(p.pcie.windows[0].cpu_addr, d->mmio32_base);
		CHECK_EQ_U64(p.pcie.windows[0].size, d->mmio32_size);
		if (nw == 2) {
			CHECK(p.pcie.windows[1].space == PCI_SPACE_MEM64);
			CHECK_EQ_U64(p.pcie.windows[1].pci_addr, d->mmio64_base);
			CHECK_EQ_U64(p.pcie.windows[1].cpu_addr, d->mmio64_base);
			CHECK_EQ_U64(p.pcie.windows[1].size, d->mmio64_size);
		}
	}
	CHECK(!p.smmu.present);
	/* Devices to map: GICD, GICR, PL011, the ITS, virtio-mmio and the ECAM; never RAM. */
	CHECK_EQ_U64(p.n_devs,
		     (d->pcie ? 4 : 3) + (d->its_size ? 1 : 0) + (d->virtio_size ? 1 : 0));
	CHECK_EQ_U64(p.n_devs_dropped, 0);
}

static bool have_dtc(void)
{
	return system("command -v dtc >/dev/null 2>&1") == 0;
}

/* dtc decompiles the blob, exit status 0 and nothing on stderr (no warnings at all). */
static void check_dtc(const uint8_t *blob, uint32_t size)
{
	char dir[] = "/tmp/guest_dtb_XXXXXX", cmd[512], bin[64], out[64], log[64], err[4096];
	FILE *fp;
	size_t n = 0;

	if (!have_dtc())
		return;
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(bin, sizeof(bin), "%s/g.dtb", dir);
	snprintf(out, sizeof(out), "%s/g.dts", dir);
	snprintf(log, sizeof(log), "%s/err", dir);
	fp = fopen(bin, "wb");
	CHECK(fp && fwrite(blob, 1, size, fp) == size);
	if (fp)
		fclose(fp);
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o %s %s 2>%s", out, bin, log);
	CHECK(system(cmd) == 0);
	fp = fopen(log, "r");
	if (fp) {
		n = fread(err, 1, sizeof(err) - 1, fp);
		fclose(fp);
	}
	CHECK(n == 0);
	if (n) {
		err[n] = '\0';
		fprintf(stderr, "dtc said:\n%s", err);
	}
	unlink(bin);
	unlink(out);
	unlink(log);
	rmdir(dir);
}

static void check_all(const struct guest_dtb_desc *d)
{
	static uint8_t buf[BUF_SIZE];
	struct fdt f;

	CHECK(build(d, buf, &f) == 0);
	if (!f.blob)
		return;
	CHECK(buf[f.size] == CANARY);
	check_tree(d, &f);
	check_platform(d, &f);
	check_dtc(buf, f.size);
}

static void test_one_cpu(void)
{
	struct guest_dtb_desc d = desc(1, false, false);

	check_all(&d);
}

static void test_four_cpus_pcie_initrd(void)
{
	static uint8_t buf[BUF_SIZE];
	struct guest_dtb_desc d = desc(4, true, true);
	struct fdt f;

	check_all(&d);
	CHECK(build(&d, buf, &f) == 0);
	check_like_qemu(&f);
}

/* The ITS: a child of the GIC (arm,gic-v3-its, msi-controller), the PCIe host's msi-map to it. */
static void test_its(void)
{
	static uint8_t buf[BUF_SIZE];
	struct guest_dtb_desc d = desc(4, true, false);
	const uint32_t reg[4] = { 0, 0x08080000, 0, 0x20000 };
	struct fdt f;
	int its, pcie;
	uint32_t len;
	const uint8_t *map;

	CHECK(build(&d, buf, &f) == 0);
	its = fdt_find_compatible(&f, -1, "arm,gic-v3-its");
	CHECK(its >= 0);
	CHECK(fdt_getprop(&f, its, "msi-controller", &len) != NULL);
	CHECK_EQ_U64(fdt_getprop_u32(&f, its, "#msi-cells", 0), 1);
	check_cells(&f, "/intc@8000000/its@8080000", "reg", reg, 4);
	pcie = fdt_find_compatible(&f, -1, "pci-host-ecam-generic");
	map = fdt_getprop(&f, pcie, "msi-map", &len);
	CHECK(map != NULL && len == 16);
	if (map && len == 16) {
		CHECK_EQ_U64(fdt_be32(map + 4), fdt_getprop_u32(&f, its, "phandle", 0));
		CHECK_EQ_U64(fdt_be32(map + 12), 0x10000);
	}
	/* Overlapping the redistributors, or not 64 KiB aligned: refused. */
	d.its_base = 0x080a0000;
	CHECK(guest_dtb_check(&d) != 0);
	d.its_base = 0x08081000;
	CHECK(guest_dtb_check(&d) != 0);
}

/* A virtio-mmio device: QEMU virt's node, an edge SPI; refused on the UART's SPI or overlapping. */
static void test_virtio(void)
{
	static uint8_t buf[BUF_SIZE];
	struct guest_dtb_desc d = desc(2, true, false);
	const uint32_t reg[4] = { 0, 0x0a000000, 0, 0x200 };
	const uint32_t irq[3] = { 0, 16, 1 };
	struct fdt f;
	uint32_t len;
	int node;

	d.virtio_base = 0x0a000000;
	d.virtio_size = 0x200;
	d.virtio_spi = 48;
	check_all(&d);
	CHECK(build(&d, buf, &f) == 0);
	node = fdt_find_compatible(&f, -1, "virtio,mmio");
	CHECK(node >= 0);
	check_cells(&f, "/virtio_mmio@a000000", "reg", reg, 4);
	check_cells(&f, "/virtio_mmio@a000000", "interrupts", irq, 3);
	CHECK(fdt_getprop(&f, node, "dma-coherent", &len) != NULL);
	d.virtio_spi = 33; /* the UART's */
	CHECK(guest_dtb_check(&d) != 0);
	d.virtio_spi = 36; /* PCI INTx */
	CHECK(guest_dtb_check(&d) != 0);
	d.virtio_spi = 48;
	d.virtio_base = 0x09000000; /* on the UART */
	CHECK(guest_dtb_check(&d) != 0);
	d.virtio_base = 0x0a000100; /* misaligned */
	CHECK(guest_dtb_check(&d) != 0);
}

static void test_variants(void)
{
	struct guest_dtb_desc d = desc(4, false, true);

	check_all(&d);
	d = desc(1, true, false);
	check_all(&d);
	d = desc(8, true, true);
	d.mmio64_size = 0; /* only the 32-bit window */
	d.bus_end = 15;	   /* a smaller ECAM */
	d.ecam_size = 16 << 20;
	check_all(&d);
}

/* Defaults: no model, no bootargs, no clock given. */
static void test_defaults(void)
{
	static uint8_t buf[BUF_SIZE];
	struct guest_dtb_desc d = desc(1, false, false);
	static struct platform p;
	struct err_why why;
	struct fdt f;

	d.model = NULL;
	d.bootargs = NULL;
	d.uart_clock_hz = 0;
	CHECK(build(&d, buf, &f) == 0);
	CHECK_STR(fdt_getprop_str(&f, fdt_root(&f), "model"), "monadic-hypervisor guest");
	CHECK(!fdt_getprop(&f, fdt_path_offset(&f, "/chosen"), "bootargs", NULL));
	CHECK_EQ_U64(fdt_getprop_u32(&f, fdt_path_offset(&f, "/apb-pclk"), "clock-frequency", 0),
		     GUEST_DTB_DEFAULT_CLOCK_HZ);
	CHECK(plat_parse(&p, &f, &why) == 0);
	CHECK_EQ_U64(p.uart.clock_hz, GUEST_DTB_DEFAULT_CLOCK_HZ);
	check_dtc(buf, f.size);
}

/*
 * Timer and maintenance PPIs other than QEMU's: the guest's DTB carries what the caller passes
 * (the hypervisor's own DTB values, kernel/vmm/vm_guest.c), not constants.
 */
static void test_ppis(void)
{
	static uint8_t buf[BUF_SIZE];
	struct guest_dtb_desc d = desc(2, false, false);
	static struct platform p;
	struct err_why why;
	struct fdt f;

	d.timer_intids[GUEST_TIMER_SEC] = 16;
	d.timer_intids[GUEST_TIMER_PHYS] = 17;
	d.timer_intids[GUEST_TIMER_VIRT] = 18;
	d.timer_intids[GUEST_TIMER_HYP] = 31;
	d.maint_intid = 20;
	CHECK(build(&d, buf, &f) == 0);
	CHECK(plat_parse(&p, &f, &why) == 0);
	CHECK_EQ_U64(p.gic.maint_irq, 20);
	CHECK_EQ_U64(plat_gic_maint_intid(&p), 20);
	CHECK_EQ_U64(p.timer.intid_sec, 16);
	CHECK_EQ_U64(p.timer.intid_phys, 17);
	CHECK_EQ_U64(plat_timer_intid(&p, PLAT_TIMER_VIRT), 18);
	CHECK_EQ_U64(plat_timer_intid(&p, PLAT_TIMER_HYP), 31);
	check_dtc(buf, f.size);

	/* Not given, an SPI, or a timer's PPI: refused. */
	d.maint_intid = 0;
	CHECK(guest_dtb_check(&d) == E_INVAL);
	d.maint_intid = 32;
	CHECK(guest_dtb_check(&d) == E_INVAL);
	d.maint_intid = 17;
	CHECK(guest_dtb_check(&d) == E_INVAL);
	d.maint_intid = 19;
	CHECK(guest_dtb_check(&d) == 0);
}

/* A PMU: arm,armv8-pmuv3 with its PPI, read back by plat_parse(); a clashing PPI is refused. */
static void test_pmu(void)
{
	static uint8_t buf[BUF_SIZE];
	static const uint32_t irq[] = { 1, 7, 4 }; /* GIC_PPI 7 (INTID 23), level high */
	struct guest_dtb_desc d = desc(1, false, false);
	static struct platform p;
	struct err_why why;
	struct fdt f;

	CHECK(build(&d, buf, &f) == 0);
	CHECK(fdt_find_compatible(&f, -1, "arm,armv8-pmuv3") < 0); /* none unless asked */
	d.pmu_intid = 23;
	CHECK(build(&d, buf, &f) == 0);
	CHECK(fdt_is_compatible(&f, fdt_path_offset(&f, "/pmu"), "arm,armv8-pmuv3"));
	check_cells(&f, "/pmu", "interrupts", irq, 3);
	CHECK(plat_parse(&p, &f, &why) == 0);
	CHECK_EQ_U64(plat_pmu_intid(&p), 23);
	check_dtc(buf, f.size);
	d.pmu_intid = d.timer_intids[GUEST_TIMER_VIRT];
	CHECK(guest_dtb_check(&d) == E_INVAL);
	d.pmu_intid = d.maint_intid;
	CHECK(guest_dtb_check(&d) == E_INVAL);
	d.pmu_intid = 40;
	CHECK(guest_dtb_check(&d) == E_INVAL);
}

/* MPIDRs with Aff1..Aff3: two address cells under /cpus, read back by plat_parse(). */
static void test_wide_mpidr(void)
{
	static uint8_t buf[BUF_SIZE];
	static struct platform p;
	struct guest_dtb_desc d = desc(4, false, false);
	struct err_why why;
	struct fdt f;
	int cpus;

	d.mpidr[0] = 0;
	d.mpidr[1] = 0x100;
	d.mpidr[2] = 0x10000;
	d.mpidr[3] = 0x100000000ULL;
	CHECK(build(&d, buf, &f) == 0);
	cpus = fdt_path_offset(&f, "/cpus");
	CHECK_EQ_U64(fdt_getprop_u32(&f, cpus, "#address-cells", 0), 2);
	CHECK(fdt_path_offset(&f, "/cpus/cpu@100000000") >= 0);
	CHECK(fdt_path_offset(&f, "/cpus/cpu@10000") >= 0);
	CHECK(plat_parse(&p, &f, &why) == 0);
	CHECK_EQ_U64(p.n_cpus, 4);
	for (unsigned int i = 0; i < 4; i++)
		CHECK_EQ_U64(p.cpus[i].mpidr, d.mpidr[i]);
	check_dtc(buf, f.size);
	/* Only Aff2..Aff0 set: still one cell. */
	d.mpidr[3] = 0x10101;
	CHECK(build(&d, buf, &f) == 0);
	CHECK_EQ_U64(fdt_getprop_u32(&f, fdt_path_offset(&f, "/cpus"), "#address-cells", 0), 1);
	CHECK(plat_parse(&p, &f, &why) == 0);
	CHECK_EQ_U64(p.cpus[3].mpidr, 0x10101);
}

/* Each bad description is refused with E_INVAL before anything is written. */
static void test_invalid(void)
{
	static uint8_t buf[BUF_SIZE];
	struct guest_dtb_desc base = desc(4, true, true), d;
	uint32_t size;
	int cases = 0, rc;

#define BAD(stmt)                                                                         \
	do {                                                                              \
		d = base;                                                                 \
		stmt;                                                                     \
		memset(buf, CANARY, sizeof(buf));                                         \
		size = 0xdead;                                                            \
		rc = guest_dtb_build(&d, buf, sizeof(buf), &size);                        \
		if (rc != E_INVAL)                                                        \
			fprintf(stderr, "accepted: %s\n", #stmt);                         \
		CHECK(rc == E_INVAL);                                                     \
		CHECK(guest_dtb_check(&d) == E_INVAL);                                    \
		CHECK(size == 0xdead && buf[0] == CANARY && buf[BUF_SIZE - 1] == CANARY); \
		cases++;                                                                  \
	} while (0)

	CHECK(guest_dtb_check(&base) == 0);
	BAD(d.n_cpus = 0);
	BAD(d.n_cpus = GUEST_DTB_MAX_CPUS + 1);
	BAD(d.mpidr[2] = d.mpidr[1]);
	BAD(d.mpidr[1] = 0x80000001ULL); /* MPIDR_EL1 bit 31 (RES1) is not affinity */
	BAD(d.mpidr[1] = 0x1000000ULL);	 /* MT bit */
	BAD(d.ram_size = 0);
	BAD(d.ram_base = 0x40000800);
	BAD(d.ram_size = 0x10000800);
	BAD(d.ram_base = 0xfffffffffff00000ULL);
	BAD(d.gicd_base = 0x08001000); /* not 64 KiB aligned */
	BAD(d.gicd_size = 0x1000);
	BAD(d.gicd_size = 0);
	BAD(d.gicr_size = 0x20000 * 3); /* four vCPUs need four frames pairs */
	BAD(d.gicr_base = 0x08000000);	/* overlaps the distributor */
	BAD(d.timer_intids[0] = 15);
	BAD(d.timer_intids[1] = 32);
	BAD(d.timer_intids[2] = 25); /* the maintenance PPI */
	BAD(d.timer_intids[3] = 29); /* same as the secure timer */
	BAD(d.uart_spi = 31);
	BAD(d.uart_spi = 1020);
	BAD(d.uart_spi = 36); /* shares a PCI INTx line */
	BAD(d.uart_size = 0);
	BAD(d.uart_base = 0x09000800);
	BAD(d.uart_base = 0x40001000); /* inside RAM */
	BAD(d.initrd_end = d.initrd_start);
	BAD(d.initrd_start = 0);
	BAD(d.initrd_start = 0x3ffff000);
	BAD(d.initrd_end = 0x50000001);
	BAD(d.bus_end = 256);
	BAD(d.ecam_size = 0x0ff00000); /* 255 buses for bus-range 0-255 */
	BAD(d.ecam_base = 0x4010000800ULL);
	BAD(d.ecam_size = 0);
	BAD(d.mmio32_size = 0);
	BAD(d.mmio32_base = 0xf0000000); /* runs past 4 GiB */
	BAD(d.mmio32_base = 0x08000000); /* over the GIC */
	BAD(d.mmio64_base = 0x40000000); /* over RAM */
	BAD(d.mmio64_base = 0xffffff8000000000ULL + 0x1000);
	BAD(d.pcie_spi_base = 31);
	BAD(d.pcie_spi_base = 1017);
	BAD(d.pcie_spi_base = 32); /* INTB would be the UART's INTID 33 */
#undef BAD
	CHECK_EQ_U64(cases, 40);

	/* NULL arguments. */
	d = base;
	CHECK(guest_dtb_check(NULL) == E_INVAL);
	CHECK(guest_dtb_build(NULL, buf, sizeof(buf), &size) == E_INVAL);
	CHECK(guest_dtb_build(&d, NULL, sizeof(buf), &size) == E_INVAL);
	CHECK(guest_dtb_build(&d, buf, sizeof(buf), NULL) == E_INVAL);

	/* Fields that do not matter without PCIe are not checked then. */
	d = base;
	d.pcie = false;
	d.bus_end = 1000;
	d.pcie_spi_base = 0;
	CHECK(guest_dtb_check(&d) == 0);
}

/* Every buffer size below the need gives E_NOMEM and stays inside the buffer. */
static void test_nomem(void)
{
	static uint8_t full[BUF_SIZE];
	struct guest_dtb_desc d = desc(4, true, true);
	uint32_t need = 0, size;
	uint8_t *big;

	CHECK(guest_dtb_build(&d, full, sizeof(full), &need) == 0);
	CHECK(need > 0 && need < BUF_SIZE);
	big = malloc(need + CANARY_LEN);
	for (uint32_t s = 0; s < need; s++) {
		uint8_t *exact = malloc(s ? s : 1); /* ASan: not one byte past s */

		size = 0xdead;
		CHECK(guest_dtb_build(&d, exact, s, &size) == E_NOMEM);
		CHECK(size == 0xdead);
		free(exact);
		memset(big, CANARY, need + CANARY_LEN);
		CHECK(guest_dtb_build(&d, big, s, &size) == E_NOMEM);
		for (uint32_t i = s; i < need + CANARY_LEN; i++)
			if (big[i] != CANARY) {
				fprintf(stderr, "size %u: byte %u written\n", s, i);
				CHECK(big[i] == CANARY);
				break;
			}
	}
	memset(big, CANARY, need + CANARY_LEN);
	CHECK(guest_dtb_build(&d, big, need, &size) == 0);
	CHECK_EQ_U64(size, need);
	CHECK(!memcmp(big, full, need));
	free(big);
}

int main(void)
{
	RUN(test_one_cpu);
	RUN(test_four_cpus_pcie_initrd);
	RUN(test_variants);
	RUN(test_its);
	RUN(test_virtio);
	RUN(test_defaults);
	RUN(test_ppis);
	RUN(test_pmu);
	RUN(test_wide_mpidr);
	RUN(test_invalid);
	RUN(test_nomem);
	return TEST_SUMMARY();
}
