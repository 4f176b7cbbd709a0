// SPDX-License-Identifier: BSD-2-Clause-Patent
/* ESR_ELx exception classes and syndromes, named as in the Arm ARM (D23.2, ESR_EL2). */
#include "kernel/arch/esr.h"

#include <stdbool.h>

#include "kernel/lib/fmt.h"
#include "kernel/arch/sysregs.h"

static const char *const ec_names[64] = {
	[0x00] = "Unknown reason",
	[0x01] = "Trapped WFI/WFE",
	[0x03] = "Trapped MCR/MRC (coproc 0b1111)",
	[0x04] = "Trapped MCRR/MRRC (coproc 0b1111)",
	[0x05] = "Trapped MCR/MRC (coproc 0b1110)",
	[0x06] = "Trapped LDC/STC",
	[0x07] = "Trapped SVE/SIMD/FP access",
	/* 0x09 is what HCR_EL2.API == 0 (our HCR_EL2_FAIL_CLOSED) produces; 0x08 is HCR_EL2.TID0. */
	[0x08] = "Trapped VMRS (ID group trap)",
	[0x09] = "Trapped Pointer Authentication instruction",
	[0x0a] = "Trapped LD64B/ST64B",
	[0x0c] = "Trapped MRRC (coproc 0b1110)",
	[0x0d] = "Branch Target Exception",
	[0x0e] = "Illegal Execution state",
	[0x11] = "SVC in AArch32",
	[0x12] = "HVC in AArch32",
	[0x13] = "SMC in AArch32",
	[0x15] = "SVC in AArch64",
	[0x16] = "HVC in AArch64",
	[0x17] = "SMC in AArch64",
	[0x18] = "Trapped MSR/MRS/system instruction",
	[0x19] = "Trapped SVE access",
	[0x1a] = "Trapped ERET/ERETAA/ERETAB",
	[0x1b] = "Trapped TSTART",
	[0x1c] = "Pointer Authentication failure",
	[0x1d] = "Trapped SME access",
	[0x20] = "Instruction Abort from a lower EL",
	[0x21] = "Instruction Abort from the same EL",
	[0x22] = "PC alignment fault",
	[0x24] = "Data Abort from a lower EL",
	[0x25] = "Data Abort from the same EL",
	[0x26] = "SP alignment fault",
	[0x27] = "Memory Operation exception",
	[0x28] = "Trapped FP exception (AArch32)",
	[0x2c] = "Trapped FP exception (AArch64)",
	[0x2f] = "SError interrupt",
	[0x30] = "Breakpoint from a lower EL",
	[0x31] = "Breakpoint from the same EL",
	[0x32] = "Software Step from a lower EL",
	[0x33] = "Software Step from the same EL",
	[0x34] = "Watchpoint from a lower EL",
	[0x35] = "Watchpoint from the same EL",
	[0x38] = "BKPT (AArch32)",
	[0x3c] = "BRK (AArch64)",
};

const char *esr_ec_name(unsigned int ec)
{
	if (ec < 64 && ec_names[ec])
		return ec_names[ec];
	return "Unallocated EC";
}

