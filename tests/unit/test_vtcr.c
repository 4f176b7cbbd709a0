// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of VTCR_EL2 derivation from ID_AA64MMFR0/1_EL1 and of its decoder (Arm ARM D23.2
 * VTCR_EL2; D8.2.6 for concatenated Stage-2 root tables).
 */
#include <stdint.h>

#include "kernel/lib/err.h"
#include "mm/vtcr.h"
#include "test.h"

/* ID_AA64MMFR0_EL1 fields: PARange 3:0, TGran4 31:28, TGran4_2 43:40. */
static uint64_t mmfr0(unsigned int parange, unsigned int tgran4, unsigned int tgran4_2)
{
	return (uint64_t)parange | (uint64_t)tgran4 << 28 | (uint64_t)tgran4_2 << 40;
}

/* ID_AA64MMFR1_EL1.VMIDBits, bits 7:4: 0 = 8 bits, 2 = 16 bits. */
static uint64_t mmfr1(unsigned int vmidbits)
{
	return (uint64_t)vmidbits << 4;
}

struct vtcr_case {
	unsigned int parange;
	uint64_t vtcr; /* expected, with 8-bit VMIDs */
	unsigned int ipa_bits, level, roots;
};

/*
 * Worked by hand: RES1 bit 31 | PS 18:16 | SH0 13:12 = 3 | ORGN0 11:10 = 1 | IRGN0 9:8 = 1 |
 * SL0 7:6 | T0SZ 5:0, TG0 = 0 (4 KiB). 0x3500 is the SH0/ORGN0/IRGN0 part.
 */
static const struct vtcr_case cases[] = {
	{ 0, 0x80003560, 32, 1, 1 }, /* T0SZ 32, SL0 1 (level 1) */
	{ 1, 0x8001355c, 36, 1, 1 }, /* T0SZ 28 */
	{ 2, 0x80023558, 40, 1, 2 }, /* T0SZ 24: two concatenated level-1 tables */
	{ 3, 0x80033596, 42, 0, 1 }, /* T0SZ 22, SL0 2 (level 0) */
	{ 4, 0x80043594, 44, 0, 1 }, /* T0SZ 20 */
	{ 5, 0x80053590, 48, 0, 1 }, /* T0SZ 16 */
	{ 6, 0x80053590, 48, 0, 1 }, /* 52-bit PA: stays at 48 (no FEAT_LPA2 descriptors) */
	{ 7, 0x80053590, 48, 0, 1 }, /* 56-bit PA (FEAT_D128): likewise */
};

static void test_compute(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vtcr_case *c = &cases[i];
		uint64_t v = 0, v16 = 0;

		CHECK_EQ_U64(vtcr_compute(mmfr0(c->parange, 0, 0), mmfr1(0), &v), 0);
		CHECK_EQ_U64(v, c->vtcr);
		CHECK(v & (1UL << 31));
		CHECK_EQ_U64(v & 0x3f, 64 - c->ipa_bits);
		CHECK_EQ_U64((v >> 14) & 3, 0); /* TG0 = 4 KiB */
		/* 16-bit VMIDs set VS (bit 19) and nothing else. */
		CHECK_EQ_U64(vtcr_compute(mmfr0(c->parange, 0, 0), mmfr1(2), &v16), 0);
		CHECK_EQ_U64(v16, c->vtcr | (1UL << 19));
		/* TGran4_2 = 2 or 3 (supported, 3 = with 52-bit) gives the same. */
		CHECK_EQ_U64(vtcr_compute(mmfr0(c->parange, 0, 2), mmfr1(0), &v), 0);
		CHECK_EQ_U64(v, c->vtcr);
		CHECK_EQ_U64(vtcr_compute(mmfr0(c->parange, 1, 3), mmfr1(0), &v), 0);
		CHECK_EQ_U64(v, c->vtcr);
	}
	/* Only VMIDBits == 2 means 16 bits (1 and 3 are reserved). */
	for (unsigned int vb = 0; vb < 16; vb++) {
		uint64_t v = 0;

		CHECK_EQ_U64(vtcr_compute(mmfr0(5, 0, 0), mmfr1(vb) | 0xffffff0fULL, &v), 0);
		CHECK_EQ_U64(!!(v & (1UL << 19)), vb == 2);
	}
}

