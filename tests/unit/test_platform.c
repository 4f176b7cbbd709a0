// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of plat_parse(): the QEMU virt fixtures yield the right machine description, and
 * small hand-built trees cover the error paths and the less common bindings.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kernel/lib/err.h"
#include "kernel/lib/fdt.h"
#include "kernel/drivers/uart.h"
#include "kernel/platform.h"
#include "fdt_build.h"
#include "test.h"

/* Close the root, build, validate and parse; the blob is freed before returning. */
static struct platform plat;
/* plat_parse()'s reason, and its text under the name the checks below use. */
static struct err_why plat_why;
static char *const why = plat_why.msg;

static int b_parse(struct fdtb *b)
{
	struct fdt f;
	size_t size;
	uint8_t *blob;
	int ret;

	fdtb_end(b);
	fdtb_u32(b, 9);
	blob = fdtb_blob(b, &size);
	ret = fdt_init(&f, blob, size);
	if (ret) {
		fprintf(stderr, "builder made a bad blob: %s\n", f.why);
		free(blob);
		return 1000;
	}
	ret = plat_parse(&plat, &f, &plat_why);
	free(blob);
	return ret;
}

static struct fdtb *b_new(uint32_t ac, uint32_t sc)
{
	struct fdtb *b = calloc(1, sizeof(*b));

	fdtb_begin(b, "");
	fdtb_str(b, "model", "test-board");
	fdtb_prop(b, "compatible", "vendor,board\0vendor,soc", 24);
	fdtb_cells(b, "#address-cells", 1, ac);
	fdtb_cells(b, "#size-cells", 1, sc);
	return b;
}

static void b_memory(struct fdtb *b, const char *name, uint32_t base, uint32_t size)
{
	fdtb_begin(b, name);
	fdtb_str(b, "device_type", "memory");
	fdtb_cells(b, "reg", 4, 0, base, 0, size);
	fdtb_end(b);
}

static void b_uart(struct fdtb *b, const char *name, uint32_t base)
{
	fdtb_begin(b, name);
	fdtb_prop(b, "compatible", "arm,pl011\0arm,primecell", 24);
	fdtb_cells(b, "reg", 4, 0, base, 0, 0x1000);
	fdtb_end(b);
}

static void b_cpus(struct fdtb *b, int n)
{
	char name[16];

	fdtb_begin(b, "cpus");
	fdtb_cells(b, "#address-cells", 1, 1);
	fdtb_cells(b, "#size-cells", 1, 0);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "cpu@%d", i);
		fdtb_begin(b, name);
		fdtb_str(b, "device_type", "cpu");
		fdtb_cells(b, "reg", 1, (uint32_t)i);
		fdtb_str(b, "enable-method", "psci");
		fdtb_end(b);
	}
	fdtb_end(b);
}

static int find_dev(const struct platform *p, const char *name, unsigned int nth)
{
	for (unsigned int i = 0; i < p->n_devs; i++)
		if (!strcmp(p->devs[i].name, name) && !nth--)
			return (int)i;
	return -1;
}

static int count_dev(const struct platform *p, const char *name)
{
	int n = 0;

	for (unsigned int i = 0; i < p->n_devs; i++)
		n += !strcmp(p->devs[i].name, name);
	return n;
}

static int parse_fixture(const char *name, struct platform *p)
{
	size_t size;
	uint8_t *blob = test_load_fixture(name, &size);
	struct fdt f;
	int ret = fdt_init(&f, blob, size);

	CHECK_EQ_U64(ret, 0);
	why[0] = 'x';
	why[1] = '\0';
	if (!ret) {
		ret = plat_parse(p, &f, &plat_why);
		if (ret)
			fprintf(stderr, "%s: %s\n", name, why);
		CHECK_STR(why, "");
		CHECK_EQ_U64(p->dtb_size, size);
	}
	free(blob);
	return ret;
}

