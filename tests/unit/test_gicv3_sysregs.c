// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The ICC/ICH accessors (kernel/arch/gicv3_sysregs.h and .c) against the fake hardware layer:
 * each one reaches the register encoding IHI 0069 gives it, spelled out here independently,
 * and ICH_LR<n>_EL2 reaches list register n and no other.
 */
#include <stdint.h>
#include <stdio.h>

#include "kernel/arch/gicv3_sysregs.h"
#include "test.h"

/* ICH_LR<n>_EL2 is op0 3, op1 4, CRn 12, CRm 12 + n / 8, op2 n % 8 (IHI 0069, 12.4.10). */
static void lr_name(unsigned int n, char *buf, size_t len)
{
	snprintf(buf, len, "s3_4_c12_c%u_%u", 12 + n / 8, n % 8);
}

static void test_list_registers(void)
{
	char name[32];

	for (unsigned int n = 0; n < ICH_LR_MAX; n++) {
		fake_reset();
		write_ich_lr_el2(n, 0xa0000000 + n);
		for (unsigned int m = 0; m < ICH_LR_MAX; m++) {
			lr_name(m, name, sizeof(name));
			CHECK_EQ_U64(fake_sysreg_get(name), m == n ? 0xa0000000 + n : 0);
		}
		lr_name(n, name, sizeof(name));
		fake_sysreg_set(name, 0x5000000000000000ULL | n);
		CHECK_EQ_U64(read_ich_lr_el2(n), 0x5000000000000000ULL | n);
	}
	/* No list register 16: the write goes nowhere, the read is 0. */
	fake_reset();
	write_ich_lr_el2(ICH_LR_MAX, 1);
	CHECK_EQ_U64(read_ich_lr_el2(ICH_LR_MAX), 0);
	for (unsigned int m = 0; m < ICH_LR_MAX; m++) {
		lr_name(m, name, sizeof(name));
		CHECK_EQ_U64(fake_sysreg_get(name), 0);
	}
}

static void test_cpu_interface(void)
{
	fake_reset();
	/* ICH_VTR_EL2.ListRegs is one less than the number of list registers. */
	fake_sysreg_set("s3_4_c12_c11_1", 0x90080003);
	CHECK_EQ_U64(ich_nr_lrs(), 4);
	fake_sysreg_set("s3_4_c12_c11_5", 0xe);
	CHECK_EQ_U64(read_ich_elrsr_el2(), 0xe);
	fake_sysreg_set("s3_0_c12_c12_0", 27);
	CHECK_EQ_U64(read_icc_iar1_el1(), 27);
	write_icc_eoir1_el1(27);
	CHECK_EQ_U64(fake_sysreg_get("s3_0_c12_c12_1"), 27);
	write_icc_dir_el1(30);
	CHECK_EQ_U64(fake_sysreg_get("s3_0_c12_c11_1"), 30);
	write_icc_sgi1r_el1(icc_sgi1r_encode(1, 5));
	CHECK_EQ_U64(fake_sysreg_get("s3_0_c12_c11_5"), (5UL << 24) | 2);
	write_ich_hcr_el2(ICH_HCR_EL2_EN | ICH_HCR_EL2_UIE);
	CHECK_EQ_U64(fake_sysreg_get("s3_4_c12_c11_0"), 3);
	write_icc_ctlr_el1(ICC_CTLR_EL1_EOIMODE);
	CHECK_EQ_U64(fake_sysreg_get("s3_0_c12_c12_4"), 2);
	write_icc_pmr_el1(ICC_PMR_EL1_ALL);
	CHECK_EQ_U64(fake_sysreg_get("s3_0_c4_c6_0"), 0xff);
	write_icc_igrpen1_el1(ICC_IGRPEN1_EL1_ENABLE);
	CHECK_EQ_U64(fake_sysreg_get("s3_0_c12_c12_7"), 1);
	write_icc_sre_el2(ICC_SRE_EL2_SRE | ICC_SRE_EL2_ENABLE);
	CHECK_EQ_U64(fake_sysreg_get("s3_4_c12_c9_5"), 9);
	write_ich_vmcr_el2(FIELD_PREP(0xf0, ICH_VMCR_EL2_VPMR_SHIFT, ICH_VMCR_EL2_VPMR_WIDTH));
	CHECK_EQ_U64(fake_sysreg_get("s3_4_c12_c11_7"), 0xf0000000);
}

int main(void)
{
	RUN(test_list_registers);
	RUN(test_cpu_interface);
	return TEST_SUMMARY();
}
