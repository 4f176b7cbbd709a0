/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Architectural register fields, named as in the Arm ARM (DDI 0487, chapter D23 "AArch64
 * System Register Descriptions"). Constants only: portable code, tests and assembly include
 * this too, so every value is written with U()/UL()/BIT()/GENMASK() (kernel/lib/bits.h).
 * A field of more than one bit is NAME_SHIFT and NAME_WIDTH (FIELD_GET/FIELD_PREP), with
 * NAME_MASK where code masks it in place; a one-bit field is NAME, the bit itself.
 */
#ifndef KERNEL_SYSREGS_H
#define KERNEL_SYSREGS_H

#include "kernel/lib/bits.h"

/* HCR_EL2, Hypervisor Configuration Register. */
#define HCR_EL2_VM     BIT(0)
#define HCR_EL2_SWIO   BIT(1)
#define HCR_EL2_PTW    BIT(2)
#define HCR_EL2_FMO    BIT(3)
#define HCR_EL2_IMO    BIT(4)
#define HCR_EL2_AMO    BIT(5)
#define HCR_EL2_FB     BIT(9)
#define HCR_EL2_BSU_IS (UL(1) << 10)
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
/* RES1: bits 4, 5, 11, 16, 18, 22, 23, 28, 29 (boot/head.S writes exactly this at entry). */
#define SCTLR_EL2_RES1 \
	(BIT(4) | BIT(5) | BIT(11) | BIT(16) | BIT(18) | BIT(22) | BIT(23) | BIT(28) | BIT(29))

/* TCR_EL2 with HCR_EL2.E2H == 0 (one translation range, TTBR0_EL2). */
#define TCR_EL2_T0SZ(x)	   ((x)&UL(0x3f))
#define TCR_EL2_IRGN0_WBWA (UL(1) << 8)
#define TCR_EL2_ORGN0_WBWA (UL(1) << 10)
#define TCR_EL2_SH0_INNER  (UL(3) << 12)
#define TCR_EL2_TG0_4K	   (UL(0) << 14)
#define TCR_EL2_PS(x)	   (((x)&UL(7)) << 16)
#define TCR_EL2_RES1	   (BIT(31) | BIT(23))

/* VTCR_EL2, Virtualization Translation Control Register. */
#define VTCR_EL2_T0SZ(x)    ((x)&UL(0x3f))
#define VTCR_EL2_SL0(x)	    (((x)&UL(3)) << 6)
#define VTCR_EL2_SL0_SHIFT  6
#define VTCR_EL2_IRGN0_WBWA (UL(1) << 8)
#define VTCR_EL2_ORGN0_WBWA (UL(1) << 10)
#define VTCR_EL2_SH0_INNER  (UL(3) << 12)
#define VTCR_EL2_TG0_4K	    (UL(0) << 14)
#define VTCR_EL2_PS(x)	    (((x)&UL(7)) << 16)
#define VTCR_EL2_PS_SHIFT   16
#define VTCR_EL2_PS_WIDTH   3
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
#define MAIR_ATTR(idx, attr)   (((attr)&UL(0xff)) << ((idx)*8))
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

/* MDCR_EL2. HPMN [4:0]: event counters EL1 and EL0 may use. */
#define MDCR_EL2_HPMN_SHIFT 0
#define MDCR_EL2_HPMN_WIDTH 5
#define MDCR_EL2_HPMN_MASK  FIELD_MASK(MDCR_EL2_HPMN_SHIFT, MDCR_EL2_HPMN_WIDTH)
#define MDCR_EL2_TPMCR	    BIT(5)
#define MDCR_EL2_TPM	    BIT(6)
#define MDCR_EL2_HPME	    BIT(7)
#define MDCR_EL2_TDA	    BIT(9)
#define MDCR_EL2_TDOSA	    BIT(10)
#define MDCR_EL2_TDRA	    BIT(11)
#define MDCR_EL2_HPMD	    BIT(17) /* FEAT_PMUv3p1: counters [0..HPMN-1] do not count at EL2 */
#define MDCR_EL2_HCCD	    BIT(23) /* FEAT_PMUv3p5: the cycle counter does not count at EL2 */

/* CNTHCTL_EL2 with HCR_EL2.E2H == 0. */
#define CNTHCTL_EL2_EL1PCTEN BIT(0)
#define CNTHCTL_EL2_EL1PCEN  BIT(1)
#define CNTHCTL_EL2_EVNTEN   BIT(2)
#define CNTHCTL_EL2_EVNTI(x) (((x)&UL(0xf)) << 4)

/* SPSR_EL2 / PSTATE (C5.2.19 "SPSR_EL2"): M[3:0] is the exception level and stack pointer. */
#define SPSR_M_SHIFT 0
#define SPSR_M_WIDTH 4
#define SPSR_M_MASK  FIELD_MASK(SPSR_M_SHIFT, SPSR_M_WIDTH)
#define SPSR_M_EL0T  UL(0x0)
#define SPSR_M_EL1T  UL(0x4)
#define SPSR_M_EL1H  UL(0x5)
#define SPSR_M_EL2T  UL(0x8)
#define SPSR_M_EL2H  UL(0x9)
#define SPSR_M_NRW   BIT(4) /* M[4]: 1 = taken from AArch32 */
#define SPSR_F	     BIT(6)
#define SPSR_I	     BIT(7)
#define SPSR_A	     BIT(8)
#define SPSR_D	     BIT(9)
#define SPSR_DAIF    (SPSR_D | SPSR_A | SPSR_I | SPSR_F)
/*
 * EL1h with D, A, I and F masked, as after a reset (0x3c5): a vCPU's first entry
 * (kernel/vmm/vcpu.c) and the state an exception injected into a guest starts in.
 */
#define SPSR_EL1H_MASKED (SPSR_M_EL1H | SPSR_DAIF)

/* ESR_ELx (D23.2.41 "ESR_EL2"): EC [31:26], IL [25], ISS [24:0], ISS2 [55:32]. */
#define ESR_EC_SHIFT   26
#define ESR_EC_WIDTH   6
#define ESR_IL	       BIT(25)
#define ESR_ISS_SHIFT  0
#define ESR_ISS_WIDTH  25
#define ESR_ISS_MASK   FIELD_MASK(ESR_ISS_SHIFT, ESR_ISS_WIDTH)
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
#define ESR_EC_SME	0x1d
#define ESR_EC_IABT_LOW 0x20
#define ESR_EC_IABT_CUR 0x21
#define ESR_EC_PC_ALIGN 0x22
#define ESR_EC_DABT_LOW 0x24
#define ESR_EC_DABT_CUR 0x25
#define ESR_EC_SP_ALIGN 0x26
#define ESR_EC_SERROR	0x2f
#define ESR_EC_BRK64	0x3c

/* ISS for a Data Abort ("ISS encoding for an exception from a Data Abort"). */
#define ESR_DABT_ISV	    BIT(24) /* the fields SAS to AR below are valid */
#define ESR_DABT_SAS_SHIFT  22	    /* access size, log2 bytes */
#define ESR_DABT_SAS_WIDTH  2
#define ESR_DABT_SAS_BYTE   0
#define ESR_DABT_SAS_HALF   1
#define ESR_DABT_SAS_WORD   2
#define ESR_DABT_SAS_DWORD  3
#define ESR_DABT_SSE	    BIT(21) /* sign-extend the loaded value */
#define ESR_DABT_SRT_SHIFT  16	    /* the transfer register, 31 = XZR */
#define ESR_DABT_SRT_WIDTH  5
#define ESR_DABT_SF	    BIT(15) /* 64-bit register (Xt), else Wt */
#define ESR_DABT_AR	    BIT(14) /* acquire/release semantics */
#define ESR_DABT_FNV	    BIT(10) /* FAR not valid */
#define ESR_DABT_EA	    BIT(9)  /* external abort type */
#define ESR_DABT_CM	    BIT(8)  /* a cache maintenance instruction */
#define ESR_DABT_S1PTW	    BIT(7)  /* stage 2 fault on a stage 1 table walk */
#define ESR_DABT_WNR	    BIT(6)  /* 1 = write */
#define ESR_DABT_DFSC_SHIFT 0
#define ESR_DABT_DFSC_WIDTH 6

/* ISS for an Instruction Abort: the same positions as a Data Abort's, fewer fields. */
#define ESR_IABT_FNV	    BIT(10)
#define ESR_IABT_EA	    BIT(9)
#define ESR_IABT_S1PTW	    BIT(7)
#define ESR_IABT_IFSC_SHIFT 0
#define ESR_IABT_IFSC_WIDTH 6

/*
 * DFSC/IFSC: bits [5:2] the type, [1:0] the translation level for the types that have one
 * ("ISS encoding for an exception from a Data Abort", DFSC).
 */
#define ESR_FSC_TYPE_MASK	 UL(0x3c)
#define ESR_FSC_LEVEL_MASK	 UL(0x03)
#define ESR_FSC_ADDR_SIZE	 0x00
#define ESR_FSC_TRANSLATION	 0x04
#define ESR_FSC_ACCESS_FLAG	 0x08
#define ESR_FSC_PERMISSION	 0x0c
#define ESR_FSC_SEA		 0x10
#define ESR_FSC_SERROR		 0x11
#define ESR_FSC_SEA_TTW		 0x14 /* levels 0-3; level -1 is 0x13 */
#define ESR_FSC_SEA_TTW_LM1	 0x13
#define ESR_FSC_ALIGNMENT	 0x21
#define ESR_FSC_GPF_TTW		 0x24 /* FEAT_RME, levels 0-3; level -1 is 0x23 */
#define ESR_FSC_GPF_TTW_LM1	 0x23
#define ESR_FSC_GPF		 0x28
#define ESR_FSC_ADDR_SIZE_LM1	 0x29
#define ESR_FSC_TRANSLATION_LM1	 0x2b
#define ESR_FSC_TLB_CONFLICT	 0x30
#define ESR_FSC_ATOMIC_HW_UPDATE 0x31
#define ESR_FSC_LOCKDOWN	 0x34
#define ESR_FSC_UNSUPP_EXCLUSIVE 0x35

/* ISS for a trapped MSR, MRS or system instruction (EC 0x18). */
#define ESR_SYS64_OP0_SHIFT 20
#define ESR_SYS64_OP0_WIDTH 2
#define ESR_SYS64_OP2_SHIFT 17
#define ESR_SYS64_OP2_WIDTH 3
#define ESR_SYS64_OP1_SHIFT 14
#define ESR_SYS64_OP1_WIDTH 3
#define ESR_SYS64_CRN_SHIFT 10
#define ESR_SYS64_CRN_WIDTH 4
#define ESR_SYS64_RT_SHIFT  5
#define ESR_SYS64_RT_WIDTH  5
#define ESR_SYS64_CRM_SHIFT 1
#define ESR_SYS64_CRM_WIDTH 4
#define ESR_SYS64_DIR_READ  BIT(0) /* Direction: 1 = MRS (read), 0 = MSR (write) */

/* ISS for a trapped WFI or WFE (EC 0x01): TI [1:0] says which instruction. */
#define ESR_WFX_TI_SHIFT 0
#define ESR_WFX_TI_WIDTH 2
#define ESR_WFX_TI_WFI	 0
#define ESR_WFX_TI_WFE	 1
#define ESR_WFX_TI_WFIT	 2
#define ESR_WFX_TI_WFET	 3

/* ISS of an SVC, HVC, SMC (imm16) or BRK (comment): the instruction's 16-bit immediate. */
#define ESR_IMM16_SHIFT 0
#define ESR_IMM16_WIDTH 16

/* ISS for an SError interrupt (EC 0x2f). */
#define ESR_SERROR_IDS	      BIT(24) /* IMPLEMENTATION DEFINED syndrome */
#define ESR_SERROR_AET_SHIFT  10
#define ESR_SERROR_AET_WIDTH  3
#define ESR_SERROR_EA	      BIT(9)
#define ESR_SERROR_DFSC_SHIFT 0
#define ESR_SERROR_DFSC_WIDTH 6

/* Width of every ID register field (D19.1.3, "The ID scheme"). */
#define ID_FIELD_WIDTH 4

/* ID_AA64MMFR0_EL1. */
#define ID_AA64MMFR0_PARANGE_SHIFT  0
#define ID_AA64MMFR0_TGRAN4_SHIFT   28
#define ID_AA64MMFR0_TGRAN4_2_SHIFT 40
/* ID_AA64MMFR1_EL1. */
#define ID_AA64MMFR1_VMIDBITS_SHIFT 4
#define ID_AA64MMFR1_VH_SHIFT	    8
/* ID_AA64ISAR0_EL1. */
#define ID_AA64ISAR0_ATOMIC_SHIFT 20
/* ID_AA64ISAR1_EL1. */
#define ID_AA64ISAR1_LRCPC_SHIFT 20
/* ID_AA64PFR0_EL1. */
#define ID_AA64PFR0_EL0_SHIFT	   0
#define ID_AA64PFR0_EL1_SHIFT	   4
#define ID_AA64PFR0_EL2_SHIFT	   8
#define ID_AA64PFR0_FP_SHIFT	   16
#define ID_AA64PFR0_GIC_SHIFT	   24
#define ID_AA64PFR0_RAS_SHIFT	   28
#define ID_AA64PFR0_SVE_SHIFT	   32
#define ID_AA64PFR0_SEL2_SHIFT	   36
#define ID_AA64PFR0_MPAM_SHIFT	   40
#define ID_AA64PFR0_AMU_SHIFT	   44
#define ID_AA64PFR0_RME_SHIFT	   52
#define ID_AA64PFR0_ELX_64BIT_ONLY 1 /* EL0-EL3 fields: AArch64 only */
/* ID_AA64PFR1_EL1. */
#define ID_AA64PFR1_MTE_SHIFT	    8
#define ID_AA64PFR1_MPAM_FRAC_SHIFT 16
#define ID_AA64PFR1_SME_SHIFT	    24
/* ID_AA64DFR0_EL1. */
#define ID_AA64DFR0_DEBUGVER_SHIFT   0
#define ID_AA64DFR0_TRACEVER_SHIFT   4
#define ID_AA64DFR0_PMUVER_SHIFT     8
#define ID_AA64DFR0_BRPS_SHIFT	     12 /* breakpoints implemented, minus 1 */
#define ID_AA64DFR0_WRPS_SHIFT	     20 /* watchpoints implemented, minus 1 */
#define ID_AA64DFR0_DOUBLELOCK_SHIFT 36 /* 0: FEAT_DoubleLock (OSDLR_EL1) implemented */
#define ID_AA64DFR0_HPMN0_SHIFT	     60 /* 1: MDCR_EL2.HPMN may be 0 */
/* PMUVer values (D19.2.59): PMUv3, and the versions that add HPMD and HCCD. */
#define ID_AA64DFR0_PMUVER_V3	      1
#define ID_AA64DFR0_PMUVER_V3P1	      4
#define ID_AA64DFR0_PMUVER_V3P5	      6
#define ID_AA64DFR0_PMUVER_IMPDEF     0xf
#define ID_AA64DFR0_PMSVER_SHIFT      32
#define ID_AA64DFR0_TRACEBUFFER_SHIFT 44
#define ID_AA64DFR0_EXTTRCBUFF_SHIFT  56
/* An ID register field in place, for hiding it from a guest. */
#define ID_FIELD_MASK(shift) FIELD_MASK(shift, ID_FIELD_WIDTH)

/* ID_AA64ISAR2_EL1 has no name in older assemblers: its encoding, for read_sysreg_s(). */
#define SYS_ID_AA64ISAR2_EL1 "s3_0_c0_c6_2"

/* PMCR_EL0, Performance Monitors Control Register. */
#define PMCR_EL0_E	 BIT(0) /* enable all counters */
#define PMCR_EL0_P	 BIT(1) /* reset the event counters */
#define PMCR_EL0_C	 BIT(2) /* reset the cycle counter */
#define PMCR_EL0_D	 BIT(3) /* cycle counter counts every 64th cycle */
#define PMCR_EL0_X	 BIT(4) /* export events */
#define PMCR_EL0_DP	 BIT(5) /* cycle counter disabled where event counting is prohibited */
#define PMCR_EL0_LC	 BIT(6) /* cycle counter overflows at 64 bits */
#define PMCR_EL0_N_SHIFT 11	/* event counters implemented */
#define PMCR_EL0_N_WIDTH 5
/* The control bits E to LC, cleared together before a new configuration is written. */
#define PMCR_EL0_CTRL_MASK \
	(PMCR_EL0_E | PMCR_EL0_P | PMCR_EL0_C | PMCR_EL0_D | PMCR_EL0_X | PMCR_EL0_DP | PMCR_EL0_LC)

/*
 * PMEVTYPER<n>_EL0 and PMCCFILTR_EL0 filter bits: P excludes EL1, U excludes EL0, NSK
 * excludes Non-secure EL1 when it differs from P, NSH includes EL2.
 */
#define PMEVTYPER_P   BIT(31)
#define PMEVTYPER_U   BIT(30)
#define PMEVTYPER_NSK BIT(29)
#define PMEVTYPER_NSH BIT(27)
/* PMCNTEN{SET,CLR}_EL0, PMINTEN{SET,CLR}_EL1, PMOVS{SET,CLR}_EL0: bit 31 is the cycle counter. */
#define PMU_CYCLE_COUNTER_BIT BIT(31)

/* MDSCR_EL1 (D19.3.19): SS software step, KDE debug exceptions at EL1, MDE breakpoints on. */
#define MDSCR_EL1_SS  BIT(0)
#define MDSCR_EL1_KDE BIT(13)
#define MDSCR_EL1_MDE BIT(15)
/* OSLAR_EL1.OSLK: 1 locks the OS lock, as a cold reset leaves it. */
#define OSLAR_EL1_OSLK BIT(0)
/* SPSR_ELx.SS (PSTATE.SS): software step active-not-pending when 1. */
#define SPSR_SS BIT(21)

/* CTR_EL0: DminLine [19:16], log2 of the smallest D-cache line in 4-byte words. */
#define CTR_EL0_DMINLINE_SHIFT 16
#define CTR_EL0_DMINLINE_WIDTH 4

/* DCZID_EL0: BS [3:0], log2 of the DC ZVA block in 4-byte words; DZP, DC ZVA prohibited. */
#define DCZID_EL0_BS_SHIFT 0
#define DCZID_EL0_BS_WIDTH 4
#define DCZID_EL0_DZP	   BIT(4)

/* CNTV_CTL_EL0 / CNTP_CTL_EL0 / CNTHP_CTL_EL2. */
#define CNT_CTL_ENABLE	BIT(0)
#define CNT_CTL_IMASK	BIT(1)
#define CNT_CTL_ISTATUS BIT(2)

/* MPIDR_EL1 affinity fields: Aff3 [39:32], Aff2 [23:16], Aff1 [15:8], Aff0 [7:0]. */
#define MPIDR_AFF0_SHIFT 0
#define MPIDR_AFF1_SHIFT 8
#define MPIDR_AFF2_SHIFT 16
#define MPIDR_AFF3_SHIFT 32
#define MPIDR_AFF_WIDTH	 8
#define MPIDR_AFF_MASK	 UL(0xff00ffffff)

/* HPFAR_EL2: FIPA [43:4] holds IPA[51:12] of a stage 2 fault; FAR_EL2 gives the page offset. */
#define HPFAR_EL2_FIPA_SHIFT	 4
#define HPFAR_EL2_FIPA_WIDTH	 40
#define HPFAR_EL2_FIPA_IPA_SHIFT 12

/* ISR_EL1: an interrupt pending at the PE; A [8] an SError (tested with TBNZ in boot/guest.S). */
#define ISR_EL1_A_SHIFT 8
#define ISR_EL1_A	BIT(ISR_EL1_A_SHIFT)

/* PAR_EL1 after an AT instruction. */
#define PAR_EL1_F	BIT(0)
#define PAR_EL1_PA_MASK GENMASK(47, 12)

#endif
