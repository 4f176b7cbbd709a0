// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the SMMUv3 ID register decoder (pci/smmuv3.c) against the field layout of
 * IHI 0070 (6.3.1 SMMU_IDR0, 6.3.2 SMMU_IDR1, 6.3.6 SMMU_IDR5, 6.3.8 SMMU_AIDR): QEMU 7.2's
 * real register values, then each field set alone.
 */
#include <stdint.h>

#include "kernel/lib/err.h"
#include "kernel/arch/sysregs.h"
#include "pci/smmuv3.h"
#include "mm/vtcr.h"
#include "test.h"

/* What QEMU 7.2's virt SMMUv3 reports (read from the MMIO frame under -machine virt,iommu=smmuv3). */
#define QEMU_IDR0 0x0d40101au
#define QEMU_IDR1 0x02730010u
#define QEMU_IDR5 0x00000074u
#define QEMU_AIDR 0x1u

static struct smmu_features decode(uint32_t idr0, uint32_t idr1, uint32_t idr5, uint32_t aidr)
{
	struct smmu_idr r = { .idr = { idr0, idr1, 0, 0, 0, idr5 }, .aidr = aidr };
	struct smmu_features f;

	memset(&f, 0xa5, sizeof(f)); /* every field must be written */
	smmu_decode(&r, &f);
	return f;
}

/* STE and CD bit positions, spelled out from IHI 0070 5.2 and 5.4 (as Linux's arm-smmu-v3.h). */
static void test_structures(void)
{
	uint64_t ste[SMMU_STE_DWORDS], cd[SMMU_CD_DWORDS];

	memset(ste, 0xff, sizeof(ste));
	smmu_ste_abort(ste);
	CHECK_EQ_U64(ste[0], 0x1); /* V, Config 000 */
	for (int i = 1; i < SMMU_STE_DWORDS; i++)
		CHECK_EQ_U64(ste[i], 0);
	smmu_ste_s1(ste, 0x12345000);
	CHECK_EQ_U64(ste[0], 0x1234500bULL); /* V, Config 101, S1ContextPtr */
	CHECK_EQ_U64(ste[1], 0xd4);	     /* S1CIR 01, S1COR 01, S1CSH 11 */
	smmu_ste_s1(ste, 0xfedcba987654321ULL);
	CHECK_EQ_U64(ste[0] & ~0xfULL, 0x000dcba987654300ULL); /* bits 51:6 only */

	CHECK_EQ_U64(smmu_cd_build(cd, 0x80000000, 48, 44, 3), 0);
	/* T0SZ 16, IRGN0/ORGN0 01, SH0 11, EPD1, V, IPS 100 (44 bits), AA64, R, A, ASID 3. */
	CHECK_EQ_U64(cd[0], 0x36204c0003510ULL);
	CHECK_EQ_U64(cd[1], 0x80000000);
	CHECK_EQ_U64(cd[2], 0);
	CHECK_EQ_U64(cd[3], 0xff);
	CHECK_EQ_U64(smmu_cd_build(cd, 0x80000000, 40, 48, 0xffff), 0);
	CHECK_EQ_U64(cd[0] & 0x3f, 24);
	CHECK_EQ_U64(cd[0] >> 32 & 7, 5);
	CHECK_EQ_U64(cd[0] >> 48, 0xffff);
	CHECK_EQ_U64(smmu_cd_build(cd, 0x80000000, 48, 45, 1), (uint64_t)E_INVAL);
	CHECK_EQ_U64(smmu_cd_build(cd, 0x80000000, 49, 44, 1), (uint64_t)E_INVAL);
	CHECK_EQ_U64(smmu_cd_build(cd, 0x80000800, 48, 44, 1), (uint64_t)E_INVAL);
	/* Leaf attributes: AP[2:1] 01, SH 11, AF, nG, PXN+UXN. */
	CHECK_EQ_U64(SMMU_S1_PTE_DMA, 0x60000000000f40ULL);
}

