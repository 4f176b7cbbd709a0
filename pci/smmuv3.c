// SPDX-License-Identifier: BSD-2-Clause-Patent
/* SMMUv3 ID register decoding (IHI 0070, 6.3.1-6.3.6 SMMU_IDR0-5, 6.3.8 SMMU_AIDR). Portable. */
#include "pci/smmuv3.h"

#include "kernel/fmt.h"

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
