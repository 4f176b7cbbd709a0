// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Data-abort syndromes decoded for MMIO emulation (Arm ARM D23.2.42), on real ESR values. */
#include "kernel/lib/err.h"
#include "kernel/arch/mmio_decode.h"
#include "test.h"

/* ESR for a Data Abort from a lower EL with ISV=1: EC 0x24, IL, and the given ISS fields. */
static uint64_t esr(unsigned int sas, int sse, unsigned int srt, int sf, int wnr)
{
	return (0x24UL << 26) | (1UL << 25) | (1UL << 24) | ((uint64_t)sas << 22) |
	       ((uint64_t)sse << 21) | ((uint64_t)srt << 16) | ((uint64_t)sf << 15) |
	       ((uint64_t)wnr << 6) | 0x07; /* DFSC: translation fault, level 3 */
}

static void test_fields(void)
{
	struct mmio_access a;

	CHECK(mmio_decode(esr(2, 0, 5, 0, 1), &a) == 0); /* str w5, [..] */
	CHECK_EQ_U64(a.size, 4);
	CHECK(a.write && !a.sign_extend && !a.reg64);
	CHECK_EQ_U64(a.reg, 5);
	CHECK(mmio_decode(esr(3, 0, 30, 1, 0), &a) == 0); /* ldr x30, [..] */
	CHECK_EQ_U64(a.size, 8);
	CHECK(!a.write && a.reg64);
	CHECK_EQ_U64(a.reg, 30);
	CHECK(mmio_decode(esr(1, 0, 31, 0, 1), &a) == 0); /* strh wzr, [..] (Linux's pl011) */
	CHECK_EQ_U64(a.size, 2);
	CHECK_EQ_U64(a.reg, 31);
	/* A real one: 0x93c08004 is "ldr x0" with ISV, SAS=3, SF=1, read. */
	CHECK(mmio_decode(0x93c08004UL, &a) == 0);
	CHECK(a.size == 8 && a.reg == 0 && a.reg64 && !a.write);
}

static void test_no_syndrome(void)
{
	struct mmio_access a;

	/* ISV=0 (a load pair, writeback...): nothing to emulate from. */
	CHECK(mmio_decode(0x92000046UL, &a) == E_NOTSUP);
	CHECK(mmio_decode(esr(2, 0, 1, 0, 0) & ~(1UL << 24), &a) == E_NOTSUP);
}

static void test_load_values(void)
{
	struct mmio_access a = { .size = 1, .sign_extend = true, .reg64 = true };

	CHECK_EQ_U64(mmio_load_value(&a, 0x80), 0xffffffffffffff80UL); /* ldrsb x */
	a.reg64 = false;
	CHECK_EQ_U64(mmio_load_value(&a, 0x80), 0xffffff80UL); /* ldrsb w */
	a.sign_extend = false;
	CHECK_EQ_U64(mmio_load_value(&a, 0x1ff), 0xff); /* ldrb: upper bits of the bus dropped */
	a = (struct mmio_access){ .size = 2, .sign_extend = true, .reg64 = true };
	CHECK_EQ_U64(mmio_load_value(&a, 0x7fff), 0x7fff);
	CHECK_EQ_U64(mmio_load_value(&a, 0x8000), 0xffffffffffff8000UL);
	a = (struct mmio_access){ .size = 4, .reg64 = true };
	CHECK_EQ_U64(mmio_load_value(&a, 0x1234567890UL), 0x34567890);
	a = (struct mmio_access){ .size = 8, .reg64 = true };
	CHECK_EQ_U64(mmio_load_value(&a, 0xfedcba9876543210UL), 0xfedcba9876543210UL);
}

static void test_fault_ipa(void)
{
	/* HPFAR_EL2.FIPA [43:4] holds IPA[51:12]; FAR supplies the page offset. */
	CHECK_EQ_U64(mmio_fault_ipa(0x0090000UL, 0xffff000009000018UL), 0x09000018);
	CHECK_EQ_U64(mmio_fault_ipa(0x8000000UL << 4, 0x44),
		     0x8000000044UL);			 /* IPA >> 12 at [43:4] */
	CHECK_EQ_U64(mmio_fault_ipa(0xf, 0x123), 0x123); /* bits 3:0 are not FIPA */
}

int main(void)
{
	RUN(test_fields);
	RUN(test_no_syndrome);
	RUN(test_load_values);
	RUN(test_fault_ipa);
	return TEST_SUMMARY();
}
