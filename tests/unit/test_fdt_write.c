// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the FDT writer: blobs read back with kernel/fdt.c, every buffer size that is too
 * small, every misuse, and byte-for-byte agreement with dtc compiling the same tree.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel/lib/err.h"
#include "kernel/lib/fdt.h"
#include "kernel/lib/fdt_write.h"
#include "test.h"

#define CANARY	   0xa5
#define CANARY_LEN 64

static uint32_t be32(const uint8_t *p)
{
	return fdt_be32(p);
}

/* A tree using every property helper, nesting and two reservations. */
static int build_sample(void *buf, size_t size, uint32_t *total)
{
	static const char *const compat[] = { "test,board", "test,generic" };
	static const uint32_t mem_reg[] = { 0, 0x40000000, 0, 0x80000000 };
	static const uint32_t gic_reg[] = { 0, 0x8000000, 0, 0x10000 };
	static const uint32_t a_reg[] = { 0, 1, 0, 1 };
	static const uint8_t blob[] = { 1, 2, 3 };
	struct fdt_w w;

	fdt_w_init(&w, buf, size);
	fdt_w_reserve(&w, 0x80000000, 0x100000);
	fdt_w_reserve(&w, 0xffffffff00000000ULL, 0x1000);
	fdt_w_begin_node(&w, "");
	fdt_w_prop_u32(&w, "#address-cells", 2);
	fdt_w_prop_u32(&w, "#size-cells", 2);
	fdt_w_prop_strlist(&w, "compatible", compat, 2);
	fdt_w_prop_str(&w, "model", "unit test");
	fdt_w_prop_u32(&w, "interrupt-parent", 0x10);
	fdt_w_prop_empty(&w, "dma-coherent");
	fdt_w_prop(&w, "blob", blob, sizeof(blob));

	fdt_w_begin_node(&w, "chosen");
	fdt_w_prop_str(&w, "bootargs", "console=ttyAMA0 root=/dev/vda");
	fdt_w_prop_str(&w, "stdout-path", "/uart@9000000");
	fdt_w_end_node(&w);

	fdt_w_begin_node(&w, "memory@40000000");
	fdt_w_prop_str(&w, "device_type", "memory");
	fdt_w_prop_cells(&w, "reg", mem_reg, 4);
	fdt_w_end_node(&w);

	fdt_w_begin_node(&w, "intc@8000000");
	fdt_w_prop_str(&w, "compatible", "arm,gic-v3");
	fdt_w_prop_cells(&w, "reg", gic_reg, 4);
	fdt_w_prop_u32(&w, "#address-cells", 0);
	fdt_w_prop_empty(&w, "interrupt-controller");
	fdt_w_prop_u32(&w, "#interrupt-cells", 3);
	fdt_w_prop_u32(&w, "linux,phandle", 0x10);
	fdt_w_prop_u32(&w, "phandle", 0x10); /* shares "linux,phandle"'s tail */
	fdt_w_end_node(&w);

	fdt_w_begin_node(&w, "a@1");
	fdt_w_prop_cells(&w, "reg", a_reg, 4);
	fdt_w_prop_u32(&w, "#address-cells", 1);
	fdt_w_prop_u32(&w, "#size-cells", 0);
	fdt_w_begin_node(&w, "b");
	fdt_w_begin_node(&w, "c");
	fdt_w_prop_u64(&w, "value", 0x123456789abcdef0ULL);
	fdt_w_prop_str(&w, "empty-string", "");
	fdt_w_end_node(&w);
	fdt_w_end_node(&w);
	fdt_w_begin_node(&w, "b@2");
	fdt_w_prop_u32(&w, "reg", 2);
	fdt_w_end_node(&w);
	fdt_w_end_node(&w);

	fdt_w_end_node(&w);
	return fdt_w_finish(&w, total);
}

