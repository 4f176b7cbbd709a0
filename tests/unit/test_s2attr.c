// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the Stage-2 leaf attributes (mm/s2_attr.c) against the descriptor layout of the
 * Arm ARM (D8.5.5, Stage-2 block and page descriptors, FEAT_S2FWB disabled): MemAttr[5:2],
 * S2AP[7:6], SH[9:8], AF[10], XN[54:53]. The fields are spelled out here from the spec rather
 * than taken from mm/pgtable.h, so a wrong shift there is caught too.
 */
#include <stdint.h>

#include "mm/stage2.h"
#include "test.h"

/* Stage-2 lower and upper attributes, by bit position (Arm ARM D8.5.5). */
#define F_MEMATTR(x) ((uint64_t)(x) << 2)  /* [5:2] */
#define F_S2AP(x)    ((uint64_t)(x) << 6)  /* [7:6]: 00 none, 01 RO, 10 WO, 11 RW */
#define F_SH(x)	     ((uint64_t)(x) << 8)  /* [9:8]: 00 non, 10 outer, 11 inner */
#define F_AF	     ((uint64_t)1 << 10)   /* access flag */
#define F_XN(x)	     ((uint64_t)(x) << 53) /* [54:53]: 10 = no execution at EL1 or EL0 */

/* Everything s2_leaf_attrs may set: any other bit (valid, type, OA, contiguous ...) is wrong. */
#define ATTR_FIELDS (F_MEMATTR(0xf) | F_S2AP(3) | F_SH(3) | F_AF | F_XN(3))

struct attr_case {
	enum s2_type type;
	unsigned int perms;
	uint64_t want;
};

static const struct attr_case cases[] = {
	/* Normal memory: MemAttr 0b1111 (Outer and Inner Write-Back), Inner Shareable. */
	{ S2_NORMAL, S2_R, F_MEMATTR(0xf) | F_S2AP(1) | F_SH(3) | F_AF | F_XN(2) },
	{ S2_NORMAL, S2_W, F_MEMATTR(0xf) | F_S2AP(2) | F_SH(3) | F_AF | F_XN(2) },
	{ S2_NORMAL, S2_RW, F_MEMATTR(0xf) | F_S2AP(3) | F_SH(3) | F_AF | F_XN(2) },
	{ S2_NORMAL, S2_RWX, F_MEMATTR(0xf) | F_S2AP(3) | F_SH(3) | F_AF },
	{ S2_NORMAL, S2_R | S2_X, F_MEMATTR(0xf) | F_S2AP(1) | F_SH(3) | F_AF },
	{ S2_NORMAL, S2_X, F_MEMATTR(0xf) | F_S2AP(0) | F_SH(3) | F_AF },
	{ S2_NORMAL, 0, F_MEMATTR(0xf) | F_S2AP(0) | F_SH(3) | F_AF | F_XN(2) },
	/* Device-nGnRE: MemAttr 0b0001, SH 0 (device is Outer Shareable anyway), never executable. */
	{ S2_DEVICE, S2_R, F_MEMATTR(0x1) | F_S2AP(1) | F_AF | F_XN(2) },
	{ S2_DEVICE, S2_W, F_MEMATTR(0x1) | F_S2AP(2) | F_AF | F_XN(2) },
	{ S2_DEVICE, S2_RW, F_MEMATTR(0x1) | F_S2AP(3) | F_AF | F_XN(2) },
	{ S2_DEVICE, S2_RWX, F_MEMATTR(0x1) | F_S2AP(3) | F_AF | F_XN(2) },
	{ S2_DEVICE, S2_X, F_MEMATTR(0x1) | F_S2AP(0) | F_AF | F_XN(2) },
	{ S2_DEVICE, 0, F_MEMATTR(0x1) | F_S2AP(0) | F_AF | F_XN(2) },
};

static void test_leaf_attrs(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t a = s2_leaf_attrs(cases[i].type, cases[i].perms);

		if (a != cases[i].want)
			fprintf(stderr, "  case %zu: type %d perms %u\n", i, (int)cases[i].type,
				cases[i].perms);
		CHECK_EQ_U64(a, cases[i].want);
		CHECK_EQ_U64(a & ~ATTR_FIELDS, 0);
	}
	/* The same numbers written out, as they appear in a descriptor dump. */
	CHECK_EQ_U64(s2_leaf_attrs(S2_NORMAL, S2_RWX), 0x7fc);
	CHECK_EQ_U64(s2_leaf_attrs(S2_NORMAL, S2_RW), 0x00400000000007fcULL);
	CHECK_EQ_U64(s2_leaf_attrs(S2_NORMAL, S2_R), 0x004000000000077cULL);
	CHECK_EQ_U64(s2_leaf_attrs(S2_DEVICE, S2_RW), 0x00400000000004c4ULL);
	CHECK_EQ_U64(s2_leaf_attrs(S2_DEVICE, S2_R), 0x0040000000000444ULL);
	/* The pgtable.h names agree with the layout. */
	CHECK_EQ_U64(PTE_S2_XN, F_XN(2));
	CHECK_EQ_U64(PTE_S2_S2AP_RW, F_S2AP(3));
	CHECK_EQ_U64(PTE_SH_INNER, F_SH(3));
	CHECK_EQ_U64(PTE_S2_MEMATTR(S2_MEMATTR_NORMAL_WB), F_MEMATTR(0xf));
	CHECK_EQ_U64(PTE_S2_MEMATTR(S2_MEMATTR_DEVICE_nGnRE), F_MEMATTR(0x1));
}