/*
 * A stage-2 STE from the VTCR_EL2 the CPU uses: 44-bit IPA and PA (PARange 0b100), start level 0
 * (SL0 = 2), Write-Back Inner Shareable walks, 4 KiB granule. Bit positions from IHI 0070 5.2 as
 * Linux's arm-smmu-v3.h names them (STRTAB_STE_2_*, STRTAB_STE_3_S2TTB_MASK).
 */
static void test_ste_s2(void)
{
	const uint64_t vtcr = VTCR_EL2_RES1 | VTCR_EL2_T0SZ(20) | VTCR_EL2_SL0(2) |
			      VTCR_EL2_IRGN0_WBWA | VTCR_EL2_ORGN0_WBWA | VTCR_EL2_SH0_INNER |
			      VTCR_EL2_TG0_4K | VTCR_EL2_PS(4);
	struct smmu_features f = decode(QEMU_IDR0 | 1, QEMU_IDR1, QEMU_IDR5, QEMU_AIDR);
	uint64_t ste[SMMU_STE_DWORDS];

	CHECK_EQ_U64(smmu_ste_s2(ste, &f, vtcr, 0x40123000, 5), 0);
	CHECK_EQ_U64(ste[0], 0xd);		     /* V, Config 110 */
	CHECK_EQ_U64(ste[1], 1ULL << 44);	     /* SHCFG incoming */
	CHECK_EQ_U64(ste[2], 0x044c359400000005ULL); /* S2R S2PTW S2AA64 PS T..T0SZ VMID */
	CHECK_EQ_U64(ste[3], 0x40123000);	     /* S2TTB */
	for (unsigned int i = 4; i < SMMU_STE_DWORDS; i++)
		CHECK_EQ_U64(ste[i], 0);
	/* A CPU with 48-bit PAs but a 40-bit IPA: S2PS is lowered to the SMMU's 44 bits. */
	CHECK_EQ_U64(
		smmu_ste_s2(ste, &f,
			    (vtcr & ~0x3fULL & ~(7ULL << 16)) | VTCR_EL2_T0SZ(24) | VTCR_EL2_PS(5),
			    0x40123000, 5),
		0);
	CHECK_EQ_U64(ste[2] >> 48 & 7, 4);
	CHECK_EQ_U64(ste[2] >> 32 & 0x3f, 24);
	/* IPA wider than the SMMU's OAS; misaligned root; 16-bit VMID without VMID16. */
	CHECK_EQ_U64(smmu_ste_s2(ste, &f, (vtcr & ~0x3fULL) | VTCR_EL2_T0SZ(16), 0x40123000, 5),
		     (uint64_t)E_NOTSUP);
	CHECK_EQ_U64(smmu_ste_s2(ste, &f, vtcr, 0x40123800, 5), (uint64_t)E_INVAL);
	CHECK_EQ_U64(smmu_ste_s2(ste, &f, vtcr, 0x40123000, 0x100), (uint64_t)E_INVAL);
	/* No stage 2 (QEMU 7.2's SMMU), or walks that are not coherent: no sharing. */
	f = decode(QEMU_IDR0, QEMU_IDR1, QEMU_IDR5, QEMU_AIDR);
	CHECK_EQ_U64(smmu_ste_s2(ste, &f, vtcr, 0x40123000, 5), (uint64_t)E_NOTSUP);
	CHECK_STR(smmu_s2_unfit(&f, vtcr), "the SMMU has no stage 2 (IDR0.S2P = 0)");
	/* QEMU 10.0's SMMU (IDR0 0x0d44101b: S2P and VMID16 too) with -cpu max's 48-bit IPA. */
	f = decode(0x0d44101bu, QEMU_IDR1, QEMU_IDR5, QEMU_AIDR);
	CHECK_EQ_U64(f.s2p, 1);
	CHECK_EQ_U64(f.vmid16, 1);
	CHECK_EQ_U64(smmu_ste_s2(ste, &f, vtcr, 0x40123000, 0x100), 0);
	CHECK_STR(smmu_s2_unfit(&f, (vtcr & ~0x3fULL) | VTCR_EL2_T0SZ(16)),
		  "the VMs' IPA size (VTCR_EL2.T0SZ) exceeds the SMMU's OAS (IDR5.OAS)");
	f = decode((QEMU_IDR0 | 1) & ~(1u << 4), QEMU_IDR1, QEMU_IDR5, QEMU_AIDR);
	CHECK_EQ_U64(smmu_ste_s2(ste, &f, vtcr, 0x40123000, 5), (uint64_t)E_NOTSUP);
}

