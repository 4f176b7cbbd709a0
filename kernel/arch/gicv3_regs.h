/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * GICv3 CPU-interface system registers (ICC_*) and virtualisation control registers (ICH_*):
 * encodings and fields as named in Arm IHI 0069 (GICv3/v4), chapter 12. Constants and pure
 * functions only, so the host tests include it; the accessors are in kernel/arch/gicv3_sysregs.h.
 */
#ifndef KERNEL_GICV3_REGS_H
#define KERNEL_GICV3_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/sysregs.h"

/* Encodings (op0_op1_CRn_CRm_op2) for read_sysreg_s()/write_sysreg_s(). */
#define SYS_ICC_PMR_EL1	    "s3_0_c4_c6_0"
#define SYS_ICC_DIR_EL1	    "s3_0_c12_c11_1"
#define SYS_ICC_SGI1R_EL1   "s3_0_c12_c11_5"
#define SYS_ICC_IAR1_EL1    "s3_0_c12_c12_0"
#define SYS_ICC_EOIR1_EL1   "s3_0_c12_c12_1"
#define SYS_ICC_CTLR_EL1    "s3_0_c12_c12_4"
#define SYS_ICC_SRE_EL1	    "s3_0_c12_c12_5"
#define SYS_ICC_IGRPEN1_EL1 "s3_0_c12_c12_7"
#define SYS_ICC_SRE_EL2	    "s3_4_c12_c9_5"
#define SYS_ICH_HCR_EL2	    "s3_4_c12_c11_0"
#define SYS_ICH_VTR_EL2	    "s3_4_c12_c11_1"
#define SYS_ICH_MISR_EL2    "s3_4_c12_c11_2"
#define SYS_ICH_EISR_EL2    "s3_4_c12_c11_3"
#define SYS_ICH_ELRSR_EL2   "s3_4_c12_c11_5"
#define SYS_ICH_VMCR_EL2    "s3_4_c12_c11_7"
/* ICH_LR<n>_EL2: n 0-7 are CRm 12, op2 n; n 8-15 are CRm 13, op2 n - 8. */
#define SYS_ICH_LR_LO(op2) "s3_4_c12_c12_" #op2
#define SYS_ICH_LR_HI(op2) "s3_4_c12_c13_" #op2
#define ICH_LR_MAX	   16

/* ICC_SGI1R_EL1 as trapped from a guest: its op0, op1, CRn, CRm and op2 (ESR_EL2 SYS64 ISS). */
#define ICC_SGI1R_EL1_OP0 3
#define ICC_SGI1R_EL1_OP1 0
#define ICC_SGI1R_EL1_CRN 12
#define ICC_SGI1R_EL1_CRM 11
#define ICC_SGI1R_EL1_OP2 5

/* ICC_SRE_EL2 (12.2.20): SRE, system-register interface at EL2; Enable, EL1 may set its SRE. */
#define ICC_SRE_EL2_SRE	   BIT(0)
#define ICC_SRE_EL2_DFB	   BIT(1)
#define ICC_SRE_EL2_DIB	   BIT(2)
#define ICC_SRE_EL2_ENABLE BIT(3)

/* ICC_PMR_EL1 (12.2.17): the priority mask; 0xff lets every priority through. */
#define ICC_PMR_EL1_ALL UL(0xff)

/* ICC_CTLR_EL1 (12.2.6). */
#define ICC_CTLR_EL1_CBPR	   BIT(0)
#define ICC_CTLR_EL1_EOIMODE	   BIT(1) /* 1: EOIR only drops priority, DIR deactivates */
#define ICC_CTLR_EL1_PMHE	   BIT(6)
#define ICC_CTLR_EL1_PRIBITS_SHIFT 8
#define ICC_CTLR_EL1_PRIBITS_WIDTH 3
#define ICC_CTLR_EL1_IDBITS_SHIFT  11
#define ICC_CTLR_EL1_IDBITS_WIDTH  3
#define ICC_CTLR_EL1_SEIS	   BIT(14)
#define ICC_CTLR_EL1_A3V	   BIT(15)
#define ICC_CTLR_EL1_RSS	   BIT(18)
#define ICC_CTLR_EL1_EXTRANGE	   BIT(19)

/* ICC_IGRPEN1_EL1 (12.2.15). */
#define ICC_IGRPEN1_EL1_ENABLE BIT(0)

/* ICC_IAR1_EL1 (12.2.13) / ICC_EOIR1_EL1 / ICC_DIR_EL1: INTID [23:0]. */
#define ICC_INTID_SHIFT 0
#define ICC_INTID_WIDTH 24