static void test_memattr_names(void)
{
	/* MemAttr[3:2] 00: Device, [1:0] its type; otherwise [3:2] outer and [1:0] inner
	 * cacheability (01 NC, 10 WT, 11 WB), inner 00 being reserved. */
	static const char *const want[16] = {
		"Device-nGnRnE",
		"Device-nGnRE",
		"Device-nGRE",
		"Device-GRE",
		"reserved",
		"Normal Outer NC Inner NC",
		"Normal Outer NC Inner WT",
		"Normal Outer NC Inner WB",
		"reserved",
		"Normal Outer WT Inner NC",
		"Normal Outer WT Inner WT",
		"Normal Outer WT Inner WB",
		"reserved",
		"Normal Outer WB Inner NC",
		"Normal Outer WB Inner WT",
		"Normal Outer WB Inner WB",
	};

	for (unsigned int i = 0; i < 16; i++)
		CHECK_STR(s2_memattr_name(i), want[i]);

	/* Four names may be in use at once (one printk line). */
	const char *a = s2_memattr_name(0x5), *b = s2_memattr_name(0xa), *c = s2_memattr_name(0xf),
		   *d = s2_memattr_name(0x7);

	CHECK_STR(a, "Normal Outer NC Inner NC");
	CHECK_STR(b, "Normal Outer WT Inner WT");
	CHECK_STR(c, "Normal Outer WB Inner WB");
	CHECK_STR(d, "Normal Outer NC Inner WB");
	CHECK(a != b && b != c && c != d && a != d);
}

static void test_describe(void)
{
	char buf[128];
	const char *ret;

	/* A level-2 block of RAM as s2_map builds it (valid, block, OA 0x40000000). */
	ret = s2_describe_leaf(0x40000000 | s2_leaf_attrs(S2_NORMAL, S2_RWX) | 1, buf, sizeof(buf));
	CHECK(ret == buf);
	CHECK_STR(buf, "Normal Outer WB Inner WB, S2AP RW, SH inner, AF 1, exec");
	/* A page of device MMIO (valid, page). */
	s2_describe_leaf(0x09000000 | s2_leaf_attrs(S2_DEVICE, S2_RW) | 3, buf, sizeof(buf));
	CHECK_STR(buf, "Device-nGnRE, S2AP RW, SH non, AF 1, XN");
	s2_describe_leaf(s2_leaf_attrs(S2_NORMAL, S2_R) | 3, buf, sizeof(buf));
	CHECK_STR(buf, "Normal Outer WB Inner WB, S2AP RO, SH inner, AF 1, XN");
	s2_describe_leaf(s2_leaf_attrs(S2_DEVICE, S2_W), buf, sizeof(buf));
	CHECK_STR(buf, "Device-nGnRE, S2AP WO, SH non, AF 1, XN");
	s2_describe_leaf(s2_leaf_attrs(S2_NORMAL, 0), buf, sizeof(buf));
	CHECK_STR(buf, "Normal Outer WB Inner WB, S2AP none, SH inner, AF 1, XN");

	/* Fields the hypervisor never sets, from a guest-visible dump: XN 01 and 11 (FEAT_XNX),
	 * SH outer and reserved, AF clear, Device-nGnRnE, Normal Non-cacheable. */
	s2_describe_leaf(F_MEMATTR(0) | F_S2AP(3) | F_SH(2) | F_XN(1), buf, sizeof(buf));
	CHECK_STR(buf, "Device-nGnRnE, S2AP RW, SH outer, AF 0, XN(EL0 only: PXN)");
	s2_describe_leaf(F_MEMATTR(5) | F_S2AP(1) | F_SH(1) | F_AF | F_XN(3), buf, sizeof(buf));
	CHECK_STR(buf, "Normal Outer NC Inner NC, S2AP RO, SH reserved, AF 1, XN(EL1 only: UXN)");
	/* Bits outside the fields (OA, contiguous, software bits) do not change the text. */
	s2_describe_leaf(0xff80fffffffff803ULL | F_MEMATTR(0xf) | F_S2AP(3) | F_SH(3) | F_AF, buf,
			 sizeof(buf));
	CHECK_STR(buf, "Normal Outer WB Inner WB, S2AP RW, SH inner, AF 1, exec");

	/* A short buffer is cut and terminated. */
	char small[12];

	memset(small, 'x', sizeof(small));
	s2_describe_leaf(s2_leaf_attrs(S2_DEVICE, S2_RW), small, sizeof(small));
	CHECK_STR(small, "Device-nGnR");
}

int main(void)
{
	RUN(test_leaf_attrs);
	RUN(test_memattr_names);
	RUN(test_describe);
	return TEST_SUMMARY();
}