/* What every QEMU virt GICv3 fixture shares. */
static void check_virt_common(const struct platform *p)
{
	int i;

	CHECK_STR(p->model, "linux,dummy-virt");
	CHECK_STR(p->compatible, "linux,dummy-virt");
	CHECK_STR(p->bootargs, "");
	CHECK_EQ_U64(p->n_mem, 1);
	CHECK_EQ_U64(p->mem[0].base, 0x40000000);
	CHECK_EQ_U64(p->n_reserved, 0);

	CHECK(p->uart.present);
	CHECK_STR(p->uart.node, "pl011@9000000");
	CHECK_EQ_U64(p->uart.reg.base, 0x9000000);
	CHECK_EQ_U64(p->uart.reg.size, 0x1000);
	CHECK_EQ_U64(p->uart.clock_hz, 24000000);

	CHECK(p->timer.present);
	CHECK_EQ_U64(p->timer.intid_sec, 29);
	CHECK_EQ_U64(p->timer.intid_phys, 30);
	CHECK_EQ_U64(p->timer.intid_virt, 27);
	CHECK_EQ_U64(p->timer.intid_hyp, 26);
	CHECK_EQ_U64(p->timer.clock_frequency, 0);

	CHECK(p->psci.present);
	CHECK_EQ_U64(p->psci.conduit, PSCI_CONDUIT_SMC);
	CHECK_STR(p->psci.compatible, "arm,psci-1.0");
	CHECK_STR(plat_conduit_name(p->psci.conduit), "smc");

	CHECK(p->pcie.present);
	CHECK_EQ_U64(p->pcie.ecam.base, 0x4010000000ULL);
	CHECK_EQ_U64(p->pcie.ecam.size, 0x10000000);
	CHECK_EQ_U64(p->pcie.bus_start, 0);
	CHECK_EQ_U64(p->pcie.bus_end, 255);
	CHECK_EQ_U64(p->pcie.n_windows, 3);
	/* QEMU virt's INTx swizzle: slot S, pin P -> SPI 3 + (S + P - 1) mod 4. */
	CHECK_EQ_U64(p->pcie.imap_mask_hi, 0x1800);
	CHECK_EQ_U64(p->pcie.imap_mask_pin, 7);
	CHECK_EQ_U64(p->pcie.n_imap, 16);
	for (i = 0; i < (int)p->pcie.n_imap && i < 16; i++) {
		uint32_t slot = (uint32_t)i / 4, pin = (uint32_t)i % 4 + 1;

		CHECK_EQ_U64(p->pcie.imap[i].hi, slot << 11);
		CHECK_EQ_U64(p->pcie.imap[i].pin, pin);
		CHECK_EQ_U64(p->pcie.imap[i].intid, 32 + 3 + (slot + pin - 1) % 4);
	}
	CHECK_EQ_U64(p->pcie.windows[0].space, PCI_SPACE_IO);
	CHECK_EQ_U64(p->pcie.windows[0].pci_addr, 0);
	CHECK_EQ_U64(p->pcie.windows[0].cpu_addr, 0x3eff0000);
	CHECK_EQ_U64(p->pcie.windows[0].size, 0x10000);
	CHECK(!p->pcie.windows[0].prefetchable);
	CHECK_EQ_U64(p->pcie.windows[1].space, PCI_SPACE_MEM32);
	CHECK_EQ_U64(p->pcie.windows[1].pci_addr, 0x10000000);
	CHECK_EQ_U64(p->pcie.windows[1].cpu_addr, 0x10000000);
	CHECK_EQ_U64(p->pcie.windows[1].size, 0x2eff0000);
	CHECK(!p->pcie.windows[1].prefetchable);
	CHECK_EQ_U64(p->pcie.windows[2].space, PCI_SPACE_MEM64);
	CHECK_EQ_U64(p->pcie.windows[2].pci_addr, 0x8000000000ULL);
	CHECK_EQ_U64(p->pcie.windows[2].cpu_addr, 0x8000000000ULL);
	CHECK_EQ_U64(p->pcie.windows[2].size, 0x8000000000ULL);

	/* Every MMIO region once; the ECAM, ITS and both flash banks among them. */
	CHECK_EQ_U64(p->n_devs_dropped, 0);
	i = find_dev(p, "pl011@9000000", 0);
	CHECK(i >= 0);
	if (i >= 0) {
		CHECK_EQ_U64(p->devs[i].reg.base, 0x9000000);
		CHECK_EQ_U64(p->devs[i].reg.size, 0x1000);
	}
	CHECK_EQ_U64(count_dev(p, "pl011@9000000"), 1);
	CHECK_EQ_U64(count_dev(p, "virtio_mmio@a000000"), 1);
	CHECK_EQ_U64(count_dev(p, "pcie@10000000"), 1);
	CHECK_EQ_U64(count_dev(p, "flash@0"), 2);
	CHECK_EQ_U64(count_dev(p, "fw-cfg@9020000"), 1);
	CHECK_EQ_U64(count_dev(p, "memory@40000000"), 0);
	CHECK_EQ_U64(count_dev(p, "cpu@0"), 0);
	CHECK_EQ_U64(count_dev(p, "platform-bus@c000000"), 0);
	i = find_dev(p, "pcie@10000000", 0);
	if (i >= 0)
		CHECK_EQ_U64(p->devs[i].reg.base, 0x4010000000ULL);
	i = find_dev(p, "flash@0", 1);
	if (i >= 0)
		CHECK_EQ_U64(p->devs[i].reg.base, 0x4000000);
}

static void check_gicv3(const struct platform *p)
{
	int i;

	CHECK_EQ_U64(p->gic.version, 3);
	CHECK_EQ_U64(p->gic.dist.base, 0x8000000);
	CHECK_EQ_U64(p->gic.dist.size, 0x10000);
	CHECK_EQ_U64(p->gic.n_redist, 1);
	CHECK_EQ_U64(p->gic.redist[0].base, 0x80a0000);
	CHECK_EQ_U64(p->gic.redist[0].size, 0xf60000);
	CHECK_EQ_U64(p->gic.its.base, 0x8080000);
	CHECK_EQ_U64(p->gic.its.size, 0x20000);
	CHECK_EQ_U64(p->gic.maint_irq, 25);
	CHECK_EQ_U64(count_dev(p, "intc@8000000"), 2);
	i = find_dev(p, "its@8080000", 0);
	CHECK(i >= 0);
	if (i >= 0)
		CHECK_EQ_U64(p->devs[i].reg.base, 0x8080000);
}

static void test_virt_smp4_2g(void)
{
	struct platform *p = &plat;

	CHECK_EQ_U64(parse_fixture("virt-max-smp4-2G.dtb", p), 0);
	check_virt_common(p);
	check_gicv3(p);
	CHECK_EQ_U64(p->mem[0].size, 0x80000000);
	CHECK_EQ_U64(plat_mem_total(p), 2ULL << 30);
	CHECK_EQ_U64(p->n_cpus, 4);
	for (unsigned int i = 0; i < 4; i++) {
		CHECK_EQ_U64(p->cpus[i].mpidr, i);
		CHECK(p->cpus[i].psci);
	}
	CHECK(!p->smmu.present);
	/* fw-cfg, 32 virtio, pl061, pcie, pl031, pl011, intc x2, its, flash x2 */
	CHECK_EQ_U64(p->n_devs, 42);
}

