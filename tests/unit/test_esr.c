// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the ESR_ELx decoder against syndromes worked out by hand from the Arm ARM
 * (D23.2 ESR_EL2: EC in bits 31:26, IL bit 25, ISS 24:0).
 */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/esr.h"
#include "kernel/arch/sysregs.h"
#include "test.h"

static void test_ec_names(void)
{
	static const unsigned char allocated[] = {
		0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0c,
		0x0d, 0x0e, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
		0x1b, 0x1c, 0x1d, 0x20, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27, 0x28,
		0x2c, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x3c,
	};
	unsigned int named = 0;

	CHECK_STR(esr_ec_name(0x00), "Unknown reason");
	CHECK_STR(esr_ec_name(0x01), "Trapped WFI/WFE");
	CHECK_STR(esr_ec_name(0x09), "Trapped Pointer Authentication instruction");
	CHECK_STR(esr_ec_name(0x15), "SVC in AArch64");
	CHECK_STR(esr_ec_name(0x16), "HVC in AArch64");
	CHECK_STR(esr_ec_name(0x17), "SMC in AArch64");
	CHECK_STR(esr_ec_name(0x18), "Trapped MSR/MRS/system instruction");
	CHECK_STR(esr_ec_name(0x20), "Instruction Abort from a lower EL");
	CHECK_STR(esr_ec_name(0x24), "Data Abort from a lower EL");
	CHECK_STR(esr_ec_name(0x25), "Data Abort from the same EL");
	CHECK_STR(esr_ec_name(0x2f), "SError interrupt");
	CHECK_STR(esr_ec_name(0x3c), "BRK (AArch64)");
	for (unsigned int ec = 0; ec < 64; ec++) {
		int is_alloc = memchr(allocated, (int)ec, sizeof(allocated)) != NULL;
		const char *name = esr_ec_name(ec);

		CHECK(name != NULL && name[0]);
		if (is_alloc != (strcmp(name, "Unallocated EC") != 0)) {
			fprintf(stderr, "  EC 0x%02x: \"%s\"\n", ec, name);
			test_failures_in_case++;
		}
		named += is_alloc;
	}
	CHECK_EQ_U64(named, sizeof(allocated));
	CHECK_STR(esr_ec_name(0x02), "Unallocated EC");
	CHECK_STR(esr_ec_name(0x3f), "Unallocated EC");
	CHECK_STR(esr_ec_name(64), "Unallocated EC");
	CHECK_STR(esr_ec_name(0xffffffffu), "Unallocated EC");
}

static void test_fsc_names(void)
{
	static const char *const levels[] = { "0", "1", "2", "3" };
	char buf[64], want[80];

	for (unsigned int l = 0; l < 4; l++) {
		snprintf(want, sizeof(want), "address size fault, level %s", levels[l]);
		CHECK_STR(esr_fsc_name(0x00 + l, buf, sizeof(buf)), want);
		snprintf(want, sizeof(want), "translation fault, level %s", levels[l]);
		CHECK_STR(esr_fsc_name(0x04 + l, buf, sizeof(buf)), want);
		snprintf(want, sizeof(want), "synchronous external abort on table walk, level %s",
			 levels[l]);
		CHECK_STR(esr_fsc_name(0x14 + l, buf, sizeof(buf)), want);
		snprintf(want, sizeof(want), "granule protection fault on table walk, level %s",
			 levels[l]);
		CHECK_STR(esr_fsc_name(0x24 + l, buf, sizeof(buf)), want);
		if (l == 0)
			continue; /* access flag and permission level 0 need FEAT_LPA2 */
		snprintf(want, sizeof(want), "access flag fault, level %s", levels[l]);
		CHECK_STR(esr_fsc_name(0x08 + l, buf, sizeof(buf)), want);
		snprintf(want, sizeof(want), "permission fault, level %s", levels[l]);
		CHECK_STR(esr_fsc_name(0x0c + l, buf, sizeof(buf)), want);
	}
	CHECK_STR(esr_fsc_name(0x08, buf, sizeof(buf)), "reserved fault status code");
	CHECK_STR(esr_fsc_name(0x0c, buf, sizeof(buf)), "reserved fault status code");
	CHECK_STR(esr_fsc_name(0x10, buf, sizeof(buf)), "synchronous external abort");
	CHECK_STR(esr_fsc_name(0x13, buf, sizeof(buf)),
		  "synchronous external abort on table walk, level -1");
	CHECK_STR(esr_fsc_name(0x21, buf, sizeof(buf)), "alignment fault");
	CHECK_STR(esr_fsc_name(0x23, buf, sizeof(buf)),
		  "granule protection fault on table walk, level -1");
	CHECK_STR(esr_fsc_name(0x28, buf, sizeof(buf)), "granule protection fault");
	CHECK_STR(esr_fsc_name(0x29, buf, sizeof(buf)), "address size fault, level -1");
	CHECK_STR(esr_fsc_name(0x2b, buf, sizeof(buf)), "translation fault, level -1");
	CHECK_STR(esr_fsc_name(0x30, buf, sizeof(buf)), "TLB conflict abort");
	CHECK_STR(esr_fsc_name(0x31, buf, sizeof(buf)), "unsupported atomic hardware update fault");
	CHECK_STR(esr_fsc_name(0x20, buf, sizeof(buf)), "reserved fault status code");
	CHECK_STR(esr_fsc_name(0x22, buf, sizeof(buf)), "reserved fault status code");
	CHECK_STR(esr_fsc_name(0x3f, buf, sizeof(buf)), "reserved fault status code");
	/* Every code has some non-empty name that fits, even in a short buffer. */
	for (unsigned int fsc = 0; fsc < 64; fsc++) {
		char small[12];
		const char *n = esr_fsc_name(fsc, small, sizeof(small));

		CHECK(n && n[0] && (n != small || strlen(small) < sizeof(small)));
	}
}