static void test_refused(void)
{
	uint64_t v = 0x1234;

	/* TGran4_2 == 1: 4 KiB granule not supported at stage 2. */
	CHECK_EQ_U64(vtcr_compute(mmfr0(5, 0, 1), 0, &v), (uint64_t)(int64_t)E_NOTSUP);
	/* TGran4_2 == 0 defers to TGran4; 0xf there means no 4 KiB granule at all. */
	CHECK_EQ_U64(vtcr_compute(mmfr0(5, 0xf, 0), 0, &v), (uint64_t)(int64_t)E_NOTSUP);
	/* TGran4_2 != 0 overrides TGran4. */
	CHECK_EQ_U64(vtcr_compute(mmfr0(5, 0xf, 2), 0, &v), 0);
	v = 0x1234;
	/* Reserved PARange encodings. */
	for (unsigned int p = 8; p < 16; p++)
		CHECK_EQ_U64(vtcr_compute(mmfr0(p, 0, 0), 0, &v), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(v, 0x1234); /* untouched on failure */
}

static void test_decode(void)
{
	unsigned int bits, level, roots;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;

		vtcr_compute(mmfr0(cases[i].parange, 0, 0), mmfr1(2), &v);
		bits = level = roots = 99;
		vtcr_decode(v, &bits, &level, &roots);
		CHECK_EQ_U64(bits, cases[i].ipa_bits);
		CHECK_EQ_U64(level, cases[i].level);
		CHECK_EQ_U64(roots, cases[i].roots);
	}
	/* Hand-made values: level 2 start with 16 concatenated tables (34-bit IPA) ... */
	vtcr_decode(0x80000000 | 30, &bits, &level, &roots);
	CHECK_EQ_U64(bits, 34);
	CHECK_EQ_U64(level, 2);
	CHECK_EQ_U64(roots, 16);
	/* ... level 1 with 8 tables (42-bit IPA), and level 0 with 48 bits. */
	vtcr_decode(0x80000040 | 22, &bits, &level, &roots);
	CHECK_EQ_U64(bits, 42);
	CHECK_EQ_U64(level, 1);
	CHECK_EQ_U64(roots, 8);
	vtcr_decode(0x80000080 | 16, &bits, &level, &roots);
	CHECK_EQ_U64(bits, 48);
	CHECK_EQ_U64(level, 0);
	CHECK_EQ_U64(roots, 1);
	/* Bits other than T0SZ and SL0 (VS, PS, SH0, TG0 ...) do not disturb it. */
	vtcr_decode(0xffffffffffffff58ULL, &bits, &level, &roots);
	CHECK_EQ_U64(bits, 40);
	CHECK_EQ_U64(level, 1);
	CHECK_EQ_U64(roots, 2);
}

/*
 * A VM's own IPA size: a VM whose Stage-2 an SMMU shares gets min(the CPU's IPA size, the
 * SMMU's OAS). -cpu max (48-bit PA) behind QEMU 10's SMMUv3 (OAS 44 bits) is the case that needs
 * it: T0SZ 20 with level 0 (SL0 = 2), PS and everything else as the CPU's value had them.
 */
static void test_limit(void)
{
	uint64_t cpu = 0, v = 0;
	unsigned int bits, level, roots;

	CHECK_EQ_U64(vtcr_compute(mmfr0(5, 0, 0), mmfr1(2), &cpu), 0);
	CHECK_EQ_U64(vtcr_limit_ipa(cpu, 44, &v), 0);
	CHECK_EQ_U64(v, 0x800d3594); /* VS | PS 48 | ... | SL0 2 | T0SZ 20 */
	vtcr_decode(v, &bits, &level, &roots);
	CHECK_EQ_U64(bits, 44);
	CHECK_EQ_U64(level, 0);
	CHECK_EQ_U64(roots, 1);
	CHECK_EQ_U64(vtcr_ipa_parange(v), 4);
	/* Each smaller size gets exactly what vtcr_compute() gives a CPU of that PA size (but
	 * the CPU's PS and VS): the one geometry rule for both. */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vtcr_case *c = &cases[i];

		CHECK_EQ_U64(vtcr_limit_ipa(cpu, c->ipa_bits, &v), 0);
		CHECK_EQ_U64(v & ~(7UL << 16 | 1UL << 19), c->vtcr & ~(7UL << 16));
		CHECK_EQ_U64(v & (7UL << 16 | 1UL << 19), cpu & (7UL << 16 | 1UL << 19));
		CHECK_EQ_U64(vtcr_ipa_parange(v), c->parange < 5 ? c->parange : 5);
	}
	/* A limit at or above the CPU's size changes nothing. */
	CHECK_EQ_U64(vtcr_limit_ipa(cpu, 48, &v), 0);
	CHECK_EQ_U64(v, cpu);
	CHECK_EQ_U64(vtcr_limit_ipa(cpu, 52, &v), 0);
	CHECK_EQ_U64(v, cpu);
	CHECK_EQ_U64(vtcr_compute(mmfr0(2, 0, 0), 0, &cpu), 0);
	CHECK_EQ_U64(vtcr_limit_ipa(cpu, 44, &v), 0);
	CHECK_EQ_U64(v, cpu);
	/* A size between PARange's (an SMMU's stage-2 input bound need not be one): level 0 above
	 * 40 bits; the guest is told the PARange size below it. */
	CHECK_EQ_U64(vtcr_compute(mmfr0(5, 0, 0), 0, &cpu), 0);
	CHECK_EQ_U64(vtcr_limit_ipa(cpu, 41, &v), 0);
	vtcr_decode(v, &bits, &level, &roots);
	CHECK_EQ_U64(bits, 41);
	CHECK_EQ_U64(level, 0);
	CHECK_EQ_U64(vtcr_ipa_parange(v), 2);
	/* Below 32 bits: refused, the output untouched. */
	v = 0x1234;
	CHECK_EQ_U64(vtcr_limit_ipa(cpu, 31, &v), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(vtcr_limit_ipa(cpu, 0, &v), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(v, 0x1234);
}

int main(void)
{
	RUN(test_compute);
	RUN(test_refused);
	RUN(test_decode);
	RUN(test_limit);
	return TEST_SUMMARY();
}