/*
 * ICC_SGI1R_EL1 (12.2.23): Aff3 [55:48], RS [47:44], IRM [40], Aff2 [39:32], INTID [27:24],
 * Aff1 [23:16], TargetList [15:0]. TargetList bit n is the PE with Aff0 = RS * 16 + n.
 */
#define ICC_SGI1R_TARGETLIST_SHIFT 0
#define ICC_SGI1R_TARGETLIST_WIDTH 16
#define ICC_SGI1R_AFF1_SHIFT	   16
#define ICC_SGI1R_INTID_SHIFT	   24
#define ICC_SGI1R_INTID_WIDTH	   4
#define ICC_SGI1R_AFF2_SHIFT	   32
#define ICC_SGI1R_IRM		   BIT(40) /* every PE but the sender; affinity ignored */
#define ICC_SGI1R_RS_SHIFT	   44
#define ICC_SGI1R_RS_WIDTH	   4
#define ICC_SGI1R_AFF3_SHIFT	   48
#define ICC_SGI1R_AFF_WIDTH	   8
#define ICC_SGI1R_RS_TARGETS	   16 /* Aff0 values one TargetList covers */

/* ICH_HCR_EL2 (12.4.8). */
#define ICH_HCR_EL2_EN		   BIT(0)
#define ICH_HCR_EL2_UIE		   BIT(1) /* maintenance IRQ when at most one LR is in use */
#define ICH_HCR_EL2_LRENPIE	   BIT(2)
#define ICH_HCR_EL2_NPIE	   BIT(3)
#define ICH_HCR_EL2_TC		   BIT(10)
#define ICH_HCR_EL2_TALL0	   BIT(11)
#define ICH_HCR_EL2_TALL1	   BIT(12)
#define ICH_HCR_EL2_TDIR	   BIT(14)
#define ICH_HCR_EL2_EOICOUNT_SHIFT 27
#define ICH_HCR_EL2_EOICOUNT_WIDTH 5

/* ICH_VTR_EL2 (12.4.13): ListRegs is the number of list registers minus one. */
#define ICH_VTR_EL2_LISTREGS_SHIFT 0
#define ICH_VTR_EL2_LISTREGS_WIDTH 5
#define ICH_VTR_EL2_TDS		   BIT(19)
#define ICH_VTR_EL2_A3V		   BIT(21)
#define ICH_VTR_EL2_SEIS	   BIT(22)
#define ICH_VTR_EL2_IDBITS_SHIFT   23
#define ICH_VTR_EL2_IDBITS_WIDTH   3
#define ICH_VTR_EL2_PREBITS_SHIFT  26 /* preemption bits minus one */
#define ICH_VTR_EL2_PREBITS_WIDTH  3
#define ICH_VTR_EL2_PRIBITS_SHIFT  29 /* priority bits minus one */
#define ICH_VTR_EL2_PRIBITS_WIDTH  3

/* ICH_VMCR_EL2 (12.4.14): the guest's view of ICV_PMR, ICV_BPR*, ICV_CTLR and ICV_IGRPEN*. */
#define ICH_VMCR_EL2_VENG0	 BIT(0)
#define ICH_VMCR_EL2_VENG1	 BIT(1)
#define ICH_VMCR_EL2_VACKCTL	 BIT(2)
#define ICH_VMCR_EL2_VFIQEN	 BIT(3)
#define ICH_VMCR_EL2_VCBPR	 BIT(4)
#define ICH_VMCR_EL2_VEOIM	 BIT(9)
#define ICH_VMCR_EL2_VBPR1_SHIFT 18
#define ICH_VMCR_EL2_VBPR1_WIDTH 3
#define ICH_VMCR_EL2_VBPR0_SHIFT 21
#define ICH_VMCR_EL2_VBPR0_WIDTH 3
#define ICH_VMCR_EL2_VPMR_SHIFT	 24
#define ICH_VMCR_EL2_VPMR_WIDTH	 8

/*
 * ICH_LR<n>_EL2 (12.4.10): State [63:62], HW [61], Group [60], Priority [55:48], pINTID [44:32]
 * (with HW: the physical interrupt deactivated with the virtual one), vINTID [31:0].
 */
