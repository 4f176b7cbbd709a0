// SPDX-License-Identifier: BSD-2-Clause-Patent
/* SMMUv3 ID register decoding (IHI 0070, 6.3.1-6.3.6 SMMU_IDR0-5, 6.3.8 SMMU_AIDR). Portable. */
#include "pci/smmuv3.h"

#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"

#define GET(v, shift, width) (((v) >> (shift)) & ((1U << (width)) - 1))

void smmu_decode(const struct smmu_idr *r, struct smmu_features *f)
{
	static const unsigned char oas[8] = { 32, 36, 40, 42, 44, 48, 52, 0 };
	uint32_t idr0 = r->idr[0], idr1 = r->idr[1], idr5 = r->idr[5];

	*f = (struct smmu_features){
		.s2p = GET(idr0, 0, 1),
		.s1p = GET(idr0, 1, 1),
		.ttf = GET(idr0, 2, 2),
		.coherent = GET(idr0, 4, 1), /* COHACC */
		.hyp = GET(idr0, 9, 1),
		.ats = GET(idr0, 10, 1),
		.asid16 = GET(idr0, 12, 1),
		.msi = GET(idr0, 13, 1),
		.pri = GET(idr0, 16, 1),
		.vmid16 = GET(idr0, 18, 1),
		.st_level = GET(idr0, 27, 2),
		.sid_bits = GET(idr1, 0, 6),
		.ssid_bits = GET(idr1, 6, 5),
		.evtq_log2 = GET(idr1, 16, 5),
		.cmdq_log2 = GET(idr1, 21, 5),
		.oas_bits = oas[GET(idr5, 0, 3)],
		.gran4k = GET(idr5, 4, 1),
		.gran16k = GET(idr5, 5, 1),
		.gran64k = GET(idr5, 6, 1),
		.arch_minor = GET(r->aidr, 0, 4),
	};
}

const char *smmu_describe_idr0(uint32_t idr0, char *buf, size_t len)
{
	static const char *const ttf[4] = { "reserved", "AArch32", "AArch64", "AArch32+AArch64" };
	static const char *const stl[4] = { "linear", "2-level", "reserved", "reserved" };

	fmt_snprintf(buf, len,
		     "S1P=%u S2P=%u TTF=%s COHACC=%u HYP=%u ATS=%u ASID16=%u MSI=%u PRI=%u "
		     "VMID16=%u ST_LEVEL=%s",
		     GET(idr0, 1, 1), GET(idr0, 0, 1), ttf[GET(idr0, 2, 2)], GET(idr0, 4, 1),
		     GET(idr0, 9, 1), GET(idr0, 10, 1), GET(idr0, 12, 1), GET(idr0, 13, 1),
		     GET(idr0, 16, 1), GET(idr0, 18, 1), stl[GET(idr0, 27, 2)]);
	return buf;
}

static void smmu_zero(uint64_t *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		d[i] = 0;
}

void smmu_ste_abort(uint64_t ste[SMMU_STE_DWORDS])
{
	smmu_zero(ste, SMMU_STE_DWORDS);
	ste[0] = 1 | (uint64_t)SMMU_STE_CFG_ABORT << 1; /* V, Config */
}

void smmu_ste_s1(uint64_t ste[SMMU_STE_DWORDS], uint64_t cd_pa)
{
	smmu_zero(ste, SMMU_STE_DWORDS);
	/* V, Config = S1 translate, S1Fmt = 0 (one CD), S1ContextPtr [51:6], S1CDMax = 0. */
	ste[0] = 1 | (uint64_t)SMMU_STE_CFG_S1_TRANS << 1 | (cd_pa & 0x000fffffffffffc0UL);
	/* S1CIR = S1COR = 01 (Write-Back), S1CSH = 11 (Inner Shareable), STRW = 00 (EL1). */
	ste[1] = 1UL << 2 | 1UL << 4 | 3UL << 6;
}

