// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the GICv3 register fields (kernel/arch/gicv3_regs.h): the ICC_SGI1R_EL1 value
 * the GIC driver writes (icc_sgi1r_encode) and the vGIC's reading of a guest's write
 * (icc_sgi1r_targets) agree for every affinity, and match layouts worked out from IHI 0069.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/gicv3_regs.h"
#include "test.h"

static uint64_t mpidr_of(unsigned int aff3, unsigned int aff2, unsigned int aff1, unsigned int aff0)
{
	return (uint64_t)aff3 << 32 | (uint64_t)aff2 << 16 | (uint64_t)aff1 << 8 | aff0;
}

/* Values worked out by hand from the field layout in IHI 0069, 12.2.23. */
static void test_sgi1r_layout(void)
{
	/* Aff3 0x12, Aff2 0x34, Aff1 0x56, Aff0 0x27 (RS 2, TargetList bit 7), SGI 5. */
	CHECK_EQ_U64(icc_sgi1r_encode(mpidr_of(0x12, 0x34, 0x56, 0x27), 5), 0x0012203405560080ULL);
	/* The guests' own writes (tests/guests): SGI 3 to Aff0 0, SGI 5 to Aff0 1. */
	CHECK_EQ_U64(icc_sgi1r_encode(0, 3), (3UL << 24) | 1);
	CHECK_EQ_U64(icc_sgi1r_encode(1, 5), (5UL << 24) | 2);
	/* MPIDR_EL1 bits outside the affinity fields (U, MT, RES1 bit 31) change nothing. */
	CHECK_EQ_U64(icc_sgi1r_encode(BIT(31) | BIT(30) | BIT(24) | 1, 5), (5UL << 24) | 2);
	/* Only SGIs 0-15 exist: INTID is four bits. */
	CHECK_EQ_U64(icc_sgi1r_encode(0, 0x13), (3UL << 24) | 1);
	CHECK_EQ_U64(icc_sgi1r_intid(0x0012203405560080ULL), 5);
	CHECK(icc_sgi1r_targets((3UL << 24) | 1, 0));
	CHECK(!icc_sgi1r_targets((3UL << 24) | 1, 1));
	CHECK(icc_sgi1r_targets((5UL << 24) | 2, 1));
	/* TargetList 0xffff with RS 1 names Aff0 16-31 and nothing else. */
	for (unsigned int aff0 = 0; aff0 < 256; aff0++)
		CHECK(icc_sgi1r_targets(FIELD_PREP(1, ICC_SGI1R_RS_SHIFT, ICC_SGI1R_RS_WIDTH) |
						0xffff,
					aff0) == (aff0 >= 16 && aff0 < 32));
	/* The driver never asks for "everyone but me". */
	CHECK(!(icc_sgi1r_encode(mpidr_of(0xff, 0xff, 0xff, 0xff), 15) & ICC_SGI1R_IRM));
}

/*
 * Every Aff0 (0-255) under a spread of Aff1/Aff2/Aff3 values, every SGI: what the driver
 * encodes for one PE is read back by the vGIC as that PE and no other, whether the other
 * differs in Aff0 (same or another RS block) or in any higher affinity level.
 */