#define ICH_LR_VINTID_SHIFT   0
#define ICH_LR_VINTID_WIDTH   32
#define ICH_LR_PINTID_SHIFT   32
#define ICH_LR_PINTID_WIDTH   13
#define ICH_LR_PRIORITY_SHIFT 48
#define ICH_LR_PRIORITY_WIDTH 8
#define ICH_LR_GROUP	      BIT(60) /* Group 1 */
#define ICH_LR_HW	      BIT(61)
#define ICH_LR_EOI	      BIT(41) /* with HW 0: a maintenance interrupt when deactivated */
#define ICH_LR_STATE_SHIFT    62
#define ICH_LR_STATE_WIDTH    2
#define ICH_LR_STATE_MASK     FIELD_MASK(ICH_LR_STATE_SHIFT, ICH_LR_STATE_WIDTH)
#define ICH_LR_STATE_INVALID  0
#define ICH_LR_STATE_PENDING  1
#define ICH_LR_STATE_ACTIVE   2
#define ICH_LR_STATE_PEND_ACT 3
/* A State value in place, to test or set with the other fields. */
#define ICH_LR_STATE(s) FIELD_PREP((s), ICH_LR_STATE_SHIFT, ICH_LR_STATE_WIDTH)

/*
 * The ICC_SGI1R_EL1 value that sends SGI 'intid' (0-15) to the one PE with affinity 'mpidr':
 * Aff3.Aff2.Aff1 name the cluster, RS the block of 16 Aff0 values, TargetList the PE in it.
 */
static inline uint64_t icc_sgi1r_encode(uint64_t mpidr, unsigned int intid)
{
	uint64_t aff0 = FIELD_GET(mpidr, MPIDR_AFF0_SHIFT, MPIDR_AFF_WIDTH);

	return FIELD_PREP(FIELD_GET(mpidr, MPIDR_AFF3_SHIFT, MPIDR_AFF_WIDTH), ICC_SGI1R_AFF3_SHIFT,
			  ICC_SGI1R_AFF_WIDTH) |
	       FIELD_PREP(aff0 / ICC_SGI1R_RS_TARGETS, ICC_SGI1R_RS_SHIFT, ICC_SGI1R_RS_WIDTH) |
	       FIELD_PREP(FIELD_GET(mpidr, MPIDR_AFF2_SHIFT, MPIDR_AFF_WIDTH), ICC_SGI1R_AFF2_SHIFT,
			  ICC_SGI1R_AFF_WIDTH) |
	       FIELD_PREP(intid, ICC_SGI1R_INTID_SHIFT, ICC_SGI1R_INTID_WIDTH) |
	       FIELD_PREP(FIELD_GET(mpidr, MPIDR_AFF1_SHIFT, MPIDR_AFF_WIDTH), ICC_SGI1R_AFF1_SHIFT,
			  ICC_SGI1R_AFF_WIDTH) |
	       BIT(aff0 % ICC_SGI1R_RS_TARGETS);
}

/* The SGI number an ICC_SGI1R_EL1 write sends. */
static inline unsigned int icc_sgi1r_intid(uint64_t val)
{
	return (unsigned int)FIELD_GET(val, ICC_SGI1R_INTID_SHIFT, ICC_SGI1R_INTID_WIDTH);
}

/*
 * Does an ICC_SGI1R_EL1 write with IRM = 0 name the PE with affinity 'mpidr'? Its Aff3, Aff2
 * and Aff1 must match, RS must select its block of 16 Aff0 values, and TargetList must hold
 * its bit. (IRM = 1, "every PE but the sender", is the caller's: it needs the sender.)
 */
static inline bool icc_sgi1r_targets(uint64_t val, uint64_t mpidr)
{
	uint64_t aff0 = FIELD_GET(mpidr, MPIDR_AFF0_SHIFT, MPIDR_AFF_WIDTH);

	return FIELD_GET(val, ICC_SGI1R_AFF3_SHIFT, ICC_SGI1R_AFF_WIDTH) ==
		       FIELD_GET(mpidr, MPIDR_AFF3_SHIFT, MPIDR_AFF_WIDTH) &&
	       FIELD_GET(val, ICC_SGI1R_AFF2_SHIFT, ICC_SGI1R_AFF_WIDTH) ==
		       FIELD_GET(mpidr, MPIDR_AFF2_SHIFT, MPIDR_AFF_WIDTH) &&
	       FIELD_GET(val, ICC_SGI1R_AFF1_SHIFT, ICC_SGI1R_AFF_WIDTH) ==
		       FIELD_GET(mpidr, MPIDR_AFF1_SHIFT, MPIDR_AFF_WIDTH) &&
	       FIELD_GET(val, ICC_SGI1R_RS_SHIFT, ICC_SGI1R_RS_WIDTH) ==
		       aff0 / ICC_SGI1R_RS_TARGETS &&
	       (FIELD_GET(val, ICC_SGI1R_TARGETLIST_SHIFT, ICC_SGI1R_TARGETLIST_WIDTH) &
		BIT(aff0 % ICC_SGI1R_RS_TARGETS));
}

#endif