const char *smmu_s2_unfit(const struct smmu_features *f, uint64_t vtcr)
{
	unsigned int ipa_bits = 64 - (unsigned int)(vtcr & 0x3f);

	if (!f->s2p)
		return "the SMMU has no stage 2 (IDR0.S2P = 0)";
	if (!(f->ttf & 2))
		return "the SMMU walks no AArch64 tables (IDR0.TTF)";
	if (!f->gran4k)
		return "the SMMU lacks the 4 KiB granule (IDR5.GRAN4K = 0)";
	if (!f->coherent)
		return "the SMMU's table walks are not coherent (IDR0.COHACC = 0)";
	if ((vtcr >> 14 & 3) != 0) /* VTCR_EL2.TG0 = 00: 4 KiB, what the Stage-2 builder makes */
		return "the Stage-2 granule is not 4 KiB";
	if (f->oas_bits == 0 || ipa_bits > f->oas_bits)
		return "the VMs' IPA size (VTCR_EL2.T0SZ) exceeds the SMMU's OAS (IDR5.OAS)";
	return NULL;
}

int smmu_ste_s2(uint64_t ste[SMMU_STE_DWORDS], const struct smmu_features *f, uint64_t vtcr,
		uint64_t s2_root, uint16_t vmid)
{
	static const unsigned char ps_bits[8] = { 32, 36, 40, 42, 44, 48, 52, 0 };
	unsigned int ps = (unsigned int)(vtcr >> 16) & 7;
	uint64_t s2vtcr;

	if (smmu_s2_unfit(f, vtcr))
		return E_NOTSUP;
	if ((s2_root & 0xfff) || (s2_root >> 52) || (!f->vmid16 && vmid > 0xff))
		return E_INVAL;
	/* S2PS: the smaller of the CPU's PA size and the SMMU's OAS (both PARange-coded). */
	while (ps > 0 && (ps_bits[ps] == 0 || ps_bits[ps] > f->oas_bits))
		ps--;
	s2vtcr = (vtcr & 0xffffUL) | (uint64_t)ps << 16; /* T0SZ, SL0, IRGN0, ORGN0, SH0, TG0; PS */
	smmu_zero(ste, SMMU_STE_DWORDS);
	ste[0] = 1 | (uint64_t)SMMU_STE_CFG_S2_TRANS << 1; /* V, Config = S2 translate */
	ste[1] = 1UL << 44;				   /* SHCFG = 01: use the incoming */
	ste[2] = (uint64_t)vmid				   /* S2VMID */
		 | s2vtcr << 32				   /* STE[178:160] */
		 | 1UL << 51				   /* S2AA64 */
		 | 1UL << 54				   /* S2PTW */
		 | 1UL << 58;				   /* S2R: record faults */
	ste[3] = s2_root & 0x000ffffffffffff0UL;	   /* S2TTB [51:4] */
	return 0;
}

/* TCR.IPS / CD.IPS encoding of an output address size (D19.2.139 PARange values). */
static int smmu_ips(unsigned int bits)
{
	static const unsigned char sizes[] = { 32, 36, 40, 42, 44, 48, 52 };

	for (unsigned int i = 0; i < sizeof(sizes); i++)
		if (sizes[i] == bits)
			return (int)i;
	return -1;
}

int smmu_cd_build(uint64_t cd[SMMU_CD_DWORDS], uint64_t ttb0, unsigned int ia_bits,
		  unsigned int oas_bits, uint16_t asid)
{
	int ips = smmu_ips(oas_bits);

	if (ips < 0 || ia_bits < 25 || ia_bits > 48 || (ttb0 & 0xfff))
		return E_INVAL;
	smmu_zero(cd, SMMU_CD_DWORDS);
	cd[0] = (uint64_t)(64 - ia_bits)     /* T0SZ; TG0 = 00: 4 KiB */
		| 1UL << 8 | 1UL << 10	     /* IRGN0, ORGN0: Write-Back */
		| 3UL << 12		     /* SH0: Inner Shareable */
		| 1UL << 30		     /* EPD1: no TTB1 walks */
		| 1UL << 31		     /* V */
		| (uint64_t)ips << 32	     /* IPS */
		| 1UL << 41		     /* AA64 */
		| 1UL << 45 | 1UL << 46	     /* R: record faults, A: abort them */
		| (uint64_t)asid << 48;	     /* ASID */
	cd[1] = ttb0 & 0x000ffffffffffff0UL; /* TTB0 [51:4] */
	cd[3] = SMMU_CD_MAIR;
	return 0;
}