struct esr_case {
	uint64_t esr;
	const char *ec;
	const char *iss;
};

static const struct esr_case cases[] = {
	/* Data abort, same EL, ISV=0, translation fault level 2, read. */
	{ 0x96000006, "Data Abort from the same EL",
	  "ISV=0 FnV=0 EA=0 CM=0 S1PTW=0 WnR=read DFSC=0x06 (translation fault, level 2)" },
	/* Lower EL, write. */
	{ 0x92000046, "Data Abort from a lower EL",
	  "ISV=0 FnV=0 EA=0 CM=0 S1PTW=0 WnR=write DFSC=0x06 (translation fault, level 2)" },
	/* ISV=1, SAS=0b11, SRT=0, SF=1: a 64-bit LDR x0 faulting at level 0. */
	{ 0x93c08004, "Data Abort from a lower EL",
	  "ISV=1 SAS=doubleword SSE=0 SRT=x0 SF=1 AR=0 FnV=0 EA=0 CM=0 S1PTW=0 WnR=read "
	  "DFSC=0x04 (translation fault, level 0)" },
	/* ISV=1, SAS=word, SRT=3, WnR: STR w3, translation fault level 3. */
	{ 0x93830047, "Data Abort from a lower EL",
	  "ISV=1 SAS=word SSE=0 SRT=x3 SF=0 AR=0 FnV=0 EA=0 CM=0 S1PTW=0 WnR=write DFSC=0x07 "
	  "(translation fault, level 3)" },
	/* Every ISS bit of a data abort set: SSE, SRT=31, SF, AR, FnV, EA, CM, S1PTW. */
	{ 0x973fc790, "Data Abort from the same EL",
	  "ISV=1 SAS=byte SSE=1 SRT=xzr/31 SF=1 AR=1 FnV=1 EA=1 CM=1 S1PTW=1 WnR=read "
	  "DFSC=0x10 (synchronous external abort)" },
	{ 0x96000015, "Data Abort from the same EL",
	  "ISV=0 FnV=0 EA=0 CM=0 S1PTW=0 WnR=read DFSC=0x15 (synchronous external abort on "
	  "table walk, level 1)" },
	{ 0x96000061, "Data Abort from the same EL",
	  "ISV=0 FnV=0 EA=0 CM=0 S1PTW=0 WnR=write DFSC=0x21 (alignment fault)" },
	{ 0x82000007, "Instruction Abort from a lower EL",
	  "FnV=0 EA=0 S1PTW=0 IFSC=0x07 (translation fault, level 3)" },
	{ 0x8600028f, "Instruction Abort from the same EL",
	  "FnV=0 EA=1 S1PTW=1 IFSC=0x0f (permission fault, level 3)" },
	{ 0x5a001234, "HVC in AArch64", "imm16=0x1234" },
	{ 0x5e000000, "SMC in AArch64", "imm16=0x0000" },
	{ 0x5600ffff, "SVC in AArch64", "imm16=0xffff" },
	{ 0xf20003e8, "BRK (AArch64)", "imm16=0x03e8" },
	/* SYS64 with an all-zero ISS, then real accesses: MRS x2, ID_AA64MMFR0_EL1 ... */
	{ 0x62000000, "Trapped MSR/MRS/system instruction", "MSR S0_0_C0_C0_0 <- x0" },
	{ 0x6230004f, "Trapped MSR/MRS/system instruction", "MRS S3_0_C0_C7_0 -> x2" },
	/* ... MSR SCTLR_EL1, x5 and MRS x0, CNTVCT_EL0 (S3_3_C14_C0_2). */
	{ 0x623004a0, "Trapped MSR/MRS/system instruction", "MSR S3_0_C1_C0_0 <- x5" },
	{ 0x6234f801, "Trapped MSR/MRS/system instruction", "MRS S3_3_C14_C0_2 -> x0" },
	{ 0x623ffffe, "Trapped MSR/MRS/system instruction", "MSR S3_7_C15_C15_7 <- x31" },
	{ 0x06000000, "Trapped WFI/WFE", "WFI" },
	{ 0x06000001, "Trapped WFI/WFE", "WFE" },
	{ 0x06000002, "Trapped WFI/WFE", "WFIT" },
	{ 0x06000003, "Trapped WFI/WFE", "WFET" },
	{ 0xbf000c11, "SError interrupt", "IDS=1 AET=3 EA=0 DFSC=0x11" },
	{ 0xbe000211, "SError interrupt", "IDS=0 AET=0 EA=1 DFSC=0x11" },
	{ 0x1e000000, "Trapped SVE/SIMD/FP access", "ISS=0x0000000" },
	{ 0x0bffffff, "Unallocated EC", "ISS=0x1ffffff" },
	/* ISS2 (bits 63:32) is not part of the ISS. */
	{ 0xabcd000096000006ULL, "Data Abort from the same EL",
	  "ISV=0 FnV=0 EA=0 CM=0 S1PTW=0 WnR=read DFSC=0x06 (translation fault, level 2)" },
};