const char *esr_fsc_name(unsigned int fsc, char *buf, size_t len)
{
	unsigned int lvl = fsc & ESR_FSC_LEVEL_MASK;

	switch (fsc & ESR_FSC_TYPE_MASK) {
	case ESR_FSC_ADDR_SIZE:
		fmt_snprintf(buf, len, "address size fault, level %u", lvl);
		return buf;
	case ESR_FSC_TRANSLATION:
		fmt_snprintf(buf, len, "translation fault, level %u", lvl);
		return buf;
	case ESR_FSC_ACCESS_FLAG:
		if (lvl == 0)
			break;
		fmt_snprintf(buf, len, "access flag fault, level %u", lvl);
		return buf;
	case ESR_FSC_PERMISSION:
		if (lvl == 0)
			break;
		fmt_snprintf(buf, len, "permission fault, level %u", lvl);
		return buf;
	case ESR_FSC_SEA_TTW:
		/* 0b0101xx: levels 0 to 3 are all allocated (level -1 is 0x13, below). */
		fmt_snprintf(buf, len, "synchronous external abort on table walk, level %u", lvl);
		return buf;
	case ESR_FSC_GPF_TTW:
		/* 0b1001xx: FEAT_RME, granule protection fault on a table walk, levels 0 to 3. */
		fmt_snprintf(buf, len, "granule protection fault on table walk, level %u", lvl);
		return buf;
	default:
		break;
	}
	switch (fsc) {
	case ESR_FSC_SEA:
		return "synchronous external abort";
	case ESR_FSC_SERROR:
		return "asynchronous SError";
	case ESR_FSC_SEA_TTW_LM1:
		return "synchronous external abort on table walk, level -1";
	case ESR_FSC_ALIGNMENT:
		return "alignment fault";
	case ESR_FSC_GPF_TTW_LM1:
		return "granule protection fault on table walk, level -1";
	case ESR_FSC_GPF:
		return "granule protection fault"; /* 0b101000, not on a table walk */
	case ESR_FSC_ADDR_SIZE_LM1:
		return "address size fault, level -1";
	case ESR_FSC_TRANSLATION_LM1:
		return "translation fault, level -1";
	case ESR_FSC_TLB_CONFLICT:
		return "TLB conflict abort";
	case ESR_FSC_ATOMIC_HW_UPDATE:
		return "unsupported atomic hardware update fault";
	case ESR_FSC_LOCKDOWN:
		return "lockdown (IMPLEMENTATION DEFINED)";
	case ESR_FSC_UNSUPP_EXCLUSIVE:
		return "unsupported exclusive or atomic access";
	default:
		return "reserved fault status code";
	}
}

static const char *const sas_names[] = {
	[ESR_DABT_SAS_BYTE] = "byte",
	[ESR_DABT_SAS_HALF] = "halfword",
	[ESR_DABT_SAS_WORD] = "word",
	[ESR_DABT_SAS_DWORD] = "doubleword",
};

/* A one-bit field as 0 or 1, for printing. */
static unsigned int bit01(uint64_t v, uint64_t bit)
{
	return (v & bit) ? 1 : 0;
}

/* ISS for Data Aborts (D23.2.42, "ISS encoding for an exception from a Data Abort"). */
static void decode_dabt(uint64_t iss, char *buf, size_t len)
{
	char fsc[64];
	unsigned int dfsc = (unsigned int)FIELD_GET(iss, ESR_DABT_DFSC_SHIFT, ESR_DABT_DFSC_WIDTH);
	int n = 0;

	if (iss & ESR_DABT_ISV) {
		unsigned int srt =
			(unsigned int)FIELD_GET(iss, ESR_DABT_SRT_SHIFT, ESR_DABT_SRT_WIDTH);

		n = fmt_snprintf(buf, len, "ISV=1 SAS=%s SSE=%u SRT=%s%u SF=%u AR=%u ",
				 sas_names[FIELD_GET(iss, ESR_DABT_SAS_SHIFT, ESR_DABT_SAS_WIDTH)],
				 bit01(iss, ESR_DABT_SSE), srt == 31 ? "xzr/" : "x", srt,
				 bit01(iss, ESR_DABT_SF), bit01(iss, ESR_DABT_AR));
	} else {
		n = fmt_snprintf(buf, len, "ISV=0 ");
	}
	if (n < 0 || (size_t)n >= len)
		return;
	fmt_snprintf(buf + n, len - (size_t)n,
		     "FnV=%u EA=%u CM=%u S1PTW=%u WnR=%s DFSC=0x%02x (%s)",
		     bit01(iss, ESR_DABT_FNV), bit01(iss, ESR_DABT_EA), bit01(iss, ESR_DABT_CM),
		     bit01(iss, ESR_DABT_S1PTW), (iss & ESR_DABT_WNR) ? "write" : "read", dfsc,
		     esr_fsc_name(dfsc, fsc, sizeof(fsc)));
}

