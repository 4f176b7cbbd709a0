/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Arm SMMUv3 (IHI 0070): identification and the hypervisor's policy for device DMA. */
#ifndef PCI_SMMUV3_H
#define PCI_SMMUV3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct smmu_idr {
	uint32_t idr[6];
	uint32_t iidr, aidr;
};

/* Decoded features (portable, from the raw registers). */
struct smmu_features {
	bool s1p, s2p, coherent, vmid16, asid16, msi, ats, pri, hyp;
	unsigned int ttf;      /* 1: AArch32, 2: AArch64, 3: both */
	unsigned int st_level; /* 0: linear, 1: 2-level stream table supported */
	unsigned int sid_bits, ssid_bits, cmdq_log2, evtq_log2;
	unsigned int oas_bits; /* output address size */
	bool gran4k, gran16k, gran64k;
	unsigned int arch_minor; /* SMMUv3.<minor> */
};

void smmu_decode(const struct smmu_idr *r, struct smmu_features *f);
/* One line per register, "IDR0 0x... S1P S2P ..." into buf; returns buf. */
const char *smmu_describe_idr0(uint32_t idr0, char *buf, size_t len);

#endif