static void test_iss_decode(void)
{
	char buf[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int ec = (unsigned int)((cases[i].esr >> 26) & 0x3f);
		const char *r = esr_iss_decode(cases[i].esr, buf, sizeof(buf));

		CHECK(r == buf);
		if (strcmp(buf, cases[i].iss) != 0 || strcmp(esr_ec_name(ec), cases[i].ec) != 0) {
			fprintf(stderr, "  ESR 0x%llx: [%s] \"%s\"\n    want [%s] \"%s\"\n",
				(unsigned long long)cases[i].esr, esr_ec_name(ec), buf, cases[i].ec,
				cases[i].iss);
			test_failures_in_case++;
		}
	}
}

/* Every prefix length: NUL-terminated, a prefix of the full text, nothing written past it. */
static void test_truncation(void)
{
	char full[160], buf[170];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t flen;

		esr_iss_decode(cases[i].esr, full, sizeof(full));
		flen = strlen(full);
		for (size_t len = 0; len <= flen + 2; len++) {
			memset(buf, 'Z', sizeof(buf));
			esr_iss_decode(cases[i].esr, buf, len);
			for (size_t k = len; k < sizeof(buf); k++)
				if (buf[k] != 'Z') {
					fprintf(stderr, "  ESR 0x%llx len %zu: wrote byte %zu\n",
						(unsigned long long)cases[i].esr, len, k);
					test_failures_in_case++;
					break;
				}
			if (!len)
				continue;
			if (memchr(buf, '\0', len) == NULL ||
			    strncmp(buf, full, strlen(buf)) != 0 ||
			    strlen(buf) != (len - 1 < flen ? len - 1 : flen)) {
				fprintf(stderr, "  ESR 0x%llx len %zu: \"%.*s\"\n",
					(unsigned long long)cases[i].esr, len, (int)len, buf);
				test_failures_in_case++;
			}
		}
	}
}

/* An ESR_EL2 value put together from named fields: EC, IL = 1 (32-bit instruction), ISS. */
static uint64_t esr_make(unsigned int ec, uint64_t iss)
{
	return FIELD_PREP(ec, ESR_EC_SHIFT, ESR_EC_WIDTH) | ESR_IL |
	       FIELD_PREP(iss, ESR_ISS_SHIFT, ESR_ISS_WIDTH);
}

/*
 * The named fields put every bit where the syndromes worked out by hand from the Arm ARM (the
 * table above) have it: each value there, rebuilt from names, is the same number.
 */