/*
 * The per-VM choice that makes sharing possible: -cpu max's VTCR_EL2 (48-bit PA and IPA, 16-bit
 * VMIDs) is refused by QEMU 10's SMMU (OAS 44); the VM with a device gets it lowered to the
 * SMMU's OAS, and the STE then carries exactly that geometry: S2T0SZ 20, S2SL0 2 (level 0),
 * the CPU's walk attributes, S2PS lowered from 48 to 44 bits.
 */
static void test_ste_s2_per_vm_ipa(void)
{
	struct smmu_features f = decode(0x0d44101bu, QEMU_IDR1, QEMU_IDR5, QEMU_AIDR);
	uint64_t cpu = 0, vm = 0, ste[SMMU_STE_DWORDS];

	/* ID_AA64MMFR0_EL1.PARange 0b0101 (48 bits), ID_AA64MMFR1_EL1.VMIDBits 0b0010. */
	CHECK_EQ_U64(vtcr_compute(5, 2 << 4, &cpu), 0);
	CHECK(smmu_s2_unfit(&f, cpu) != NULL);
	CHECK_EQ_U64(vtcr_limit_ipa(cpu, f.oas_bits, &vm), 0);
	CHECK(smmu_s2_unfit(&f, vm) == NULL);
	CHECK_EQ_U64(smmu_ste_s2(ste, &f, vm, 0x6dc00000, 2), 0);
	CHECK_EQ_U64(ste[2] >> 32 & 0x3f, 20);	 /* S2T0SZ */
	CHECK_EQ_U64(ste[2] >> 38 & 3, 2);	 /* S2SL0: level 0 */
	CHECK_EQ_U64(ste[2] >> 40 & 0x3f, 0x35); /* S2IR0 01, S2OR0 01, S2SH0 11 */
	CHECK_EQ_U64(ste[2] >> 46 & 3, 0);	 /* S2TG: 4 KiB */
	CHECK_EQ_U64(ste[2] >> 48 & 7, 4);	 /* S2PS: 44 bits */
	CHECK_EQ_U64(ste[2] & 0xffff, 2);	 /* S2VMID */
	CHECK_EQ_U64(ste[3], 0x6dc00000);	 /* S2TTB */
}

static void test_commands_events(void)
{
	uint64_t c[SMMU_CMD_DWORDS];
	const uint64_t evt[SMMU_EVT_DWORDS] = { 0x0000010000000010ULL, 0, 0x4000123456ULL, 0 };
	struct smmu_event e;

	smmu_cmd_cfgi_ste(c, 0x110);
	CHECK_EQ_U64(c[0], 0x0000011000000003ULL);
	CHECK_EQ_U64(c[1], 1);
	smmu_cmd_cfgi_all(c);
	CHECK_EQ_U64(c[0], 0x04);
	CHECK_EQ_U64(c[1], 31);
	smmu_cmd_tlbi_nh_asid(c, 7);
	CHECK_EQ_U64(c[0], 0x0007000000000011ULL);
	smmu_cmd_tlbi_nsnh_all(c);
	CHECK_EQ_U64(c[0], 0x30);
	smmu_cmd_tlbi_s12_vmall(c, 0x1234);
	CHECK_EQ_U64(c[0], 0x0000123400000028ULL); /* VMID [47:32] */
	CHECK_EQ_U64(c[1], 0);
	smmu_cmd_tlbi_s2_ipa(c, 9, 0x80123fffULL, true);
	CHECK_EQ_U64(c[0], 0x000000090000002aULL);
	CHECK_EQ_U64(c[1], 0x80123001ULL); /* Address [51:12], Leaf */
	smmu_cmd_sync(c);
	CHECK_EQ_U64(c[0], 0x46);
	CHECK_EQ_U64(c[1], 0);
	smmu_event_decode(evt, &e);
	CHECK_EQ_U64(e.type, SMMU_EVT_F_TRANSLATION);
	CHECK_EQ_U64(e.sid, 0x100);
	CHECK_EQ_U64(e.addr, 0x4000123456ULL);
	CHECK_STR(smmu_event_name(e.type), "F_TRANSLATION");
	CHECK_STR(smmu_event_name(0xee), "other");
}