static void test_virt_n1_512m(void)
{
	struct platform *p = &plat;

	CHECK_EQ_U64(parse_fixture("virt-neoverse-n1-smp1-512M.dtb", p), 0);
	check_virt_common(p);
	check_gicv3(p);
	CHECK_EQ_U64(p->mem[0].size, 0x20000000);
	CHECK_EQ_U64(plat_mem_total(p), 512ULL << 20);
	CHECK_EQ_U64(p->n_cpus, 1);
	CHECK_EQ_U64(p->cpus[0].mpidr, 0);
	/* This QEMU gives a lone CPU no enable-method. */
	CHECK(!p->cpus[0].psci);
}

static void test_virt_smp8_4g(void)
{
	struct platform *p = &plat;

	CHECK_EQ_U64(parse_fixture("virt-max-smp8-4G.dtb", p), 0);
	check_virt_common(p);
	check_gicv3(p);
	CHECK_EQ_U64(p->mem[0].size, 0x100000000ULL);
	CHECK_EQ_U64(plat_mem_total(p), 4ULL << 30);
	CHECK_EQ_U64(p->n_cpus, 8);
	for (unsigned int i = 0; i < 8; i++)
		CHECK_EQ_U64(p->cpus[i].mpidr, i);
}

static void test_virt_smmuv3(void)
{
	struct platform *p = &plat;

	CHECK_EQ_U64(parse_fixture("virt-max-smmuv3-smp2-1G.dtb", p), 0);
	check_virt_common(p);
	check_gicv3(p);
	CHECK_EQ_U64(plat_mem_total(p), 1ULL << 30);
	CHECK_EQ_U64(p->n_cpus, 2);
	CHECK(p->smmu.present);
	CHECK_EQ_U64(p->smmu.reg.base, 0x9050000);
	CHECK_EQ_U64(p->smmu.reg.size, 0x20000);
	CHECK_EQ_U64(count_dev(p, "smmuv3@9050000"), 1);
	/* The host bridge's RIDs are the SMMU's StreamIDs, one for one. */
	CHECK(p->smmu.phandle != 0);
	CHECK(p->pcie.iommu_map);
	CHECK_EQ_U64(p->pcie.iommu_phandle, p->smmu.phandle);
	CHECK_EQ_U64(p->pcie.rid_base, 0);
	CHECK_EQ_U64(p->pcie.sid_base, 0);
	CHECK_EQ_U64(p->pcie.iommu_len, 0x10000);
	CHECK_EQ_U64(p->n_devs, 43);
	/* msi-map = <0 &its 0 0x10000>: DeviceID = RID. */
	{
		uint32_t devid = 0;

		CHECK_EQ_U64(p->pcie.n_msi, 1);
		CHECK_EQ_U64(p->pcie.msi[0].rid_base, 0);
		CHECK_EQ_U64(p->pcie.msi[0].devid_base, 0);
		CHECK_EQ_U64(p->pcie.msi[0].len, 0x10000);
		CHECK(plat_pci_devid(p, 0x18, &devid));
		CHECK_EQ_U64(devid, 0x18);
	}
}

static void test_virt_gicv2(void)
{
	struct platform *p = &plat;

	CHECK_EQ_U64(parse_fixture("virt-gicv2-smp2-1G.dtb", p), 0);
	check_virt_common(p);
	CHECK_EQ_U64(p->gic.version, 2);
	CHECK_EQ_U64(p->gic.dist.base, 0x8000000);
	CHECK_EQ_U64(p->gic.dist.size, 0x10000);
	CHECK_EQ_U64(p->gic.n_redist, 0);
	CHECK_EQ_U64(p->gic.its.base, 0);
	CHECK_EQ_U64(p->gic.maint_irq, 25);
	/* Distributor, CPU interface, GICH, GICV, and the v2m frame under the GIC. */
	CHECK_EQ_U64(count_dev(p, "intc@8000000"), 4);
	CHECK_EQ_U64(count_dev(p, "v2m@8020000"), 1);
	CHECK_EQ_U64(p->n_cpus, 2);
}

static void test_minimal_ok(void)
{
	struct fdtb *b = b_new(2, 2);

	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_STR(plat.model, "test-board");
	CHECK_STR(plat.compatible, "vendor,board");
	CHECK_EQ_U64(plat.uart.reg.base, 0x1000);
	CHECK_EQ_U64(plat.uart.clock_hz, 0);
	/* Nothing essential beyond RAM and a console: the rest is reported absent. */
	CHECK_EQ_U64(plat.n_cpus, 0);
	CHECK_EQ_U64(plat.gic.version, 0);
	CHECK(!plat.timer.present);
	CHECK(!plat.psci.present);
	CHECK(!plat.pcie.present);
	CHECK_STR(plat_conduit_name(plat.psci.conduit), "none");
	CHECK_EQ_U64(plat.n_devs, 1);
	free(b);
}

static void test_no_memory(void)
{
	struct fdtb *b = b_new(2, 2);

	b_uart(b, "uart@1000", 0x1000);
	/* A memory node with nothing in it does not count. */
	fdtb_begin(b, "memory");
	fdtb_str(b, "device_type", "memory");
	fdtb_end(b);
	/* Nor does a disabled one. */
	fdtb_begin(b, "memory@80000000");
	fdtb_str(b, "device_type", "memory");
	fdtb_str(b, "status", "disabled");
	fdtb_cells(b, "reg", 4, 0, 0x80000000, 0, 0x1000000);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), E_NOENT);
	CHECK_STR(why, "no memory node in the device tree");
	free(b);
}