static void test_named_fields(void)
{
	/* STR w3 to a lower EL's unmapped page: ISV, SAS word, SRT 3, WnR, DFSC level 3. */
	CHECK_EQ_U64(esr_make(ESR_EC_DABT_LOW,
			      ESR_DABT_ISV |
				      FIELD_PREP(ESR_DABT_SAS_WORD, ESR_DABT_SAS_SHIFT,
						 ESR_DABT_SAS_WIDTH) |
				      FIELD_PREP(3, ESR_DABT_SRT_SHIFT, ESR_DABT_SRT_WIDTH) |
				      ESR_DABT_WNR |
				      FIELD_PREP(ESR_FSC_TRANSLATION | 3, ESR_DABT_DFSC_SHIFT,
						 ESR_DABT_DFSC_WIDTH)),
		     0x93830047);
	/* LDR x0: SAS doubleword, SF, translation fault level 0. */
	CHECK_EQ_U64(
		esr_make(ESR_EC_DABT_LOW, ESR_DABT_ISV |
						  FIELD_PREP(ESR_DABT_SAS_DWORD, ESR_DABT_SAS_SHIFT,
							     ESR_DABT_SAS_WIDTH) |
						  ESR_DABT_SF | ESR_FSC_TRANSLATION),
		0x93c08004);
	/* Every one-bit field of a data abort at once, SRT = 31, an external abort. */
	CHECK_EQ_U64(esr_make(ESR_EC_DABT_CUR,
			      ESR_DABT_ISV | ESR_DABT_SSE |
				      FIELD_PREP(31, ESR_DABT_SRT_SHIFT, ESR_DABT_SRT_WIDTH) |
				      ESR_DABT_SF | ESR_DABT_AR | ESR_DABT_FNV | ESR_DABT_EA |
				      ESR_DABT_CM | ESR_DABT_S1PTW | ESR_FSC_SEA),
		     0x973fc790);
	CHECK_EQ_U64(esr_make(ESR_EC_DABT_CUR, ESR_DABT_WNR | ESR_FSC_ALIGNMENT), 0x96000061);
	CHECK_EQ_U64(esr_make(ESR_EC_DABT_CUR, ESR_FSC_SEA_TTW | 1), 0x96000015);
	CHECK_EQ_U64(esr_make(ESR_EC_IABT_CUR,
			      ESR_IABT_EA | ESR_IABT_S1PTW |
				      FIELD_PREP(ESR_FSC_PERMISSION | 3, ESR_IABT_IFSC_SHIFT,
						 ESR_IABT_IFSC_WIDTH)),
		     0x8600028f);
	/* MRS x0, CNTVCT_EL0: S3_3_C14_C0_2, Rt 0, Direction read. */
	CHECK_EQ_U64(esr_make(ESR_EC_SYS64,
			      FIELD_PREP(3, ESR_SYS64_OP0_SHIFT, ESR_SYS64_OP0_WIDTH) |
				      FIELD_PREP(3, ESR_SYS64_OP1_SHIFT, ESR_SYS64_OP1_WIDTH) |
				      FIELD_PREP(14, ESR_SYS64_CRN_SHIFT, ESR_SYS64_CRN_WIDTH) |
				      FIELD_PREP(0, ESR_SYS64_CRM_SHIFT, ESR_SYS64_CRM_WIDTH) |
				      FIELD_PREP(2, ESR_SYS64_OP2_SHIFT, ESR_SYS64_OP2_WIDTH) |
				      FIELD_PREP(0, ESR_SYS64_RT_SHIFT, ESR_SYS64_RT_WIDTH) |
				      ESR_SYS64_DIR_READ),
		     0x6234f801);
	/* MRS x2, ID_AA64MMFR0_EL1 (S3_0_C0_C7_0). */
	CHECK_EQ_U64(esr_make(ESR_EC_SYS64,
			      FIELD_PREP(3, ESR_SYS64_OP0_SHIFT, ESR_SYS64_OP0_WIDTH) |
				      FIELD_PREP(7, ESR_SYS64_CRM_SHIFT, ESR_SYS64_CRM_WIDTH) |
				      FIELD_PREP(2, ESR_SYS64_RT_SHIFT, ESR_SYS64_RT_WIDTH) |
				      ESR_SYS64_DIR_READ),
		     0x6230004f);
	CHECK_EQ_U64(esr_make(ESR_EC_WFX,
			      FIELD_PREP(ESR_WFX_TI_WFE, ESR_WFX_TI_SHIFT, ESR_WFX_TI_WIDTH)) &
			     ~ESR_IL,
		     0x04000001);
	CHECK_EQ_U64(esr_make(ESR_EC_WFX,
			      FIELD_PREP(ESR_WFX_TI_WFET, ESR_WFX_TI_SHIFT, ESR_WFX_TI_WIDTH)),
		     0x06000003);
	CHECK_EQ_U64(esr_make(ESR_EC_HVC64, FIELD_PREP(0x1234, ESR_IMM16_SHIFT, ESR_IMM16_WIDTH)),
		     0x5a001234);
	CHECK_EQ_U64(esr_make(ESR_EC_SERROR,
			      ESR_SERROR_IDS |
				      FIELD_PREP(3, ESR_SERROR_AET_SHIFT, ESR_SERROR_AET_WIDTH) |
				      FIELD_PREP(ESR_FSC_SERROR, ESR_SERROR_DFSC_SHIFT,
						 ESR_SERROR_DFSC_WIDTH)),
		     0xbf000c11);
	CHECK_EQ_U64(esr_make(ESR_EC_SERROR, ESR_SERROR_EA | ESR_FSC_SERROR), 0xbe000211);
	/* Constants boot/head.S and boot/guest.S used to carry as literals. */
	CHECK_EQ_U64(SCTLR_EL2_RES1, 0x30c50830);
	CHECK_EQ_U64(SPSR_EL1H_MASKED, 0x3c5);
	CHECK_EQ_U64(SPSR_M_EL2H | SPSR_DAIF, 0x3c9);
}

