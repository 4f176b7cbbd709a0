// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the FDT reader: the QEMU fixtures parse and walk correctly, and every truncated,
 * corrupted or randomly mutated blob is either rejected or read without leaving its bounds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kernel/lib/err.h"
#include "kernel/lib/fdt.h"
#include "fdt_build.h"
#include "test.h"

static const char *const fixture_names[] = {
	"virt-max-smp4-2G.dtb",	       "virt-neoverse-n1-smp1-512M.dtb", "virt-max-smp8-4G.dtb",
	"virt-max-smmuv3-smp2-1G.dtb", "virt-gicv2-smp2-1G.dtb",
};
/* Node counts as printed by dtc -O dts (lines opening a node). */
static const uint32_t fixture_nodes[] = { 62, 56, 70, 59, 58 };
#define N_FIXTURES (sizeof(fixture_names) / sizeof(fixture_names[0]))

static uint8_t *dup_bytes(const uint8_t *src, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (len)
		memcpy(d, src, len);
	return d;
}

/* Header fields by byte offset (Devicetree Specification 5.2). */
enum {
	H_MAGIC = 0,
	H_TOTAL = 4,
	H_OFF_STRUCT = 8,
	H_OFF_STRINGS = 12,
	H_OFF_RSV = 16,
	H_VERSION = 20,
	H_LAST_COMP = 24,
	H_SIZE_STRINGS = 32,
	H_SIZE_STRUCT = 36
};

/* Build, init and free; returns fdt_init()'s answer and leaves the reason in f. */
static int b_try(const struct fdtb *b, struct fdt *f)
{
	size_t size;
	uint8_t *blob = fdtb_blob(b, &size);
	int ret = fdt_init(f, blob, size);

	free(blob);
	return ret;
}

/* Read every node and property a consumer might, so ASan sees any stray access. */
static unsigned int walk_everything(const struct fdt *f)
{
	unsigned int nodes = 0;
	int depth = 0;

	for (int n = fdt_next_node(f, -1, &depth); n >= 0; n = fdt_next_node(f, n, &depth)) {
		uint32_t len = 0;
		const char *name = fdt_node_name(f, n);
		const uint8_t *reg = fdt_getprop(f, n, "reg", &len);
		uint32_t sum = 0;

		nodes++;
		sum += (uint32_t)strlen(name);
		for (uint32_t i = 0; reg && i < len; i++)
			sum += reg[i];
		/* An absent name compares against every property of the node. */
		CHECK(fdt_getprop(f, n, "no-such-property-anywhere", NULL) == NULL);
		const char *s = fdt_getprop_str(f, n, "compatible");
		if (s)
			sum += (uint32_t)strlen(s);
		(void)fdt_is_compatible(f, n, "arm,pl011");
		(void)fdt_node_enabled(f, n);
		(void)fdt_getprop_u32(f, n, "#address-cells", 2);
		(void)fdt_first_child(f, n);
		(void)fdt_next_sibling(f, n);
		(void)sum;
	}
	(void)fdt_find_phandle(f, 0x8001);
	(void)fdt_find_compatible(f, -1, "virtio,mmio");
	(void)fdt_path_offset(f, "/cpus/cpu@0");
	(void)fdt_path_offset(f, "/pl011");
	uint64_t a, s;
	for (unsigned int i = 0; fdt_mem_rsv(f, i, &a, &s) == 0 && i < 100000; i++)
		;
	return nodes;
}

static void test_header_fields(void)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		size_t size;
		uint8_t *blob = test_load_fixture(fixture_names[i], &size);
		struct fdt f;

		CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
		CHECK_STR(f.why, "");
		CHECK_EQ_U64(f.size, size);
		CHECK_EQ_U64(f.size, fdtb_get32(blob + H_TOTAL));
		CHECK_EQ_U64(f.off_struct, fdtb_get32(blob + H_OFF_STRUCT));
		CHECK_EQ_U64(f.size_struct, fdtb_get32(blob + H_SIZE_STRUCT));
		CHECK_EQ_U64(f.off_strings, fdtb_get32(blob + H_OFF_STRINGS));
		CHECK_EQ_U64(f.size_strings, fdtb_get32(blob + H_SIZE_STRINGS));
		CHECK_EQ_U64(f.version, 17);
		CHECK_EQ_U64(f.n_nodes, fixture_nodes[i]);
		CHECK_EQ_U64(fdt_root(&f), 0);
		CHECK_STR(fdt_node_name(&f, fdt_root(&f)), "");
		/* A larger bound than the blob is fine: totalsize decides. */
		CHECK_EQ_U64(fdt_init(&f, blob, size + 4096), 0);
		free(blob);
	}
}