static void test_qemu(void)
{
	struct smmu_features f = decode(QEMU_IDR0, QEMU_IDR1, QEMU_IDR5, QEMU_AIDR);

	/* IDR0 0x0d40101a: S1P, TTF 0b10, COHACC, ASID16, TTENDIAN 0b10, STALL_MODEL 0b01,
	 * TERM_MODEL, ST_LEVEL 0b01. */
	CHECK_EQ_U64(f.s1p, 1);
	CHECK_EQ_U64(f.s2p, 0);
	CHECK_EQ_U64(f.ttf, 2); /* AArch64 tables only */
	CHECK_EQ_U64(f.coherent, 1);
	CHECK_EQ_U64(f.asid16, 1);
	CHECK_EQ_U64(f.vmid16, 0);
	CHECK_EQ_U64(f.hyp, 0);
	CHECK_EQ_U64(f.ats, 0);
	CHECK_EQ_U64(f.msi, 0);
	CHECK_EQ_U64(f.pri, 0);
	CHECK_EQ_U64(f.st_level, 1); /* 2-level stream table */
	/* IDR1 0x02730010: SIDSIZE 16, SSIDSIZE 0, EVENTQS 19, CMDQS 19. */
	CHECK_EQ_U64(f.sid_bits, 16);
	CHECK_EQ_U64(f.ssid_bits, 0);
	CHECK_EQ_U64(f.evtq_log2, 19);
	CHECK_EQ_U64(f.cmdq_log2, 19);
	/* IDR5 0x74: OAS 0b100 = 44 bits, GRAN4K, GRAN16K, GRAN64K. */
	CHECK_EQ_U64(f.oas_bits, 44);
	CHECK_EQ_U64(f.gran4k, 1);
	CHECK_EQ_U64(f.gran16k, 1);
	CHECK_EQ_U64(f.gran64k, 1);
	/* AIDR 1: SMMUv3.1. */
	CHECK_EQ_U64(f.arch_minor, 1);
}