static void test_no_uart(void)
{
	struct fdtb *b = b_new(2, 2);

	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	fdtb_begin(b, "serial@2000");
	fdtb_str(b, "compatible", "brcm,bcm2835-aux-uart");
	fdtb_cells(b, "reg", 4, 0, 0x2000, 0, 0x100);
	fdtb_end(b);
	fdtb_begin(b, "uart@1000");
	fdtb_str(b, "compatible", "arm,pl011");
	fdtb_str(b, "status", "disabled");
	fdtb_cells(b, "reg", 4, 0, 0x1000, 0, 0x1000);
	fdtb_end(b);
	fdtb_begin(b, "chosen");
	fdtb_str(b, "stdout-path", "/serial@2000");
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), E_NOENT);
	CHECK_STR(why, "no PL011 UART in the device tree");
	free(b);

	/* A 16550 at stdout-path is the console, with its register stride and width. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	fdtb_begin(b, "serial@2000");
	fdtb_str(b, "compatible", "ns16550a");
	fdtb_cells(b, "reg", 4, 0, 0x2000, 0, 0x100);
	fdtb_cells(b, "reg-shift", 1, 2);
	fdtb_cells(b, "reg-io-width", 1, 4);
	fdtb_end(b);
	fdtb_begin(b, "chosen");
	fdtb_str(b, "stdout-path", "/serial@2000:115200n8");
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat.uart.kind, UART_16550);
	CHECK_EQ_U64(plat.uart.reg.base, 0x2000);
	CHECK_EQ_U64(plat.uart.reg_shift, 2);
	CHECK_EQ_U64(plat.uart.reg_width, 4);
	free(b);

	/* A PL011 without reg is not usable either. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	fdtb_begin(b, "uart@1000");
	fdtb_str(b, "compatible", "arm,pl011");
	fdtb_end(b);
	CHECK(b_parse(b) < 0);
	CHECK(strstr(why, "uart@1000") != NULL);
	free(b);
}

static void test_bad_cells(void)
{
	struct fdtb *b = b_new(3, 2);

	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	CHECK_EQ_U64(b_parse(b), E_RANGE);
	CHECK_STR(why, "/: #address-cells = 3, only 1 or 2 supported");
	free(b);

	b = b_new(2, 0);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	CHECK_EQ_U64(b_parse(b), E_RANGE);
	CHECK(strstr(why, "#size-cells = 0") != NULL);
	free(b);

	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "cpus");
	fdtb_cells(b, "#address-cells", 1, 3);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), E_RANGE);
	CHECK(strstr(why, "/cpus") != NULL);
	free(b);

	/* A bus the device walk has to read, with cells it cannot. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "bus");
	fdtb_prop(b, "ranges", "", 0);
	fdtb_cells(b, "#address-cells", 1, 4);
	fdtb_begin(b, "dev@0");
	fdtb_cells(b, "reg", 4, 0, 0, 0, 1);
	fdtb_end(b);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), E_RANGE);
	CHECK(strstr(why, "bus: #address-cells = 4") != NULL);
	free(b);
}

/* One-cell addresses, several memory nodes and entries, reservations of both kinds. */
static void test_memory_layouts(void)
{
	struct fdtb *b = b_new(1, 1);

	b->rsv[0][0] = 0x48000000;
	b->rsv[0][1] = 0x10000;
	b->rsv[1][0] = 0x49000000;
	b->rsv[1][1] = 0; /* empty: ignored */
	b->n_rsv = 2;
	fdtb_begin(b, "memory@40000000");
	fdtb_str(b, "device_type", "memory");
	fdtb_cells(b, "reg", 4, 0x40000000, 0x10000000, 0x60000000, 0x8000000);
	fdtb_end(b);
	fdtb_begin(b, "memory@80000000");
	fdtb_str(b, "device_type", "memory");
	fdtb_cells(b, "reg", 2, 0x80000000, 0x1000000);
	fdtb_end(b);
	fdtb_begin(b, "reserved-memory");
	fdtb_cells(b, "#address-cells", 1, 2);
	fdtb_cells(b, "#size-cells", 1, 2);
	fdtb_prop(b, "ranges", "", 0);
	fdtb_begin(b, "tfa@4e000000");
	fdtb_cells(b, "reg", 4, 0, 0x4e000000, 0, 0x200000);
	fdtb_prop(b, "no-map", "", 0);
	fdtb_end(b);
	fdtb_begin(b, "pool"); /* dynamically placed: no reg */
	fdtb_cells(b, "size", 2, 0, 0x100000);
	fdtb_end(b);
	fdtb_end(b);
	fdtb_begin(b, "uart@1000");
	fdtb_str(b, "compatible", "arm,pl011");
	fdtb_cells(b, "reg", 2, 0x1000, 0x1000);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat.n_mem, 3);
	CHECK_EQ_U64(plat.mem[0].base, 0x40000000);
	CHECK_EQ_U64(plat.mem[0].size, 0x10000000);
	CHECK_EQ_U64(plat.mem[1].base, 0x60000000);
	CHECK_EQ_U64(plat.mem[1].size, 0x8000000);
	CHECK_EQ_U64(plat.mem[2].base, 0x80000000);
	CHECK_EQ_U64(plat_mem_total(&plat), 0x19000000);
	CHECK_EQ_U64(plat.n_reserved, 2);
	CHECK_EQ_U64(plat.reserved[0].base, 0x48000000);
	CHECK_EQ_U64(plat.reserved[0].size, 0x10000);
	CHECK_EQ_U64(plat.reserved[1].base, 0x4e000000);
	CHECK_EQ_U64(plat.reserved[1].size, 0x200000);
	/* Neither RAM nor reservations are device regions. */
	CHECK_EQ_U64(plat.n_devs, 1);
	CHECK_STR(plat.devs[0].name, "uart@1000");
	free(b);
}