static unsigned int count_tree(const struct fdt *f, int node, int depth, int *max_depth)
{
	unsigned int n = 1;

	if (depth > *max_depth)
		*max_depth = depth;
	for (int c = fdt_first_child(f, node); c >= 0; c = fdt_next_sibling(f, c))
		n += count_tree(f, c, depth + 1, max_depth);
	return n;
}

static void test_walk_counts(void)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		size_t size;
		uint8_t *blob = test_load_fixture(fixture_names[i], &size);
		struct fdt f;
		int depth = 0, max_walk = 0, max_tree = 0, n, last = 0;
		unsigned int count = 0;

		CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
		for (n = fdt_next_node(&f, -1, &depth); n >= 0; n = fdt_next_node(&f, n, &depth)) {
			count++;
			CHECK(n >= last);
			last = n;
			if (depth > max_walk)
				max_walk = depth;
		}
		CHECK_EQ_U64(n, E_NOENT);
		CHECK_EQ_U64(count, fixture_nodes[i]);
		CHECK_EQ_U64(count_tree(&f, fdt_root(&f), 0, &max_tree), fixture_nodes[i]);
		/* / -> cpus -> cpu-map -> socket0 -> cluster0 -> coreN */
		CHECK_EQ_U64(max_walk, 5);
		CHECK_EQ_U64(max_tree, 5);
		CHECK_EQ_U64(walk_everything(&f), fixture_nodes[i]);
		CHECK_EQ_U64(fdt_next_node(&f, -1, NULL), 0);
		free(blob);
	}
}

static void test_path_lookup(void)
{
	size_t size;
	uint8_t *blob = test_load_fixture("virt-max-smp4-2G.dtb", &size);
	struct fdt f;
	int n;

	CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
	CHECK_EQ_U64(fdt_path_offset(&f, "/"), 0);
	CHECK_EQ_U64(fdt_path_offset(&f, "//"), 0);
	n = fdt_path_offset(&f, "/cpus");
	CHECK(n > 0);
	CHECK_STR(fdt_node_name(&f, n), "cpus");
	CHECK_EQ_U64(fdt_path_offset(&f, "/cpus/"), n);
	n = fdt_path_offset(&f, "/cpus/cpu@3");
	CHECK(n > 0);
	CHECK_STR(fdt_node_name(&f, n), "cpu@3");
	n = fdt_path_offset(&f, "/cpus/cpu-map/socket0/cluster0/core2");
	CHECK(n > 0);
	CHECK_STR(fdt_node_name(&f, n), "core2");
	n = fdt_path_offset(&f, "/pl011@9000000");
	CHECK(n > 0);
	CHECK_STR(fdt_node_name(&f, n), "pl011@9000000");
	/* The base name alone works when only one node has it... */
	CHECK_EQ_U64(fdt_path_offset(&f, "/pl011"), n);
	n = fdt_path_offset(&f, "/intc/its");
	CHECK(n > 0);
	CHECK_STR(fdt_node_name(&f, n), "its@8080000");
	/* ...and not when several do. */
	CHECK_EQ_U64(fdt_path_offset(&f, "/virtio_mmio"), E_NOENT);
	CHECK_EQ_U64(fdt_path_offset(&f, "/cpus/cpu"), E_NOENT);
	CHECK_EQ_U64(fdt_path_offset(&f, "/pl011@9000001"), E_NOENT);
	CHECK_EQ_U64(fdt_path_offset(&f, "/pl01"), E_NOENT);
	CHECK_EQ_U64(fdt_path_offset(&f, "/nonexistent"), E_NOENT);
	CHECK_EQ_U64(fdt_path_offset(&f, "/cpus/cpu@0/nothing"), E_NOENT);
	CHECK_EQ_U64(fdt_path_offset(&f, "cpus"), E_NOENT);
	CHECK_EQ_U64(fdt_path_offset(&f, ""), E_NOENT);
	CHECK_EQ_U64(fdt_path_offset(&f, NULL), E_NOENT);

	/* Children and siblings. */
	n = fdt_first_child(&f, fdt_path_offset(&f, "/cpus"));
	CHECK_STR(fdt_node_name(&f, n), "cpu-map");
	n = fdt_next_sibling(&f, n);
	CHECK_STR(fdt_node_name(&f, n), "cpu@0");
	n = fdt_next_sibling(&f, fdt_path_offset(&f, "/cpus/cpu@3"));
	CHECK_EQ_U64(n, E_NOENT);
	CHECK_EQ_U64(fdt_first_child(&f, fdt_path_offset(&f, "/cpus/cpu@3")), E_NOENT);
	CHECK_EQ_U64(fdt_next_sibling(&f, 0), E_NOENT);
	free(blob);
}