static void test_idr0_fields(void)
{
	struct smmu_features f;

	f = decode(0, 0, 0, 0);
	CHECK_EQ_U64(f.s1p | f.s2p | f.coherent | f.vmid16 | f.asid16 | f.msi | f.ats | f.pri |
			     f.hyp | f.gran4k | f.gran16k | f.gran64k,
		     0);
	CHECK_EQ_U64(f.ttf | f.st_level | f.sid_bits | f.ssid_bits | f.cmdq_log2 | f.evtq_log2 |
			     f.arch_minor,
		     0);
	CHECK_EQ_U64(f.oas_bits, 32);

	/* One bit at a time: each lands in its own field and nowhere else. */
	f = decode(1u << 0, 0, 0, 0);
	CHECK(f.s2p && !f.s1p);
	f = decode(1u << 1, 0, 0, 0);
	CHECK(f.s1p && !f.s2p && !f.ttf);
	f = decode(1u << 2, 0, 0, 0);
	CHECK_EQ_U64(f.ttf, 1); /* AArch32 */
	f = decode(3u << 2, 0, 0, 0);
	CHECK_EQ_U64(f.ttf, 3);
	CHECK(!f.coherent && !f.s1p);
	f = decode(1u << 4, 0, 0, 0);
	CHECK(f.coherent && !f.ttf);
	f = decode(1u << 9, 0, 0, 0);
	CHECK(f.hyp && !f.ats);
	f = decode(1u << 10, 0, 0, 0);
	CHECK(f.ats && !f.hyp && !f.asid16);
	f = decode(1u << 11, 0, 0, 0); /* NS1ATS: not decoded */
	CHECK(!f.ats && !f.asid16);
	f = decode(1u << 12, 0, 0, 0);
	CHECK(f.asid16 && !f.msi);
	f = decode(1u << 13, 0, 0, 0);
	CHECK(f.msi && !f.asid16);
	f = decode(1u << 16, 0, 0, 0);
	CHECK(f.pri && !f.vmid16);
	f = decode(1u << 18, 0, 0, 0);
	CHECK(f.vmid16 && !f.pri);
	f = decode(1u << 27, 0, 0, 0);
	CHECK_EQ_U64(f.st_level, 1);
	f = decode(2u << 27, 0, 0, 0); /* reserved encoding, passed through */
	CHECK_EQ_U64(f.st_level, 2);
	/* Bits the decoder ignores (BTM, HTTU, VMW, CD2L, TTENDIAN, STALL_MODEL, TERM_MODEL ...). */
	f = decode(0xe7fac9e0u, 0, 0, 0);
	CHECK_EQ_U64(f.s1p | f.s2p | f.coherent | f.vmid16 | f.asid16 | f.msi | f.ats | f.pri |
			     f.hyp,
		     0);
	CHECK_EQ_U64(f.ttf, 0);
	CHECK_EQ_U64(f.st_level, 0);
	/* Everything set. */
	f = decode(0xffffffffu, 0, 0, 0);
	CHECK(f.s1p && f.s2p && f.coherent && f.vmid16 && f.asid16 && f.msi && f.ats && f.pri &&
	      f.hyp);
	CHECK_EQ_U64(f.ttf, 3);
	CHECK_EQ_U64(f.st_level, 3);
}

static void test_idr1_idr5_aidr(void)
{
	static const unsigned int oas[8] = { 32, 36, 40, 42, 44, 48, 52, 0 };
	struct smmu_features f;

	/* IDR1: SIDSIZE [5:0], SSIDSIZE [10:6], PRIQS [15:11], EVENTQS [20:16], CMDQS [25:21]. */
	f = decode(0, 0x3f, 0, 0);
	CHECK_EQ_U64(f.sid_bits, 63);
	CHECK_EQ_U64(f.ssid_bits, 0);
	f = decode(0, 0x1fu << 6, 0, 0);
	CHECK_EQ_U64(f.ssid_bits, 31);
	CHECK_EQ_U64(f.sid_bits, 0);
	CHECK_EQ_U64(f.evtq_log2, 0);
	f = decode(0, 0x1fu << 11, 0, 0); /* PRIQS: not decoded */
	CHECK_EQ_U64(f.ssid_bits | f.evtq_log2 | f.sid_bits, 0);
	f = decode(0, 0x1fu << 16, 0, 0);
	CHECK_EQ_U64(f.evtq_log2, 31);
	CHECK_EQ_U64(f.cmdq_log2, 0);
	f = decode(0, 0x1fu << 21, 0, 0);
	CHECK_EQ_U64(f.cmdq_log2, 31);
	CHECK_EQ_U64(f.evtq_log2, 0);
	f = decode(0, (7u << 16) | (8u << 21) | (20u << 6) | 32, 0, 0);
	CHECK_EQ_U64(f.evtq_log2, 7);
	CHECK_EQ_U64(f.cmdq_log2, 8);
	CHECK_EQ_U64(f.ssid_bits, 20);
	CHECK_EQ_U64(f.sid_bits, 32);
	f = decode(0, 0xfc000000u, 0, 0); /* flags above CMDQS */
	CHECK_EQ_U64(f.cmdq_log2 | f.evtq_log2 | f.ssid_bits | f.sid_bits, 0);

	/* IDR5: OAS [2:0], GRAN4K 4, GRAN16K 5, GRAN64K 6. */
	for (unsigned int i = 0; i < 8; i++) {
		f = decode(0, 0, i, 0);
		CHECK_EQ_U64(f.oas_bits, oas[i]);
		CHECK(!f.gran4k && !f.gran16k && !f.gran64k);
	}
	f = decode(0, 0, 1u << 4, 0);
	CHECK(f.gran4k && !f.gran16k && !f.gran64k);
	f = decode(0, 0, 1u << 5, 0);
	CHECK(!f.gran4k && f.gran16k && !f.gran64k);
	f = decode(0, 0, 1u << 6, 0);
	CHECK(!f.gran4k && !f.gran16k && f.gran64k);
	f = decode(0, 0, 0xffff0c08u, 0); /* STALL_MAX, VAX, bit 3: none of ours */
	CHECK_EQ_U64(f.oas_bits, 32);
	CHECK(!f.gran4k && !f.gran16k && !f.gran64k);

	/* IDR2-4 and IIDR are not decoded: they change nothing. */
	struct smmu_idr r = { .idr = { 0, 0, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0 },
			      .iidr = 0xffffffffu };

	smmu_decode(&r, &f);
	CHECK_EQ_U64(f.oas_bits, 32);
	CHECK_EQ_U64(f.sid_bits | f.ttf | f.arch_minor, 0);

	/* AIDR: ArchMinorRev [3:0]; ArchMajorRev [7:4] is 0 for SMMUv3. */
	f = decode(0, 0, 0, 0x2);
	CHECK_EQ_U64(f.arch_minor, 2);
	f = decode(0, 0, 0, 0xf3);
	CHECK_EQ_U64(f.arch_minor, 3);
}

