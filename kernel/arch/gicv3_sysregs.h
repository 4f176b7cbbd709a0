/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Accessors for the GICv3 CPU interface (ICC_*) and virtualisation control (ICH_*) system
 * registers, built only on read_sysreg_s()/write_sysreg_s() from kernel/arch/arch.h, so a fake
 * of those two primitives covers every GIC register access. Fields: kernel/arch/gicv3_regs.h.
 */
#ifndef KERNEL_GICV3_SYSREGS_H
#define KERNEL_GICV3_SYSREGS_H

#include <stdint.h>

#include "kernel/arch/arch.h"
#include "kernel/arch/gicv3_regs.h"

static inline uint64_t read_icc_pmr_el1(void)
{
	return read_sysreg_s(SYS_ICC_PMR_EL1);
}

static inline void write_icc_pmr_el1(uint64_t v)
{
	write_sysreg_s(SYS_ICC_PMR_EL1, v);
}

static inline void write_icc_dir_el1(uint64_t v)
{
	write_sysreg_s(SYS_ICC_DIR_EL1, v);
}

static inline void write_icc_sgi1r_el1(uint64_t v)
{
	write_sysreg_s(SYS_ICC_SGI1R_EL1, v);
}

static inline uint64_t read_icc_iar1_el1(void)
{
	return read_sysreg_s(SYS_ICC_IAR1_EL1);
}

static inline void write_icc_eoir1_el1(uint64_t v)
{
	write_sysreg_s(SYS_ICC_EOIR1_EL1, v);
}

static inline uint64_t read_icc_ctlr_el1(void)
{
	return read_sysreg_s(SYS_ICC_CTLR_EL1);
}

static inline void write_icc_ctlr_el1(uint64_t v)
{
	write_sysreg_s(SYS_ICC_CTLR_EL1, v);
}

static inline uint64_t read_icc_sre_el1(void)
{
	return read_sysreg_s(SYS_ICC_SRE_EL1);
}

static inline void write_icc_sre_el1(uint64_t v)
{
	write_sysreg_s(SYS_ICC_SRE_EL1, v);
}

static inline uint64_t read_icc_igrpen1_el1(void)
{
	return read_sysreg_s(SYS_ICC_IGRPEN1_EL1);
}

static inline void write_icc_igrpen1_el1(uint64_t v)
{
	write_sysreg_s(SYS_ICC_IGRPEN1_EL1, v);
}

static inline uint64_t read_icc_sre_el2(void)
{
	return read_sysreg_s(SYS_ICC_SRE_EL2);
}

static inline void write_icc_sre_el2(uint64_t v)
{
	write_sysreg_s(SYS_ICC_SRE_EL2, v);
}

static inline uint64_t read_ich_hcr_el2(void)
{
	return read_sysreg_s(SYS_ICH_HCR_EL2);
}

static inline void write_ich_hcr_el2(uint64_t v)
{
	write_sysreg_s(SYS_ICH_HCR_EL2, v);
}

static inline uint64_t read_ich_vtr_el2(void)
{
	return read_sysreg_s(SYS_ICH_VTR_EL2);
}

static inline uint64_t read_ich_misr_el2(void)
{
	return read_sysreg_s(SYS_ICH_MISR_EL2);
}

static inline uint64_t read_ich_eisr_el2(void)
{
	return read_sysreg_s(SYS_ICH_EISR_EL2);
}

static inline uint64_t read_ich_elrsr_el2(void)
{
	return read_sysreg_s(SYS_ICH_ELRSR_EL2);
}

static inline uint64_t read_ich_vmcr_el2(void)
{
	return read_sysreg_s(SYS_ICH_VMCR_EL2);
}

static inline void write_ich_vmcr_el2(uint64_t v)
{
	write_sysreg_s(SYS_ICH_VMCR_EL2, v);
}

/*
 * ICH_LR<n>_EL2 (gicv3_sysregs.c): n >= 16 reads 0 and ignores the write. Out of line, unlike
 * the rest: inlined, the switch's jump table is set up on every vCPU exit, used or not.
 */
uint64_t read_ich_lr_el2(unsigned int n);
void write_ich_lr_el2(unsigned int n, uint64_t v);

/* Number of list registers this CPU implements (ICH_VTR_EL2.ListRegs + 1). */
static inline unsigned int ich_nr_lrs(void)
{
	return (unsigned int)FIELD_GET(read_ich_vtr_el2(), ICH_VTR_EL2_LISTREGS_SHIFT,
				       ICH_VTR_EL2_LISTREGS_WIDTH) +
	       1;
}

#endif