static void test_getprop(void)
{
	size_t size;
	uint8_t *blob = test_load_fixture("virt-max-smp4-2G.dtb", &size);
	struct fdt f;
	const uint8_t *v;
	uint32_t len = 0;
	int uart, root;

	CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
	root = fdt_root(&f);
	CHECK_STR(fdt_getprop_str(&f, root, "model"), "linux,dummy-virt");
	CHECK_STR(fdt_getprop_str(&f, root, "compatible"), "linux,dummy-virt");
	CHECK_EQ_U64(fdt_getprop_u32(&f, root, "#address-cells", 0), 2);
	CHECK_EQ_U64(fdt_getprop_u32(&f, root, "#size-cells", 0), 2);
	CHECK_EQ_U64(fdt_getprop_u32(&f, root, "no-such", 77), 77);
	CHECK(fdt_getprop(&f, root, "no-such", &len) == NULL);
	CHECK(fdt_getprop_str(&f, root, "no-such") == NULL);

	uart = fdt_path_offset(&f, "/pl011@9000000");
	v = fdt_getprop(&f, uart, "reg", &len);
	CHECK(v != NULL);
	CHECK_EQ_U64(len, 16);
	if (v) {
		CHECK_EQ_U64(fdt_read_cells(v, 2), 0x9000000);
		CHECK_EQ_U64(fdt_read_cells(v + 8, 2), 0x1000);
		CHECK_EQ_U64(fdt_be32(v + 4), 0x9000000);
		CHECK_EQ_U64(fdt_read_cells(v, 1), 0);
		CHECK_EQ_U64(fdt_read_cells(v, 0), 0);
	}
	/* Boolean properties have length 0 and still exist. */
	v = fdt_getprop(&f, fdt_path_offset(&f, "/intc@8000000"), "interrupt-controller", &len);
	CHECK(v != NULL);
	CHECK_EQ_U64(len, 0);
	CHECK(fdt_getprop_str(&f, fdt_path_offset(&f, "/intc@8000000"), "ranges") == NULL);
	/* Only the node's own properties, not those of its children. */
	CHECK(fdt_getprop(&f, fdt_path_offset(&f, "/cpus"), "device_type", NULL) == NULL);
	CHECK_STR(fdt_getprop_str(&f, fdt_path_offset(&f, "/chosen"), "stdout-path"),
		  "/pl011@9000000");
	/* fdt_be32 at an odd address reads bytes, never a misaligned word. */
	{
		static const uint8_t raw[] = { 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };

		CHECK_EQ_U64(fdt_be32(raw + 1), 0x12345678);
		CHECK_EQ_U64(fdt_read_cells(raw + 1, 2), 0x123456789abcdef0ULL);
	}
	free(blob);
}