/* The same tree as dtc source. */
static const char sample_dts[] =
	"/dts-v1/;\n"
	"/memreserve/ 0x80000000 0x100000;\n"
	"/memreserve/ 0xffffffff00000000 0x1000;\n"
	"/ {\n"
	"	#address-cells = <2>;\n"
	"	#size-cells = <2>;\n"
	"	compatible = \"test,board\", \"test,generic\";\n"
	"	model = \"unit test\";\n"
	"	interrupt-parent = <0x10>;\n"
	"	dma-coherent;\n"
	"	blob = [01 02 03];\n"
	"	chosen {\n"
	"		bootargs = \"console=ttyAMA0 root=/dev/vda\";\n"
	"		stdout-path = \"/uart@9000000\";\n"
	"	};\n"
	"	memory@40000000 {\n"
	"		device_type = \"memory\";\n"
	"		reg = <0 0x40000000 0 0x80000000>;\n"
	"	};\n"
	"	intc@8000000 {\n"
	"		compatible = \"arm,gic-v3\";\n"
	"		reg = <0 0x8000000 0 0x10000>;\n"
	"		#address-cells = <0>;\n"
	"		interrupt-controller;\n"
	"		#interrupt-cells = <3>;\n"
	"		linux,phandle = <0x10>;\n"
	"		phandle = <0x10>;\n"
	"	};\n"
	"	a@1 {\n"
	"		reg = <0 1 0 1>;\n"
	"		#address-cells = <1>;\n"
	"		#size-cells = <0>;\n"
	"		b {\n"
	"			c {\n"
	"				value = /bits/ 64 <0x123456789abcdef0>;\n"
	"				empty-string = \"\";\n"
	"			};\n"
	"		};\n"
	"		b@2 {\n"
	"			reg = <2>;\n"
	"		};\n"
	"	};\n"
	"};\n";

static uint32_t sample_size(void)
{
	static uint8_t buf[4096];
	uint32_t total = 0;

	if (build_sample(buf, sizeof(buf), &total))
		return 0;
	return total;
}

static void test_minimal(void)
{
	uint8_t buf[256];
	struct fdt_w w;
	struct fdt f;
	uint32_t total = 0;

	memset(buf, CANARY, sizeof(buf));
	CHECK(fdt_w_init(&w, buf, sizeof(buf)) == 0);
	CHECK(fdt_w_begin_node(&w, "") == 0);
	CHECK(fdt_w_end_node(&w) == 0);
	CHECK(fdt_w_finish(&w, &total) == 0);
	/* header 40 + empty reservation map 16 + root 8 + FDT_END_NODE 4 + FDT_END 4 */
	CHECK_EQ_U64(total, 72);
	CHECK_EQ_U64(be32(buf + 0), FDT_MAGIC);
	CHECK_EQ_U64(be32(buf + 4), 72);
	CHECK_EQ_U64(be32(buf + 8), 56);  /* off_dt_struct */
	CHECK_EQ_U64(be32(buf + 12), 72); /* off_dt_strings */
	CHECK_EQ_U64(be32(buf + 16), 40); /* off_mem_rsvmap */
	CHECK_EQ_U64(be32(buf + 20), 17); /* version */
	CHECK_EQ_U64(be32(buf + 24), 16); /* last_comp_version */
	CHECK_EQ_U64(be32(buf + 28), 0);  /* boot_cpuid_phys */
	CHECK_EQ_U64(be32(buf + 32), 0);  /* size_dt_strings */
	CHECK_EQ_U64(be32(buf + 36), 16); /* size_dt_struct */
	CHECK(fdt_init(&f, buf, total) == 0);
	CHECK_EQ_U64(f.n_nodes, 1);
	CHECK(fdt_first_child(&f, fdt_root(&f)) == E_NOENT);
	/* A NULL total_size is allowed. */
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	fdt_w_end_node(&w);
	CHECK(fdt_w_finish(&w, NULL) == 0);
}

