// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Host tests of the MIDR and ID-register decoders, with real MIDR_EL1 values of the cores. */
#include <stdint.h>

#include "kernel/arch/cpuid.h"
#include "test.h"

struct midr_case {
	uint32_t midr;
	const char *implementer;
	const char *core;
	unsigned int variant, revision;
};

/* MIDR_EL1 values as the cores' TRMs give them (implementer, variant, 0xf, part, revision). */
static const struct midr_case midrs[] = {
	{ 0x413fd0c1, "Arm", "Neoverse N1", 3, 1 },	     /* N1 r3p1 (e.g. Ampere Altra) */
	{ 0x411fd401, "Arm", "Neoverse V1", 1, 1 },	     /* V1 r1p1 (Graviton3) */
	{ 0x410fd4f0, "Arm", "Neoverse V2", 0, 0 },	     /* V2 r0p0 (Grace, Graviton4) */
	{ 0x410fd490, "Arm", "Neoverse N2", 0, 0 },	     /* N2 r0p0 */
	{ 0x410fd034, "Arm", "Cortex-A53", 0, 4 },	     /* A53 r0p4 */
	{ 0x414fd0b1, "Arm", "Cortex-A76", 4, 1 },	     /* A76 r4p1 */
	{ 0x000f0510, "software (QEMU)", "QEMU max", 0, 0 }, /* qemu -cpu max */
	{ 0x6d0fd490, "Microsoft", "Azure Cobalt 100 (Neoverse N2)", 0, 0 },
	{ 0xc00fac30, "Ampere", "Ampere-1", 0, 0 },
	{ 0x410fd4a0, "Arm", "Neoverse E1", 0, 0 },
	{ 0x410fd8e0, "Arm", "Neoverse N3", 0, 0 },
	{ 0x410fd840, "Arm", "Neoverse V3", 0, 0 },
	/* Unknown part of a known implementer, unknown implementer. */
	{ 0x410fdff0, "Arm", "unknown", 0, 0 },
	{ 0x4e0f0040, "NVIDIA", "unknown", 0, 0 },
	{ 0xff0fd0c0, "unknown", "unknown", 0, 0 },
	/* The same part number under another implementer is another core. */
	{ 0x510fd0c0, "Qualcomm", "unknown", 0, 0 },
};

static void test_midr(void)
{
	for (size_t i = 0; i < sizeof(midrs) / sizeof(midrs[0]); i++) {
		uint32_t m = midrs[i].midr;
		const char *impl = cpuid_implementer_name(MIDR_IMPLEMENTER(m));
		const char *core = cpuid_core_name(MIDR_IMPLEMENTER(m), MIDR_PARTNUM(m));

		if (strcmp(impl, midrs[i].implementer) || strcmp(core, midrs[i].core) ||
		    MIDR_VARIANT(m) != midrs[i].variant || MIDR_REVISION(m) != midrs[i].revision ||
		    MIDR_ARCHITECTURE(m) != 0xf) {
			fprintf(stderr, "  MIDR 0x%08x: %s / %s\n", m, impl, core);
			test_failures_in_case++;
		}
	}
	CHECK_EQ_U64(MIDR_PARTNUM(0x413fd0c1), 0xd0c);
	CHECK_EQ_U64(MIDR_IMPLEMENTER(0x413fd0c1), 0x41);
	CHECK_STR(cpuid_core_name(0x41, 0xd0c), "Neoverse N1");
	CHECK_STR(cpuid_core_name(0x41, 0xd40), "Neoverse V1");
	CHECK_STR(cpuid_core_name(0x41, 0xd4f), "Neoverse V2");
	CHECK_STR(cpuid_core_name(0x41, 0xd49), "Neoverse N2");
	CHECK_STR(cpuid_core_name(0x00, 0x051), "QEMU max");
	CHECK_STR(cpuid_core_name(0x00, 0xd0c), "unknown");
	CHECK_STR(cpuid_implementer_name(0xc0), "Ampere");
	CHECK_STR(cpuid_implementer_name(0x100), "unknown");
}

static void test_parange(void)
{
	static const unsigned int want[16] = { 32, 36, 40, 42, 44, 48, 52, 56 };

	for (unsigned int p = 0; p < 16; p++)
		CHECK_EQ_U64(cpuid_parange_bits(p), want[p]);
	CHECK_EQ_U64(cpuid_parange_bits(0xffffffffu), 0);
}

static void test_pmuver(void)
{
	static const char *const want[16] = {
		"none",	    "PMUv3",	"reserved", "reserved",
		"PMUv3.1",  "PMUv3.4",	"PMUv3.5",  "PMUv3.7",
		"PMUv3.8",  "PMUv3.9",	"reserved", "reserved",
		"reserved", "reserved", "reserved", "IMPLEMENTATION DEFINED",
	};

	for (unsigned int v = 0; v < 16; v++)
		CHECK_STR(cpuid_pmuver_name(v), want[v]);
	CHECK_STR(cpuid_pmuver_name(0x10), "reserved");
}

static void test_features(void)
{
	/* ID_AA64ISAR0_EL1.Atomic is bits 23:20: 0 none, 2 LSE, 3 LSE128. */
	CHECK(!cpuid_has_lse(0));
	CHECK(!cpuid_has_lse(0x00100000));
	CHECK(cpuid_has_lse(0x00200000));
	CHECK(cpuid_has_lse(0x00300000));
	CHECK(!cpuid_has_lse(0xffffffffff0fffffULL)); /* every other field set */
	CHECK(cpuid_has_lse(0x0000100010211120ULL));  /* Neoverse N1's ISAR0 */
	/* ID_AA64MMFR1_EL1.VH is bits 11:8. */
	CHECK(!cpuid_has_vhe(0));
	CHECK(cpuid_has_vhe(0x100));
	CHECK(!cpuid_has_vhe(0x200));
	CHECK(!cpuid_has_vhe(0xfffffffffffff0ffULL));
	CHECK(cpuid_has_vhe(0x10212122ULL)); /* Neoverse N1's MMFR1 */
}

int main(void)
{
	RUN(test_midr);
	RUN(test_parange);
	RUN(test_pmuver);
	RUN(test_features);
	return TEST_SUMMARY();
}