static void test_compatible_phandle(void)
{
	size_t size;
	uint8_t *blob = test_load_fixture("virt-max-smp4-2G.dtb", &size);
	struct fdt f;
	int uart, n, count = 0;

	CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
	uart = fdt_path_offset(&f, "/pl011@9000000");
	CHECK(fdt_is_compatible(&f, uart, "arm,pl011"));
	CHECK(fdt_is_compatible(&f, uart, "arm,primecell"));
	CHECK(!fdt_is_compatible(&f, uart, "arm,pl01"));
	CHECK(!fdt_is_compatible(&f, uart, "arm,pl0111"));
	CHECK(!fdt_is_compatible(&f, uart, "primecell"));
	CHECK(!fdt_is_compatible(&f, uart, ""));
	CHECK(!fdt_is_compatible(&f, fdt_path_offset(&f, "/cpus"), "arm,pl011"));
	CHECK_EQ_U64(fdt_find_compatible(&f, -1, "arm,pl011"), uart);
	CHECK_EQ_U64(fdt_find_compatible(&f, uart, "arm,pl011"), E_NOENT);
	for (n = fdt_find_compatible(&f, -1, "virtio,mmio"); n >= 0;
	     n = fdt_find_compatible(&f, n, "virtio,mmio"))
		count++;
	CHECK_EQ_U64(count, 32);
	n = fdt_find_compatible(&f, -1, "arm,psci-0.2");
	CHECK_STR(fdt_node_name(&f, n), "psci");

	CHECK_STR(fdt_node_name(&f, fdt_find_phandle(&f, 0x8005)), "intc@8000000");
	CHECK_STR(fdt_node_name(&f, fdt_find_phandle(&f, 0x8006)), "its@8080000");
	CHECK_STR(fdt_node_name(&f, fdt_find_phandle(&f, 0x8001)), "cpu@3");
	CHECK_EQ_U64(fdt_find_phandle(&f, 0), E_NOENT);
	CHECK_EQ_U64(fdt_find_phandle(&f, 0xffffffff), E_NOENT);
	CHECK_EQ_U64(fdt_find_phandle(&f, 0x12345), E_NOENT);
	CHECK(fdt_node_enabled(&f, uart));
	free(blob);
}

static void test_builder_basics(void)
{
	struct fdtb *b = calloc(1, sizeof(*b));
	struct fdt f;
	size_t size;
	uint8_t *blob;
	uint64_t a, s;
	int n;

	b->rsv[0][0] = 0x48000000;
	b->rsv[0][1] = 0x100000;
	b->rsv[1][0] = 0x1234567800000000ULL;
	b->rsv[1][1] = 0x2000;
	b->n_rsv = 2;
	fdtb_begin(b, "");
	fdtb_cells(b, "#address-cells", 1, 1);
	fdtb_begin(b, "a@1");
	fdtb_str(b, "status", "disabled");
	fdtb_end(b);
	fdtb_begin(b, "b@2");
	fdtb_str(b, "status", "okay");
	fdtb_prop(b, "blob", "\x01\x02\x03", 3);
	fdtb_str(b, "compatible", "x,one");
	fdtb_end(b);
	fdtb_begin(b, "c@3");
	fdtb_str(b, "status", "ok");
	fdtb_u32(b, 4); /* FDT_NOP between properties */
	fdtb_prop(b, "linux,phandle", "\x00\x00\x00\x07", 4);
	fdtb_end(b);
	fdtb_begin(b, "d");
	fdtb_prop(b, "status", "okay", 4); /* not terminated: neither a string nor "okay" */
	fdtb_prop(b, "compatible", "x,two\0x,thr", 11);
	fdtb_end(b);
	fdtb_u32(b, 4);
	fdtb_end(b);
	fdtb_u32(b, 4);
	fdtb_u32(b, 9);
	blob = fdtb_blob(b, &size);
	CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
	CHECK_EQ_U64(f.n_nodes, 5);
	CHECK(!fdt_node_enabled(&f, fdt_path_offset(&f, "/a@1")));
	CHECK(fdt_node_enabled(&f, fdt_path_offset(&f, "/b")));
	CHECK(fdt_node_enabled(&f, fdt_path_offset(&f, "/c")));
	n = fdt_path_offset(&f, "/d");
	CHECK(n > 0);
	CHECK(!fdt_node_enabled(&f, n));
	CHECK(fdt_getprop_str(&f, n, "status") == NULL);
	CHECK(fdt_is_compatible(&f, n, "x,two"));
	CHECK(!fdt_is_compatible(&f, n, "x,thr"));
	CHECK_EQ_U64(fdt_getprop_u32(&f, fdt_path_offset(&f, "/b"), "blob", 9), 9);
	CHECK_STR(fdt_node_name(&f, fdt_find_phandle(&f, 7)), "c@3");
	CHECK_EQ_U64(fdt_mem_rsv(&f, 0, &a, &s), 0);
	CHECK_EQ_U64(a, 0x48000000);
	CHECK_EQ_U64(s, 0x100000);
	CHECK_EQ_U64(fdt_mem_rsv(&f, 1, &a, &s), 0);
	CHECK_EQ_U64(a, 0x1234567800000000ULL);
	CHECK_EQ_U64(s, 0x2000);
	CHECK_EQ_U64(fdt_mem_rsv(&f, 2, &a, &s), E_NOENT);

	/* Version 16 has no size_dt_struct: the walk still finds FDT_END. */
	fdtb_put32(blob + H_VERSION, 16);
	fdtb_put32(blob + H_SIZE_STRUCT, 0xffffffff);
	CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
	CHECK_EQ_U64(f.n_nodes, 5);
	CHECK_EQ_U64(fdt_path_offset(&f, "/c"), fdt_path_offset(&f, "/c@3"));
	free(blob);
	free(b);
}