void smmu_cmd_cfgi_ste(uint64_t cmd[SMMU_CMD_DWORDS], uint32_t sid)
{
	cmd[0] = SMMU_CMD_CFGI_STE | (uint64_t)sid << 32;
	cmd[1] = 1; /* Leaf: only the STE, no cached CDs of other streams */
}

void smmu_cmd_cfgi_all(uint64_t cmd[SMMU_CMD_DWORDS])
{
	cmd[0] = SMMU_CMD_CFGI_ALL;
	cmd[1] = 31; /* Range = 31: every StreamID */
}

void smmu_cmd_tlbi_nh_asid(uint64_t cmd[SMMU_CMD_DWORDS], uint16_t asid)
{
	cmd[0] = SMMU_CMD_TLBI_NH_ASID | (uint64_t)asid << 48;
	cmd[1] = 0;
}

void smmu_cmd_tlbi_s12_vmall(uint64_t cmd[SMMU_CMD_DWORDS], uint16_t vmid)
{
	cmd[0] = SMMU_CMD_TLBI_S12_VMALL | (uint64_t)vmid << 32;
	cmd[1] = 0;
}

void smmu_cmd_tlbi_s2_ipa(uint64_t cmd[SMMU_CMD_DWORDS], uint16_t vmid, uint64_t ipa, bool leaf)
{
	/* NUM = SCALE = 0 (one page), TTL = TG = 0 (no level hint). */
	cmd[0] = SMMU_CMD_TLBI_S2_IPA | (uint64_t)vmid << 32;
	cmd[1] = (ipa & 0x000ffffffffff000UL) | (leaf ? 1 : 0); /* Address [51:12], Leaf */
}

void smmu_cmd_tlbi_nsnh_all(uint64_t cmd[SMMU_CMD_DWORDS])
{
	cmd[0] = SMMU_CMD_TLBI_NSNH_ALL;
	cmd[1] = 0;
}

void smmu_cmd_sync(uint64_t cmd[SMMU_CMD_DWORDS])
{
	cmd[0] = SMMU_CMD_SYNC; /* CS = 00: no signal; completion is CONS passing it */
	cmd[1] = 0;
}

void smmu_event_decode(const uint64_t evt[SMMU_EVT_DWORDS], struct smmu_event *e)
{
	e->type = (unsigned int)(evt[0] & 0xff);
	e->sid = (uint32_t)(evt[0] >> 32);
	e->addr = evt[2]; /* InputAddr of the translation faults (7.3.9-7.3.12) */
}

const char *smmu_event_name(unsigned int type)
{
	switch (type) {
	case 0x01:
		return "F_UUT";
	case 0x02:
		return "C_BAD_STREAMID";
	case 0x03:
		return "F_STE_FETCH";
	case SMMU_EVT_C_BAD_STE:
		return "C_BAD_STE";
	case 0x07:
		return "F_CD_FETCH";
	case 0x0a:
		return "C_BAD_CD";
	case 0x0b:
		return "F_WALK_EABT";
	case SMMU_EVT_F_TRANSLATION:
		return "F_TRANSLATION";
	case SMMU_EVT_F_ADDR_SIZE:
		return "F_ADDR_SIZE";
	case SMMU_EVT_F_ACCESS:
		return "F_ACCESS";
	case SMMU_EVT_F_PERMISSION:
		return "F_PERMISSION";
	default:
		return "other";
	}
}