/* ISS for Instruction Aborts (D23.2.43). */
static void decode_iabt(uint64_t iss, char *buf, size_t len)
{
	char fsc[64];
	unsigned int ifsc = (unsigned int)FIELD_GET(iss, ESR_IABT_IFSC_SHIFT, ESR_IABT_IFSC_WIDTH);

	fmt_snprintf(buf, len, "FnV=%u EA=%u S1PTW=%u IFSC=0x%02x (%s)", bit01(iss, ESR_IABT_FNV),
		     bit01(iss, ESR_IABT_EA), bit01(iss, ESR_IABT_S1PTW), ifsc,
		     esr_fsc_name(ifsc, fsc, sizeof(fsc)));
}

/* ISS for trapped MSR, MRS or system instructions (D23.2.51). */
static void decode_sys64(uint64_t iss, char *buf, size_t len)
{
	bool read = iss & ESR_SYS64_DIR_READ;

	fmt_snprintf(buf, len, "%s S%u_%u_C%u_C%u_%u %s x%u", read ? "MRS" : "MSR",
		     (unsigned int)FIELD_GET(iss, ESR_SYS64_OP0_SHIFT, ESR_SYS64_OP0_WIDTH),
		     (unsigned int)FIELD_GET(iss, ESR_SYS64_OP1_SHIFT, ESR_SYS64_OP1_WIDTH),
		     (unsigned int)FIELD_GET(iss, ESR_SYS64_CRN_SHIFT, ESR_SYS64_CRN_WIDTH),
		     (unsigned int)FIELD_GET(iss, ESR_SYS64_CRM_SHIFT, ESR_SYS64_CRM_WIDTH),
		     (unsigned int)FIELD_GET(iss, ESR_SYS64_OP2_SHIFT, ESR_SYS64_OP2_WIDTH),
		     read ? "->" : "<-",
		     (unsigned int)FIELD_GET(iss, ESR_SYS64_RT_SHIFT, ESR_SYS64_RT_WIDTH));
}

static const char *const wfx_names[] = {
	[ESR_WFX_TI_WFI] = "WFI",
	[ESR_WFX_TI_WFE] = "WFE",
	[ESR_WFX_TI_WFIT] = "WFIT",
	[ESR_WFX_TI_WFET] = "WFET",
};

const char *esr_iss_decode(uint64_t esr, char *buf, size_t len)
{
	unsigned int ec = FIELD_GET(esr, ESR_EC_SHIFT, ESR_EC_WIDTH);
	uint64_t iss = FIELD_GET(esr, ESR_ISS_SHIFT, ESR_ISS_WIDTH);

	if (!len)
		return buf;
	buf[0] = '\0';
	switch (ec) {
	case ESR_EC_DABT_LOW:
	case ESR_EC_DABT_CUR:
		decode_dabt(iss, buf, len);
		break;
	case ESR_EC_IABT_LOW:
	case ESR_EC_IABT_CUR:
		decode_iabt(iss, buf, len);
		break;
	case ESR_EC_SYS64:
		decode_sys64(iss, buf, len);
		break;
	case ESR_EC_HVC64:
	case ESR_EC_SMC64:
	case ESR_EC_SVC64:
	case ESR_EC_BRK64:
		fmt_snprintf(buf, len, "imm16=0x%04x",
			     (unsigned int)FIELD_GET(iss, ESR_IMM16_SHIFT, ESR_IMM16_WIDTH));
		break;
	case ESR_EC_WFX:
		fmt_snprintf(buf, len, "%s",
			     wfx_names[FIELD_GET(iss, ESR_WFX_TI_SHIFT, ESR_WFX_TI_WIDTH)]);
		break;
	case ESR_EC_SERROR:
		fmt_snprintf(
			buf, len, "IDS=%u AET=%u EA=%u DFSC=0x%02x", bit01(iss, ESR_SERROR_IDS),
			(unsigned int)FIELD_GET(iss, ESR_SERROR_AET_SHIFT, ESR_SERROR_AET_WIDTH),
			bit01(iss, ESR_SERROR_EA),
			(unsigned int)FIELD_GET(iss, ESR_SERROR_DFSC_SHIFT, ESR_SERROR_DFSC_WIDTH));
		break;
	default:
		fmt_snprintf(buf, len, "ISS=0x%07llx", (unsigned long long)iss);
		break;
	}
	return buf;
}