/* Every prefix of a fixture is rejected, whether or not the header admits the truncation. */
static void test_truncation(void)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		size_t size;
		uint8_t *blob = test_load_fixture(fixture_names[i], &size);
		unsigned int accepted = 0, silent = 0;
		struct fdt f;

		for (size_t len = 0; len < size; len++) {
			uint8_t *cut = dup_bytes(blob, len);

			if (fdt_init(&f, cut, len) == 0)
				accepted++;
			else if (!f.why[0])
				silent++;
			/* A header that agrees with the cut length must fail on a block bound. */
			if (len >= FDT_HEADER_SIZE) {
				fdtb_put32(cut + H_TOTAL, (uint32_t)len);
				if (fdt_init(&f, cut, len) == 0)
					accepted++;
			}
			free(cut);
		}
		/* A structure block cut short anywhere loses FDT_END or a token's tail. */
		uint32_t sst = fdtb_get32(blob + H_SIZE_STRUCT);
		uint8_t *copy = dup_bytes(blob, size);
		for (uint32_t s = 0; s < sst; s++) {
			fdtb_put32(copy + H_SIZE_STRUCT, s);
			if (fdt_init(&f, copy, size) == 0)
				accepted++;
		}
		/* So does a strings block cut short (the last name loses its NUL or its start). */
		fdtb_put32(copy + H_SIZE_STRUCT, sst);
		fdtb_put32(copy + H_SIZE_STRINGS, fdtb_get32(blob + H_SIZE_STRINGS) - 1);
		if (fdt_init(&f, copy, size) == 0)
			accepted++;
		CHECK_EQ_U64(accepted, 0);
		CHECK_EQ_U64(silent, 0);
		free(copy);
		free(blob);
	}
}

static int init_patched(const uint8_t *blob, size_t size, unsigned int field, uint32_t v,
			struct fdt *f)
{
	uint8_t *copy = dup_bytes(blob, size);
	int ret;

	fdtb_put32(copy + field, v);
	ret = fdt_init(f, copy, size);
	free(copy);
	return ret;
}

