// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The FDT writer and the guest DTB, read back with our own parser and platform discovery. */
#include <stdlib.h>

#include "kernel/dtb_gen.h"
#include "kernel/err.h"
#include "kernel/fdt.h"
#include "kernel/platform.h"
#include "test.h"

static uint8_t buf[16384];

static struct guest_dtb_desc desc(unsigned int cpus)
{
	struct guest_dtb_desc d = {
		.model = "test",
		.ram_base = 0x40000000,
		.ram_size = 64UL << 20,
		.n_cpus = cpus,
		.gicd_base = 0x08000000,
		.gicd_size = 0x10000,
		.gicr_base = 0x080a0000,
		.gicr_size = 0x20000UL * cpus,
		.timer_intids = { 29, 30, 27, 26 },
		.uart_base = 0x09000000,
		.uart_size = 0x1000,
		.uart_intid = 33,
		.uart_clock_hz = 24000000,
		.bootargs = "console=ttyAMA0 stay",
	};

	for (unsigned int i = 0; i < cpus; i++)
		d.mpidr[i] = i;
	return d;
}

static void test_writer_roundtrip(void)
{
	struct dtbgen g;
	struct fdt f;
	uint32_t size, len;
	uint32_t cells[2] = { 1, 0xdeadbeef };
	const uint8_t *p;
	int n;

	dtbgen_init(&g, buf, sizeof(buf));
	dtbgen_begin_node(&g, "");
	dtbgen_prop_u32(&g, "x", 7);
	dtbgen_begin_node(&g, "child@10");
	dtbgen_prop_cells(&g, "reg", cells, 2);
	dtbgen_prop_str(&g, "label", "hello");
	dtbgen_prop_u32(&g, "x", 8); /* the name "x" is stored once */
	dtbgen_end_node(&g);
	dtbgen_end_node(&g);
	CHECK(dtbgen_finish(&g, &size) == 0);
	CHECK_EQ_U64(g.strings_len, strlen("x") + 1 + strlen("reg") + 1 + strlen("label") + 1);
	CHECK(fdt_init(&f, buf, size) == 0);
	n = fdt_path_offset(&f, "/child@10");
	CHECK(n >= 0);
	CHECK_STR(fdt_getprop_str(&f, n, "label"), "hello");
	CHECK_EQ_U64(fdt_getprop_u32(&f, n, "x", 0), 8);
	CHECK_EQ_U64(fdt_getprop_u32(&f, fdt_root(&f), "x", 0), 7);
	p = fdt_getprop(&f, n, "reg", &len);
	CHECK(p && len == 8 && fdt_read_cells(p, 2) == 0x1deadbeefUL);
}

static void test_writer_errors(void)
{
	struct dtbgen g;
	uint32_t size, need;
	struct guest_dtb_desc d = desc(4);

	/* Misuse: a property outside a node, unbalanced end, open node at finish. */
	dtbgen_init(&g, buf, sizeof(buf));
	dtbgen_prop_u32(&g, "x", 1);
	CHECK(dtbgen_finish(&g, &size) == E_INVAL);
	dtbgen_init(&g, buf, sizeof(buf));
	dtbgen_end_node(&g);
	CHECK(dtbgen_finish(&g, &size) == E_INVAL);
	dtbgen_init(&g, buf, sizeof(buf));
	dtbgen_begin_node(&g, "");
	CHECK(dtbgen_finish(&g, &size) == E_INVAL);
	/* Every buffer too small fails cleanly and never writes past its end. */
	CHECK(guest_dtb_build(&d, buf, sizeof(buf), &need) == 0);
	for (uint32_t s = 0; s < need; s++) {
		uint8_t *b = malloc(s + 1);

		b[s] = 0xa5; /* canary just past the bound */
		CHECK(guest_dtb_build(&d, b, s, &size) == E_NOMEM);
		CHECK_EQ_U64(b[s], 0xa5);
		free(b);
	}
}

static void test_guest_dtb_parses(void)
{
	static struct platform p;
	struct fdt f;
	char why[128] = "";
	uint32_t size;

	for (unsigned int cpus = 1; cpus <= 8; cpus += 3) {
		struct guest_dtb_desc d = desc(cpus);

		CHECK(guest_dtb_build(&d, buf, sizeof(buf), &size) == 0);
		CHECK(fdt_init(&f, buf, size) == 0);
		CHECK(plat_parse(&p, &f, why, sizeof(why)) == 0);
		CHECK_EQ_U64(p.n_mem, 1);
		CHECK_EQ_U64(p.mem[0].base, 0x40000000);
		CHECK_EQ_U64(p.mem[0].size, 64UL << 20);
		CHECK_EQ_U64(p.n_cpus, cpus);
		for (unsigned int i = 0; i < cpus; i++) {
			CHECK_EQ_U64(p.cpus[i].mpidr, i);
			CHECK(p.cpus[i].psci);
		}
		CHECK(p.uart.present);
		CHECK_EQ_U64(p.uart.reg.base, 0x09000000);
		CHECK_EQ_U64(p.uart.intid, 33);
		CHECK_EQ_U64(p.uart.clock_hz, 24000000);
		CHECK_EQ_U64(p.gic.version, 3);
		CHECK_EQ_U64(p.gic.dist.base, 0x08000000);
		CHECK_EQ_U64(p.gic.redist[0].base, 0x080a0000);
		CHECK_EQ_U64(p.gic.redist[0].size, 0x20000UL * cpus);
		CHECK_EQ_U64(p.timer.intid_virt, 27);
		CHECK_EQ_U64(p.timer.intid_phys, 30);
		CHECK(p.psci.present);
		CHECK_EQ_U64(p.psci.conduit, PSCI_CONDUIT_HVC);
		CHECK_STR(p.bootargs, "console=ttyAMA0 stay");
		CHECK(!p.pcie.present);
	}
}

static void test_guest_dtb_validation(void)
{
	struct guest_dtb_desc d = desc(1);
	uint32_t size;

	d.n_cpus = 0;
	CHECK(guest_dtb_build(&d, buf, sizeof(buf), &size) == E_INVAL);
	d = desc(1);
	d.n_cpus = 9;
	CHECK(guest_dtb_build(&d, buf, sizeof(buf), &size) == E_INVAL);
	d = desc(1);
	d.uart_intid = 20; /* not an SPI */
	CHECK(guest_dtb_build(&d, buf, sizeof(buf), &size) == E_INVAL);
	d = desc(1);
	d.ram_base = 0x40000800;
	CHECK(guest_dtb_build(&d, buf, sizeof(buf), &size) == E_INVAL);
	CHECK(guest_dtb_build(NULL, buf, sizeof(buf), &size) == E_INVAL);
}

int main(void)
{
	RUN(test_writer_roundtrip);
	RUN(test_writer_errors);
	RUN(test_guest_dtb_parses);
	RUN(test_guest_dtb_validation);
	return TEST_SUMMARY();
}