static void test_round_trip(void)
{
	static uint8_t buf[4096];
	struct fdt f;
	uint32_t total = 0, len = 0;
	uint64_t addr = 0, size = 0;
	const uint8_t *v;
	int root, n;

	memset(buf, CANARY, sizeof(buf));
	CHECK(build_sample(buf, sizeof(buf), &total) == 0);
	CHECK(total > 72 && total < sizeof(buf));
	CHECK(fdt_init(&f, buf, total) == 0);
	if (fdt_init(&f, buf, total)) {
		fprintf(stderr, "fdt_init: %s\n", f.why);
		return;
	}
	CHECK_EQ_U64(f.n_nodes, 8);
	CHECK_EQ_U64(be32(buf + 8) % 4, 0);

	CHECK(fdt_mem_rsv(&f, 0, &addr, &size) == 0);
	CHECK_EQ_U64(addr, 0x80000000);
	CHECK_EQ_U64(size, 0x100000);
	CHECK(fdt_mem_rsv(&f, 1, &addr, &size) == 0);
	CHECK_EQ_U64(addr, 0xffffffff00000000ULL);
	CHECK_EQ_U64(size, 0x1000);
	CHECK(fdt_mem_rsv(&f, 2, &addr, &size) == E_NOENT);

	root = fdt_root(&f);
	CHECK_EQ_U64(fdt_getprop_u32(&f, root, "#address-cells", 0), 2);
	CHECK_EQ_U64(fdt_getprop_u32(&f, root, "#size-cells", 0), 2);
	CHECK(fdt_is_compatible(&f, root, "test,board"));
	CHECK(fdt_is_compatible(&f, root, "test,generic"));
	CHECK(!fdt_is_compatible(&f, root, "test"));
	CHECK_STR(fdt_getprop_str(&f, root, "model"), "unit test");
	CHECK(fdt_getprop(&f, root, "dma-coherent", &len) != NULL);
	CHECK_EQ_U64(len, 0);
	v = fdt_getprop(&f, root, "blob", &len);
	CHECK(v && len == 3 && v[0] == 1 && v[1] == 2 && v[2] == 3);
	CHECK(fdt_getprop(&f, root, "missing", NULL) == NULL);

	/* Children in the order written. */
	n = fdt_first_child(&f, root);
	CHECK_STR(fdt_node_name(&f, n), "chosen");
	n = fdt_next_sibling(&f, n);
	CHECK_STR(fdt_node_name(&f, n), "memory@40000000");
	n = fdt_next_sibling(&f, n);
	CHECK_STR(fdt_node_name(&f, n), "intc@8000000");
	n = fdt_next_sibling(&f, n);
	CHECK_STR(fdt_node_name(&f, n), "a@1");
	CHECK(fdt_next_sibling(&f, n) == E_NOENT);

	n = fdt_path_offset(&f, "/chosen");
	CHECK_STR(fdt_getprop_str(&f, n, "bootargs"), "console=ttyAMA0 root=/dev/vda");
	CHECK_STR(fdt_getprop_str(&f, n, "stdout-path"), "/uart@9000000");
	n = fdt_path_offset(&f, "/memory@40000000");
	CHECK_STR(fdt_getprop_str(&f, n, "device_type"), "memory");
	v = fdt_getprop(&f, n, "reg", &len);
	CHECK(v && len == 16);
	if (v) {
		CHECK_EQ_U64(fdt_read_cells(v, 2), 0x40000000);
		CHECK_EQ_U64(fdt_read_cells(v + 8, 2), 0x80000000);
	}
	n = fdt_find_phandle(&f, 0x10);
	CHECK_STR(fdt_node_name(&f, n), "intc@8000000");
	CHECK(fdt_getprop(&f, n, "interrupt-controller", &len) && len == 0);
	CHECK_EQ_U64(fdt_getprop_u32(&f, n, "linux,phandle", 0), 0x10);
	CHECK_EQ_U64(fdt_getprop_u32(&f, n, "phandle", 0), 0x10);
	n = fdt_path_offset(&f, "/a@1/b/c");
	v = fdt_getprop(&f, n, "value", &len);
	CHECK(v && len == 8 && fdt_read_cells(v, 2) == 0x123456789abcdef0ULL);
	CHECK(v && v[0] == 0x12 && v[7] == 0xf0); /* big-endian, high cell first */
	CHECK_STR(fdt_getprop_str(&f, n, "empty-string"), "");
	CHECK(fdt_path_offset(&f, "/a@1/b@2") >= 0);
	/* Nothing written beyond totalsize except the (stale) strings area at the top. */
	CHECK(buf[total] == CANARY);
}