static void test_corrupt_header(void)
{
	size_t size;
	uint8_t *blob = test_load_fixture("virt-max-smp4-2G.dtb", &size);
	uint32_t total = (uint32_t)size, ost = fdtb_get32(blob + H_OFF_STRUCT);
	uint32_t ostr = fdtb_get32(blob + H_OFF_STRINGS), sstr = fdtb_get32(blob + H_SIZE_STRINGS);
	struct fdt f;

	CHECK_EQ_U64(fdt_init(&f, NULL, 100), E_BADFDT);
	CHECK_EQ_U64(init_patched(blob, size, H_MAGIC, 0xfeedd00d, &f), E_BADFDT);
	CHECK(strstr(f.why, "magic") != NULL);
	CHECK_EQ_U64(fdt_root(&f), E_BADFDT);
	CHECK_EQ_U64(fdt_next_node(&f, -1, NULL), E_NOENT);
	CHECK(fdt_getprop(&f, 0, "model", NULL) == NULL);
	CHECK_EQ_U64(init_patched(blob, size, H_VERSION, 15, &f), E_BADFDT);
	CHECK(strstr(f.why, "version") != NULL);
	CHECK_EQ_U64(init_patched(blob, size, H_LAST_COMP, 18, &f), E_BADFDT);
	CHECK(strstr(f.why, "last_comp_version") != NULL);
	CHECK_EQ_U64(init_patched(blob, size, H_TOTAL, 39, &f), E_BADFDT);
	CHECK_EQ_U64(init_patched(blob, size, H_TOTAL, total + 1, &f), E_BADFDT);
	CHECK(strstr(f.why, "totalsize") != NULL);
	CHECK_EQ_U64(init_patched(blob, size, H_TOTAL, 0xffffffff, &f), E_BADFDT);
	/* Offsets past the end, and ones whose sum with the size wraps around 32 bits. */
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_STRUCT, total, &f), E_BADFDT);
	CHECK(strstr(f.why, "structure block") != NULL);
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_STRUCT, 0xfffffff0, &f), E_BADFDT);
	CHECK_EQ_U64(init_patched(blob, size, H_SIZE_STRUCT, 0xffffffff - ost + 1, &f), E_BADFDT);
	CHECK_EQ_U64(init_patched(blob, size, H_SIZE_STRUCT, 0xfffffffc, &f), E_BADFDT);
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_STRUCT, ost + 2, &f), E_BADFDT);
	CHECK(strstr(f.why, "aligned") != NULL);
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_STRUCT, 0, &f), E_BADFDT);
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_STRINGS, total - sstr + 1, &f), E_BADFDT);
	CHECK(strstr(f.why, "strings block") != NULL);
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_STRINGS, 0xffffffff, &f), E_BADFDT);
	CHECK_EQ_U64(init_patched(blob, size, H_SIZE_STRINGS, 0xffffffff - ostr + 2, &f), E_BADFDT);
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_RSV, total, &f), E_BADFDT);
	CHECK(strstr(f.why, "reservation") != NULL);
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_RSV, total - 8, &f), E_BADFDT);
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_RSV, 0xfffffff8, &f), E_BADFDT);
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_RSV, 44, &f), E_BADFDT);
	/* A map that starts too close to the end has no room for its terminator. */
	CHECK_EQ_U64(init_patched(blob, size, H_OFF_RSV, (total - 8) & ~7U, &f), E_BADFDT);
	CHECK_EQ_U64(fdt_init(&f, blob, 39), E_BADFDT);
	CHECK_EQ_U64(fdt_init(&f, blob, size - 1), E_BADFDT);
	CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
	free(blob);
}

/* A root with one property and one child: the base for single-defect variants below. */
static void b_small_tree(struct fdtb *b)
{
	fdtb_begin(b, "");
	fdtb_str(b, "model", "m");
	fdtb_begin(b, "child@1");
	fdtb_cells(b, "reg", 2, 1, 2);
	fdtb_end(b);
	fdtb_end(b);
}