/* One SYS64 syndrome built from named fields decodes to the same fields. */
static bool sys64_decodes(unsigned int op0, unsigned int op1, unsigned int crn, unsigned int crm,
			  unsigned int op2, unsigned int rt, bool read)
{
	uint64_t iss = FIELD_PREP(op0, ESR_SYS64_OP0_SHIFT, ESR_SYS64_OP0_WIDTH) |
		       FIELD_PREP(op1, ESR_SYS64_OP1_SHIFT, ESR_SYS64_OP1_WIDTH) |
		       FIELD_PREP(crn, ESR_SYS64_CRN_SHIFT, ESR_SYS64_CRN_WIDTH) |
		       FIELD_PREP(crm, ESR_SYS64_CRM_SHIFT, ESR_SYS64_CRM_WIDTH) |
		       FIELD_PREP(op2, ESR_SYS64_OP2_SHIFT, ESR_SYS64_OP2_WIDTH) |
		       FIELD_PREP(rt, ESR_SYS64_RT_SHIFT, ESR_SYS64_RT_WIDTH) |
		       (read ? ESR_SYS64_DIR_READ : 0);
	char buf[96], want[96];

	esr_iss_decode(esr_make(ESR_EC_SYS64, iss), buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s S%u_%u_C%u_C%u_%u %s x%u", read ? "MRS" : "MSR", op0, op1,
		 crn, crm, op2, read ? "->" : "<-", rt);
	if (strcmp(buf, want) == 0)
		return true;
	fprintf(stderr, "  ISS 0x%07llx: \"%s\", want \"%s\"\n", (unsigned long long)iss, buf,
		want);
	return false;
}

/*
 * Every SYS64 syndrome the trap handler can see (Op0 0-3, Op1, CRn, CRm, Op2 in full, both
 * directions, Rt 0-31): the decoder names exactly the fields that were put in.
 */
static void test_sys64_sweep(void)
{
	unsigned long bad = 0;

	/* i holds Op0:Op1:CRn:CRm:Op2 (2 + 3 + 4 + 4 + 3 bits). */
	for (unsigned int i = 0; i < (1U << 16) && bad < 4; i++) {
		unsigned int rt = i % 32;

		bad += !sys64_decodes(i >> 14, (i >> 11) & 7, (i >> 7) & 15, (i >> 3) & 15, i & 7,
				      rt, i & 1);
		bad += !sys64_decodes(i >> 14, (i >> 11) & 7, (i >> 7) & 15, (i >> 3) & 15, i & 7,
				      31 - rt, !(i & 1));
	}
	CHECK_EQ_U64(bad, 0);
}

int main(void)
{
	RUN(test_ec_names);
	RUN(test_fsc_names);
	RUN(test_iss_decode);
	RUN(test_truncation);
	RUN(test_named_fields);
	RUN(test_sys64_sweep);
	return TEST_SUMMARY();
}