/* Each distinct name once; a name that is the tail of an earlier one shares its bytes. */
static void test_string_dedup(void)
{
	static uint8_t buf[4096];
	const char *strings;
	uint32_t total = 0, size_strings, nameoff_lp = ~0U, nameoff_p = ~0U;
	struct fdt f;
	size_t expect = 0;
	static const char *const names[] = {
		"#address-cells",   "#size-cells",   "compatible", "model",
		"interrupt-parent", "dma-coherent",  "blob",	   "bootargs",
		"stdout-path",	    "device_type",   "reg",	   "interrupt-controller",
		"#interrupt-cells", "linux,phandle", "value",	   "empty-string"
	};

	CHECK(build_sample(buf, sizeof(buf), &total) == 0);
	CHECK(fdt_init(&f, buf, total) == 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		expect += strlen(names[i]) + 1;
	size_strings = be32(buf + 32);
	CHECK_EQ_U64(size_strings, expect);
	strings = (const char *)buf + be32(buf + 12);
	/* Names in first-use order, each exactly once. */
	CHECK_STR(strings, "#address-cells");
	CHECK_STR(strings + strlen("#address-cells") + 1, "#size-cells");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int count = 0;

		for (uint32_t off = 0; off < size_strings;
		     off += (uint32_t)strlen(strings + off) + 1)
			count += !strcmp(strings + off, names[i]);
		CHECK(count == 1);
	}
	/* "phandle" points into "linux,phandle". */
	for (uint32_t off = be32(buf + 8); off < be32(buf + 8) + be32(buf + 36);) {
		uint32_t tok = be32(buf + off);

		if (tok == 3) {
			uint32_t no = be32(buf + off + 8);

			if (!strcmp(strings + no, "linux,phandle"))
				nameoff_lp = no;
			if (!strcmp(strings + no, "phandle"))
				nameoff_p = no;
			off += 12 + ((be32(buf + off + 4) + 3) & ~3U);
		} else if (tok == 1) {
			off += 4 + (((uint32_t)strlen((const char *)buf + off + 4) + 4) & ~3U);
		} else {
			off += 4;
		}
	}
	CHECK(nameoff_lp != ~0U && nameoff_p == nameoff_lp + strlen("linux,"));
}

/* Every size below the need fails with E_NOMEM and stays inside its bound. */
static void test_nomem_every_size(void)
{
	uint32_t need = sample_size(), total;
	uint8_t *big = malloc(need + CANARY_LEN);

	CHECK(need > 0);
	for (uint32_t s = 0; s < need; s++) {
		uint8_t *exact = malloc(s ? s : 1); /* ASan catches any write past s bytes */
		int rc;

		total = 0xdead;
		rc = build_sample(exact, s, &total);
		if (rc != E_NOMEM)
			fprintf(stderr, "size %u: rc %d\n", s, rc);
		CHECK(rc == E_NOMEM);
		CHECK(total == 0xdead);
		free(exact);

		memset(big, CANARY, need + CANARY_LEN);
		CHECK(build_sample(big, s, &total) == E_NOMEM);
		for (uint32_t i = s; i < need + CANARY_LEN; i++)
			if (big[i] != CANARY) {
				fprintf(stderr, "size %u: byte %u written\n", s, i);
				CHECK(big[i] == CANARY);
				break;
			}
	}
	memset(big, CANARY, need + CANARY_LEN);
	CHECK(build_sample(big, need, &total) == 0);
	CHECK_EQ_U64(total, need);
	for (uint32_t i = need; i < need + CANARY_LEN; i++)
		CHECK(big[i] == CANARY);
	free(big);
}