static void test_bad_tokens(void)
{
	struct fdtb *b = calloc(1, sizeof(*b));
	struct fdt f;
	size_t size;
	uint8_t *blob;

	/* The base tree is fine. */
	b_small_tree(b);
	fdtb_u32(b, 9);
	CHECK_EQ_U64(b_try(b, &f), 0);
	CHECK_EQ_U64(f.n_nodes, 2);

	/* A property name offset at or past the end of the strings block. */
	blob = fdtb_blob(b, &size);
	{
		uint32_t ost = fdtb_get32(blob + H_OFF_STRUCT),
			 sstr = fdtb_get32(blob + H_SIZE_STRINGS);
		uint32_t root_prop = ost + 8; /* after FDT_BEGIN_NODE and the empty, padded name */

		CHECK_EQ_U64(fdtb_get32(blob + root_prop), 3);
		fdtb_put32(blob + root_prop + 8, sstr);
		CHECK_EQ_U64(fdt_init(&f, blob, size), E_BADFDT);
		CHECK(strstr(f.why, "name offset") != NULL);
		fdtb_put32(blob + root_prop + 8, 0xffffffff);
		CHECK_EQ_U64(fdt_init(&f, blob, size), E_BADFDT);
		fdtb_put32(blob + root_prop + 8, 0);
		/* A value length running past the structure block, also wrapping. */
		fdtb_put32(blob + root_prop + 4, fdtb_get32(blob + H_SIZE_STRUCT));
		CHECK_EQ_U64(fdt_init(&f, blob, size), E_BADFDT);
		CHECK(strstr(f.why, "runs past") != NULL);
		fdtb_put32(blob + root_prop + 4, 0xfffffffe);
		CHECK_EQ_U64(fdt_init(&f, blob, size), E_BADFDT);
		fdtb_put32(blob + root_prop + 4, 2);
		CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
		/* An unknown token. */
		fdtb_put32(blob + root_prop, 5);
		CHECK_EQ_U64(fdt_init(&f, blob, size), E_BADFDT);
		CHECK(strstr(f.why, "unknown token") != NULL);
		/* Version 16 headers take the structure block to the end of the blob. */
		fdtb_put32(blob + root_prop, 3);
		fdtb_put32(blob + H_VERSION, 16);
		fdtb_put32(blob + H_LAST_COMP, 16);
		CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
	}
	free(blob);

	/* Strings block whose last name has lost its NUL (the next byte in memory is not NUL). */
	memset(b, 0, sizeof(*b));
	fdtb_begin(b, "");
	fdtb_str(b, "abc", "v");
	fdtb_end(b);
	fdtb_u32(b, 9);
	blob = fdtb_blob(b, &size);
	fdtb_put32(blob + H_SIZE_STRINGS, 3);
	CHECK_EQ_U64(fdt_init(&f, blob, size), E_BADFDT);
	CHECK(strstr(f.why, "not terminated") != NULL);
	free(blob);

	/* A node name not terminated inside the structure block, with strings right after. */
	memset(b, 0, sizeof(*b));
	fdtb_u32(b, 1);
	memcpy(b->st + b->st_len, "abcd", 4);
	b->st_len += 4;
	fdtb_string(b, "xyz");
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);
	memset(b, 0, sizeof(*b));
	fdtb_begin(b, "");
	fdtb_u32(b, 1);
	memcpy(b->st + b->st_len, "abcd", 4);
	b->st_len += 4;
	fdtb_string(b, "xyz");
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);
	CHECK(strstr(f.why, "node name not terminated") != NULL);

	/* An END_NODE with nothing open. */
	memset(b, 0, sizeof(*b));
	b_small_tree(b);
	fdtb_end(b);
	fdtb_u32(b, 9);
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);
	CHECK(strstr(f.why, "FDT_END_NODE") != NULL);

	/* The root left open at FDT_END. */
	memset(b, 0, sizeof(*b));
	fdtb_begin(b, "");
	fdtb_begin(b, "a");
	fdtb_end(b);
	fdtb_u32(b, 9);
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);
	CHECK(strstr(f.why, "FDT_END inside") != NULL);

	/* No FDT_END at all. */
	memset(b, 0, sizeof(*b));
	b_small_tree(b);
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);
	CHECK(strstr(f.why, "without FDT_END") != NULL);
	/* Only NOPs where FDT_END should be. */
	fdtb_u32(b, 4);
	fdtb_u32(b, 4);
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);

	/* Two roots. */
	memset(b, 0, sizeof(*b));
	b_small_tree(b);
	b_small_tree(b);
	fdtb_u32(b, 9);
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);
	CHECK(strstr(f.why, "after the root") != NULL);

	/* A root with a name, and a tree that starts with something other than the root. */
	memset(b, 0, sizeof(*b));
	fdtb_begin(b, "root");
	fdtb_end(b);
	fdtb_u32(b, 9);
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);
	CHECK(strstr(f.why, "root") != NULL);
	memset(b, 0, sizeof(*b));
	fdtb_u32(b, 4);
	b_small_tree(b);
	fdtb_u32(b, 9);
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);
	memset(b, 0, sizeof(*b));
	fdtb_u32(b, 9);
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);
	memset(b, 0, sizeof(*b));
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);

	/* A property outside any node. */
	memset(b, 0, sizeof(*b));
	b_small_tree(b);
	fdtb_str(b, "late", "x");
	fdtb_u32(b, 9);
	CHECK_EQ_U64(b_try(b, &f), E_BADFDT);
	CHECK(strstr(f.why, "outside") != NULL);

	/* Nesting: FDT_MAX_DEPTH levels are fine, one more is not. */
	for (int extra = 0; extra <= 1; extra++) {
		memset(b, 0, sizeof(*b));
		fdtb_begin(b, "");
		for (int d = 1; d < FDT_MAX_DEPTH + extra; d++)
			fdtb_begin(b, "n");
		for (int d = 0; d < FDT_MAX_DEPTH + extra; d++)
			fdtb_end(b);
		fdtb_u32(b, 9);
		CHECK_EQ_U64(b_try(b, &f), extra ? E_BADFDT : 0);
	}
	{
		char path[2 * FDT_MAX_DEPTH + 1] = "";
		int n;

		memset(b, 0, sizeof(*b));
		fdtb_begin(b, "");
		for (int d = 1; d < FDT_MAX_DEPTH; d++)
			fdtb_begin(b, "n");
		for (int d = 0; d < FDT_MAX_DEPTH; d++)
			fdtb_end(b);
		fdtb_u32(b, 9);
		blob = fdtb_blob(b, &size);
		CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
		for (int d = 1; d < FDT_MAX_DEPTH; d++)
			strcat(path, "/n");
		n = fdt_path_offset(&f, path);
		CHECK(n > 0);
		CHECK_EQ_U64(fdt_first_child(&f, n), E_NOENT);
		free(blob);
	}
	free(b);
}