static void test_cpus(void)
{
	struct fdtb *b = b_new(2, 2);

	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "cpus");
	fdtb_cells(b, "#address-cells", 1, 2);
	fdtb_cells(b, "#size-cells", 1, 0);
	fdtb_begin(b, "cpu-map");
	fdtb_end(b);
	fdtb_begin(b, "cpu@0");
	fdtb_str(b, "device_type", "cpu");
	fdtb_cells(b, "reg", 2, 0, 0);
	fdtb_str(b, "enable-method", "psci");
	fdtb_end(b);
	fdtb_begin(b, "cpu@100");
	fdtb_str(b, "device_type", "cpu");
	fdtb_cells(b, "reg", 2, 0, 0x100);
	fdtb_str(b, "enable-method", "spin-table");
	fdtb_end(b);
	fdtb_begin(b, "cpu@200");
	fdtb_str(b, "device_type", "cpu");
	fdtb_str(b, "status", "disabled");
	fdtb_cells(b, "reg", 2, 0, 0x200);
	fdtb_end(b);
	fdtb_begin(b, "cpu@1000000000");
	fdtb_str(b, "device_type", "cpu");
	fdtb_cells(b, "reg", 2, 0x1, 0x0);
	fdtb_str(b, "enable-method", "psci");
	fdtb_end(b);
	fdtb_begin(b, "l2-cache");
	fdtb_str(b, "compatible", "cache");
	fdtb_end(b);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat.n_cpus, 3);
	CHECK_EQ_U64(plat.cpus[0].mpidr, 0);
	CHECK(plat.cpus[0].psci);
	CHECK_EQ_U64(plat.cpus[1].mpidr, 0x100);
	CHECK(!plat.cpus[1].psci);
	CHECK_EQ_U64(plat.cpus[2].mpidr, 0x100000000ULL);
	CHECK(plat.cpus[2].psci);
	free(b);

	/* More CPUs than PLAT_MAX_CPUS: the first ones are kept. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	b_cpus(b, PLAT_MAX_CPUS + 3);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat.n_cpus, PLAT_MAX_CPUS);
	CHECK_EQ_U64(plat.cpus[PLAT_MAX_CPUS - 1].mpidr, PLAT_MAX_CPUS - 1);
	free(b);
}

static void test_stdout_path(void)
{
	struct fdtb *b = b_new(2, 2);

	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	b_uart(b, "uart@2000", 0x2000);
	fdtb_begin(b, "aliases");
	fdtb_str(b, "serial0", "/uart@1000");
	fdtb_str(b, "serial1", "/uart@2000");
	fdtb_end(b);
	fdtb_begin(b, "chosen");
	fdtb_str(b, "bootargs", "console=ttyAMA1 earlycon");
	fdtb_str(b, "stdout-path", "serial1:115200n8");
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_STR(plat.uart.node, "uart@2000");
	CHECK_EQ_U64(plat.uart.reg.base, 0x2000);
	CHECK_STR(plat.bootargs, "console=ttyAMA1 earlycon");
	free(b);

	/* A full path with options, and a bootargs longer than the buffer. */
	{
		char longargs[600];

		memset(longargs, 'a', sizeof(longargs) - 1);
		longargs[sizeof(longargs) - 1] = '\0';
		b = b_new(2, 2);
		b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
		b_uart(b, "uart@1000", 0x1000);
		b_uart(b, "uart@2000", 0x2000);
		fdtb_begin(b, "chosen");
		fdtb_str(b, "bootargs", longargs);
		fdtb_str(b, "stdout-path", "/uart@2000:115200");
		fdtb_end(b);
		CHECK_EQ_U64(b_parse(b), 0);
		CHECK_EQ_U64(plat.uart.reg.base, 0x2000);
		CHECK_EQ_U64(strlen(plat.bootargs), sizeof(plat.bootargs) - 1);
		free(b);
	}

	/* stdout-path to a disabled PL011, an unknown alias, or a path that is too long all fall
	 * back to the first enabled PL011. */
	char too_long[200] = "/";

	memset(too_long + 1, 'a', sizeof(too_long) - 2);
	const char *const bad[] = {
		"/uart@1000", "serial9",	"nonsense:9600", "/uart@3000/x/y",
		"",	      "serial0/deeper", too_long,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = b_new(2, 2);
		b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
		fdtb_begin(b, "uart@1000");
		fdtb_str(b, "compatible", "arm,pl011");
		fdtb_str(b, "status", "disabled");
		fdtb_cells(b, "reg", 4, 0, 0x1000, 0, 0x1000);
		fdtb_end(b);
		b_uart(b, "uart@2000", 0x2000);
		fdtb_begin(b, "aliases");
		fdtb_str(b, "serial0", "/uart@1000");
		fdtb_end(b);
		fdtb_begin(b, "chosen");
		fdtb_str(b, "stdout-path", bad[i]);
		fdtb_end(b);
		CHECK_EQ_U64(b_parse(b), 0);
		CHECK_EQ_U64(plat.uart.reg.base, 0x2000);
		free(b);
	}

	/* An alias with a trailing path, and linux,stdout-path when stdout-path is absent. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "soc");
	fdtb_prop(b, "ranges", "", 0);
	fdtb_cells(b, "#address-cells", 1, 2);
	fdtb_cells(b, "#size-cells", 1, 2);
	b_uart(b, "serial@5000", 0x5000);
	fdtb_end(b);
	fdtb_begin(b, "aliases");
	fdtb_str(b, "bus", "/soc");
	fdtb_end(b);
	fdtb_begin(b, "chosen");
	fdtb_str(b, "linux,stdout-path", "bus/serial@5000:115200");
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_STR(plat.uart.node, "serial@5000");
	CHECK_EQ_U64(plat.uart.reg.base, 0x5000);
	free(b);
}

/* A UART and GIC behind a bus that moves addresses, with 1-cell children. */
static void test_translation(void)
{
	struct fdtb *b = b_new(2, 2);

	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	fdtb_begin(b, "soc");
	fdtb_str(b, "compatible", "simple-bus");
	fdtb_cells(b, "#address-cells", 1, 1);
	fdtb_cells(b, "#size-cells", 1, 1);
	/* child 0x7e000000..+0x1800000 -> parent 0xfe000000 */
	fdtb_cells(b, "ranges", 4, 0x7e000000, 0, 0xfe000000, 0x1800000);
	fdtb_begin(b, "serial@7e201000");
	fdtb_prop(b, "compatible", "arm,pl011\0arm,primecell", 24);
	fdtb_cells(b, "reg", 2, 0x7e201000, 0x200);
	fdtb_end(b);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat.uart.reg.base, 0xfe201000);
	CHECK_EQ_U64(plat.uart.reg.size, 0x200);
	/* The soc's children are not root-level MMIO, so they are not in devs[]. */
	CHECK_EQ_U64(plat.n_devs, 0);
	free(b);

	/* An address outside every range is an error, not a guess. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	fdtb_begin(b, "soc");
	fdtb_cells(b, "#address-cells", 1, 1);
	fdtb_cells(b, "#size-cells", 1, 1);
	fdtb_cells(b, "ranges", 4, 0x7e000000, 0, 0xfe000000, 0x1000);
	b_uart(b, "serial@7e201000", 0);
	fdtb_end(b);
	CHECK(b_parse(b) < 0);
	free(b);

	/* A bus without ranges is not memory-mapped. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	fdtb_begin(b, "i2c");
	fdtb_cells(b, "#address-cells", 1, 2);
	fdtb_cells(b, "#size-cells", 1, 2);
	b_uart(b, "serial@0", 0);
	fdtb_end(b);
	CHECK(b_parse(b) < 0);
	CHECK(strstr(why, "i2c has no ranges") != NULL);
	free(b);
}

static void test_gic_timer_psci(void)
{
	struct fdtb *b = b_new(2, 2);

	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "interrupt-controller@2f000000");
	fdtb_str(b, "compatible", "arm,gic-v3");
	fdtb_cells(b, "#redistributor-regions", 1, 2);
	fdtb_cells(b, "reg", 16, 0, 0x2f000000, 0, 0x10000, 0, 0x2f100000, 0, 0x100000, 0,
		   0x2f300000, 0, 0x200000, 0, 0x2c000000, 0, 0x2000);
	fdtb_cells(b, "interrupts", 3, 1, 9, 0xf04);
	fdtb_end(b);
	fdtb_begin(b, "timer");
	fdtb_str(b, "compatible", "arm,armv8-timer");
	fdtb_cells(b, "interrupts", 12, 1, 13, 8, 1, 14, 8, 1, 11, 8, 1, 10, 8);
	fdtb_cells(b, "clock-frequency", 1, 100000000);
	fdtb_end(b);
	fdtb_begin(b, "psci");
	fdtb_str(b, "compatible", "arm,psci-0.2");
	fdtb_str(b, "method", "hvc");
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat.gic.version, 3);
	CHECK_EQ_U64(plat.gic.dist.base, 0x2f000000);
	CHECK_EQ_U64(plat.gic.n_redist, 2);
	CHECK_EQ_U64(plat.gic.redist[0].base, 0x2f100000);
	CHECK_EQ_U64(plat.gic.redist[1].base, 0x2f300000);
	CHECK_EQ_U64(plat.gic.redist[1].size, 0x200000);
	CHECK_EQ_U64(plat.gic.its.base, 0);
	CHECK_EQ_U64(plat.gic.maint_irq, 25);
	CHECK(plat.timer.present);
	CHECK_EQ_U64(plat.timer.intid_sec, 29);
	CHECK_EQ_U64(plat.timer.intid_hyp, 26);
	CHECK_EQ_U64(plat.timer.clock_frequency, 100000000);
	CHECK(plat.psci.present);
	CHECK_EQ_U64(plat.psci.conduit, PSCI_CONDUIT_HVC);
	CHECK_STR(plat_conduit_name(plat.psci.conduit), "hvc");
	CHECK_STR(plat.psci.compatible, "arm,psci-0.2");
	CHECK_EQ_U64(count_dev(&plat, "interrupt-controller@2f000000"), 4);
	free(b);

	/* Fewer reg entries than #redistributor-regions promises. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "intc");
	fdtb_str(b, "compatible", "arm,gic-v3");
	fdtb_cells(b, "#redistributor-regions", 1, 3);
	fdtb_cells(b, "reg", 8, 0, 0x2f000000, 0, 0x10000, 0, 0x2f100000, 0, 0x100000);
	fdtb_end(b);
	CHECK(b_parse(b) < 0);
	CHECK(strstr(why, "intc: reg entry 2 missing") != NULL);
	free(b);

	/* A GIC-400 and a PSCI node with an unknown method. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "intc");
	fdtb_str(b, "compatible", "arm,gic-400");
	fdtb_cells(b, "reg", 4, 0, 0x2c001000, 0, 0x1000);
	fdtb_end(b);
	fdtb_begin(b, "psci");
	fdtb_str(b, "compatible", "arm,psci");
	fdtb_str(b, "method", "mailbox");
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat.gic.version, 2);
	CHECK_EQ_U64(plat.gic.dist.base, 0x2c001000);
	CHECK_EQ_U64(plat.gic.maint_irq, 0);
	CHECK(plat.psci.present);
	CHECK_EQ_U64(plat.psci.conduit, PSCI_CONDUIT_NONE);
	free(b);
}

/*
 * The maintenance and timer INTIDs the DTB gives are what the vGIC and the guest's DTB use; the
 * Arm BSA values stand in only for what the DTB leaves out.
 */
