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

/* ---- Structures and commands (IHI 0070 5.2 STE, 5.4 CD, 4.1-4.3 commands) ----------------- */

#define SMMU_STE_DWORDS 8 /* 64 bytes */
#define SMMU_CD_DWORDS	8 /* 64 bytes */
#define SMMU_CMD_DWORDS 2 /* 16 bytes */
#define SMMU_EVT_DWORDS 4 /* 32 bytes */

/* STE.Config (5.2, STE[3:1]). */
#define SMMU_STE_CFG_ABORT    0x0
#define SMMU_STE_CFG_BYPASS   0x4
#define SMMU_STE_CFG_S1_TRANS 0x5
#define SMMU_STE_CFG_S2_TRANS 0x6

/* Command opcodes (4.1.1). */
#define SMMU_CMD_CFGI_STE	0x03
#define SMMU_CMD_CFGI_ALL	0x04
#define SMMU_CMD_CFGI_CD	0x05
#define SMMU_CMD_TLBI_NH_ASID	0x11
#define SMMU_CMD_TLBI_S12_VMALL 0x28
#define SMMU_CMD_TLBI_S2_IPA	0x2a
#define SMMU_CMD_TLBI_NSNH_ALL	0x30
#define SMMU_CMD_SYNC		0x46

/* Event types (7.3) worth naming. */
#define SMMU_EVT_C_BAD_STE     0x04
#define SMMU_EVT_F_TRANSLATION 0x10
#define SMMU_EVT_F_ADDR_SIZE   0x11
#define SMMU_EVT_F_ACCESS      0x12
#define SMMU_EVT_F_PERMISSION  0x13

/* MAIR for context descriptors: Attr0 Normal Write-Back (what DMA into RAM wants). */
#define SMMU_CD_MAIR 0xffUL
/* Stage-1 leaf attributes for a DMA mapping: AttrIndx 0, AP[2:1] = 01 (read-write, also from
 * unprivileged streams), Inner Shareable, AF, nG (tagged with the context's ASID), UXN/PXN. */
#define SMMU_S1_PTE_DMA ((1UL << 6) | (3UL << 8) | (1UL << 10) | (1UL << 11) | (3UL << 53))
/* The same for a device's writes to MMIO (an MSI doorbell): AttrIndx 1, MAIR Attr1 = 0x00,
 * Device-nGnRnE. */
#define SMMU_S1_PTE_MMIO ((1UL << 2) | (1UL << 6) | (1UL << 10) | (1UL << 11) | (3UL << 53))

/* An STE that is valid and aborts every transaction of the stream. */
void smmu_ste_abort(uint64_t ste[SMMU_STE_DWORDS]);
/* An STE that translates with stage 1 through the single CD at cd_pa (S1Fmt linear, no
 * substreams); the CD is fetched Write-Back Inner Shareable. */
void smmu_ste_s1(uint64_t ste[SMMU_STE_DWORDS], uint64_t cd_pa);
/*
 * An STE that translates with stage 2 only, sharing a VM's Stage-2 tables with the CPU (5.2,
 * STE.S2*): S2TTB = s2_root, S2VMID = vmid, and S2T0SZ/S2SL0/S2IR0/S2OR0/S2SH0/S2TG/S2PS taken from
 * the VTCR_EL2 value the CPU walks the same tables with (STE[178:160] has VTCR_EL2[18:0]'s layout),
 * S2PS lowered to the SMMU's output size. Faults are recorded (S2R) and terminated (S2S = 0);
 * S2PTW is set. E_NOTSUP when the SMMU lacks stage 2 (IDR0.S2P), AArch64 tables (IDR0.TTF), the
 * 4 KiB granule (IDR5.GRAN4K) or coherent table walks (IDR0.COHACC: the tables are written
 * through the CPU's caches and never cleaned), or when the IPA size exceeds the SMMU's output
 * size (IDR5.OAS bounds the stage-2 input size here); E_INVAL for a misaligned root or a VMID
 * wider than the SMMU supports (IDR0.VMID16).
 */
/* NULL when smmu_ste_s2() can share Stage-2 tables made for vtcr, else why not. */
const char *smmu_s2_unfit(const struct smmu_features *f, uint64_t vtcr);
int smmu_ste_s2(uint64_t ste[SMMU_STE_DWORDS], const struct smmu_features *f, uint64_t vtcr,
		uint64_t s2_root, uint16_t vmid);
/*
 * A 64-bit (AA64) CD for a 4 KiB-granule table at ttb0 covering ia_bits of input, output size
 * oas_bits, ASID asid; TTB1 walks disabled (EPD1), faults recorded (R) and terminated with an
 * abort (A). 0, or E_INVAL for an ia_bits/oas_bits the format cannot express.
 */
int smmu_cd_build(uint64_t cd[SMMU_CD_DWORDS], uint64_t ttb0, unsigned int ia_bits,
		  unsigned int oas_bits, uint16_t asid);
/* Commands. */
void smmu_cmd_cfgi_ste(uint64_t cmd[SMMU_CMD_DWORDS], uint32_t sid);
void smmu_cmd_cfgi_all(uint64_t cmd[SMMU_CMD_DWORDS]);
void smmu_cmd_tlbi_nh_asid(uint64_t cmd[SMMU_CMD_DWORDS], uint16_t asid);
/* Every stage-1 and stage-2 entry tagged with vmid (4.4.3.3). */
void smmu_cmd_tlbi_s12_vmall(uint64_t cmd[SMMU_CMD_DWORDS], uint16_t vmid);
/* Stage-2 entries for the 4 KiB page at ipa of vmid; leaf: only last-level entries (4.4.3.4). */
void smmu_cmd_tlbi_s2_ipa(uint64_t cmd[SMMU_CMD_DWORDS], uint16_t vmid, uint64_t ipa, bool leaf);
void smmu_cmd_tlbi_nsnh_all(uint64_t cmd[SMMU_CMD_DWORDS]);
void smmu_cmd_sync(uint64_t cmd[SMMU_CMD_DWORDS]);
/* An event record's type, StreamID and input address (7.3), and the type's name. */
struct smmu_event {
	unsigned int type;
	uint32_t sid;
	uint64_t addr;
};
void smmu_event_decode(const uint64_t evt[SMMU_EVT_DWORDS], struct smmu_event *e);
const char *smmu_event_name(unsigned int type);

#endif