/* Accessors given offsets that are not nodes must answer "nothing" and stay in bounds. */
static void test_bogus_offsets(void)
{
	size_t size;
	uint8_t *blob = test_load_fixture("virt-max-smp4-2G.dtb", &size);
	struct fdt f;
	int depth;

	CHECK_EQ_U64(fdt_init(&f, blob, size), 0);
	for (int off = -8; off < (int)f.size_struct + 8; off++) {
		depth = 0;
		(void)fdt_node_name(&f, off);
		(void)fdt_getprop(&f, off, "reg", NULL);
		(void)fdt_getprop(&f, off, "none", NULL);
		(void)fdt_first_child(&f, off);
		(void)fdt_next_sibling(&f, off);
		(void)fdt_next_node(&f, off, &depth);
		(void)fdt_is_compatible(&f, off, "arm,pl011");
		(void)fdt_node_enabled(&f, off);
	}
	CHECK_STR(fdt_node_name(&f, 3), "");
	CHECK_STR(fdt_node_name(&f, 0x7ffffffc), "");
	CHECK(fdt_getprop(&f, -4, "model", NULL) == NULL);
	free(blob);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
	/* xorshift64*: fixed seed, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static void test_fuzz(void)
{
	unsigned int accepted = 0, rejected = 0;

	for (size_t i = 0; i < N_FIXTURES; i++) {
		size_t size;
		uint8_t *blob = test_load_fixture(fixture_names[i], &size);
		uint32_t ost = fdtb_get32(blob + H_OFF_STRUCT),
			 sst = fdtb_get32(blob + H_SIZE_STRUCT);

		for (int iter = 0; iter < 1000; iter++) {
			uint8_t *m = dup_bytes(blob, size);
			int flips = 1 + (int)(rng() % 4);
			struct fdt f;

			for (int k = 0; k < flips; k++) {
				uint32_t r = rng(), pos;

				switch (r % 4) {
				case 0: /* anywhere */
					pos = rng() % (uint32_t)size;
					m[pos] = (uint8_t)rng();
					break;
				case 1: /* a header field */
					pos = rng() % FDT_HEADER_SIZE;
					m[pos] ^= (uint8_t)(1u << (rng() % 8));
					break;
				case 2: /* the low byte of an aligned word in the structure block */
					pos = ost + (rng() % (sst / 4)) * 4 + 3;
					m[pos] = (uint8_t)(rng() % 12);
					break;
				default: /* one bit in the structure block */
					pos = ost + rng() % sst;
					m[pos] ^= (uint8_t)(1u << (rng() % 8));
					break;
				}
			}
			if (fdt_init(&f, m, size) == 0) {
				accepted++;
				CHECK(walk_everything(&f) == f.n_nodes);
			} else {
				rejected++;
				CHECK(f.why[0] != '\0');
			}
			free(m);
		}
		free(blob);
	}
	printf("     fuzz: %u accepted, %u rejected\n", accepted, rejected);
	CHECK(accepted > 0);
	CHECK(rejected > 0);
}

int main(void)
{
	RUN(test_header_fields);
	RUN(test_walk_counts);
	RUN(test_path_lookup);
	RUN(test_getprop);
	RUN(test_compatible_phandle);
	RUN(test_builder_basics);
	RUN(test_truncation);
	RUN(test_corrupt_header);
	RUN(test_bad_tokens);
	RUN(test_bogus_offsets);
	RUN(test_fuzz);
	return TEST_SUMMARY();
}