static void test_dtb_intids(void)
{
	struct fdtb *b = b_new(2, 2);

	/* Every one given, none of them the usual: maintenance PPI 7, timers PPIs 12, 13, 10, 9. */
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "intc");
	fdtb_str(b, "compatible", "arm,gic-v3");
	fdtb_cells(b, "reg", 8, 0, 0x2f000000, 0, 0x10000, 0, 0x2f100000, 0, 0x100000);
	fdtb_cells(b, "interrupts", 3, 1, 7, 4);
	fdtb_end(b);
	fdtb_begin(b, "timer");
	fdtb_str(b, "compatible", "arm,armv8-timer");
	fdtb_cells(b, "interrupts", 12, 1, 12, 8, 1, 13, 8, 1, 10, 8, 1, 9, 8);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat_gic_maint_intid(&plat), 23);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_SEC), 28);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_PHYS), 29);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_VIRT), 26);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_HYP), 25);
	free(b);

	/* No GIC "interrupts", two timer interrupts only: the rest are the BSA's. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "intc");
	fdtb_str(b, "compatible", "arm,gic-v3");
	fdtb_cells(b, "reg", 8, 0, 0x2f000000, 0, 0x10000, 0, 0x2f100000, 0, 0x100000);
	fdtb_end(b);
	fdtb_begin(b, "timer");
	fdtb_str(b, "compatible", "arm,armv8-timer");
	fdtb_cells(b, "interrupts", 6, 1, 12, 8, 1, 13, 8);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat.gic.maint_irq, 0);
	CHECK_EQ_U64(plat_gic_maint_intid(&plat), 25);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_SEC), 28);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_PHYS), 29);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_VIRT), 27);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_HYP), 26);
	free(b);

	/* No timer node at all. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK(!plat.timer.present);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_SEC), 29);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_PHYS), 30);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_VIRT), 27);
	CHECK_EQ_U64(plat_timer_intid(&plat, PLAT_TIMER_HYP), 26);
	free(b);
}

static void test_pcie(void)
{
	struct fdtb *b = b_new(2, 2);

	/* reg covers 16 buses only: bus-range 0-255 is clamped to what the ECAM maps. */
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "pcie@30000000");
	fdtb_str(b, "compatible", "pci-host-ecam-generic");
	fdtb_str(b, "device_type", "pci");
	fdtb_cells(b, "#address-cells", 1, 3);
	fdtb_cells(b, "#size-cells", 1, 2);
	fdtb_cells(b, "reg", 4, 0, 0x30000000, 0, 0x1000000);
	fdtb_cells(b, "ranges", 14, 0x43000000, 0, 0x40000000, 0, 0x40000000, 0, 0x10000000,
		   0x2000000, 0, 0x50000000, 0, 0x50000000, 0, 0x1000000);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK(plat.pcie.present);
	CHECK_EQ_U64(plat.pcie.bus_start, 0);
	CHECK_EQ_U64(plat.pcie.bus_end, 15);
	CHECK_EQ_U64(plat.pcie.ecam.size, 0x1000000);
	CHECK_EQ_U64(plat.pcie.n_windows, 2);
	CHECK_EQ_U64(plat.pcie.windows[0].space, PCI_SPACE_MEM64);
	CHECK(plat.pcie.windows[0].prefetchable);
	CHECK_EQ_U64(plat.pcie.windows[0].size, 0x10000000);
	CHECK(!plat.pcie.windows[1].prefetchable);
	free(b);

	/* A bus-range that starts later shrinks the ECAM to the buses it names. */
	b = b_new(2, 2);
	b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	b_uart(b, "uart@1000", 0x1000);
	fdtb_begin(b, "pcie@30000000");
	fdtb_str(b, "compatible", "pci-host-ecam-generic");
	fdtb_cells(b, "#address-cells", 1, 3);
	fdtb_cells(b, "#size-cells", 1, 2);
	fdtb_cells(b, "reg", 4, 0, 0x30000000, 0, 0x10000000);
	fdtb_cells(b, "bus-range", 2, 0x10, 0x1f);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat.pcie.bus_start, 0x10);
	CHECK_EQ_U64(plat.pcie.bus_end, 0x1f);
	CHECK_EQ_U64(plat.pcie.ecam.size, 0x1000000);
	CHECK_EQ_U64(plat.pcie.n_windows, 0);
	free(b);

	/* Malformed: inverted bus-range, wrong #address-cells, ECAM below one bus. */
	for (int bad = 0; bad < 3; bad++) {
		b = b_new(2, 2);
		b_memory(b, "memory@40000000", 0x40000000, 0x10000000);
		b_uart(b, "uart@1000", 0x1000);
		fdtb_begin(b, "pcie@30000000");
		fdtb_str(b, "compatible", "pci-host-ecam-generic");
		fdtb_cells(b, "#address-cells", 1, bad == 1 ? 2 : 3);
		fdtb_cells(b, "reg", 4, 0, 0x30000000, 0, bad == 2 ? 0x80000 : 0x10000000);
		if (bad == 0)
			fdtb_cells(b, "bus-range", 2, 5, 4);
		fdtb_end(b);
		CHECK_EQ_U64(b_parse(b), E_RANGE);
		CHECK(strstr(why, "pcie@30000000") != NULL);
		free(b);
	}
}