static void test_sgi1r_round_trip(void)
{
	static const unsigned int upper[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };
	const unsigned int nu = sizeof(upper) / sizeof(upper[0]);
	unsigned long bad = 0, checked = 0;

	for (unsigned int u = 0; u < nu * nu * nu; u++) {
		unsigned int a3 = upper[u % nu], a2 = upper[u / nu % nu], a1 = upper[u / nu / nu];

		for (unsigned int aff0 = 0; aff0 < 256; aff0++) {
			uint64_t mpidr = mpidr_of(a3, a2, a1, aff0);
			unsigned int intid = (aff0 + u) % 16;
			uint64_t v = icc_sgi1r_encode(mpidr, intid);

			bad += icc_sgi1r_intid(v) != intid;
			bad += (v & ICC_SGI1R_IRM) != 0;
			/* Exactly one TargetList bit. */
			bad += __builtin_popcountll(FIELD_GET(v, ICC_SGI1R_TARGETLIST_SHIFT,
							      ICC_SGI1R_TARGETLIST_WIDTH)) != 1;
			/* Every Aff0 in this cluster: only the one encoded. */
			for (unsigned int t = 0; t < 256; t++) {
				bool hit = icc_sgi1r_targets(v, mpidr_of(a3, a2, a1, t));

				bad += hit != (t == aff0);
				checked++;
			}
			/* The same Aff0 in a cluster one step away at each level: never. */
			bad += icc_sgi1r_targets(v, mpidr_of(a3 ^ 1, a2, a1, aff0));
			bad += icc_sgi1r_targets(v, mpidr_of(a3, a2 ^ 1, a1, aff0));
			bad += icc_sgi1r_targets(v, mpidr_of(a3, a2, a1 ^ 1, aff0));
			bad += icc_sgi1r_targets(v, mpidr_of(a3 ^ 0x80, a2, a1, aff0));
			bad += icc_sgi1r_targets(v, mpidr_of(a3, a2 ^ 0x80, a1, aff0));
			bad += icc_sgi1r_targets(v, mpidr_of(a3, a2, a1 ^ 0x80, aff0));
			if (bad && test_failures_in_case == 0) {
				fprintf(stderr, "  MPIDR 0x%llx SGI %u: ICC_SGI1R_EL1 0x%016llx\n",
					(unsigned long long)mpidr, intid, (unsigned long long)v);
				test_failures_in_case++;
			}
		}
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(checked, 216UL * 256 * 256);
}

/* List-register fields: a pending Group 1 hardware interrupt, built and taken apart. */
static void test_ich_lr(void)
{
	uint64_t lr = ICH_LR_STATE(ICH_LR_STATE_PENDING) | ICH_LR_GROUP | ICH_LR_HW |
		      FIELD_PREP(48, ICH_LR_PINTID_SHIFT, ICH_LR_PINTID_WIDTH) |
		      FIELD_PREP(0xa0, ICH_LR_PRIORITY_SHIFT, ICH_LR_PRIORITY_WIDTH) |
		      FIELD_PREP(40, ICH_LR_VINTID_SHIFT, ICH_LR_VINTID_WIDTH);

	/* State 01 [63:62], HW [61], Group [60], Priority 0xa0 [55:48], pINTID 48, vINTID 40. */
	CHECK_EQ_U64(lr, 0x70a0003000000028ULL);
	CHECK_EQ_U64(FIELD_GET(lr, ICH_LR_STATE_SHIFT, ICH_LR_STATE_WIDTH), ICH_LR_STATE_PENDING);
	CHECK_EQ_U64(lr & ICH_LR_STATE_MASK, 1ULL << 62);
	CHECK_EQ_U64(ICH_LR_STATE(ICH_LR_STATE_PEND_ACT), 3ULL << 62);
	CHECK_EQ_U64(FIELD_GET(lr, ICH_LR_PINTID_SHIFT, ICH_LR_PINTID_WIDTH), 48);
	/* ICH_VTR_EL2 with 4 list registers and 5 priority and preemption bits (as in QEMU). */
	CHECK_EQ_U64(
		FIELD_GET(0x90080003ULL, ICH_VTR_EL2_LISTREGS_SHIFT, ICH_VTR_EL2_LISTREGS_WIDTH) +
			1,
		4);
	CHECK_EQ_U64(
		FIELD_GET(0x90080003ULL, ICH_VTR_EL2_PRIBITS_SHIFT, ICH_VTR_EL2_PRIBITS_WIDTH) + 1,
		5);
}

int main(void)
{
	RUN(test_sgi1r_layout);
	RUN(test_sgi1r_round_trip);
	RUN(test_ich_lr);
	return TEST_SUMMARY();
}
