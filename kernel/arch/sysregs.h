/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Architectural register fields, named as in the Arm ARM (DDI 0487, chapter D23 "AArch64
 * System Register Descriptions"). Constants only: portable code and tests include this too.
 */
#ifndef KERNEL_SYSREGS_H
#define KERNEL_SYSREGS_H

#define BIT(n)			     (1UL << (n))
#define GENMASK(h, l)		     (((~0UL) << (l)) & (~0UL >> (63 - (h))))
#define FIELD_GET(val, shift, width) (((val) >> (shift)) & ((1UL << (width)) - 1))

/* HCR_EL2, Hypervisor Configuration Register. */
#define HCR_EL2_VM     BIT(0)
#define HCR_EL2_SWIO   BIT(1)
#define HCR_EL2_PTW    BIT(2)
#define HCR_EL2_FMO    BIT(3)
#define HCR_EL2_IMO    BIT(4)
#define HCR_EL2_AMO    BIT(5)
#define HCR_EL2_FB     BIT(9)
#define HCR_EL2_BSU_IS (1UL << 10)
#define HCR_EL2_TWI    BIT(13)
#define HCR_EL2_TWE    BIT(14)
#define HCR_EL2_TID1   BIT(16)
#define HCR_EL2_TID2   BIT(17)
#define HCR_EL2_TID3   BIT(18)
#define HCR_EL2_TSC    BIT(19)
#define HCR_EL2_TIDCP  BIT(20)
#define HCR_EL2_TACR   BIT(21)
#define HCR_EL2_TSW    BIT(22)
#define HCR_EL2_TPCP   BIT(23)
#define HCR_EL2_TPU    BIT(24)
#define HCR_EL2_TTLB   BIT(25)
#define HCR_EL2_TVM    BIT(26)
#define HCR_EL2_TGE    BIT(27)
#define HCR_EL2_TRVM   BIT(30)
#define HCR_EL2_RW     BIT(31)
#define HCR_EL2_E2H    BIT(34)
#define HCR_EL2_TLOR   BIT(35)
#define HCR_EL2_TERR   BIT(36)
#define HCR_EL2_TEA    BIT(37)
#define HCR_EL2_APK    BIT(40)
#define HCR_EL2_API    BIT(41)

/*
 * No VM yet: stage 2 off (VM=0), EL1 is AArch64 (RW), and every trap a guest could reach is
 * set, so that whatever runs below EL2 before a VM is configured comes straight to us.
 * APK/API stay 0, which traps pointer-authentication key and instruction use.
 */
#define HCR_EL2_FAIL_CLOSED                                                                       \
	(HCR_EL2_RW | HCR_EL2_TSC | HCR_EL2_TWI | HCR_EL2_TWE | HCR_EL2_TID1 | HCR_EL2_TID2 |     \
	 HCR_EL2_TID3 | HCR_EL2_TIDCP | HCR_EL2_TACR | HCR_EL2_TSW | HCR_EL2_TPCP | HCR_EL2_TPU | \
	 HCR_EL2_TTLB | HCR_EL2_TVM | HCR_EL2_TRVM | HCR_EL2_TLOR | HCR_EL2_TERR | HCR_EL2_TEA |  \
	 HCR_EL2_FMO | HCR_EL2_IMO | HCR_EL2_AMO)

/* SCTLR_EL2 with HCR_EL2.E2H == 0. */
#define SCTLR_EL2_M   BIT(0)
#define SCTLR_EL2_A   BIT(1)
#define SCTLR_EL2_C   BIT(2)
#define SCTLR_EL2_SA  BIT(3)
#define SCTLR_EL2_I   BIT(12)
#define SCTLR_EL2_WXN BIT(19)
#define SCTLR_EL2_EE  BIT(25)
/* RES1: bits 4, 5, 11, 16, 18, 22, 23, 28, 29. */
#define SCTLR_EL2_RES1 \
	(BIT(4) | BIT(5) | BIT(11) | BIT(16) | BIT(18) | BIT(22) | BIT(23) | BIT(28) | BIT(29))

/* TCR_EL2 with HCR_EL2.E2H == 0 (one translation range, TTBR0_EL2). */
#define TCR_EL2_T0SZ(x)	   ((unsigned long)(x)&0x3f)
#define TCR_EL2_IRGN0_WBWA (1UL << 8)
#define TCR_EL2_ORGN0_WBWA (1UL << 10)
#define TCR_EL2_SH0_INNER  (3UL << 12)
#define TCR_EL2_TG0_4K	   (0UL << 14)
#define TCR_EL2_PS(x)	   (((unsigned long)(x)&7) << 16)
#define TCR_EL2_RES1	   (BIT(31) | BIT(23))

/* VTCR_EL2, Virtualization Translation Control Register. */
#define VTCR_EL2_T0SZ(x)    ((unsigned long)(x)&0x3f)
#define VTCR_EL2_SL0(x)	    (((unsigned long)(x)&3) << 6)
#define VTCR_EL2_SL0_SHIFT  6
#define VTCR_EL2_IRGN0_WBWA (1UL << 8)
#define VTCR_EL2_ORGN0_WBWA (1UL << 10)
#define VTCR_EL2_SH0_INNER  (3UL << 12)
#define VTCR_EL2_TG0_4K	    (0UL << 14)
#define VTCR_EL2_PS(x)	    (((unsigned long)(x)&7) << 16)
#define VTCR_EL2_PS_SHIFT   16
#define VTCR_EL2_VS	    BIT(19)
#define VTCR_EL2_RES1	    BIT(31)

/* VTTBR_EL2. */
#define VTTBR_EL2_VMID_SHIFT 48

/*
 * MAIR_EL2 attribute indexes used in our stage-1 descriptors (AttrIndx), and the attribute
 * encodings: 0x04 Device-nGnRE, 0xff Normal Inner/Outer Write-Back Read/Write-Allocate
 * non-transient, 0x00 Device-nGnRnE, 0x44 Normal Non-cacheable.
 */
#define MAIR_IDX_DEVICE_nGnRE  0
#define MAIR_IDX_NORMAL_WB     1
#define MAIR_IDX_DEVICE_nGnRnE 2
#define MAIR_IDX_NORMAL_NC     3
#define MAIR_ATTR(idx, attr)   ((unsigned long)(attr) << ((idx)*8))
#define MAIR_EL2_VALUE                                                                  \
	(MAIR_ATTR(MAIR_IDX_DEVICE_nGnRE, 0x04) | MAIR_ATTR(MAIR_IDX_NORMAL_WB, 0xff) | \
	 MAIR_ATTR(MAIR_IDX_DEVICE_nGnRnE, 0x00) | MAIR_ATTR(MAIR_IDX_NORMAL_NC, 0x44))

/* CPTR_EL2 with HCR_EL2.E2H == 0. RES1 bits 7:0, 9 and 13; TZ and TSM are RES1 when SVE/SME
 * are absent, so setting them is right either way. */
#define CPTR_EL2_RES1  (GENMASK(7, 0) | BIT(9) | BIT(13))
#define CPTR_EL2_TZ    BIT(8)
#define CPTR_EL2_TFP   BIT(10)
#define CPTR_EL2_TSM   BIT(12)
#define CPTR_EL2_TTA   BIT(20)
#define CPTR_EL2_TCPAC BIT(31)

/* MDCR_EL2. */
#define MDCR_EL2_HPMN_MASK 0x1fUL
#define MDCR_EL2_TPMCR	   BIT(5)
#define MDCR_EL2_TPM	   BIT(6)
#define MDCR_EL2_HPME	   BIT(7)
#define MDCR_EL2_TDA	   BIT(9)
#define MDCR_EL2_TDOSA	   BIT(10)
#define MDCR_EL2_TDRA	   BIT(11)

/* CNTHCTL_EL2 with HCR_EL2.E2H == 0. */
#define CNTHCTL_EL2_EL1PCTEN BIT(0)
#define CNTHCTL_EL2_EL1PCEN  BIT(1)
#define CNTHCTL_EL2_EVNTEN   BIT(2)
#define CNTHCTL_EL2_EVNTI(x) (((unsigned long)(x)&0xf) << 4)

/* SPSR_EL2 / PSTATE. */
#define SPSR_M_EL1H 0x5UL
#define SPSR_M_EL2H 0x9UL
#define SPSR_F	    BIT(6)
#define SPSR_I	    BIT(7)
#define SPSR_A	    BIT(8)
#define SPSR_D	    BIT(9)

/* ESR_ELx. */
#define ESR_EC_SHIFT   26
#define ESR_EC_WIDTH   6
#define ESR_IL	       BIT(25)
#define ESR_ISS_MASK   0x1ffffffUL
#define ESR_ISS2_SHIFT 32

/* Exception classes (ESR_ELx.EC) the hypervisor acts on; the full table is in esr.c. */
#define ESR_EC_UNKNOWN	0x00
#define ESR_EC_WFX	0x01
#define ESR_EC_FP_ASIMD 0x07
#define ESR_EC_ILL	0x0e
#define ESR_EC_SVC64	0x15
#define ESR_EC_HVC64	0x16
#define ESR_EC_SMC64	0x17
#define ESR_EC_SYS64	0x18
#define ESR_EC_SVE	0x19
#define ESR_EC_IABT_LOW 0x20
#define ESR_EC_IABT_CUR 0x21
#define ESR_EC_PC_ALIGN 0x22
#define ESR_EC_DABT_LOW 0x24
#define ESR_EC_DABT_CUR 0x25
#define ESR_EC_SP_ALIGN 0x26
#define ESR_EC_SERROR	0x2f
#define ESR_EC_BRK64	0x3c

/* ID_AA64MMFR0_EL1. */
#define ID_AA64MMFR0_PARANGE_SHIFT  0
#define ID_AA64MMFR0_TGRAN4_SHIFT   28
#define ID_AA64MMFR0_TGRAN4_2_SHIFT 40
/* ID_AA64MMFR1_EL1. */
#define ID_AA64MMFR1_VMIDBITS_SHIFT 4
#define ID_AA64MMFR1_VH_SHIFT	    8
/* ID_AA64ISAR0_EL1. */
#define ID_AA64ISAR0_ATOMIC_SHIFT 20
/* ID_AA64PFR0_EL1. */
#define ID_AA64PFR0_EL2_SHIFT 8
#define ID_AA64PFR0_FP_SHIFT  16
#define ID_AA64PFR0_GIC_SHIFT 24
#define ID_AA64PFR0_RAS_SHIFT 28
#define ID_AA64PFR0_SVE_SHIFT 32
/* ID_AA64PFR1_EL1. */
#define ID_AA64PFR1_SME_SHIFT 24
/* ID_AA64DFR0_EL1. */
#define ID_AA64DFR0_PMUVER_SHIFT 8

/* MPIDR_EL1 affinity fields. */
#define MPIDR_AFF_MASK 0xff00ffffffUL

/* PAR_EL1 after an AT instruction. */
#define PAR_EL1_F	BIT(0)
#define PAR_EL1_PA_MASK GENMASK(47, 12)

#endif