static void test_devs_overflow(void)
{
	struct fdtb *b = b_new(1, 1);
	char name[PLAT_NAME_LEN + 20];

	fdtb_begin(b, "memory@40000000");
	fdtb_str(b, "device_type", "memory");
	fdtb_cells(b, "reg", 2, 0x40000000, 0x10000000);
	fdtb_end(b);
	fdtb_begin(b, "uart@1000");
	fdtb_str(b, "compatible", "arm,pl011");
	fdtb_cells(b, "reg", 2, 0x1000, 0x1000);
	fdtb_end(b);
	for (int i = 0; i < PLAT_MAX_DEVS + 4; i++) {
		snprintf(name, sizeof(name), "a-device-with-a-long-long-long-long-long-name@%x",
			 0x100000 + i);
		fdtb_begin(b, name);
		fdtb_cells(b, "reg", 4, 0x100000 + i * 0x1000, 0x1000, 0x200000 + i * 0x1000,
			   0x1000);
		fdtb_end(b);
	}
	fdtb_begin(b, "off@f000000");
	fdtb_str(b, "status", "disabled");
	fdtb_cells(b, "reg", 2, 0xf000000, 0x1000);
	fdtb_end(b);
	CHECK_EQ_U64(b_parse(b), 0);
	CHECK_EQ_U64(plat.n_devs, PLAT_MAX_DEVS);
	CHECK_EQ_U64(plat.n_devs_dropped, 2 * (PLAT_MAX_DEVS + 4) + 1 - PLAT_MAX_DEVS);
	CHECK_EQ_U64(strlen(plat.devs[1].name), PLAT_NAME_LEN - 1);
	CHECK(!strncmp(plat.devs[1].name, "a-device-with-a-long", 20));
	CHECK_EQ_U64(plat.devs[2].reg.base, 0x200000);
	free(b);
}