static void test_describe_idr0(void)
{
	char buf[160];
	const char *ret;

	ret = smmu_describe_idr0(QEMU_IDR0, buf, sizeof(buf));
	CHECK(ret == buf);
	CHECK_STR(buf, "S1P=1 S2P=0 TTF=AArch64 COHACC=1 HYP=0 ATS=0 ASID16=1 MSI=0 PRI=0 "
		       "VMID16=0 ST_LEVEL=2-level");
	smmu_describe_idr0(0, buf, sizeof(buf));
	CHECK_STR(buf, "S1P=0 S2P=0 TTF=reserved COHACC=0 HYP=0 ATS=0 ASID16=0 MSI=0 PRI=0 "
		       "VMID16=0 ST_LEVEL=linear");
	/* S2P, AArch32 tables, HYP, ATS, MSI, PRI, VMID16, reserved ST_LEVEL. */
	smmu_describe_idr0(1u << 0 | 1u << 2 | 1u << 9 | 1u << 10 | 1u << 13 | 1u << 16 | 1u << 18 |
				   3u << 27,
			   buf, sizeof(buf));
	CHECK_STR(buf, "S1P=0 S2P=1 TTF=AArch32 COHACC=0 HYP=1 ATS=1 ASID16=0 MSI=1 PRI=1 "
		       "VMID16=1 ST_LEVEL=reserved");
	smmu_describe_idr0(3u << 2, buf, sizeof(buf));
	CHECK(strstr(buf, "TTF=AArch32+AArch64 ") != NULL);
	/* Cut to the buffer and terminated. */
	char small[10];

	memset(small, 'x', sizeof(small));
	smmu_describe_idr0(QEMU_IDR0, small, sizeof(small));
	CHECK_STR(small, "S1P=1 S2P");
}

int main(void)
{
	RUN(test_structures);
	RUN(test_ste_s2);
	RUN(test_ste_s2_per_vm_ipa);
	RUN(test_commands_events);
	RUN(test_qemu);
	RUN(test_idr0_fields);
	RUN(test_idr1_idr5_aidr);
	RUN(test_describe_idr0);
	return TEST_SUMMARY();
}