/* A misuse sequence gives E_INVAL from the offending call, from later calls and from finish. */
static int finish_err(struct fdt_w *w)
{
	uint32_t total = 0xdead;
	int rc = fdt_w_finish(w, &total);

	CHECK(total == 0xdead);
	return rc;
}

static void test_misuse(void)
{
	static uint8_t buf[4096];
	static const char *const bad_list[] = { "a", NULL };
	char name[FDT_W_NAME_MAX + 2];
	struct fdt_w w;

	/* Property outside any node, before and after the root. */
	fdt_w_init(&w, buf, sizeof(buf));
	CHECK(fdt_w_prop_u32(&w, "x", 1) == E_INVAL);
	CHECK(fdt_w_begin_node(&w, "") == E_INVAL); /* sticky */
	CHECK(finish_err(&w) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	fdt_w_end_node(&w);
	CHECK(fdt_w_prop_empty(&w, "x") == E_INVAL);
	CHECK(finish_err(&w) == E_INVAL);

	/* Unbalanced end, open nodes at finish, no root at all. */
	fdt_w_init(&w, buf, sizeof(buf));
	CHECK(fdt_w_end_node(&w) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	fdt_w_end_node(&w);
	CHECK(fdt_w_end_node(&w) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	fdt_w_begin_node(&w, "n");
	fdt_w_end_node(&w);
	CHECK(finish_err(&w) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	CHECK(finish_err(&w) == E_INVAL);

	/* Reservations: after the first node, empty, wrapping. */
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_reserve(&w, 0x1000, 0x1000) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	CHECK(fdt_w_reserve(&w, 0x1000, 0) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	CHECK(fdt_w_reserve(&w, 0xfffffffffffff000ULL, 0x2000) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	CHECK(fdt_w_reserve(&w, 0xfffffffffffff000ULL, 0x1000) == 0); /* up to the top is fine */

	/* Root: named, or a second one. */
	fdt_w_init(&w, buf, sizeof(buf));
	CHECK(fdt_w_begin_node(&w, "root") == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	fdt_w_end_node(&w);
	CHECK(fdt_w_begin_node(&w, "") == E_INVAL);

	/* Node names. */
	static const char *const bad_nodes[] = { "",	  "a/b",    "@1",  "a@",
						 "a@1@2", "sp ace", "a:b", "\xc3\xa9" };
	for (size_t i = 0; i < sizeof(bad_nodes) / sizeof(bad_nodes[0]); i++) {
		fdt_w_init(&w, buf, sizeof(buf));
		fdt_w_begin_node(&w, "");
		CHECK(fdt_w_begin_node(&w, bad_nodes[i]) == E_INVAL);
	}
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_begin_node(&w, NULL) == E_INVAL);
	memset(name, 'n', sizeof(name));
	name[FDT_W_NAME_MAX] = '\0';
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_begin_node(&w, name) == 0); /* exactly the bound */
	fdt_w_end_node(&w);
	name[FDT_W_NAME_MAX] = 'n';
	name[FDT_W_NAME_MAX + 1] = '\0';
	CHECK(fdt_w_begin_node(&w, name) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_begin_node(&w, "A-Z,a.z_0+9@1,f") == 0);

	/* Property names. */
	static const char *const bad_props[] = { "", "a b", "a@b", "a/b", "a=b" };
	for (size_t i = 0; i < sizeof(bad_props) / sizeof(bad_props[0]); i++) {
		fdt_w_init(&w, buf, sizeof(buf));
		fdt_w_begin_node(&w, "");
		CHECK(fdt_w_prop_empty(&w, bad_props[i]) == E_INVAL);
	}
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_prop_empty(&w, "#a,b.c_d+e?f-g") == 0);
	CHECK(fdt_w_prop_empty(&w, name) == E_INVAL); /* one over the bound */
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_prop_empty(&w, NULL) == E_INVAL);

	/* A property after a subnode, a duplicate property, duplicate siblings. */
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	fdt_w_begin_node(&w, "n");
	fdt_w_end_node(&w);
	CHECK(fdt_w_prop_u32(&w, "late", 1) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	fdt_w_prop_u32(&w, "x", 1);
	fdt_w_prop_u32(&w, "y", 1);
	CHECK(fdt_w_prop_u32(&w, "x", 2) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	fdt_w_prop_u32(&w, "x", 1);
	fdt_w_begin_node(&w, "n");
	CHECK(fdt_w_prop_u32(&w, "x", 2) == 0); /* same name in another node */
	fdt_w_begin_node(&w, "m");
	fdt_w_end_node(&w);
	fdt_w_end_node(&w);
	CHECK(fdt_w_begin_node(&w, "n@1") == 0); /* differs from "n" */
	fdt_w_begin_node(&w, "m");		 /* "m" under another parent */
	fdt_w_end_node(&w);
	fdt_w_end_node(&w);
	CHECK(fdt_w_begin_node(&w, "n") == E_INVAL);

	/* Values: NULL data with a length, NULL cells, empty or broken string lists. */
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_prop(&w, "x", NULL, 4) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_prop_cells(&w, "x", NULL, 2) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_prop_cells(&w, "x", NULL, 0) == 0);
	CHECK(fdt_w_prop_strlist(&w, "y", bad_list, 0) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_prop_strlist(&w, "y", bad_list, 2) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_prop_strlist(&w, "y", NULL, 1) == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_prop_str(&w, "y", NULL) == E_INVAL);

	/* No buffer. */
	CHECK(fdt_w_init(&w, NULL, 100) == E_INVAL);
	CHECK(fdt_w_begin_node(&w, "") == E_INVAL);
	CHECK(finish_err(&w) == E_INVAL);
}

static void test_depth(void)
{
	static uint8_t buf[4096];
	struct fdt_w w;
	struct fdt f;
	uint32_t total = 0;
	int depth = 0, n, deepest = 0;

	/* FDT_MAX_DEPTH open nodes (the root and 31 below it) are what fdt_init() accepts. */
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	for (int i = 1; i < FDT_MAX_DEPTH; i++)
		CHECK(fdt_w_begin_node(&w, "d") == 0);
	CHECK(fdt_w_begin_node(&w, "d") == E_INVAL);
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	for (int i = 1; i < FDT_MAX_DEPTH; i++)
		fdt_w_begin_node(&w, "d");
	for (int i = 0; i < FDT_MAX_DEPTH; i++)
		fdt_w_end_node(&w);
	CHECK(fdt_w_finish(&w, &total) == 0);
	CHECK(fdt_init(&f, buf, total) == 0);
	for (n = fdt_next_node(&f, -1, &depth); n >= 0; n = fdt_next_node(&f, n, &depth))
		if (depth > deepest)
			deepest = depth;
	CHECK_EQ_U64(deepest, FDT_MAX_DEPTH - 1);
}

/* The first error wins; nothing changes after it or after a successful finish. */
static void test_sticky(void)
{
	static uint8_t buf[4096], copy[4096];
	struct fdt_w w;
	uint32_t total = 0;

	/* E_NOMEM first, then misuse: still E_NOMEM. */
	fdt_w_init(&w, buf, 80);
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_prop(&w, "big", buf, 100) == E_NOMEM);
	CHECK(fdt_w_end_node(&w) == E_NOMEM);
	CHECK(fdt_w_end_node(&w) == E_NOMEM);
	CHECK(fdt_w_finish(&w, &total) == E_NOMEM);

	/* Misuse first, then running out of room: still E_INVAL. */
	fdt_w_init(&w, buf, 80);
	fdt_w_begin_node(&w, "");
	CHECK(fdt_w_prop(&w, "bad name", buf, 1) == E_INVAL);
	CHECK(fdt_w_prop(&w, "big", buf, 100) == E_INVAL);
	CHECK(fdt_w_finish(&w, &total) == E_INVAL);

	/* Calls after a successful finish are misuse and leave the blob alone. */
	fdt_w_init(&w, buf, sizeof(buf));
	fdt_w_begin_node(&w, "");
	fdt_w_prop_u32(&w, "x", 1);
	fdt_w_end_node(&w);
	CHECK(fdt_w_finish(&w, &total) == 0);
	memcpy(copy, buf, sizeof(buf));
	CHECK(fdt_w_prop_u32(&w, "y", 2) == E_INVAL);
	CHECK(fdt_w_finish(&w, &total) == E_INVAL);
	CHECK(!memcmp(copy, buf, sizeof(buf)));

	/* A buffer smaller than the header fails at once. */
	CHECK(fdt_w_init(&w, buf, FDT_HEADER_SIZE - 1) == E_NOMEM);
	CHECK(fdt_w_init(&w, buf, FDT_HEADER_SIZE) == 0);
}

/* Unaligned buffers work: everything is written a byte at a time. */
static void test_unaligned(void)
{
	static uint8_t buf[4096 + 3];
	uint32_t total = 0;
	struct fdt f;

	CHECK(build_sample(buf + 3, 4096, &total) == 0);
	CHECK(fdt_init(&f, buf + 3, total) == 0);
}

static bool have_dtc(void)
{
	return system("command -v dtc >/dev/null 2>&1") == 0;
}

static bool write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	bool ok = fp && fwrite(data, 1, len, fp) == len;

	if (fp)
		ok = !fclose(fp) && ok;
	return ok;
}

static long read_file(const char *path, uint8_t *buf, size_t max)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (!fp)
		return -1;
	n = fread(buf, 1, max, fp);
	fclose(fp);
	return (long)n;
}

/* dtc compiles the same source to exactly our bytes, and reads our blob back without a word. */
static void test_dtc(void)
{
	static uint8_t ours[4096], theirs[4096], err[4096];
	char dir[] = "/tmp/fdt_write_XXXXXX", cmd[1024], src[64], bin[64], out[64], log[64];
	uint32_t total = 0;
	long n;

	if (!have_dtc()) {
		printf("     (dtc not on PATH: comparison skipped)\n");
		return;
	}
	CHECK(build_sample(ours, sizeof(ours), &total) == 0);
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(src, sizeof(src), "%s/s.dts", dir);
	snprintf(bin, sizeof(bin), "%s/s.dtb", dir);
	snprintf(out, sizeof(out), "%s/o.dts", dir);
	snprintf(log, sizeof(log), "%s/err", dir);
	CHECK(write_file(src, sample_dts, strlen(sample_dts)));
	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o %s %s", bin, src);
	CHECK(system(cmd) == 0);
	n = read_file(bin, theirs, sizeof(theirs));
	CHECK_EQ_U64(n, total);
	CHECK(n == (long)total && !memcmp(ours, theirs, total));
	if (n == (long)total)
		for (uint32_t i = 0; i < total; i++)
			if (ours[i] != theirs[i]) {
				fprintf(stderr, "first difference at 0x%x\n", i);
				break;
			}

	CHECK(write_file(bin, ours, total));
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o %s %s 2>%s", out, bin, log);
	CHECK(system(cmd) == 0);
	n = read_file(log, err, sizeof(err) - 1);
	CHECK(n == 0);
	if (n > 0) {
		err[n] = '\0';
		fprintf(stderr, "dtc said:\n%s", (char *)err);
	}
	unlink(src);
	unlink(bin);
	unlink(out);
	unlink(log);
	rmdir(dir);
}

int main(void)
{
	RUN(test_minimal);
	RUN(test_round_trip);
	RUN(test_string_dedup);
	RUN(test_nomem_every_size);
	RUN(test_misuse);
	RUN(test_depth);
	RUN(test_sticky);
	RUN(test_unaligned);
	RUN(test_dtc);
	return TEST_SUMMARY();
}