static void test_plat_helpers(void)
{
	struct platform *p = calloc(1, sizeof(*p));

	CHECK_STR(plat_conduit_name(PSCI_CONDUIT_NONE), "none");
	CHECK_STR(plat_conduit_name(PSCI_CONDUIT_SMC), "smc");
	CHECK_STR(plat_conduit_name(PSCI_CONDUIT_HVC), "hvc");
	CHECK_STR(plat_conduit_name((enum psci_conduit)7), "none");
	CHECK_EQ_U64(plat_mem_total(p), 0);
	p->n_mem = 2;
	p->mem[0].size = UINT64_MAX - 5;
	p->mem[1].size = 10;
	CHECK_EQ_U64(plat_mem_total(p), UINT64_MAX);
	free(p);

	/* plat_parse on an fdt that failed validation. */
	{
		struct fdt f;

		CHECK(fdt_init(&f, "garbage-garbage-garbage-garbage-garbage-garbage", 40) != 0);
		CHECK_EQ_U64(plat_parse(&plat, &f, &plat_why), E_BADFDT);
		CHECK(why[0] != '\0');
		CHECK_EQ_U64(plat_parse(&plat, &f, NULL), E_BADFDT);
	}
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* Mutated fixtures that still pass fdt_init() must not lead plat_parse() astray. */
static void test_fuzz_parse(void)
{
	static const char *const names[] = { "virt-max-smp4-2G.dtb", "virt-gicv2-smp2-1G.dtb",
					     "virt-max-smmuv3-smp2-1G.dtb" };
	unsigned int parsed = 0, failed = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t size;
		uint8_t *blob = test_load_fixture(names[i], &size);

		for (int iter = 0; iter < 700; iter++) {
			uint8_t *m = malloc(size);
			struct fdt f;

			memcpy(m, blob, size);
			for (int k = 0, flips = 1 + (int)(rng() % 6); k < flips; k++) {
				uint32_t pos = 40 + rng() % (uint32_t)(size - 40);

				if (rng() % 2)
					m[pos] ^= (uint8_t)(1u << (rng() % 8));
				else
					m[pos] = (uint8_t)(rng() % 4);
			}
			if (fdt_init(&f, m, size) == 0) {
				int ret = plat_parse(&plat, &f, &plat_why);

				if (ret) {
					failed++;
					CHECK(why[0] != '\0');
				} else {
					parsed++;
					CHECK(plat.n_mem <= PLAT_MAX_MEM);
					CHECK(plat.n_devs <= PLAT_MAX_DEVS);
					CHECK(plat.n_cpus <= PLAT_MAX_CPUS);
					CHECK(plat.gic.n_redist <= PLAT_MAX_REDIST);
					CHECK(plat.pcie.n_windows <= PLAT_MAX_PCI_WINDOWS);
					CHECK(plat.uart.present);
					CHECK(strlen(plat.bootargs) < sizeof(plat.bootargs));
				}
			}
			free(m);
		}
		free(blob);
	}
	printf("     fuzz: %u parsed, %u refused\n", parsed, failed);
	CHECK(parsed > 0);
}

int main(void)
{
	RUN(test_virt_smp4_2g);
	RUN(test_virt_n1_512m);
	RUN(test_virt_smp8_4g);
	RUN(test_virt_smmuv3);
	RUN(test_virt_gicv2);
	RUN(test_minimal_ok);
	RUN(test_no_memory);
	RUN(test_no_uart);
	RUN(test_bad_cells);
	RUN(test_memory_layouts);
	RUN(test_cpus);
	RUN(test_stdout_path);
	RUN(test_translation);
	RUN(test_gic_timer_psci);
	RUN(test_dtb_intids);
	RUN(test_pcie);
	RUN(test_devs_overflow);
	RUN(test_plat_helpers);
	RUN(test_fuzz_parse);
	return TEST_SUMMARY();
}
